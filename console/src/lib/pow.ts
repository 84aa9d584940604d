import type {
  InputEventType as PowEventInputType,
  RecordStatus as PowStatus,
} from '../../../src/pow/pow.lists.ts';
import { isApiError } from '../api.ts';
import { dateFormat } from './format.ts';

/** Today as the server counts days (UTC): a later date is refused as "in the future". */
export function todayUtc(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function isIsoDay(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
}

/** YYYY, YYYY-MM or YYYY-MM-DD (a date of birth may be only partly known). */
export function isPartialDate(v: string): boolean {
  return /^\d{4}(-\d{2}(-\d{2})?)?$/.test(v);
}

/** A calendar day (`YYYY-MM-DD`) in the interface language; partial dates are shown as they are. */
export function formatDate(day: string | null | undefined, lang: string): string {
  if (!day) return '—';
  if (!isIsoDay(day)) return day;
  return dateFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );
}

/** `YYYY-MM` as a month name and year. */
export function formatMonth(month: string, lang: string): string {
  if (!/^\d{4}-\d{2}$/.test(month)) return month;
  return dateFormat(lang, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(`${month}-01T00:00:00Z`),
  );
}

export const INTERNED: readonly PowStatus[] = ['held', 'in_hospital'];

/**
 * Events the server accepts from a status (src/pow/registry.service.ts EVENT_RULES): arrival only
 * while in no facility, transfer only from one, discharge only from hospital.
 */
export function allowedEvents(status: PowStatus, inFacility: boolean): PowEventInputType[] {
  const ends: PowEventInputType[] = ['escape', 'death', 'release', 'repatriation', 'exchange'];
  if (status === 'held')
    return [
      inFacility ? 'transfer' : 'arrival',
      'hospital_admission',
      'health_report',
      ...ends,
    ] as PowEventInputType[];
  if (status === 'in_hospital') return ['hospital_discharge', 'health_report', ...ends];
  return [];
}

/** Which facilities an event may name: hospitals for an admission, camps and transit otherwise. */
export function eventFacilityKind(type: PowEventInputType): 'hospital' | 'not_hospital' | null {
  if (type === 'hospital_admission') return 'hospital';
  if (type === 'arrival' || type === 'transfer' || type === 'hospital_discharge') return 'not_hospital';
  return null;
}

/**
 * The server's field errors as `{ "surname.original": message }`: schema errors carry JSON-pointer
 * paths (`/identity/surname/original`), service errors a dotted `path` in `issues` or one `field`.
 * `strip` removes a leading segment (`identity`) so the keys match the form's.
 */
export function fieldErrorsOf(e: unknown, strip: string[] = []): Record<string, string> {
  if (!isApiError(e) || e.code !== 'validation_failed') return {};
  const out: Record<string, string> = {};
  const norm = (p: string) => {
    let parts = p.replace(/^\//, '').split(/[/.]/).filter(Boolean);
    while (parts.length > 1 && strip.includes(parts[0] as string)) parts = parts.slice(1);
    return parts.join('.');
  };
  const issues = e.details?.issues;
  if (Array.isArray(issues)) {
    for (const i of issues) {
      if (!i || typeof i !== 'object') continue;
      const o = i as { path?: unknown; message?: unknown };
      const key = typeof o.path === 'string' ? norm(o.path) : '';
      if (key && !out[key]) out[key] = typeof o.message === 'string' ? o.message : e.message;
    }
  }
  const field = e.details?.field;
  if (typeof field === 'string' && !out[field]) out[field] = e.message;
  return out;
}

/** A page of `limit` rows: "21–40 of 57". */
export function pageRange(offset: number, count: number, total: number) {
  return { from: count === 0 ? 0 : offset + 1, to: offset + count, total };
}
