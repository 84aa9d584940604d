import pg from 'pg';
import type { Log } from '../log.ts';
import type { RequestEvent, RequestEventType } from './event-types.ts';

/**
 * Live updates across every app instance: PostgreSQL LISTEN/NOTIFY on one channel. Events carry ids
 * only, never content — a console refetches what it shows. Writers call `notifySql` inside their
 * transaction (the notification is delivered on commit, or never if it rolls back).
 */
export const EVENTS_CHANNEL = 'whiteflag_events';

export type { RequestEvent, RequestEventType } from './event-types.ts';

export function eventPayload(type: RequestEventType, id: string): string {
  return JSON.stringify({ type, id });
}

export interface EventBus {
  subscribe(fn: (e: RequestEvent) => void): () => void;
  close(): Promise<void>;
}

/** A payload is one event `{type, id}` or a batch `{type, ids: [...]}` from the coalescing notifier. */
function parseEvents(payload: string | undefined): RequestEvent[] {
  try {
    const v = JSON.parse(payload ?? '') as { type?: unknown; id?: unknown; ids?: unknown };
    if (v.type !== 'created' && v.type !== 'message' && v.type !== 'updated') return [];
    const type = v.type;
    if (typeof v.id === 'string') return [{ type, id: v.id }];
    if (Array.isArray(v.ids))
      return v.ids.filter((x): x is string => typeof x === 'string').map((id) => ({ type, id }));
  } catch {
    // ignore malformed payloads
  }
  return [];
}

/**
 * Coalesces events from hot paths (intake) into one NOTIFY per type every few milliseconds. A NOTIFY
 * inside every intake transaction would serialise all commits on PostgreSQL's global notify lock
 * (measured: intake halved); batched, it costs one tiny statement per 50 ms.
 */
export function createNotifier(
  exec: (payload: string) => Promise<unknown>,
  onError: (e: unknown) => void,
  delayMs = 50,
) {
  const pending = new Map<RequestEventType, Set<string>>();
  let timer: NodeJS.Timeout | null = null;
  async function flush(): Promise<void> {
    timer = null;
    const batches = [...pending.entries()];
    pending.clear();
    for (const [type, ids] of batches) {
      const all = [...ids];
      // NOTIFY payloads are limited to 8000 bytes: 100 uuids per message stays well under.
      for (let i = 0; i < all.length; i += 100) {
        await exec(JSON.stringify({ type, ids: all.slice(i, i + 100) })).catch(onError);
      }
    }
  }
  return {
    later(type: RequestEventType, id: string): void {
      const set = pending.get(type) ?? new Set<string>();
      set.add(id);
      pending.set(type, set);
      timer ??= setTimeout(() => void flush(), delayMs);
      timer.unref?.();
    },
    async flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      await flush();
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;

/** One dedicated connection LISTENs; it reconnects with backoff if the server restarts. */
export function createEventBus(url: string, log: Log): EventBus {
  const subscribers = new Set<(e: RequestEvent) => void>();
  let client: pg.Client | null = null;
  let closed = false;
  let retry = 250;

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({ connectionString: url, application_name: 'whiteflag-events' });
    c.on('notification', (msg) => {
      for (const e of parseEvents(msg.payload)) for (const fn of subscribers) fn(e);
    });
    c.on('error', () => {
      // 'end' follows; reconnect there.
    });
    c.on('end', () => {
      if (closed) return;
      client = null;
      setTimeout(() => void connect(), retry).unref();
      retry = Math.min(retry * 2, 10_000);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
      client = c;
      retry = 250;
    } catch (e) {
      log.warn({ err: String(e) }, 'event bus: connect failed; retrying');
      await c.end().catch(() => {});
    }
  }

  void connect();
  return {
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    async close() {
      closed = true;
      subscribers.clear();
      await client?.end().catch(() => {});
    },
  };
}
