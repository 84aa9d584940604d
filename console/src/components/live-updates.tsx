import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { RequestEvent } from '../../../src/realtime/event-types.ts';
import { type LiveStatus, useLiveEvents } from '../hooks/use-live-events.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

const LiveContext = createContext<LiveStatus>('offline');

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext);
}

// A hostile flood sends hundreds of events a second: refetch at most this often, whatever comes in.
const FLUSH_MS = 1500;

/**
 * Turns server-sent events into query invalidations. Events carry ids only; whatever is on screen
 * is refetched. New requests are announced once per batch, politely (role=status), never one toast
 * per event.
 */
export function LiveUpdates({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const pending = useRef<{ ids: Set<string>; created: number; timer: number | undefined }>({
    ids: new Set(),
    created: 0,
    timer: undefined,
  });

  const flush = useCallback(() => {
    const p = pending.current;
    p.timer = undefined;
    const ids = [...p.ids];
    const created = p.created;
    p.ids.clear();
    p.created = 0;
    void queryClient.invalidateQueries({ queryKey: queryKeys.queueAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.countsAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.supervisor });
    // Timers and the outbox notify through request events too (a meeting soon, a failed delivery).
    void queryClient.invalidateQueries({ queryKey: queryKeys.notifications });
    for (const id of ids) {
      void queryClient.invalidateQueries({ queryKey: queryKeys.request(id) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.protocol(id) });
    }
    if (created > 0) {
      notifications.show({
        id: 'live-new-requests',
        message: created === 1 ? t('queue.newRequest') : t('queue.newRequests', { count: created }),
        color: 'blue',
        autoClose: 4000,
        withCloseButton: true,
        role: 'status',
      });
    }
  }, [queryClient, t]);

  const onEvent = useCallback(
    (e: RequestEvent) => {
      const p = pending.current;
      p.ids.add(e.id);
      if (e.type === 'created') p.created += 1;
      if (p.timer === undefined) p.timer = window.setTimeout(flush, FLUSH_MS);
    },
    [flush],
  );

  useEffect(() => () => window.clearTimeout(pending.current.timer), []);

  // The event stream is about requests: roles without the queue (registrars, liaisons) get none.
  const user = useCurrentUser();
  const status = useLiveEvents(hasPermission(user, 'queue.read'), onEvent);
  return <LiveContext value={status}>{children}</LiveContext>;
}
