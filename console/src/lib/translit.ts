/**
 * Cyrillic → Latin for the registry's Latin name fields (humanitarian bodies index names in Latin).
 *
 * - `uk`: the Ukrainian national system (Cabinet of Ministers resolution no. 55 of 27 January 2010):
 *   Є, Ї, Й, Ю, Я are Ye, Yi, Y, Yu, Ya at the start of a word and ie, i, i, iu, ia elsewhere;
 *   "зг" is "zgh"; the soft sign and the apostrophe are dropped.
 * - `ru`: ICAO Doc 9303 (the Russian machine-readable passport since 2014): Ё E, Й I, Ъ IE, Ы Y,
 *   Ь dropped, Э E, Ю IU, Я IA. Ukrainian letters in a Russian-first text follow Doc 9303 too
 *   (Є IE, І I, Ї I, Ґ G).
 *
 * The case of each word is kept (Ковалёв → Kovalev, КОВАЛЁВ → KOVALEV); anything not Cyrillic
 * passes through unchanged. Pure functions: the registrar checks the result before saving.
 */
export type TranslitSystem = 'uk' | 'ru';

const UK: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'h',
  ґ: 'g',
  д: 'd',
  е: 'e',
  є: 'ie',
  ж: 'zh',
  з: 'z',
  и: 'y',
  і: 'i',
  ї: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ь: '',
  ю: 'iu',
  я: 'ia',
  // Russian letters met in Ukrainian-first records (a Russian-born name in a Ukrainian file).
  ё: 'io',
  ы: 'y',
  э: 'e',
  ъ: '',
};
/** Ukrainian: the spelling at the start of a word. */
const UK_INITIAL: Record<string, string> = { є: 'ye', ї: 'yi', й: 'y', ю: 'yu', я: 'ya' };

const RU: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  о: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ф: 'f',
  х: 'kh',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: 'ie',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'iu',
  я: 'ia',
  є: 'ie',
  і: 'i',
  ї: 'i',
  ґ: 'g',
};

const APOSTROPHES = new Set(["'", '’', 'ʼ', '‘', '`']);
const CYRILLIC = /\p{Script=Cyrillic}/u;

export function hasCyrillic(s: string): boolean {
  return CYRILLIC.test(s);
}

/** The system for a record: Ukrainian when the prisoner's first language is Ukrainian, else ICAO. */
export function systemFor(languages: readonly string[]): TranslitSystem {
  return languages[0]?.trim().toLowerCase() === 'uk' ? 'uk' : 'ru';
}

function isLetter(ch: string | undefined): boolean {
  return ch !== undefined && /\p{L}/u.test(ch);
}

function isUpper(ch: string): boolean {
  return ch !== ch.toLowerCase() && ch === ch.toUpperCase();
}

function transliterateWord(word: string, system: TranslitSystem): string {
  const chars = [...word];
  const letters = chars.filter((c) => isLetter(c));
  const allCaps = letters.length > 1 && letters.every(isUpper);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const lower = ch.toLowerCase();
    if (APOSTROPHES.has(ch) && hasCyrillic(word)) continue;
    const table = system === 'uk' ? UK : RU;
    let latin = table[lower];
    if (latin === undefined) {
      out += ch;
      continue;
    }
    if (system === 'uk') {
      const prev = chars[i - 1];
      const initial = i === 0 || (!isLetter(prev) && !APOSTROPHES.has(prev ?? ''));
      if (initial && UK_INITIAL[lower]) latin = UK_INITIAL[lower];
      // "зг" → "zgh", so that it is not read as "ж".
      if (lower === 'г' && prev?.toLowerCase() === 'з') latin = 'gh';
    }
    if (latin === '') continue;
    if (allCaps) out += latin.toUpperCase();
    else if (isUpper(ch)) out += latin.charAt(0).toUpperCase() + latin.slice(1);
    else out += latin;
  }
  return out;
}

/** Transliterates every word of `text`; spaces, hyphens and non-Cyrillic characters are kept. */
export function transliterate(text: string, system: TranslitSystem): string {
  return text
    .split(/([\s-]+)/u)
    .map((part) => (/^[\s-]+$/u.test(part) || part === '' ? part : transliterateWord(part, system)))
    .join('');
}
