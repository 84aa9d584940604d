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
  templateRepeated: { threshold: 3, weight: 40, reason: 'template-text' },
  nearDuplicates: { threshold: 3, weight: 30, reason: 'near-duplicate-text' },
  identityFlood: { threshold: 10, weight: 30, reason: 'identity-flood' },
  gibberish: { threshold: 0.6, weight: 35, reason: 'gibberish' },
  identityFlagged: { weight: 60, reason: 'flagged-identity' },
  templateFlagged: { weight: 60, reason: 'flagged-template' },
} as const;

/** At or above this score a request sinks below the others in the queue (still visible, never dropped). */
export const SINK_THRESHOLD = 60;

const VOWELS = /[aeiouyаеёиоуыэюяіїєґ]/i;
const LETTERS = /\p{L}/u;

/**
 * 0 (language) … 1 (keyboard mashing). Looks at words: very long runs without vowels, long repeats of
 * one character, and text that is mostly not letters. Short text is not judged.
 */
export function gibberishScore(text: string): number {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const letters = [...text].filter((c) => LETTERS.test(c)).length;
  const visible = [...text].filter((c) => c.trim() !== '').length;
  if (visible < 8) return 0;
  let bad = 0;
  for (const w of words) {
    const noVowelRun = w.split(VOWELS).some((run) => run.length >= 5);
    const repeated = /(.)\1{3,}/u.test(w);
    const tooLong = w.length > 25;
    if (noVowelRun || repeated || tooLong) bad++;
  }
  const wordRatio = words.length ? bad / words.length : 1;
  const letterRatio = letters / visible;
  return Math.min(1, Math.max(wordRatio, letterRatio < 0.5 ? 1 - letterRatio : 0));
}

export function scoreRequest(s: ScoringSignals): { score: number; reasons: string[] } {
  const reasons: string[] = [];
  let score = 0;
  const add = (weight: number, reason: string) => {
    score += weight;
    reasons.push(reason);
  };
  if (s.sameTemplate24h >= RULES.templateRepeated.threshold)
    add(RULES.templateRepeated.weight, RULES.templateRepeated.reason);
  else if (s.nearDuplicates24h >= RULES.nearDuplicates.threshold)
    add(RULES.nearDuplicates.weight, RULES.nearDuplicates.reason);
  if (s.identityRecent1h >= RULES.identityFlood.threshold)
    add(RULES.identityFlood.weight, RULES.identityFlood.reason);
  if (gibberishScore(s.text) >= RULES.gibberish.threshold)
    add(RULES.gibberish.weight, RULES.gibberish.reason);
  if (s.identityFlagged) add(RULES.identityFlagged.weight, RULES.identityFlagged.reason);
  if (s.templateFlagged) add(RULES.templateFlagged.weight, RULES.templateFlagged.reason);
  return { score: Math.min(100, score), reasons };
}
