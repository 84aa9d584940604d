import { francAll } from 'franc';

/**
 * Which language a requester wrote in: franc's trigram profiles (419 languages, every script; local,
 * ~0.25 ms a message — `docs/decisions/0009-language-detection.md`). The result is an ISO 639-1 code
 * where the language has one (`ko`, `kk`, `tt` …), else franc's ISO 639-3 code (`bua`, `npi` is mapped to
 * `ne`), or `other` when the text is too short or has no letters. Too-short Cyrillic/Latin text keeps the
 * old letter rule (`ru`/`uk`/`en`) so that a «да» still lands in a Russian queue.
 */
export type DetectedLanguage = string;

/** franc's ISO 639-3 codes → ISO 639-1 for the languages requesters write in (and their neighbours). */
const ISO1: Readonly<Record<string, string>> = {
  rus: 'ru',
  ukr: 'uk',
  eng: 'en',
  kor: 'ko',
  kaz: 'kk',
  tat: 'tt',
  bak: 'ba',
  che: 'ce',
  bel: 'be',
  uzn: 'uz',
  uzb: 'uz',
  kir: 'ky',
  tgk: 'tg',
  khk: 'mn',
  mon: 'mn',
  npi: 'ne',
  nep: 'ne',
  kat: 'ka',
  azj: 'az',
  tuk: 'tk',
  hye: 'hy',
  cmn: 'zh',
  jpn: 'ja',
  deu: 'de',
  fra: 'fr',
  spa: 'es',
  por: 'pt',
  ita: 'it',
  pol: 'pl',
  ces: 'cs',
  bul: 'bg',
  srp: 'sr',
  hin: 'hi',
  ben: 'bn',
  arb: 'ar',
  pes: 'fa',
  tur: 'tr',
  vie: 'vi',
  tha: 'th',
  ron: 'ro',
  hun: 'hu',
  fin: 'fi',
  est: 'et',
  lit: 'lt',
  lvs: 'lv',
  sah: 'sah',
};

/** The languages the letter model (letter-model.ts) was trained on. */
export const LETTER_MODEL_LANGUAGES = ['ru', 'uk', 'en'] as const;

/**
 * Letters a Cyrillic orthography does not have: a short Russian message without «ы» can look Bulgarian
 * to trigrams («Что делать?» — but Bulgarian has no «ь» except before «о», and no infinitive in «-ть»),
 * so a candidate whose alphabet lacks a letter of the text is dropped.
 */
const NOT_IN_ALPHABET: Readonly<Record<string, RegExp>> = {
  rus: /[іїєґў]/i,
  ukr: /[ыэёъ]/i,
  bel: /[ищъїєґ]/i,
  bul: /[ыэёїєґў]|ь(?!о)/i,
  mkd: /[ыэёьъщйяюїєґў]/i,
  srp: /[ыэёьъщйяюїєґў]/i,
  bos: /[ыэёьъщйяюїєґў]/i,
};

/**
 * franc reads up to 2,048 characters, and its cost grows with them (0.5 ms at the limit, against
 * 0.15 ms at 400): a flood of long texts would pay four times what a person's message does, for no
 * better answer. The first 400 characters, cut at a space, name the language as well.
 */
const SAMPLE_CHARS = 400;

function sample(text: string): string {
  if (text.length <= SAMPLE_CHARS) return text;
  const head = text.slice(0, SAMPLE_CHARS);
  const cut = head.lastIndexOf(' ');
  return cut > SAMPLE_CHARS / 2 ? head.slice(0, cut) : head;
}

/** Scores of every candidate, best first, normalised so that the best is 1 (franc's convention). */
export function rankLanguages(text: string): Array<[DetectedLanguage, number]> {
  const ranked = francAll(sample(text), { minLength: 10 }).filter(
    ([code]) => code !== 'und' && !NOT_IN_ALPHABET[code]?.test(text),
  );
  const best = ranked[0]?.[1] ?? 1;
  return ranked.map(([code, score]): [string, number] => [ISO1[code] ?? code, score / best]);
}

export function detectLanguage(text: string): DetectedLanguage {
  const top = rankLanguages(text)[0];
  if (top) return top[0];
  // Scripts that one language owns name it even in a two-word message.
  if (/\p{Script=Hangul}/u.test(text)) return 'ko';
  if (/\p{Script=Georgian}/u.test(text)) return 'ka';
  if (/\p{Script=Armenian}/u.test(text)) return 'hy';
  const cyr = (text.match(/[\u0400-\u04FF]/g) ?? []).length;
  const lat = (text.match(/[A-Za-z]/g) ?? []).length;
  if (cyr === 0 && lat === 0) return 'other';
  if (cyr >= lat) return /[іїєґІЇЄҐ]/.test(text) ? 'uk' : 'ru';
  return 'en';
}
