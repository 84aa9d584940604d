import http from 'node:http';
import type { Log } from '../log.ts';
import type { ReadinessCheck } from './health.ts';
import type { Metrics } from './metrics.ts';

/**
 * The operations listener: `/metrics` (Prometheus text), `/livez`, `/readyz` — separate from the
 * public port so that no visitor can read the hotline's load, and so that a worker (which serves no
 * HTTP otherwise) can be probed too. Bound to 127.0.0.1 unless WHITEFLAG_METRICS_HOST says otherwise.
 */
export async function startMetricsServer(opts: {
  host: string;
  port: number;
  metrics: Metrics;
  readiness: ReadinessCheck;
  log: Log;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
    if (url === '/livez') return send(200, 'application/json', '{"status":"live"}');
    if (url === '/readyz') {
      void opts
        .readiness()
        .then((r) =>
          send(
            r.ready ? 200 : 503,
            'application/json',
            JSON.stringify({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks }),
          ),
        );
      return;
    }
    if (url === '/metrics') {
      void opts.metrics.registry.metrics().then(
        (text) => send(200, opts.metrics.registry.contentType, text),
        (e: unknown) => {
          opts.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'metrics collection failed');
          send(503, 'text/plain', 'metrics unavailable\n');
        },
      );
      return;
    }
    send(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  opts.log.info({ url: `http://${opts.host}:${port}/metrics` }, 'metrics listener');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
