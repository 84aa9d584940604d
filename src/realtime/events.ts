import pg from 'pg';
import type { Log } from '../log.ts';

/**
 * Live updates across every app instance: PostgreSQL LISTEN/NOTIFY on one channel. Events carry ids
 * only, never content — a console refetches what it shows. Writers call `notifySql` inside their
 * transaction (the notification is delivered on commit, or never if it rolls back).
 */
export const EVENTS_CHANNEL = 'whiteflag_events';

export type RequestEventType = 'created' | 'message' | 'updated';
export interface RequestEvent {
  type: RequestEventType;
  id: string;
}

export function eventPayload(type: RequestEventType, id: string): string {
  return JSON.stringify({ type, id });
}

export interface EventBus {
  subscribe(fn: (e: RequestEvent) => void): () => void;
  close(): Promise<void>;
}

function parseEvent(payload: string | undefined): RequestEvent | null {
  try {
    const v = JSON.parse(payload ?? '') as Partial<RequestEvent>;
    if ((v.type === 'created' || v.type === 'message' || v.type === 'updated') && typeof v.id === 'string') {
      return { type: v.type, id: v.id };
    }
  } catch {
    // ignore malformed payloads
  }
  return null;
}

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
      const e = parseEvent(msg.payload);
      if (e) for (const fn of subscribers) fn(e);
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
