/**
 * Latin forms of Cyrillic names for the record form: the Ukrainian national system (2010) for
 * Ukrainian, ICAO 9303 for Russian. The same code as the server's matcher (one table, one behaviour).
 */
export { hasCyrillic, transliterate } from '../../../src/relatives/match/translit.ts';

export type TranslitSystem = 'uk' | 'ru';

/** The system for a record: Ukrainian when the prisoner's first language is Ukrainian, else ICAO. */
export function systemFor(languages: readonly string[]): TranslitSystem {
  return languages[0]?.trim().toLowerCase() === 'uk' ? 'uk' : 'ru';
}
