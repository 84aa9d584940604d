/**
 * Name matching for the relatives desk: blocking keys for a blind (HMAC) index, and a scorer run on
 * decrypted candidates. Pure functions, no database. See docs/decisions/0006-name-matching.md.
 */
export { blockingKeys, type KeyRole, type KeyStrength, keyStrength } from './keys.ts';
export { NAME_GROUPS, type NameGroup } from './names.ts';
export { type MatchPerson, parseDob, personFromIdentity } from './person.ts';
export {
  CANDIDATE_LIMIT,
  jaroWinkler,
  MATCH_THRESHOLD,
  type MatchResult,
  SHOWN_LIMIT,
  scoreMatch,
} from './score.ts';
export { canonical, rawSkeleton, transliterate } from './translit.ts';

import { tokenInfo } from './names.ts';

/**
 * The name-aware consonant skeleton of one name word (Шевченко, Shevchenko and Schewtschenko all give
 * `xvqnk`): what `d:` blocking keys are made of.
 */
export function skeleton(token: string): string {
  return tokenInfo(token.trim()).skeletons[0] ?? '';
}

/** The first-name groups a word names (`['aleksandr']` for Олександр, Aleksandr, Alexander, Саша). */
export function firstNameGroups(token: string): string[] {
  return tokenInfo(token.trim()).groups.map((g) => g.id);
}
