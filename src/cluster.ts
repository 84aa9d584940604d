import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config.ts';
import type { Log } from './log.ts';
import { openRuntime } from './runtime.ts';

/**
 * Every core for web traffic (issue #13, docs/decisions/0016): with WHITEFLAG_WEB_PROCESSES above 1
 * the started process only supervises. It opens what all processes share once (the embedded
 * PostgreSQL, the migrations, a first key file), then forks N web processes that share the listening
 * port (node:cluster hands each new connection to one of them in turn) and, for role `all`, exactly
 * one job runner (role `worker`: scheduled jobs, outbox delivery, channel polling). A process that
 * dies is started again; SIGTERM/SIGINT stop every process, then the database, once.
 *
 * Each process keeps its own state in memory: the routing key (a new or restarted process asks a
 * running peer for it, crypto/routing-keeper.ts), the admission limit (each learns its share of the
 * database), caches. The database pool is split between the web processes.
 */

/** The environment variable that names a cluster child (`web-1`, `jobs`) in its log lines. */
export const PROCESS_NAME_ENV = 'WHITEFLAG_PROCESS_NAME';

interface Child {
  name: string;
  env: Record<string, string>;
  worker: Worker | null;
  /** When it was last started, for the crash-loop backoff. */
  startedAt: number;
  failures: number;
}

const STOP_TIMEOUT_MS = 25_000;

export async function runCluster(config: Config, log: Log): Promise<void> {
  const runtime = await openRuntime(config, log);
  if (runtime.keysCreated) {
    log.warn(
      { keyFile: config.keys.file },
      '!!! New keys were generated (master, index or audit key). BACK UP THIS FILE (offline, encrypted): without it, server-tier data and receipt look-ups are lost. Never store it with database backups.',
    );
  }
  const n = config.webProcesses;
  const webPool = String(Math.max(4, Math.ceil(config.database.poolSize / n)));
  const children: Child[] = [];
  for (let i = 1; i <= n; i++)
    children.push({
      name: `web-${i}`,
      env: { WHITEFLAG_ROLE: 'web', WHITEFLAG_DB_POOL: webPool, [PROCESS_NAME_ENV]: `web-${i}` },
      worker: null,
      startedAt: 0,
      failures: 0,
    });
  if (config.role === 'all')
    children.push({
      name: 'jobs',
      env: { WHITEFLAG_ROLE: 'worker', [PROCESS_NAME_ENV]: 'jobs' },
      worker: null,
      startedAt: 0,
      failures: 0,
    });

  let closing = false;
  let announced = false;
  const listening = new Set<string>();

  function start(child: Child): void {
    child.startedAt = Date.now();
    const worker = cluster.fork(child.env);
    child.worker = worker;
    worker.on('listening', () => {
      listening.add(child.name);
      if (!announced && listening.size === n) {
        announced = true;
        log.info(
          {
            url: `http://${config.http.host}:${config.http.port}`,
            role: config.role,
            webProcesses: n,
          },
          'Whiteflag is listening',
        );
      }
    });
    worker.on('exit', (code, signal) => {
      if (child.worker === worker) child.worker = null;
      if (closing) return;
      // Crash loop: a process that dies within 10 s of its start waits longer each time (1 s … 30 s).
      child.failures = Date.now() - child.startedAt < 10_000 ? child.failures + 1 : 0;
      const delay = Math.min(30_000, 1000 * 2 ** Math.max(0, child.failures - 1));
      log.error(
        { process: child.name, code, signal, restartInMs: delay },
        'process exited; starting it again',
      );
      // Also waits out a Ctrl-C, which reaches the children a moment before this process decides.
      setTimeout(() => {
        if (!closing && child.worker === null) start(child);
      }, delay).unref();
    });
  }

  for (const child of children) start(child);
  if (config.role === 'all' && n > 0) log.info({ webProcesses: n, jobRunner: 'jobs' }, 'supervising');

  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const running = children.map((c) => c.worker).filter((w): w is Worker => w !== null && !w.isDead());
    await Promise.all(
      running.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const timer = setTimeout(() => w.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            // Each child runs its own shutdown (HTTP, jobs, audit chain), then exits.
            w.process.kill('SIGTERM');
          }),
      ),
    );
    try {
      await runtime.close();
    } catch (e) {
      log.error(
        { step: 'database', err: e instanceof Error ? e.message : String(e) },
        'shutdown step failed',
      );
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
