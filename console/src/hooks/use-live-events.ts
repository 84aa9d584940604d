import { useEffect, useRef, useState } from 'react';
import type { RequestEvent } from '../../../src/realtime/event-types.ts';

export type LiveStatus = 'connecting' | 'live' | 'offline';

function parseEvent(data: string): RequestEvent | null {
  try {
    const v: unknown = JSON.parse(data);
    if (!v || typeof v !== 'object') return null;
    const o = v as Record<string, unknown>;
    if (typeof o.id !== 'string') return null;
    if (o.type !== 'created' && o.type !== 'message' && o.type !== 'updated') return null;
    return { type: o.type, id: o.id };
  } catch {
    return null;
  }
}

const MIN_RETRY_MS = 3_000;
const MAX_RETRY_MS = 60_000;

/**
 * Server-sent events from /api/events. The browser reconnects by itself after network blips; when
 * the server refuses the stream (an HTTP error closes it for good) we retry with a growing delay.
 */
export function useLiveEvents(enabled: boolean, onEvent: (e: RequestEvent) => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    if (!enabled) return;
    let source: EventSource | null = null;
    let retryTimer: number | undefined;
    let delay = MIN_RETRY_MS;
    let stopped = false;

    const connect = () => {
      setStatus('connecting');
      source = new EventSource('/api/events');
      source.addEventListener('open', () => {
        delay = MIN_RETRY_MS;
        setStatus('live');
      });
      source.addEventListener('request', (msg) => {
        const e = parseEvent((msg as MessageEvent<string>).data);
        if (e) onEventRef.current(e);
      });
      source.addEventListener('error', () => {
        if (stopped || !source) return;
        if (source.readyState === EventSource.CLOSED) {
          setStatus('offline');
          source = null;
          retryTimer = window.setTimeout(connect, delay);
          delay = Math.min(delay * 2, MAX_RETRY_MS);
        } else setStatus('connecting');
      });
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(retryTimer);
      source?.close();
    };
  }, [enabled]);

  return enabled ? status : 'offline';
}
