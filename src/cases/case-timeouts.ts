import type { CaseState } from './case-state.ts';

/**
 * Case timers as data. Silence is a real signal only in some states: a man who stopped answering
 * while being screened or after a meeting was agreed may be in trouble, and the case goes to
 * `unreachable` (with a notice). A man waiting for deployment is *expected* to be silent for months:
 * `awaiting_front_contact` never times out; instead, once his expected date at the front has passed,
 * the assignee (or, if nobody holds the case, the supervisors) is reminded, and again at the
 * intervals below. Admins override any of it in the `case_timers` setting.
 */
export interface CaseTimeouts {
  /** Days of requester silence before the case becomes unreachable; null: never. */
  silenceDays: Partial<Record<CaseState, number | null>>;
  /** Reminders after the expected front date: days after it, in order; then every `waitRepeatDays`. */
  waitReminderDays: number[];
  waitRepeatDays: number;
}

export function defaultCaseTimeouts(silentDays: number): CaseTimeouts {
  return {
    silenceDays: {
      screening: silentDays,
      verified: silentDays,
      meeting_agreed: silentDays,
      awaiting_front_contact: null,
    },
    waitReminderDays: [0, 7, 14, 30],
    waitRepeatDays: 30,
  };
}

/** The day offset (after the expected date) of the n-th reminder (0-based). */
export function waitReminderOffsetDays(t: CaseTimeouts, n: number): number {
  const list = t.waitReminderDays;
  if (n < list.length) return list[n] as number;
  const last = list[list.length - 1] ?? 0;
  return last + (n - list.length + 1) * Math.max(1, t.waitRepeatDays);
}
