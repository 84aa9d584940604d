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

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** Absolute local date and time, in the interface language. */
export function formatDateTime(iso: string | null | undefined, lang: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  let f = dateTimeFormats.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === 'uk' ? 'uk-UA' : 'en-GB', {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    dateTimeFormats.set(lang, f);
  }
  return f.format(d);
}
