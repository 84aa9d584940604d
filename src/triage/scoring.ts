import { LETTER_MODEL_LANGUAGES, rankLanguages } from './language.ts';
import { type LetterModel, shippedLetterModel } from './letter-model.ts';
import type { ScoringReason } from './spam-reasons.ts';

/**
 * Spam/probe scoring: pure and explainable. Every rule and weight is here; a request's score is the sum
 * of the rules that fired (capped at 100), and the reasons say which fired. Nothing leaves the server.
 * The adversary floods the hotline with templated fakes and probes; real people write varied text,
 * and some write very little — so short text alone never sinks a request.
 */
export interface ScoringSignals {
  text: string;
  /** Requests with the same normalised text in the last 24 h (keyed fingerprint). */
  sameTemplate24h: number;
  /** Requests with near-identical text in the last 24 h (keyed MinHash bands). */
  nearDuplicates24h: number;
  /** Requests and messages from the same channel identity in the last hour. */
  identityRecent1h: number;
  /** The channel identity was flagged as abusive by an operator (and the flag has not expired). */
  identityFlagged: boolean;
  /** Operators confirmed this exact text as spam before. */
  templateFlagged: boolean;
}

export const RULES = {
  // The same text (after normalisation) from several requests in a day: a script, not a person.
  templateRepeated: {
    threshold: 3,
    weight: 40,
    heavyThreshold: 10,
    heavyWeight: 70,
    reason: 'template-text',
  },
  // Near-identical text (word order, punctuation and a few words changed).
  nearDuplicates: {
    threshold: 3,
    weight: 30,
    heavyThreshold: 10,
    heavyWeight: 60,
    reason: 'near-duplicate-text',
  },
  // Many requests from one channel identity within an hour.
  identityFlood: { threshold: 10, weight: 30, heavyThreshold: 30, heavyWeight: 60, reason: 'identity-flood' },
  // Letters no language we expect produces (keyboard mashing, random strings) — judged only for text in a
  // language the letter model knows (see `letterModelKnows`): no language is spam.
  gibberish: { threshold: 0.5, weight: 60, reason: 'gibberish' },
  identityFlagged: { weight: 60, reason: 'flagged-identity' },
  templateFlagged: { weight: 60, reason: 'flagged-template' },
} as const satisfies Record<string, { reason: ScoringReason; [k: string]: number | string }>;

/**
 * Earlier copies of a template are raised to a new copy's score only while the template is young
 * (fewer copies than this in the day): past the heavy threshold every new copy is scored heavy on
 * arrival, and the copies before it were raised on the way up. The slack above the heavy threshold
 * covers copies that were scored concurrently and saw the same count.
 */
export const RESCORE_WHILE_BELOW =
  2 * Math.max(RULES.templateRepeated.heavyThreshold, RULES.nearDuplicates.heavyThreshold);

/**
 * Counts beyond these change no score (nor whether earlier copies are rescored), so the look-ups stop
 * counting there: a flood's thousandth copy costs what its twentieth did (index range scans with a
 * LIMIT, issue #13).
 */
export const SIGNAL_CAPS = {
  text: RESCORE_WHILE_BELOW,
  identityRecent1h: RULES.identityFlood.heavyThreshold,
} as const;

export { SINK_THRESHOLD } from './sink-threshold.ts';

/**
 * 0 (language) … 1 (keyboard mashing): how improbable the text's letter pairs are under a model of
 * Russian, Ukrainian and English (see letter-model.ts). Measured on our own samples: real messages
 * score about −2.6 to −2.8 per letter pair, keyboard mashing −3.6 to −5; 0.5 here is −3.4. Text too
 * short to judge scores 0, except a long run of one repeated character.
 */
export function gibberishScore(text: string, model: LetterModel = shippedLetterModel()): number {
  const lp = model.meanLogProb(text);
  const repeated = /(\p{L})\1{7,}/u.test(text.toLowerCase());
  if (lp === null) return repeated ? 1 : 0;
  return Math.max(repeated ? 1 : 0, Math.min(1, Math.max(0, (-3.0 - lp) / 0.8)));
}

const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'йцукенгшщзхъ', 'фывапролджэ', 'ячсмитьбю'];
const NEIGHBOURS = new Set(
  KEYBOARD_ROWS.flatMap((row) => [...row].slice(1).flatMap((c, i) => [`${row[i]}${c}`, `${c}${row[i]}`])),
);

/** Share of letter pairs that are neighbouring keys on one keyboard row («asdfgh», «фывапр»). */
export function keyboardRunShare(text: string): number {
  let pairs = 0;
  let runs = 0;
  for (const w of text.toLowerCase().match(/\p{L}+/gu) ?? []) {
    for (let i = 1; i < w.length; i++) {
      pairs++;
      if (NEIGHBOURS.has(w.slice(i - 1, i + 1))) runs++;
    }
  }
  return pairs === 0 ? 0 : runs / pairs;
}

/**
 * Whether the letter model may judge this text, i.e. it is written in a language the model knows
 * (ru/uk/en). It may not when the text has a letter the model never saw (Hangul, Georgian, Devanagari,
 * Kazakh «қ», Belarusian «ў», Chechen «Ӏ» …), or when franc names another language clearly better than
 * ru/uk/en (Kyrgyz or Uzbek in plain Cyrillic/Latin letters: ru/uk/en below 0.75 of the best). Keyboard
 * runs are judged whatever franc says: they only look like a language to a trigram counter.
 */
export function letterModelKnows(text: string, model: LetterModel = shippedLetterModel()): boolean {
  // Modifier letters (the Ukrainian apostrophe «ʼ») are punctuation here.
  const letters = text.toLowerCase().match(/[\p{Lu}\p{Ll}\p{Lt}\p{Lo}]/gu) ?? [];
  if (letters.some((l) => !model.hasLetter(l))) return false;
  if (keyboardRunShare(text) >= 0.5) return true;
  const ranked = rankLanguages(text);
  const top = ranked[0];
  if (!top || (LETTER_MODEL_LANGUAGES as readonly string[]).includes(top[0])) return true;
  const known = ranked.find(([l]) => (LETTER_MODEL_LANGUAGES as readonly string[]).includes(l));
  return (known?.[1] ?? 0) >= 0.75;
}

export type Graded = {
  threshold: number;
  weight: number;
  heavyThreshold: number;
  heavyWeight: number;
  reason: ScoringReason;
};

/** The rules that read the text alone (no counts from the database): gibberish. */
export function textRules(text: string): { score: number; reasons: ScoringReason[] } {
  if (gibberishScore(text) >= RULES.gibberish.threshold && letterModelKnows(text))
    return { score: RULES.gibberish.weight, reasons: [RULES.gibberish.reason] };
  return { score: 0, reasons: [] };
}

/**
 * The whole score. Intake computes the same sum in SQL, in the statement that stores the request
 * (intake/spam-score-sql.ts, generated from RULES; a test holds the two equal), so that a request
 * costs one round trip; this is the reference and what everything else calls.
 */
export function scoreRequest(s: ScoringSignals): { score: number; reasons: string[] } {
  const reasons: string[] = [];
  let score = 0;
  const add = (weight: number, reason: ScoringReason) => {
    score += weight;
    reasons.push(reason);
  };
  const graded = (n: number, r: Graded) => {
    if (n >= r.heavyThreshold) add(r.heavyWeight, r.reason);
    else if (n >= r.threshold) add(r.weight, r.reason);
  };
  // An exact template repeat already implies a near duplicate: count the stronger of the two once.
  if (s.sameTemplate24h >= RULES.templateRepeated.threshold)
    graded(s.sameTemplate24h, RULES.templateRepeated);
  else graded(s.nearDuplicates24h, RULES.nearDuplicates);
  graded(s.identityRecent1h, RULES.identityFlood);
  const text = textRules(s.text);
  score += text.score;
  reasons.push(...text.reasons);
  if (s.identityFlagged) add(RULES.identityFlagged.weight, RULES.identityFlagged.reason);
  if (s.templateFlagged) add(RULES.templateFlagged.weight, RULES.templateFlagged.reason);
  return { score: Math.min(100, score), reasons };
}
