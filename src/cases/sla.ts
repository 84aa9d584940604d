import { sql } from 'kysely';

/**
 * SLA timers, pure. A request waiting for an operator is due within a time that depends on its
 * urgency: the first response counts from first contact, later replies from the requester's last
 * message. "warning" in the last quarter of the window, "breach" after it.
 */
export const SLA_MINUTES: Record<number, number> = { 3: 15, 2: 30, 1: 120, 0: 480 };

/** The longest window: a clock started earlier than this has run out, whatever the urgency. */
export const MAX_SLA_WINDOW_MS = 480 * 60_000;

export interface SlaView {
  state: 'ok' | 'warning' | 'breach';
  dueAt: string | null;
  kind: 'first_response' | 'reply' | null;
}

export function slaMinutes(urgency: number): number {
  return SLA_MINUTES[urgency] ?? SLA_MINUTES[1] ?? 120;
}

export function computeSla(
  t: {
    urgency: number;
    awaitingReply: boolean;
    createdAt: Date;
    lastRequesterAt: Date;
    firstResponseAt: Date | null;
    closed: boolean;
  },
  now: Date,
): SlaView {
  if (!t.awaitingReply || t.closed) return { state: 'ok', dueAt: null, kind: null };
  const kind = t.firstResponseAt ? 'reply' : 'first_response';
  const from = t.firstResponseAt ? t.lastRequesterAt : t.createdAt;
  const windowMs = slaMinutes(t.urgency) * 60_000;
  const due = from.getTime() + windowMs;
  const left = due - now.getTime();
  const state = left < 0 ? 'breach' : left < windowMs / 4 ? 'warning' : 'ok';
  return { state, dueAt: new Date(due).toISOString(), kind };
}

/** The same rule in SQL, for counting breaches without loading rows. */
export function slaBreachSql(now: Date) {
  return sql<boolean>`(awaiting_reply AND merged_into IS NULL AND closed_at IS NULL AND
    (CASE WHEN first_response_at IS NULL THEN created_at ELSE last_requester_at END)
    + (CASE urgency WHEN 3 THEN interval '15 minutes' WHEN 2 THEN interval '30 minutes'
       WHEN 1 THEN interval '120 minutes' ELSE interval '480 minutes' END) < ${now})`;
}
