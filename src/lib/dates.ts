import { z } from 'zod';

import { type PartialIsoDate, parsePartialDate } from './partial-date.ts';

export { type PartialIsoDate, parsePartialDate };

const LOCALES: Record<string, string> = { ru: 'ru-RU', uk: 'uk-UA', en: 'en-GB', ko: 'ko-KR' };

/** «15 March 1990», «15 марта 1990 г.», «1990년 3월 15일»; a month or a year alone as such. */
export function describeDate(iso: PartialIsoDate, lang: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number?, number?];
  const at = new Date(Date.UTC(y, (m ?? 1) - 1, d ?? 1));
  const opts: Intl.DateTimeFormatOptions =
    d !== undefined
      ? { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }
      : m !== undefined
        ? { month: 'long', year: 'numeric', timeZone: 'UTC' }
        : { year: 'numeric', timeZone: 'UTC' };
  return new Intl.DateTimeFormat(LOCALES[lang] ?? 'en-GB', opts).format(at);
}

/** An input field for a (partial) date in any of the usual forms; the value is ISO. */
export const humanPartialDate = z.string().transform((v, ctx) => {
  const iso = parsePartialDate(v);
  if (iso === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'Not a date we can read: use 15.03.1990, 15/03/1990, 1990-03-15, 03.1990 or 1990',
    });
    return z.NEVER;
  }
  return iso;
});
