import { dateFormat, parsePartialDate } from './format.ts';

/**
 * Dates the operator types (issue #14). The browser's own pickers (`<input type="date">`) follow the
 * browser's locale — month first and AM/PM in an en-US browser — while the console shows every date day
 * first, 24-hour, through `dateFormat`. So the console's date fields are text fields that show a value
 * exactly as the rest of the console does and read it back with the server's own parser: `15.03.2026`,
 * `15/03/2026`, `2026-03-15` (what a test or a paste may hold) all mean the 15th of March; a dotted or
 * slashed date is never read month first.
 */

const DAY: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  timeZone: 'UTC',
};
const DAY_TIME: Intl.DateTimeFormatOptions = { ...DAY, hour: '2-digit', minute: '2-digit' };

/** `YYYY-MM-DD` as the console shows a day: `15.03.2026` (uk), `15/03/2026` (en). */
export function showDay(iso: string, lang: string): string {
  return readDay(iso) === null ? iso : dateFormat(lang, DAY).format(new Date(`${iso}T00:00:00Z`));
}

/** A typed day → `YYYY-MM-DD`, or null when it is not one whole day (a month or a year alone is not). */
export function readDay(text: string): string | null {
  const iso = parsePartialDate(text);
  return iso !== null && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso : null;
}

/** `YYYY-MM-DDTHH:mm` (wall-clock, as the API's local times) as the console shows it: `15.03.2026, 14:30`. */
export function showDateTime(local: string, lang: string): string {
  return readDateTime(local) === null ? local : dateFormat(lang, DAY_TIME).format(new Date(`${local}:00Z`));
}

/** `15.03.2026 14:30`, `15/03/2026, 9:05`, `2026-03-15T14:30` → `YYYY-MM-DDTHH:mm`, or null. */
export function readDateTime(text: string): string | null {
  const m = /^(.+?)(?:\s*,\s*|\s+|T)(\d{1,2})[:.](\d{2})$/.exec(text.normalize('NFKC').trim());
  if (!m) return null;
  const day = readDay(m[1]!);
  const hour = Number(m[2]);
  const minute = Number(m[3]);
  if (day === null || hour > 23 || minute > 59) return null;
  return `${day}T${String(hour).padStart(2, '0')}:${m[3]}`;
}
