import type { ChildMessage, HttpLoadResult, HttpLoadSpec, ParentMessage } from './http-load.ts';
import { runClosedLoop } from './load.ts';

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

async function run(spec: HttpLoadSpec, tokens: TokenSupply, stop: AbortSignal): Promise<HttpLoadResult> {
  const responseSamples: Record<string, string> = {};
  let cpuAtStart = process.cpuUsage();
  let clientCpuMs = 0;
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
      if (spec.tokenField) fields.set(spec.tokenField, await tokens.take());
      const res = await fetch(spec.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: fields.toString(),
      });
      const status = String(res.status);
      if (res.status !== 200 && !(status in responseSamples)) {
        responseSamples[status] = textSample(await res.text());
      } else {
        await res.arrayBuffer();
      }
      return status;
    },
  });
  return { ...result, clientCpuMs, responseSamples };
}

const tokens = new TokenSupply();
const stop = new AbortController();
process.on('message', (raw) => {
  const msg = raw as ParentMessage;
  switch (msg.type) {
    case 'start':
      tokens.add(msg.tokens);
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
