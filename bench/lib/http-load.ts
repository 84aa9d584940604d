import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoadResult } from './load.ts';
import type { Teardown } from './teardown.ts';

/**
 * HTTP load from a separate process, so that the client's own CPU (fetch, body reading, latency
 * book-keeping) does not run on the event loop of the server being measured. Requests are
 * form posts; when `tokenField` is set, each request carries a fresh single-use token that the
 * parent (the server's process) issues on demand, in small batches.
 */
export interface HttpLoadSpec {
  url: string;
  /** Urlencoded form fields sent with every request. */
  form: Record<string, string>;
  /** Name of the field that gets a fresh token from `issueToken` per request. */
  tokenField?: string | undefined;
  /**
   * Each operation first GETs this page and posts the token it carries (`name="<tokenField>"`), as a
   * browser does: one operation is then GET + POST, and the server issues the tokens itself.
   */
  formUrl?: string | undefined;
  /**
   * A field given a fresh text per request: 12–31 words drawn from these (a flood of varied texts,
   * issue #13), instead of the fixed value in `form`.
   */
  vary?: { field: string; words: readonly string[] } | undefined;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface HttpLoadResult extends LoadResult {
  /** CPU the client process used during the measured window, ms (user + system). */
  clientCpuMs: number;
  /** The start of the first response body for each non-200 status, tags stripped. */
  responseSamples: Record<string, string>;
}

export type ParentMessage =
  | { type: 'start'; spec: HttpLoadSpec; tokens: string[] }
  | { type: 'tokens'; tokens: string[] }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'need-tokens'; count: number }
  | { type: 'window'; edge: 'start' | 'end' }
  | { type: 'done'; result: HttpLoadResult }
  | { type: 'failed'; error: string };

const CHILD = fileURLToPath(new URL('./http-load.child.ts', import.meta.url));
const INITIAL_TOKENS = 1024;

function send(child: ChildProcess, msg: ParentMessage): void {
  if (child.connected) child.send(msg);
}

export function runHttpLoad(
  spec: HttpLoadSpec,
  opts: {
    teardown: Teardown;
    issueToken?: (() => string) | undefined;
    onWindow?: ((edge: 'start' | 'end') => void) | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<HttpLoadResult> {
  const issue = (n: number): string[] => {
    if (!spec.tokenField || spec.formUrl) return [];
    if (!opts.issueToken) throw new Error('tokenField is set but no issueToken was given');
    return Array.from({ length: n }, opts.issueToken);
  };
  // Inherits the tsx loader through process.execArgv.
  const child = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  opts.teardown.add('stop the HTTP load process', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const onAbort = () => send(child, { type: 'stop' });
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise<HttpLoadResult>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    child.on('message', (raw) => {
      const msg = raw as ChildMessage;
      try {
        switch (msg.type) {
          case 'ready':
            send(child, { type: 'start', spec, tokens: issue(INITIAL_TOKENS) });
            break;
          case 'need-tokens':
            send(child, { type: 'tokens', tokens: issue(msg.count) });
            break;
          case 'window':
            opts.onWindow?.(msg.edge);
            break;
          case 'done':
            settle(() => resolve(msg.result));
            child.disconnect(); // the child exits on disconnect
            break;
          case 'failed':
            settle(() => reject(new Error(`HTTP load process failed: ${msg.error}`)));
            break;
        }
      } catch (e) {
        settle(() => reject(e));
      }
    });
    child.once('error', (e) => settle(() => reject(e)));
    child.once('exit', (code, signal) =>
      settle(() => reject(new Error(`HTTP load process exited early (code ${code}, signal ${signal})`))),
    );
  });
}
