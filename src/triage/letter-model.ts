import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A letter-bigram model of the languages we expect (Russian, Ukrainian, English), learnt from the
 * knowledge-base articles we ship. Keyboard mashing and random letters are text no language produces:
 * their bigrams are improbable. Explainable ("unlike ru/uk/en text"), local, a few kilobytes.
 */
export interface LetterModel {
  /** Mean log-probability per bigram (natural log); real text scores higher (less negative). */
  meanLogProb(text: string): number | null;
  /** Whether the training text had this (lower-case) letter: a letter it never saw is a language it doesn't know. */
  hasLetter(letter: string): boolean;
}

function letters(text: string): string[] {
  return (
    text
      .toLowerCase()
      .replace(/ё/g, 'е')
      .match(/\p{L}+/gu) ?? []
  ).map((w) => ` ${w} `);
}

export function trainLetterModel(corpus: string): LetterModel {
  const pair = new Map<string, number>();
  const first = new Map<string, number>();
  const alphabet = new Set<string>();
  for (const w of letters(corpus)) {
    const chars = [...w];
    for (let i = 0; i + 1 < chars.length; i++) {
      const a = chars[i] as string;
      const b = chars[i + 1] as string;
      alphabet.add(a);
      alphabet.add(b);
      pair.set(a + b, (pair.get(a + b) ?? 0) + 1);
      first.set(a, (first.get(a) ?? 0) + 1);
    }
  }
  const v = alphabet.size + 1;
  return {
    hasLetter: (letter) => alphabet.has(letter === 'ё' ? 'е' : letter),
    meanLogProb(text) {
      let sum = 0;
      let n = 0;
      for (const w of letters(text)) {
        const chars = [...w];
        for (let i = 0; i + 1 < chars.length; i++) {
          const a = chars[i] as string;
          const b = chars[i + 1] as string;
          sum += Math.log(((pair.get(a + b) ?? 0) + 0.5) / ((first.get(a) ?? 0) + 0.5 * v));
          n++;
        }
      }
      return n >= 12 ? sum / n : null;
    },
  };
}

let shipped: LetterModel | undefined;

/**
 * The model trained on the shipped knowledge-base articles in Russian, Ukrainian and English, built once.
 * Articles in other languages are left out on purpose: the model judges only text in the languages it was
 * trained on, and scoring.ts asks it nothing about the others (issue #14: no language is spam).
 */
export function shippedLetterModel(): LetterModel {
  if (shipped) return shipped;
  const dir = fileURLToPath(new URL('../knowledge/articles/', import.meta.url));
  const corpus = readdirSync(dir)
    .filter((f) => /\.(ru|uk|en)\.md$/.test(f))
    .map((f) => readFileSync(`${dir}/${f}`, 'utf8'))
    .join('\n');
  shipped = trainLetterModel(corpus);
  return shipped;
}
