import type { PowIdentity } from '../pow/record.ts';
import {
  blockingKeys,
  CANDIDATE_LIMIT,
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

export { CANDIDATE_LIMIT, MATCH_THRESHOLD };

export function recordMatchKeys(identity: PowIdentity): string[] {
  return blockingKeys(personFromIdentity(identity), 'record');
}

export function inquiryMatchKeys(q: SoughtPerson): string[] {
  return blockingKeys(q, 'query');
}

/** A free-text name search in the console ("Kovalev Dmitrii", "Шевченко"). */
export function searchMatchKeys(text: string): string[] {
  return blockingKeys({ surname: text, firstNames: '' }, 'query');
}

export function scoreCandidate(q: SoughtPerson, identity: PowIdentity): { score: number; reasons: string[] } {
  return scoreMatch(q, personFromIdentity(identity));
}
