import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as korean } from '@scure/bip39/wordlists/korean.js';
import { wordlist as russian } from './ru.ts';
import { wordlist as ukrainian } from './uk.ts';

/**
 * Receipt word lists, keyed by language code (a plain string, so that a new requester language is
 * one line here). English and Korean are the BIP-39 lists (2,048 words, 11 bits each; Korean is
 * stored decomposed there and composed here). Russian and Ukrainian are our own (1,024 words).
 * A key, once shipped, names its list forever: codes given out are positions in it.
 */
function composed(list: readonly string[]): readonly string[] {
  return Object.freeze(list.map((w) => w.normalize('NFC')));
}

export const RECEIPT_WORDLISTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ru: russian,
  uk: ukrainian,
  en: composed(english),
  ko: composed(korean),
});
