import type { PowIdentity } from '../pow/record.ts';

/**
 * The registry's side of name matching: which blocking keys a record and an inquiry produce, and how
 * a candidate scores. The keys are HMAC'd before they touch the database (pow_match_keys).
 * TEMPORARY: replaced by src/relatives/match once it lands.
 */
export interface SoughtPerson {
  surname: string;
  firstNames: string;
  fatherName?: string;
  dateOfBirth?: string;
}

export const MATCH_THRESHOLD = 0.75;
export const CANDIDATE_LIMIT = 50;

const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}]+/gu, ' ')
    .trim();

export function recordMatchKeys(identity: PowIdentity): string[] {
  return [
    identity.surname.original,
    identity.surname.latin,
    identity.firstNames.original,
    identity.firstNames.latin,
  ]
    .flatMap((n) => norm(n).split(' '))
    .filter(Boolean)
    .map((t) => `t:${t}`);
}

export function inquiryMatchKeys(q: SoughtPerson): string[] {
  return [q.surname, q.firstNames]
    .flatMap((n) => norm(n).split(' '))
    .filter(Boolean)
    .map((t) => `t:${t}`);
}

export function searchMatchKeys(text: string): string[] {
  return norm(text)
    .split(' ')
    .filter(Boolean)
    .map((t) => `t:${t}`);
}

export function scoreCandidate(q: SoughtPerson, identity: PowIdentity): { score: number; reasons: string[] } {
  const names = new Set(recordMatchKeys(identity));
  const keys = inquiryMatchKeys(q);
  const hit = keys.filter((k) => names.has(k)).length;
  return { score: keys.length ? hit / keys.length : 0, reasons: [] };
}
