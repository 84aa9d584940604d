import type { ProtocolQuestion } from './protocol.schema.ts';

/**
 * Answer values by question type: validated the same way whether they come from the API (JSON) or a
 * no-JS web form (strings). Returns the normalised value or an error key for the i18n catalogue.
 */
export type AnswerValue = string | number | boolean | string[] | { start: string; end: string };

export type AnswerError = 'required' | 'invalid' | 'too_long' | 'out_of_range';

const HOTLINE_TZ = 'Europe/Kyiv';

/** `YYYY-MM-DDTHH:mm` typed in a datetime-local field means hotline (Kyiv) time. */
export function kyivLocalToUtc(local: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi);
  if (Number.isNaN(asUtc)) return null;
  // The offset of Kyiv at that moment (DST-aware), found by formatting the UTC guess in Kyiv.
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: HOTLINE_TZ,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(asUtc));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const kyivAsUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return new Date(asUtc - (kyivAsUtc - asUtc));
}

export function utcToKyivLocal(iso: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: HOTLINE_TZ,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(iso));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

function isEmpty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    (typeof v === 'string' && v.trim() === '') ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && !Array.isArray(v) && v !== null && Object.values(v).every((x) => isEmpty(x)))
  );
}

/** Validates one answer. `undefined` value with no error means "not answered" (allowed when optional). */
export function validateAnswer(
  q: ProtocolQuestion,
  raw: unknown,
): { value?: AnswerValue; error?: AnswerError } {
  if (isEmpty(raw)) return q.required ? { error: 'required' } : {};
  switch (q.type) {
    case 'text':
    case 'coarse_location': {
      if (typeof raw !== 'string') return { error: 'invalid' };
      const v = raw.trim();
      return v.length > 500 ? { error: 'too_long' } : { value: v };
    }
    case 'longtext': {
      if (typeof raw !== 'string') return { error: 'invalid' };
      const v = raw.trim();
      return v.length > 5000 ? { error: 'too_long' } : { value: v };
    }
    case 'choice': {
      const ok = typeof raw === 'string' && q.options?.some((o) => o.value === raw);
      return ok ? { value: raw as string } : { error: 'invalid' };
    }
    case 'multichoice': {
      const arr = Array.isArray(raw) ? raw : [raw];
      if (!arr.every((x) => typeof x === 'string' && q.options?.some((o) => o.value === x)))
        return { error: 'invalid' };
      return { value: [...new Set(arr as string[])] };
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
      if (!Number.isFinite(n)) return { error: 'invalid' };
      if ((q.min !== undefined && n < q.min) || (q.max !== undefined && n > q.max))
        return { error: 'out_of_range' };
      return { value: n };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (raw === 'yes' || raw === 'true') return { value: true };
      if (raw === 'no' || raw === 'false') return { value: false };
      return { error: 'invalid' };
    }
    case 'date': {
      if (
        typeof raw !== 'string' ||
        !/^\d{4}-\d{2}-\d{2}$/.test(raw) ||
        Number.isNaN(Date.parse(`${raw}T00:00:00Z`))
      ) {
        return { error: 'invalid' };
      }
      return { value: raw };
    }
    case 'datetime_window': {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'invalid' };
      const { start, end } = raw as { start?: unknown; end?: unknown };
      const toDate = (x: unknown) =>
        typeof x !== 'string' ? null : /Z$|[+-]\d{2}:\d{2}$/.test(x) ? new Date(x) : kyivLocalToUtc(x);
      const s = toDate(start);
      const e = toDate(end);
      if (!s || !e || Number.isNaN(s.getTime()) || Number.isNaN(e.getTime())) return { error: 'invalid' };
      if (e <= s || e.getTime() - s.getTime() > 7 * 86_400_000) return { error: 'out_of_range' };
      return { value: { start: s.toISOString(), end: e.toISOString() } };
    }
  }
}
