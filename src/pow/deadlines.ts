/**
 * Deadlines of the Third Geneva Convention, as pure functions of dates (`YYYY-MM-DD`, UTC days) so
 * that they are tested with an injected clock.
 *
 * - Art. 70: "immediately upon capture, or not more than one week after arrival at a camp, even if it
 *   is a transit camp, likewise in case of sickness or transfer to hospital or to another camp" the
 *   prisoner is enabled to send a capture card → a card is due 7 days after arrival, transfer or
 *   hospital admission.
 * - Art. 122 para 7: the state of health of the seriously ill or seriously wounded is reported
 *   "every week if possible" → due 7 days after the last report (or after becoming seriously ill).
 * - Art. 122 para 3/4: information is forwarded "by the most rapid means"; the Convention sets no
 *   number of days, so the platform treats a change not in a delivered batch after
 *   `NOTIFY_WITHIN_DAYS` as overdue.
 * - Art. 71: prisoners may send "not less than two letters and four cards monthly".
 */
export const CARD_WITHIN_DAYS = 7;
export const HEALTH_REPORT_EVERY_DAYS = 7;
export const NOTIFY_WITHIN_DAYS = 7;
export const DUE_SOON_DAYS = 2;
export const MONTHLY_MINIMUM = { letters: 2, cards: 4 } as const;

export type DeadlineState = 'done' | 'open' | 'due_soon' | 'overdue';

const DAY = 86_400_000;

export function toDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return toDay(new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY));
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);
}

export function deadlineState(dueOn: string, doneOn: string | null, today: string): DeadlineState {
  if (doneOn) return 'done';
  const left = daysBetween(today, dueOn);
  if (left < 0) return 'overdue';
  if (left <= DUE_SOON_DAYS) return 'due_soon';
  return 'open';
}

/** Art. 70: the capture card for an arrival at a camp, a transfer or a hospital admission on `eventOn`. */
export function captureCardDue(eventOn: string): string {
  return addDays(eventOn, CARD_WITHIN_DAYS);
}

/** Events that create a capture-card duty (art. 70), and the reason printed on the card. */
export function cardReasonFor(eventType: string): 'arrival' | 'transfer' | 'hospital' | null {
  if (eventType === 'arrival') return 'arrival';
  if (eventType === 'transfer') return 'transfer';
  if (eventType === 'hospital_admission') return 'hospital';
  return null;
}

/** Art. 122 para 7: next weekly health report of a seriously ill or wounded prisoner. */
export function healthReportDue(lastReportOn: string | null, seriouslyIllSince: string): string {
  const from = lastReportOn && lastReportOn > seriouslyIllSince ? lastReportOn : seriouslyIllSince;
  return addDays(from, HEALTH_REPORT_EVERY_DAYS);
}

/** A change recorded at `changedAt` and not yet in a delivered batch. */
export function notificationState(changedAt: Date, now: Date): 'pending' | 'overdue' {
  return now.getTime() - changedAt.getTime() > NOTIFY_WITHIN_DAYS * DAY ? 'overdue' : 'pending';
}

export interface MonthCorrespondence {
  /** `YYYY-MM` */
  month: string;
  letters: number;
  cards: number;
}

/**
 * Art. 71 minimum for one month. A past month below the minimum is `below_minimum` (check that the
 * prisoner was offered the chance to write); the current month is `behind` once less than ten days
 * are left and the count is below the minimum, otherwise `on_track`.
 */
export function correspondenceState(
  m: MonthCorrespondence,
  today: string,
): 'met' | 'on_track' | 'behind' | 'below_minimum' {
  const met = m.letters >= MONTHLY_MINIMUM.letters && m.cards >= MONTHLY_MINIMUM.cards;
  if (met) return 'met';
  const current = today.slice(0, 7);
  if (m.month < current) return 'below_minimum';
  if (m.month > current) return 'on_track';
  const [y, mo] = current.split('-').map(Number) as [number, number];
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const left = daysInMonth - Number(today.slice(8, 10));
  return left < 10 ? 'behind' : 'on_track';
}

export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
