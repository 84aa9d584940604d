/**
 * Shared plumbing for the provider fakes (Telegram, WhatsApp, Twilio): a plain `node:http` server on
 * 127.0.0.1 with a free port, body parsing (JSON, urlencoded, multipart), scripted fault injection, a
 * sliding-window rate limiter and a small "wait until the fake saw X" helper.
 *
 * Nothing here knows about a provider; each fake decides what its error bodies look like.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------------
// Fault injection

/**
 * One scripted behaviour for the next call(s) of a method. The fields combine like this:
 *
 * - `{ status }`                       answer at once with the provider's error body for `status`
 *                                      (`description` overrides its text; `retryAfter` in seconds for 429).
 * - `{ timeoutMs }`                    hold the request `timeoutMs`, then answer `status` (default 500) —
 *                                      or drop the socket if `drop` is also set. The call has no effect.
 * - `{ drop: true }`                   destroy the socket without answering (ECONNRESET / "other side
 *                                      closed" on the client). The call has no effect.
 * - `{ delayMs }`                      hold the request, then process it normally (a slow provider).
 * - `{ dropAfterProcessing: true }`    process the call (the message IS sent / recorded) and then destroy
 *                                      the socket: the client cannot know it succeeded — the case that
 *                                      makes idempotency matter.
 * - `times`                            how many consecutive calls this behaviour applies to (default 1).
 */
export interface FaultSpec {
  status?: number;
  description?: string;
  retryAfter?: number;
  timeoutMs?: number;
  drop?: boolean;
  delayMs?: number;
  dropAfterProcessing?: boolean;
  times?: number;
}

/** Per-key FIFO of scripted faults. Key `'*'` matches any call not matched by its own key first. */
export class FaultQueue<S extends FaultSpec = FaultSpec> {
  private readonly queues = new Map<string, { spec: S; remaining: number }[]>();

  add(key: string, specs: S[]): void {
    const k = key.toLowerCase();
    const q = this.queues.get(k) ?? [];
    for (const spec of specs) q.push({ spec, remaining: Math.max(1, spec.times ?? 1) });
    this.queues.set(k, q);
  }

  /** Takes the behaviour for one call of `key`, or undefined for "behave normally". */
  take(key: string): S | undefined {
    for (const k of [key.toLowerCase(), '*']) {
      const q = this.queues.get(k);
      const head = q?.[0];
      if (!q || !head) continue;
      head.remaining -= 1;
      if (head.remaining <= 0) q.shift();
      return head.spec;
    }
    return undefined;
  }

  /** How many scripted calls are still queued (for `key`, or in total). */
  pending(key?: string): number {
    const qs = key === undefined ? [...this.queues.values()] : [this.queues.get(key.toLowerCase()) ?? []];
    return qs.flat().reduce((n, e) => n + e.remaining, 0);
  }

  clear(key?: string): void {
    if (key === undefined) this.queues.clear();
    else this.queues.delete(key.toLowerCase());
  }
}

// ---------------------------------------------------------------------------------------------------
// Rate limiting

/** Timestamps of accepted events within a sliding window (default 1 s). */
export class SlidingWindow {
  private readonly stamps: number[] = [];

  constructor(private readonly windowMs = 1000) {}

  private prune(now: number): void {
    while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= now - this.windowMs) this.stamps.shift();
  }

  /** 0 when one more event fits under `limit` now, else the milliseconds until it would. */
  waitMs(limit: number, now: number): number {
    if (!Number.isFinite(limit)) return 0;
    this.prune(now);
    if (this.stamps.length < limit) return 0;
    const blocking = this.stamps[this.stamps.length - limit] ?? now;
    return Math.max(1, blocking + this.windowMs - now);
  }

  add(now: number): void {
    this.stamps.push(now);
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP server

/** What a fake answers: a JSON body (`json`) or raw bytes (`raw`). */
export interface HttpReply {
  status: number;
  json?: unknown;
  raw?: Buffer | string;
  headers?: Record<string, string>;
}

export type RequestHandler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
) => Promise<void>;

export interface FakeHttpServer {
  /** `http://127.0.0.1:<port>` — no trailing slash. */
  url: string;
  /** Aborted when the fake closes: long polls, held faults and webhook retries end. */
  signal: AbortSignal;
  /** Exceptions thrown by the fake's own handlers (a bug in the fake or a misuse by a test). */
  errors: Error[];
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 (free port unless `port` is given). The body is read before the call. */
export async function startHttpServer(handler: RequestHandler, port = 0): Promise<FakeHttpServer> {
  const controller = new AbortController();
  const errors: Error[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      handler(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        errors.push(error);
        reply(res, { status: 500, raw: `fake server error: ${error.message}` });
      });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${actual}`,
    signal: controller.signal,
    errors,
    close() {
      closing ??= (async () => {
        controller.abort();
        // Give held requests (aborted above) a tick to answer before the sockets go.
        await new Promise((r) => setImmediate(r));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}

/** Writes `r` unless the response is already finished or the client went away. */
export function reply(res: http.ServerResponse, r: HttpReply): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const headers: Record<string, string> = { ...r.headers };
  let payload: Buffer | string = '';
  if (r.json !== undefined) {
    payload = JSON.stringify(r.json);
    headers['content-type'] ??= 'application/json';
  } else if (r.raw !== undefined) {
    payload = r.raw;
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}

/** Destroys the connection without an answer (the client sees a reset / "other side closed"). */
export function dropConnection(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.socket?.destroy();
  req.socket.destroy();
}

/** Calls `cb` once if the client disconnects before the response was fully written. */
export function onClientGone(res: http.ServerResponse, cb: () => void): void {
  res.once('close', () => {
    if (!res.writableFinished) cb();
  });
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What happened to a call after fault injection. */
export type FaultOutcome =
  | { kind: 'processed'; reply: HttpReply }
  | { kind: 'processed-dropped'; reply: HttpReply }
  | { kind: 'faulted'; reply: HttpReply }
  | { kind: 'dropped' };

/**
 * Runs one call through `spec`: answers, holds, drops or processes as the spec says and writes the
 * response. `processCall` runs at most once; `faultReply(status)` builds the provider's error body.
 */
export async function runWithFault(
  spec: FaultSpec | undefined,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  signal: AbortSignal,
  faultReply: (status: number, spec: FaultSpec) => HttpReply,
  processCall: () => Promise<HttpReply>,
): Promise<FaultOutcome> {
  if (spec?.delayMs) await sleep(spec.delayMs, signal);
  if (spec?.timeoutMs !== undefined) {
    await sleep(spec.timeoutMs, signal);
    if (spec.drop) {
      dropConnection(req, res);
      return { kind: 'dropped' };
    }
    const r = faultReply(spec.status ?? 500, spec);
    reply(res, r);
    return { kind: 'faulted', reply: r };
  }
  if (spec?.drop) {
    dropConnection(req, res);
    return { kind: 'dropped' };
  }
  if (spec?.status !== undefined) {
    const r = faultReply(spec.status, spec);
    reply(res, r);
    return { kind: 'faulted', reply: r };
  }
  const r = await processCall();
  if (spec?.dropAfterProcessing) {
    dropConnection(req, res);
    return { kind: 'processed-dropped', reply: r };
  }
  reply(res, r);
  return { kind: 'processed', reply: r };
}

// ---------------------------------------------------------------------------------------------------
// Bodies

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

function headerParam(header: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(header);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Parses multipart/form-data. Lenient on purpose: grammY writes `content-disposition:form-data;name="x"`
 * without spaces and `filename=photo.jpg` without quotes.
 */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = headerParam(contentType, 'boundary');
  if (!boundary) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (body.subarray(end - 2, end).toString() === '\r\n') end -= 2;
    const chunk = body.subarray(start, end);
    const headerEnd = chunk.indexOf('\r\n\r\n');
    const headerText = headerEnd === -1 ? '' : chunk.subarray(0, headerEnd).toString('utf8');
    const data = headerEnd === -1 ? chunk : chunk.subarray(headerEnd + 4);
    const headers = new Map<string, string>();
    for (const line of headerText.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (name !== undefined) {
      const part: MultipartPart = { name, data: Buffer.from(data) };
      const filename = headerParam(disposition, 'filename');
      if (filename !== undefined) part.filename = filename;
      const ct = headers.get('content-type');
      if (ct !== undefined) part.contentType = ct;
      parts.push(part);
    }
    pos = next;
  }
  return parts;
}

/** Request body as flat fields (+ uploaded files for multipart). JSON bodies keep their structure. */
export interface ParsedBody {
  fields: Record<string, unknown>;
  files: Map<string, MultipartPart>;
  kind: 'json' | 'form' | 'multipart' | 'empty';
}

export function parseBody(req: http.IncomingMessage, body: Buffer): ParsedBody {
  const ct = (req.headers['content-type'] ?? '').toLowerCase();
  const files = new Map<string, MultipartPart>();
  if (body.length === 0) return { fields: {}, files, kind: 'empty' };
  if (ct.includes('application/json')) {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SyntaxError('JSON body is not an object');
    }
    return { fields: parsed as Record<string, unknown>, files, kind: 'json' };
  }
  if (ct.includes('multipart/form-data')) {
    const fields: Record<string, unknown> = {};
    for (const part of parseMultipart(body, req.headers['content-type'] ?? '')) {
      if (part.filename !== undefined) files.set(part.name, part);
      else fields[part.name] = part.data.toString('utf8');
    }
    return { fields, files, kind: 'multipart' };
  }
  return { fields: formFields(new URLSearchParams(body.toString('utf8'))), files, kind: 'form' };
}

/** URLSearchParams → object; repeated keys become arrays (Twilio's `MediaUrl`, …). */
export function formFields(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Waiting for the fake to see something

/** A list that can be awaited: `await list.waitFor(pred)` resolves with the first (future) match. */
export class Recorder<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<{ pred: (item: T) => boolean; resolve: (item: T) => void }>();

  push(item: T): void {
    this.items.push(item);
    for (const w of this.waiters) {
      if (w.pred(item)) {
        this.waiters.delete(w);
        w.resolve(item);
      }
    }
  }

  /** Resolves with the first recorded item (already recorded or future) that matches. */
  waitFor(pred: (item: T) => boolean, timeoutMs = 10_000, what = 'a matching call'): Promise<T> {
    const found = this.items.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (item: T) => {
          clearTimeout(timer);
          resolve(item);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`fake: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Outbound webhooks (fake → app)

export interface WebhookResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** POSTs `body` to `url` and reads the whole answer. Network errors reject. */
export async function postRaw(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs = 10_000,
  signal?: AbortSignal,
): Promise<WebhookResponse> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers,
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A short human description of a fetch failure ("Connection refused", "Read timeout expired", …). */
export function describeFetchError(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return 'Read timeout expired';
  }
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code === 'ECONNREFUSED') return 'Connection refused';
  if (cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET') return 'Connection reset by peer';
  return cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Sniffs width/height of a PNG or JPEG (0×0 when unknown). */
export function imageSize(bytes: Uint8Array): { width: number; height: number } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) {
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 9 < b.length) {
      if (b[i] !== 0xff) return { width: 0, height: 0 };
      const marker = b[i + 1] ?? 0;
      const len = b.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: b.readUInt16BE(i + 7), height: b.readUInt16BE(i + 5) };
      }
      i += 2 + len;
    }
  }
  return { width: 0, height: 0 };
}

/** Best-effort MIME type of some bytes (images, ogg, pdf), else application/octet-stream. */
export function sniffMime(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 4 && b.readUInt32BE(0) === 0x89504e47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'OggS') return 'audio/ogg';
  if (b.subarray(0, 4).toString('latin1') === '%PDF') return 'application/pdf';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') {
    return 'image/webp';
  }
  if (b.subarray(0, 4).toString('latin1') === 'RIFF') return 'audio/wav';
  return 'application/octet-stream';
}

export function extensionFor(mime: string): string {
  const map: Record<string, string> = {
    'image/jpeg': 'jpg',
    'image/png': 'png',
    'image/webp': 'webp',
    'audio/ogg': 'oga',
    'audio/mpeg': 'mp3',
    'audio/wav': 'wav',
    'audio/x-wav': 'wav',
    'application/pdf': 'pdf',
    'video/mp4': 'mp4',
  };
  return map[mime.split(';')[0]?.trim() ?? ''] ?? 'bin';
}
