import type { PowIdentity } from '../pow/record.ts';
import {
  blockingKeys,
  CANDIDATE_LIMIT,
  keyStrength,
  MATCH_THRESHOLD,
  personFromIdentity,
  scoreMatch,
} from './match/index.ts';

/**
 * The registry's side of name matching (src/relatives/match, docs/decisions/0006-name-matching.md):
 * the blocking keys a record and an inquiry produce (HMAC'd before they touch the database, in
 * pow_match_keys) and how a candidate scores on the decrypted identity.
 */
export interface SoughtPerson {
  surname: string;
  firstNames: string;
  fatherName?: string;
  dateOfBirth?: string;
}

export { MATCH_THRESHOLD };

/**
 * Records fetched by shared keys and scored per inquiry. The library's CANDIDATE_LIMIT (30) suits a
 * registry of thousands; at 200,000 common names have dozens of namesakes sharing every key, and
 * `npm run bench -- match` (200,000 records) found the right person among the returned candidates in 88 % of inquiries with 30, 91 % with 100 (p95 13 → 29 ms); 50 is the middle.
 */
export const REGISTRY_CANDIDATES = Math.max(CANDIDATE_LIMIT, 50);

export function recordMatchKeys(identity: PowIdentity): string[] {
  return blockingKeys(personFromIdentity(identity), 'record');
}

export function inquiryMatchKeys(q: SoughtPerson): string[] {
  return blockingKeys(q, 'query');
}

const WEIGHT = { strong: 4, moderate: 2, weak: 1 } as const;

/**
 * The keys an inquiry looks up, with weights (strong 4, moderate 2, weak 1). Weak keys (a first name
 * alone matches thousands of records) are left out when the inquiry has at least two strong ones: the
 * surname's keys and the name pairs find the person, and the first name is scored afterwards.
 */
export function inquiryRetrievalKeys(q: SoughtPerson): Array<{ key: string; weight: number }> {
  const all = [...new Set(inquiryMatchKeys(q))].map((key) => ({ key, strength: keyStrength(key) }));
  const strong = all.filter((k) => k.strength === 'strong').length;
  return all
    .filter((k) => strong < 2 || k.strength !== 'weak')
    .map((k) => ({ key: k.key, weight: WEIGHT[k.strength] }));
}

/** Two likely candidates within this score of each other: ask the relative for more (date of birth). */
export const AMBIGUITY_MARGIN = 0.05;

export function isAmbiguous(scores: readonly { score: number; likely: boolean }[]): boolean {
  const [a, b] = scores;
  return !!a?.likely && !!b?.likely && a.score - b.score < AMBIGUITY_MARGIN;
}

/** A free-text name search in the console ("Kovalev Dmitrii", "Шевченко"). */
export function searchMatchKeys(text: string): string[] {
  return blockingKeys({ surname: text, firstNames: '' }, 'query');
}

export function scoreCandidate(q: SoughtPerson, identity: PowIdentity): { score: number; reasons: string[] } {
  return scoreMatch(q, personFromIdentity(identity));
}
