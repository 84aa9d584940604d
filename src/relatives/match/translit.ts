/**
 * Transliteration-insensitive name forms.
 *
 * Every name token (Cyrillic or any Latin transliteration of it) is reduced to a *canonical phonetic
 * form* over a small alphabet, then to a consonant *skeleton*:
 *
 *   vowels  a e i o u      (и і ї й ы y j → i; е є э ё → e/io; iotation — я ю є ё, ya ia ja â … — is
 *                           dropped before a vowel, so Юрій, Yurii, Iurii, Jurij, Yuriy all give `uri`)
 *   g       г ґ х · g h kh gh (Ukrainian Г = h, Russian Г = g and Х = kh/h/x/ch collapse)
 *   x       ж ш щ · zh sh shch sch shh š ž ŝ šč schtsch (German writes ж and ш alike)
 *   q       ч · ch tch tsch č
 *   c       ц · ts tz c cz (and German z)
 *   everything else as written (b v d z k l m n p r s t f; w → v; -off/-eff → -ov/-ev)
 *
 * The skeleton keeps a leading vowel as `a`, drops the other vowels and merges s/z/c, so it survives
 * Russian↔Ukrainian vowel shifts (Олейник/Олійник) and most vowel typos.
 *
 * A few Latin spellings are ambiguous (ch = ч in English, х in German/Czech; c = ц or k; x = ks or х);
 * `latinReadings` returns every reading, and callers pick (names.ts prefers readings that are known
 * first names).
 */

const CYRILLIC: Readonly<Record<string, string>> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  ґ: 'g',
  д: 'd',
  е: 'e',
  є: 'ie',
  ё: 'io',
  ж: 'x',
  з: 'z',
  и: 'i',
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
  х: 'g',
  ц: 'c',
  ч: 'q',
  ш: 'x',
  щ: 'x',
  ъ: '',
  ы: 'i',
  ь: '',
  э: 'e',
  ю: 'iu',
  я: 'ia',
};

/** Latin letters that look like Cyrillic ones, for words typed with a mixed keyboard layout. */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  A: 'А',
  B: 'В',
  C: 'С',
  E: 'Е',
  H: 'Н',
  I: 'І',
  K: 'К',
  M: 'М',
  O: 'О',
  P: 'Р',
  T: 'Т',
  X: 'Х',
  Y: 'У',
  a: 'а',
  c: 'с',
  e: 'е',
  i: 'і',
  k: 'к',
  o: 'о',
  p: 'р',
  x: 'х',
  y: 'у',
};

/** Precomposed Latin letters of ISO 9, GOST 7.79 A and the scientific system. */
const LATIN_SPECIAL: Readonly<Record<string, string>> = {
  š: 'sh',
  ž: 'zh',
  č: 'tch',
  ĉ: 'tch',
  ŝ: 'shch',
  â: 'ia',
  û: 'iu',
  ê: 'ie',
  ë: 'io',
  ï: 'i',
  ì: 'i',
  í: 'i',
  è: 'e',
  é: 'e',
  ǵ: 'g',
  ĝ: 'g',
  ü: 'iu',
  ö: 'io',
  ä: 'a',
  ß: 'ss',
  ŭ: 'u',
};

const CYRILLIC_RE = /[\u0400-\u04ff]/;
const VOWEL_RE = /[aeiou]/;

export function hasCyrillic(s: string): boolean {
  return CYRILLIC_RE.test(s);
}

/** Splits what someone typed into name tokens (spaces, hyphens, punctuation; apostrophes stay inside). */
export function splitTokens(s: string): string[] {
  return s
    .normalize('NFC')
    .split(/[\s\-‐-―,.;:/\\()[\]{}_+|<>!?*#&=~0-9]+/u)
    .filter((t) => t.length > 0);
}

function postProcess(raw: string): string {
  return raw
    .replace(/ts/g, 'c')
    .replace(/i+(?=[aeou])/g, '')
    .replace(/(.)\1+/g, '$1');
}

function cyrillicCanonical(token: string): string {
  let s = '';
  for (const ch of token) s += HOMOGLYPHS[ch] ?? ch;
  let out = '';
  for (const ch of s.toLowerCase()) out += CYRILLIC[ch] ?? '';
  return postProcess(out);
}

type Ambiguity = 'ch' | 'c' | 'x';
type Segment = string | { kind: Ambiguity; def: string; alt: string };

const isConsonant = (ch: string | undefined) => ch !== undefined && /[bcdfghjklmnpqrstvwxz]/.test(ch);

function parseLatin(token: string): Segment[] {
  const lower = token.normalize('NFC').toLowerCase();
  const diacritics = /[šžčŝĉ]/.test(lower);
  let pre = lower.replace(/šč/g, 'shch');
  pre = [...pre].map((ch) => LATIN_SPECIAL[ch] ?? ch).join('');
  // Apostrophes and soft-sign marks become a separator, so that no digraph spans them (nic’kyj).
  const word = pre
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z]+/g, "'")
    .replace(/^'|'$/g, '');
  const german = /w|sch|tz|^j[aeiou]|ij$/.test(word);
  const out: Segment[] = [];
  let i = 0;
  const at = (s: string) => word.startsWith(s, i);
  while (i < word.length) {
    if (word[i] === "'") {
      i++;
    } else if (at('schtsch')) {
      out.push('x');
      i += 7;
    } else if (at('shch')) {
      out.push('x');
      i += 4;
    } else if (at('tsch')) {
      out.push('q');
      i += 4;
    } else if (at('shh') || at('sch')) {
      out.push('x');
      i += 3;
    } else if (at('tch')) {
      out.push('q');
      i += 3;
    } else if (at('zh') || at('sh')) {
      out.push('x');
      i += 2;
    } else if (at('kh') || at('gh')) {
      out.push('g');
      i += 2;
    } else if (at('ch')) {
      if (german || diacritics || (i === 0 && isConsonant(word[2]))) out.push('g');
      else out.push({ kind: 'ch', def: 'q', alt: 'g' });
      i += 2;
    } else if (at('ts') || at('tz')) {
      out.push('c');
      i += 2;
    } else if (at('cz')) {
      // GOST 7.79 B writes ц as "cz" before e i y j; Polish-style "cz" is ч.
      out.push(!german && /[eiyj]/.test(word[i + 2] ?? '') ? 'c' : 'q');
      i += 2;
    } else if (at('ck')) {
      out.push('k');
      i += 2;
    } else if (at('ph')) {
      out.push('f');
      i += 2;
    } else if (at('ff') && i === word.length - 2) {
      out.push('v');
      i += 2;
    } else {
      const ch = word[i]!;
      i++;
      switch (ch) {
        case 'c':
          out.push({ kind: 'c', def: 'c', alt: 'k' });
          break;
        case 'x':
          out.push(i === 1 ? 'g' : { kind: 'x', def: 'ks', alt: 'g' });
          break;
        case 'h':
          out.push('g');
          break;
        case 'q':
          out.push('k');
          break;
        case 'w':
          out.push('v');
          break;
        case 'y':
        case 'j':
          out.push('i');
          break;
        case 'z':
          out.push(german ? 'c' : 'z');
          break;
        default:
          out.push(ch);
      }
    }
  }
  return out;
}

export interface Reading {
  /** Canonical phonetic form. */
  canon: string;
  /** Which ambiguous Latin spellings were read the non-default way. */
  flipped: readonly Ambiguity[];
}

/**
 * All canonical readings of one token: exactly one for Cyrillic, the default reading first and then
 * the alternatives (at most 8) for Latin with ambiguous spellings.
 */
export function tokenReadings(token: string): Reading[] {
  if (hasCyrillic(token)) return [{ canon: cyrillicCanonical(token), flipped: [] }];
  const segs = parseLatin(token);
  const kinds = [...new Set(segs.flatMap((s) => (typeof s === 'string' ? [] : [s.kind])))] as Ambiguity[];
  const out: Reading[] = [];
  const seen = new Set<string>();
  for (let mask = 0; mask < 1 << kinds.length; mask++) {
    const flipped = kinds.filter((_, k) => mask & (1 << k));
    const raw = segs
      .map((s) => (typeof s === 'string' ? s : flipped.includes(s.kind) ? s.alt : s.def))
      .join('');
    const canon = postProcess(raw);
    if (!seen.has(canon)) {
      seen.add(canon);
      out.push({ canon, flipped });
    }
  }
  return out;
}

/** The default canonical phonetic form of one token. */
export function canonical(token: string): string {
  return tokenReadings(token)[0]?.canon ?? '';
}

/** Consonant skeleton of a canonical form: leading vowel kept as `a`, other vowels dropped, s/z/c merged. */
export function skeletonOf(canon: string): string {
  let out = '';
  for (let i = 0; i < canon.length; i++) {
    const ch = canon[i]!;
    if (VOWEL_RE.test(ch)) {
      if (i === 0) out += 'a';
    } else out += ch === 'z' || ch === 'c' ? 's' : ch;
  }
  return out;
}

/** Skeleton of the default reading of a token (see names.ts `tokenInfo` for the name-aware one). */
export function rawSkeleton(token: string): string {
  return skeletonOf(canonical(token));
}

// ---------------------------------------------------------------------------------------------------
// Canonical transliteration for the registrar form.

/** Ukrainian national system (Cabinet of Ministers resolution 55 of 2010): [elsewhere, word-initial]. */
const UK_TABLE: Readonly<Record<string, string | readonly [string, string]>> = {
  а: 'a',
  б: 'b',
  в: 'v',
  г: 'h',
  ґ: 'g',
  д: 'd',
  е: 'e',
  є: ['ie', 'ye'],
  ж: 'zh',
  з: 'z',
  и: 'y',
  і: 'i',
  ї: ['i', 'yi'],
  й: ['i', 'y'],
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
  ю: ['iu', 'yu'],
  я: ['ia', 'ya'],
  // Russian letters that may appear in a Ukrainian-system request.
  ё: ['io', 'yo'],
  ы: 'y',
  э: 'e',
  ъ: '',
};

/** ICAO Doc 9303 (7th ed.), used in Russian passports since 2013. */
const RU_TABLE: Readonly<Record<string, string>> = {
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
  // Ukrainian letters (ICAO 9303 table for Ukrainian).
  є: 'ie',
  і: 'i',
  ї: 'i',
  ґ: 'g',
};

const APOSTROPHES = /['’ʼʹ`´]/;
const LETTER_RE = /\p{L}/u;

/**
 * The Latin form the registrar form pre-fills: the Ukrainian national system (`uk`, as in Ukrainian
 * passports) or ICAO 9303 (`ru`, as in Russian passports since 2013). Characters that are not Cyrillic
 * are kept; a capital becomes a capitalised digraph (Щ → Shch), or an upper-case one inside an
 * upper-case word (ЩЕРБА → SHCHERBA).
 */
export function transliterate(cyrillic: string, system: 'uk' | 'ru'): string {
  const chars = [...cyrillic.normalize('NFC')];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const lower = ch.toLowerCase();
    if (APOSTROPHES.test(ch) && hasCyrillic(chars[i - 1] ?? '') && hasCyrillic(chars[i + 1] ?? '')) continue;
    let mapped: string | undefined;
    if (system === 'uk') {
      if (lower === 'г' && chars[i - 1]?.toLowerCase() === 'з') mapped = 'gh';
      else {
        const e = UK_TABLE[lower];
        if (e !== undefined) {
          const initial = !LETTER_RE.test(chars[i - 1] ?? '') && !APOSTROPHES.test(chars[i - 1] ?? '');
          mapped = typeof e === 'string' ? e : initial ? e[1] : e[0];
        }
      }
    } else mapped = RU_TABLE[lower];
    if (mapped === undefined) {
      out += ch;
      continue;
    }
    if (ch !== lower && mapped.length > 0) {
      const prev = chars[i - 1] ?? '';
      const next = chars[i + 1] ?? '';
      const wordUpper =
        (LETTER_RE.test(next) && next === next.toUpperCase() && next !== next.toLowerCase()) ||
        (LETTER_RE.test(prev) && prev === prev.toUpperCase() && prev !== prev.toLowerCase());
      mapped = wordUpper ? mapped.toUpperCase() : mapped[0]!.toUpperCase() + mapped.slice(1);
    }
    out += mapped;
  }
  return out;
}
