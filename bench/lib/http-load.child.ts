import http from 'node:http';
import type { ChildMessage, HttpLoadResult, HttpLoadSpec, ParentMessage } from './http-load.ts';
import { runClosedLoop } from './load.ts';
import { variedText } from './texts.ts';

/** The client side of runHttpLoad (see http-load.ts); started with fork(), talks over IPC. */

const LOW_WATER = 512;
const BATCH = 256;

function post(msg: ChildMessage): void {
  process.send?.(msg);
}

/** Single-use tokens from the parent: asks for the next batch before running out. */
class TokenSupply {
  #tokens: string[] = [];
  #next = 0;
  #waiting: Array<(token: string) => void> = [];
  #requested = false;

  add(tokens: string[]): void {
    this.#tokens = this.#tokens.slice(this.#next).concat(tokens);
    this.#next = 0;
    this.#requested = false;
    while (this.#waiting.length > 0 && this.#next < this.#tokens.length) {
      (this.#waiting.shift() as (token: string) => void)(this.#tokens[this.#next++] as string);
    }
    this.#refill();
  }

  take(): Promise<string> {
    const token = this.#tokens[this.#next];
    if (token !== undefined) this.#next++;
    this.#refill();
    if (token !== undefined) return Promise.resolve(token);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #refill(): void {
    if (this.#requested || this.#tokens.length - this.#next >= LOW_WATER) return;
    this.#requested = true;
    post({ type: 'need-tokens', count: BATCH });
  }
}

function textSample(body: string): string {
  return body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** node:http rather than fetch: the client's own CPU shares the machine with the server measured. */
function request(agent: http.Agent, url: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: body === undefined ? 'GET' : 'POST',
        agent,
        headers:
          body === undefined
            ? {}
            : {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
              },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(spec: HttpLoadSpec, tokens: TokenSupply, stop: AbortSignal): Promise<HttpLoadResult> {
  const responseSamples: Record<string, string> = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  let cpuAtStart = process.cpuUsage();
  let clientCpuMs = 0;
  const tokenRe = new RegExp(`name="${spec.tokenField ?? 'token'}" value="([^"]+)"`);
  const result = await runClosedLoop({
    concurrency: spec.concurrency,
    warmupMs: spec.warmupMs,
    durationMs: spec.durationMs,
    success: '200',
    signal: stop,
    onWindow: (edge) => {
      if (edge === 'start') cpuAtStart = process.cpuUsage();
      else {
        const d = process.cpuUsage(cpuAtStart);
        clientCpuMs = (d.user + d.system) / 1000;
      }
      post({ type: 'window', edge });
    },
    op: async () => {
      const fields = new URLSearchParams(spec.form);
      if (spec.vary) fields.set(spec.vary.field, variedText(spec.vary.words));
      if (spec.formUrl) {
        const page = await request(agent, spec.formUrl);
        const token = tokenRe.exec(page.body)?.[1];
        if (page.status !== 200 || !token) {
          const status = `GET ${page.status}`;
          responseSamples[status] ??= textSample(page.body);
          return status;
        }
        fields.set(spec.tokenField ?? 'token', token);
      } else if (spec.tokenField) fields.set(spec.tokenField, await tokens.take());
      const res = await request(agent, spec.url, fields.toString());
      const status = String(res.status);
      if (res.status !== 200) responseSamples[status] ??= textSample(res.body);
      return status;
    },
  });
  agent.destroy();
  return { ...result, clientCpuMs, responseSamples };
}

const tokens = new TokenSupply();
const stop = new AbortController();
process.on('message', (raw) => {
  const msg = raw as ParentMessage;
  switch (msg.type) {
    case 'start':
      // A form-fetching load takes its tokens from the pages; the parent sends none.
      if (!msg.spec.formUrl) tokens.add(msg.tokens);
      run(msg.spec, tokens, stop.signal).then(
        (result) => post({ type: 'done', result }),
        (e: unknown) =>
          post({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
      break;
    case 'tokens':
      tokens.add(msg.tokens);
      break;
    case 'stop':
      stop.abort();
      break;
  }
});
// The parent ends this process once it has the result (keep-alive sockets would hold it open).
process.on('disconnect', () => process.exit(0));
post({ type: 'ready' });
