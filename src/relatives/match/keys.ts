import { fatherGroups, isFirstNameSkeleton, type TokenInfo } from './names.ts';
import { analyze, type MatchPerson } from './person.ts';
import { skeletonOf } from './translit.ts';

/**
 * Blocking keys: plaintext strings the caller turns into keyed hashes (HMAC under the index key) and
 * stores per record; an inquiry's keys are looked up and records sharing the most keys are the
 * candidates. All name keys come from tokens, not fields, so a surname typed as first name gives the
 * same keys. Key kinds (prefix before the colon):
 *
 * - `d:<skeleton>` — a name token's consonant skeleton; for tokens that are not known first names and
 *   whose skeleton has ≥ 3 letters, also every 1-deletion of it (symmetric-deletion neighbourhood:
 *   one typo in the consonants still shares a key). Strong for surnames; an exact skeleton match shares
 *   many keys, which ranks it first.
 * - `n:<group>` — a known first name's group (Олександр = Aleksandr = Sasha). WEAK: alone it matches
 *   every Aleksandr in the registry (≈ 8 % of Russian and Ukrainian men).
 * - `pr:<a>|<b>` — an unordered pair of two name tokens (surname + first name), by group id or
 *   skeleton. Strong.
 * - `y:<prefix>|<year>` — a token's first three skeleton letters (or first-name group) with the year of
 *   birth; queries also emit year ± 1. Moderate for surnames, WEAK-to-moderate for first names.
 * - `pp:<token>|<father>` — a name token with the father's name (group id, or skeleton of the patronymic
 *   stem). Strong with the surname, moderate with the first name.
 *
 * `d:` keys of first names (Александр → `alksndr`) and of skeletons shorter than 4 letters (Ким, Ли,
 * Жук → `km`, `l`, `xk`) are WEAK too.
 */
export type KeyRole = 'record' | 'query';

export type KeyStrength = 'strong' | 'moderate' | 'weak';

/**
 * How selective a key is expected to be (for weighting or for not retrieving on weak keys alone; the
 * strength may be stored next to the keyed hash — it says little about the name). Weak: `n:` (a first
 * name alone), `d:` skeletons of known first names, and of 1–3 letters (short surnames, deletion
 * variants of short skeletons).
 * Moderate: `y:` and `pp:` built on a first-name group. Strong: everything built on a surname-like
 * skeleton of ≥ 4 letters, and pairs.
 */
export function keyStrength(key: string): KeyStrength {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon);
  const rest = key.slice(colon + 1);
  if (kind === 'n') return 'weak';
  if (kind === 'd') return rest.length <= 3 || isFirstNameSkeleton(rest) ? 'weak' : 'strong';
  if (kind === 'pr') return 'strong';
  // y:<ident>|<year>, pp:<ident>|<father>
  return rest.startsWith('#') ? 'moderate' : kind === 'y' ? 'moderate' : 'strong';
}

function deletions(s: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < s.length; i++) out.add(s.slice(0, i) + s.slice(i + 1));
  return [...out];
}

/** What identifies a token in pair and year keys: its first-name groups, else its skeletons. */
function idents(t: TokenInfo): string[] {
  return t.groups.length > 0 ? t.groups.map((g) => `#${g.id}`) : t.skeletons;
}
function shortIdents(t: TokenInfo): string[] {
  return t.groups.length > 0
    ? t.groups.map((g) => `#${g.id}`)
    : [...new Set(t.skeletons.map((s) => s.slice(0, 3)))];
}

function fatherIdents(father: readonly TokenInfo[]): string[] {
  const out = new Set<string>();
  for (const f of father) {
    const g = fatherGroups(f);
    if (g.ids.length > 0) for (const id of g.ids) out.add(`#${id}`);
    else for (const s of g.stems) if (s.length >= 2) out.add(skeletonOf(s));
  }
  return [...out];
}

/**
 * The blocking keys of a record (`role = 'record'`) or of an inquiry (`role = 'query'`, which widens
 * the year of birth to ± 1). Typically 15–25 keys per record, a few more per inquiry.
 */
export function blockingKeys(person: MatchPerson, role: KeyRole = 'record'): string[] {
  const a = analyze(person);
  const keys = new Set<string>();
  const tokens = a.names.map((n) => n.info);
  for (const t of tokens) {
    for (const g of t.groups) keys.add(`n:${g.id}`);
    for (const sk of t.skeletons) {
      if (sk.length === 0) continue;
      keys.add(`d:${sk}`);
      if (t.groups.length === 0 && sk.length >= 3) for (const d of deletions(sk)) keys.add(`d:${d}`);
    }
  }
  const ids = tokens.map(idents);
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++)
      for (const x of ids[i]!)
        for (const y of ids[j]!) if (x !== y) keys.add(`pr:${x < y ? `${x}|${y}` : `${y}|${x}`}`);
  if (a.dob) {
    const years = role === 'query' ? [a.dob.y - 1, a.dob.y, a.dob.y + 1] : [a.dob.y];
    for (const t of tokens) for (const s of shortIdents(t)) for (const y of years) keys.add(`y:${s}|${y}`);
  }
  const fids = fatherIdents(a.father);
  for (const f of fids) for (const list of ids) for (const x of list) keys.add(`pp:${x}|${f}`);
  return [...keys];
}
