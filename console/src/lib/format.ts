import type { TFunction } from 'i18next';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Compact elapsed time for dense tables: "now", "5m", "2h 10m", "3d 4h" (localised units). */
export function formatElapsed(t: TFunction, fromIso: string | null | undefined, now: number): string {
  if (!fromIso) return t('app.none');
  const from = Date.parse(fromIso);
  if (Number.isNaN(from)) return t('app.none');
  const ms = Math.max(0, now - from);
  if (ms < MINUTE) return t('duration.now');
  if (ms < HOUR) return t('duration.m', { n: Math.floor(ms / MINUTE) });
  if (ms < DAY) {
    const h = Math.floor(ms / HOUR);
    const m = Math.floor((ms % HOUR) / MINUTE);
    return m === 0 || h >= 10 ? t('duration.h', { n: h }) : t('duration.hm', { h, m });
  }
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / HOUR);
  return h === 0 || d >= 10 ? t('duration.d', { n: d }) : t('duration.dh', { d, h });
}

/** "5m ago", "2h 10m ago" — and "just now", never "now ago". */
export function formatAgo(t: TFunction, fromIso: string | null | undefined, now: number): string {
  const from = fromIso ? Date.parse(fromIso) : Number.NaN;
  if (Number.isNaN(from)) return t('app.none');
  if (now - from < MINUTE) return t('duration.justNow');
  return t('duration.ago', { time: formatElapsed(t, fromIso, now) });
}

/**
 * The one place that turns an interface language into date formats (issue #14): day first in every
 * language (English as en-GB: 15/03/1990, never the US month first), 24-hour times, cached per
 * language and options. Every date the console shows goes through here.
 */
export function localeOf(lang: string): string {
  return lang === 'uk' ? 'uk-UA' : lang === 'ru' ? 'ru-RU' : 'en-GB';
}

const formats = new Map<string, Intl.DateTimeFormat>();

export function dateFormat(lang: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const full = opts.hour !== undefined ? { ...opts, hourCycle: 'h23' as const } : opts;
  const key = `${lang}|${JSON.stringify(full)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(localeOf(lang), full);
    formats.set(key, f);
  }
  return f;
}

/** Absolute local date and time, in the interface language. */
export function formatDateTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return dateFormat(lang, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(d);
}

/**
 * A (partial) date as people type it — `15.03.1990`, `15/03/1990`, `1990-3-15`, `03.1990`, `1990` —
 * as ISO, or null: the server's own parser (one rule for the form and the API, never a copy).
 */
export { parsePartialDate } from '../../../src/lib/partial-date.ts';

/** What a typed (partial) date was understood as, in words: «15 March 1990». */
export function describePartialDate(iso: string, lang: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number?, number?];
  const at = new Date(Date.UTC(y, (m ?? 1) - 1, d ?? 1));
  const opts: Intl.DateTimeFormatOptions =
    d !== undefined
      ? { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }
      : m !== undefined
        ? { month: 'long', year: 'numeric', timeZone: 'UTC' }
        : { year: 'numeric', timeZone: 'UTC' };
  return dateFormat(lang, opts).format(at);
}
