import type { TFunction } from 'i18next';
import {
  LANGUAGES as REQUEST_LANGUAGES,
  type Language as RequestLanguage,
} from '../../../src/i18n/languages.ts';
import type {
  AnswerValue,
  LocalizedText,
  ProtocolQuestionView as ProtocolQuestion,
} from '../../../src/protocol/protocol.schema.ts';
import { dateFormat } from './format.ts';

/**
 * Helpers for the protocol checklist: texts in the right language, answers to and from form fields,
 * meeting times in hotline time (Kyiv), and the server's `nextAction` in words.
 */

/** A protocol text in `lang`; Russian (always present in a valid definition) when that one is missing. */
export function pickText(text: Partial<LocalizedText> | null | undefined, lang: string): string {
  if (!text) return '';
  const own = (REQUEST_LANGUAGES as readonly string[]).includes(lang)
    ? text[lang as RequestLanguage]
    : undefined;
  return own || text.ru || text.uk || text.en || '';
}

/** The hotline works in Kyiv time; a datetime-local field without offset means Kyiv time to the server. */
export const HOTLINE_TZ = 'Europe/Kyiv';

const kyivParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: HOTLINE_TZ,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** ISO instant → `YYYY-MM-DDTHH:mm` in Kyiv time, for a datetime-local input. */
export function utcToKyivLocal(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const parts = kyivParts.formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

/** An instant as Kyiv wall-clock time, in the interface language. */
export function formatKyiv(iso: string, lang: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return dateFormat(lang, {
    timeZone: HOTLINE_TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(d);
}

/** What a form field holds while the operator edits an answer. */
export type Draft = string | number | string[] | { start: string; end: string } | null;

function isWindow(v: unknown): v is { start: string; end: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as { start?: unknown }).start === 'string' &&
    typeof (v as { end?: unknown }).end === 'string'
  );
}

/** The stored answer as the field shows it. */
export function draftFromAnswer(q: ProtocolQuestion): Draft {
  const a = q.answer;
  switch (q.type) {
    case 'text':
    case 'longtext':
    case 'coarse_location':
    case 'date':
      return typeof a === 'string' ? a : '';
    case 'choice':
      return typeof a === 'string' ? a : null;
    case 'multichoice':
      return Array.isArray(a) ? a : [];
    case 'number':
      return typeof a === 'number' ? a : '';
    case 'boolean':
      return a === true ? 'yes' : a === false ? 'no' : null;
    case 'datetime_window':
      return isWindow(a)
        ? { start: utcToKyivLocal(a.start), end: utcToKyivLocal(a.end) }
        : { start: '', end: '' };
  }
}

/**
 * The field's content as the API takes it. Empty means "no answer" (the server skips it). Meeting
 * windows go without an offset: the server reads them as Kyiv time, as the form labels say.
 */
export function valueFromDraft(q: ProtocolQuestion, d: Draft): unknown {
  switch (q.type) {
    case 'number':
      if (d === '' || d === null) return null;
      return typeof d === 'number' ? d : Number(String(d).replace(',', '.'));
    case 'boolean':
      return d === 'yes' ? true : d === 'no' ? false : null;
    case 'datetime_window':
      if (!isWindow(d) || (!d.start && !d.end)) return null;
      return { start: d.start, end: d.end };
    case 'text':
    case 'longtext':
    case 'coarse_location':
      return typeof d === 'string' ? d.trim() : d;
    default:
      return d;
  }
}

export function sameDraft(a: Draft, b: Draft): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A stored answer in words (choice labels, yes/no, Kyiv time), for read-only places. */
export function formatAnswer(t: TFunction, q: ProtocolQuestion, lang: string): string {
  const a: AnswerValue | null = q.answer;
  if (a === null || a === undefined) return t('app.none');
  const optionLabel = (v: string) => pickText(q.options?.find((o) => o.value === v)?.label, lang) || v;
  if (q.type === 'boolean') return a === true ? t('app.yes') : t('app.no');
  if (q.type === 'choice' && typeof a === 'string') return optionLabel(a);
  if (Array.isArray(a)) return a.map(optionLabel).join(', ');
  if (isWindow(a))
    return t('protocol.window', { start: formatKyiv(a.start, lang), end: formatKyiv(a.end, lang) });
  return String(a);
}

export type NextAction =
  | { kind: 'done' }
  | { kind: 'answer'; questionIds: string[] }
  | { kind: 'send'; stepId: string }
  | { kind: 'complete'; stepId: string }
  | { kind: 'unknown'; raw: string };

/** `done` | `answer:q1,q2` | `send-instructions:step` | `complete:step` */
export function parseNextAction(raw: string): NextAction {
  if (raw === 'done') return { kind: 'done' };
  const i = raw.indexOf(':');
  const head = i < 0 ? raw : raw.slice(0, i);
  const rest = i < 0 ? '' : raw.slice(i + 1);
  if (head === 'answer' && rest) return { kind: 'answer', questionIds: rest.split(',').filter(Boolean) };
  if (head === 'send-instructions' && rest) return { kind: 'send', stepId: rest };
  if (head === 'complete' && rest) return { kind: 'complete', stepId: rest };
  return { kind: 'unknown', raw };
}
