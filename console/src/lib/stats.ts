import type { TFunction } from 'i18next';
import type { StatsRange } from '../../../src/stats/stats.schemas.ts';
import { dateFormat } from './format.ts';

/** Statistics work in UTC days (YYYY-MM-DD), as the server's daily rollup does. */
const DAY_MS = 86_400_000;

export const STATS_PRESETS = [30, 90, 365] as const;
export type StatsPreset = (typeof STATS_PRESETS)[number];

/** The server refuses longer ranges. */
export const MAX_RANGE_DAYS = 3 * 366;

export function todayUtc(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function isDay(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function rangeDays(r: StatsRange): number {
  return Math.round((Date.parse(`${r.to}T00:00:00Z`) - Date.parse(`${r.from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The last `days` days up to today (the server's default is the last 90). */
export function presetRange(days: number, now: number = Date.now()): StatsRange {
  const to = todayUtc(now);
  return { from: addDays(to, -(days - 1)), to };
}

/** Which preset a range is, if any. */
export function matchPreset(r: StatsRange, now: number = Date.now()): StatsPreset | null {
  if (r.to !== todayUtc(now)) return null;
  return STATS_PRESETS.find((p) => rangeDays(r) === p) ?? null;
}

export type RangeProblem = 'invalid' | 'order' | 'tooLong';

export function rangeProblem(r: StatsRange): RangeProblem | null {
  if (!isDay(r.from) || !isDay(r.to)) return 'invalid';
  if (r.from > r.to) return 'order';
  if (rangeDays(r) > MAX_RANGE_DAYS) return 'tooLong';
  return null;
}

/** Trailing mean over `window` days (shorter at the start of the series). */
export function movingAverage(values: number[], window = 7): number[] {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i] ?? 0;
    if (i >= window) sum -= values[i - window] ?? 0;
    out.push(Math.round((sum / Math.min(i + 1, window)) * 10) / 10);
  }
  return out;
}

/** "45 min", "2 h 5 min", "3 d 4 h" in the interface language; "—" without a value. */
export function formatMinutes(t: TFunction, minutes: number | null, lang: string): string {
  if (minutes === null || !Number.isFinite(minutes)) return t('app.none');
  if (minutes < 1) return t('stats.duration.underMin');
  if (minutes < 60) return t('stats.duration.min', { n: formatNumber(Math.round(minutes * 10) / 10, lang) });
  const total = Math.round(minutes);
  if (total < 24 * 60) {
    const h = Math.floor(total / 60);
    const m = total % 60;
    return m ? t('stats.duration.hmin', { h, m }) : t('stats.duration.h', { n: h });
  }
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  return h ? t('stats.duration.dh', { d, h }) : t('stats.duration.d', { n: d });
}

/** A UTC day as "27 Nov" / "27 лист.", with the year when asked. */
export function formatDay(day: string, lang: string, withYear = false): string {
  const f = dateFormat(lang, {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  });
  const d = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : f.format(d);
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A count or a one-decimal figure in the interface language ("1 234", "0,5"). */
export function formatNumber(n: number, lang: string): string {
  let f = numberFormats.get(lang);
  if (!f) {
    f = new Intl.NumberFormat(lang === 'uk' ? 'uk-UA' : 'en-GB', { maximumFractionDigits: 1 });
    numberFormats.set(lang, f);
  }
  return f.format(n);
}

export function percent(part: number, whole: number, lang: string): string {
  if (!whole) return '—';
  const p = (part / whole) * 100;
  return `${formatNumber(p >= 10 || p === 0 ? Math.round(p) : Math.round(p * 10) / 10, lang)}%`;
}
