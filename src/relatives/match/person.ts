import type { PowIdentity } from '../../pow/record.ts';
import { isPatronymic, type TokenInfo, tokenInfo } from './names.ts';
import { splitTokens } from './translit.ts';

/**
 * A person as the matcher sees them: what a relative typed, or a registry record. A field may hold
 * several spellings of the same value (a record's original-script and Latin forms).
 */
export interface MatchPerson {
  surname: string | readonly string[];
  firstNames: string | readonly string[];
  /** Father's first name (Сергей), or a patronymic (Сергеевич) — both are understood. */
  fatherName?: string | readonly string[] | undefined;
  /** `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, or `DD.MM.YYYY` / `DD/MM/YYYY` as relatives type it. */
  dateOfBirth?: string | undefined;
}

/** The matcher's view of a registry identity (original and Latin names, father's name, date of birth). */
export function personFromIdentity(
  id: Pick<PowIdentity, 'surname' | 'firstNames' | 'fatherFirstName' | 'dateOfBirth'>,
): MatchPerson {
  return {
    surname: [id.surname.original, id.surname.latin],
    firstNames: [id.firstNames.original, id.firstNames.latin],
    fatherName: id.fatherFirstName,
    dateOfBirth: id.dateOfBirth,
  };
}

export type Field = 'surname' | 'firstName';

export interface NameToken {
  info: TokenInfo;
  field: Field;
  /** Position of the token within its field (0 = first word). */
  pos: number;
}

export interface PartialDob {
  y: number;
  m?: number;
  d?: number;
}

export interface Analyzed {
  /** Surname and first-name tokens, deduplicated per field by canonical form. */
  names: NameToken[];
  father: TokenInfo[];
  dob: PartialDob | undefined;
}

const asList = (v: string | readonly string[] | undefined): readonly string[] =>
  v === undefined ? [] : typeof v === 'string' ? [v] : v;

function fieldTokens(values: readonly string[], field: Field): NameToken[] {
  const out: NameToken[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    splitTokens(v).forEach((t, pos) => {
      const info = tokenInfo(t);
      const key = info.canons[0];
      if (key === undefined || seen.has(key)) return;
      seen.add(key);
      out.push({ info, field, pos });
    });
  }
  return out;
}

export function parseDob(s: string | undefined): PartialDob | undefined {
  if (!s) return undefined;
  const t = s.trim();
  let m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(t);
  if (m) return mk(m[1], m[2], m[3]);
  m = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(t);
  if (m) return mk(m[3], m[2], m[1]);
  m = /^(\d{1,2})[./-](\d{4})$/.exec(t);
  if (m) return mk(m[2], m[1], undefined);
  return undefined;
}

function mk(y?: string, m?: string, d?: string): PartialDob | undefined {
  const year = Number(y);
  if (!Number.isInteger(year) || year < 1900 || year > 2100) return undefined;
  const out: PartialDob = { y: year };
  const month = m === undefined ? undefined : Number(m);
  // Out-of-range numbers are kept: 1985-13-05 is most likely day and month swapped.
  if (month !== undefined && month >= 1 && month <= 31) {
    out.m = month;
    const day = d === undefined ? undefined : Number(d);
    if (day !== undefined && day >= 1 && day <= 31) out.d = day;
  }
  return out;
}

const analyzedCache = new WeakMap<MatchPerson, Analyzed>();

export function analyze(p: MatchPerson): Analyzed {
  const hit = analyzedCache.get(p);
  if (hit) return hit;
  let names = [
    ...fieldTokens(asList(p.surname), 'surname'),
    ...fieldTokens(asList(p.firstNames), 'firstName'),
  ];
  let father = fieldTokens(asList(p.fatherName), 'firstName').map((t) => t.info);
  // "Иван Сергеевич" typed as the first name, or the full name in one box: a patronymic-looking
  // word that is not the only word of its field is the father's name.
  if (father.length === 0 && names.length > 2) {
    const patr = names.filter((t) => t.pos > 0 && isPatronymic(t.info));
    if (patr.length > 0) {
      father = patr.map((t) => t.info);
      names = names.filter((t) => !patr.includes(t));
    }
  }
  const out = { names, father, dob: parseDob(p.dateOfBirth) };
  analyzedCache.set(p, out);
  return out;
}
