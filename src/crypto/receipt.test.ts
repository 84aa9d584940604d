import { describe, expect, it } from 'vitest';
import {
  formatReceiptCode,
  generateReceipt,
  normalizeReceiptCode,
  RECEIPT_DIGITS,
  receiptCandidates,
  receiptWordCount,
} from './receipt.ts';
import { RECEIPT_WORDLISTS } from './wordlists/index.ts';

describe('receipt word lists', () => {
  it('has a list for ru, uk, en and ko, each of unique, clean words giving at least 80 bits', () => {
    expect(Object.keys(RECEIPT_WORDLISTS).sort()).toEqual(['en', 'ko', 'ru', 'uk']);
    for (const [lang, list] of Object.entries(RECEIPT_WORDLISTS)) {
      expect(new Set(list).size, lang).toBe(list.length);
      expect(list.length, lang).toBeGreaterThanOrEqual(1024);
      const bits = receiptWordCount(list.length) * Math.log2(list.length);
      expect(bits, lang).toBeGreaterThanOrEqual(80);
      // What a person types is folded to lower case, NFC and ё → е: the lists must already be so.
      for (const w of list) {
        expect(w, lang).toBe(w.normalize('NFKC').toLocaleLowerCase('ru').replace(/ё/g, 'е'));
        expect(w, lang).toMatch(/^\p{L}{2,10}$/u);
      }
    }
    expect(receiptWordCount(RECEIPT_WORDLISTS.ru?.length ?? 0)).toBe(8);
    expect(receiptWordCount(RECEIPT_WORDLISTS.en?.length ?? 0)).toBe(8);
  });

  it('keeps the order of words given out (a code is positions in the list)', () => {
    // Changing a list would break every code already on paper: these anchors catch it.
    expect(RECEIPT_WORDLISTS.ru?.slice(0, 3)).toEqual(['абзац', 'абрикос', 'август']);
    expect(RECEIPT_WORDLISTS.uk?.[0]).toBe('абетка');
    expect(RECEIPT_WORDLISTS.en?.[0]).toBe('abandon');
    expect(RECEIPT_WORDLISTS.ko?.[0]).toBe('가격');
  });
});

describe('receipt codes as words', () => {
  it('gives the same code as words and digits, accepted in any case and spacing', () => {
    for (const lang of ['ru', 'uk', 'en', 'ko']) {
      const r = generateReceipt(lang);
      expect(r.code).toMatch(new RegExp(`^\\d{${RECEIPT_DIGITS}}$`));
      expect(r.words).toHaveLength(8);
      expect(receiptCandidates(r.words.join(' '))).toContain(r.code);
      expect(receiptCandidates(`  ${r.words.join('   ').toUpperCase()}\n`)).toContain(r.code);
      expect(receiptCandidates(r.words.join(', '))).toContain(r.code);
      expect(normalizeReceiptCode(formatReceiptCode(r.code))).toBe(r.code);
    }
  });

  it('reads ё as е, and refuses a word missing, a word too many or a word not in any list', () => {
    const r = generateReceipt('ru');
    const withYo = r.words.map((w) => w.replace('е', 'ё')).join(' ');
    expect(receiptCandidates(withYo)).toContain(r.code);
    expect(receiptCandidates(r.words.slice(1).join(' '))).toEqual([]);
    expect(receiptCandidates([...r.words, r.words[0]].join(' '))).toEqual([]);
    expect(receiptCandidates(['абракадабра', ...r.words.slice(1)].join(' '))).toEqual([]);
    expect(receiptCandidates('Здравствуйте, я хочу сдаться, помогите мне пожалуйста срочно')).toEqual([]);
  });

  it('reads a code made only of words Russian and Ukrainian share both ways', () => {
    const ru = new Set(RECEIPT_WORDLISTS.ru);
    const shared = (RECEIPT_WORDLISTS.uk ?? []).filter((w) => ru.has(w));
    expect(shared.length).toBeGreaterThan(8);
    expect(receiptCandidates(shared.slice(0, 8).join(' '))).toHaveLength(2);
  });

  it('spreads codes (no repeats in 2,000 draws) and keeps old 28-digit codes working', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => generateReceipt('ru').code));
    expect(codes.size).toBe(2000);
    expect(normalizeReceiptCode('1234 5678 9012 3456 7890 1234 5678')).toBe('1234567890123456789012345678');
  });
});
