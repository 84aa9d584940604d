import { randomInt } from 'node:crypto';
import { RECEIPT_WORDLISTS } from './wordlists/index.ts';

/**
 * Receipt codes. The canonical form is 28 decimal digits (what the HMAC look-up and the thread-key
 * derivation see), so codes given out before words existed keep working. A new code is a number
 * drawn as N words from the requester's language list, with enough words for at least 80 bits
 * (SecureDrop's codenames are the model): a person can keep eight words on paper or in his head more
 * safely than 28 digits. The same code is shown both ways; either opens the conversation. Shown
 * once; only a keyed hash is stored.
 */
export const RECEIPT_DIGITS = 28;
/** The least entropy a new code carries. */
export const RECEIPT_MIN_BITS = 80;

const CANONICAL_MAX = 10n ** BigInt(RECEIPT_DIGITS);

/** A digits-only code (the relatives desk still issues these): ≈ 93 bits. */
export function generateReceiptCode(): string {
  let digits = '';
  for (let i = 0; i < RECEIPT_DIGITS; i++) digits += String(randomInt(10));
  return digits;
}

/** How many words of a list make at least 80 bits. */
export function receiptWordCount(listSize: number): number {
  return Math.ceil(RECEIPT_MIN_BITS / Math.log2(listSize));
}

function listFor(lang: string): { key: string; words: readonly string[] } {
  const words = RECEIPT_WORDLISTS[lang];
  if (words) return { key: lang, words };
  return { key: 'en', words: RECEIPT_WORDLISTS.en as readonly string[] };
}

function toCanonical(n: bigint): string {
  return n.toString().padStart(RECEIPT_DIGITS, '0');
}

export interface Receipt {
  /** 28 digits: what is hashed for the look-up and derives the thread key. */
  code: string;
  /** The same code as words of the requester's language. */
  words: string[];
}

/** A new receipt in the requester's language (English words for a language without a list). */
export function generateReceipt(lang: string): Receipt {
  const { words: list } = listFor(lang);
  const n = BigInt(list.length);
  const count = receiptWordCount(list.length);
  const picked: string[] = [];
  let value = 0n;
  for (let i = 0; i < count; i++) {
    const idx = randomInt(list.length);
    picked.push(list[idx] as string);
    value = value * n + BigInt(idx);
  }
  if (value >= CANONICAL_MAX) throw new Error('word list too large for the canonical code');
  return { code: toCanonical(value), words: picked };
}

export function formatReceiptCode(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** What people type, folded: any case, any spacing, ё as е, full-width digits, stray punctuation. */
function fold(input: string): string {
  return input.normalize('NFKC').toLocaleLowerCase('ru').replace(/ё/g, 'е');
}

const INDEX = new Map<string, Map<string, number>>(
  Object.entries(RECEIPT_WORDLISTS).map(([k, list]) => [k, new Map(list.map((w, i) => [w, i]))]),
);

/**
 * Every canonical code the input can mean: 28 digits, or a complete word code of any list. Russian
 * and Ukrainian share some words, so a code made only of shared words reads two ways; the caller
 * tries each (at most a few HMACs).
 */
export function receiptCandidates(input: string): string[] {
  const s = fold(input.slice(0, 400));
  const digits = s.replace(/[\s\-.·_]/g, '');
  if (new RegExp(`^\\d{${RECEIPT_DIGITS}}$`).test(digits)) return [digits];
  const words = s.split(/[\s,;.\-·_/]+/u).filter(Boolean);
  if (words.length === 0) return [];
  const out = new Set<string>();
  for (const [key, index] of INDEX) {
    const list = RECEIPT_WORDLISTS[key] as readonly string[];
    if (words.length !== receiptWordCount(list.length)) continue;
    let value = 0n;
    let ok = true;
    for (const w of words) {
      const i = index.get(w);
      if (i === undefined) {
        ok = false;
        break;
      }
      value = value * BigInt(list.length) + BigInt(i);
    }
    if (ok) out.add(toCanonical(value));
  }
  return [...out];
}

/** The canonical code, or null if the input cannot be one (ambiguous word codes: the first reading). */
export function normalizeReceiptCode(input: string): string | null {
  return receiptCandidates(input)[0] ?? null;
}
