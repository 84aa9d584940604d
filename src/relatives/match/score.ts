import { fatherGroups, groupCanons, type TokenInfo } from './names.ts';
import { analyze, type MatchPerson, type NameToken, type PartialDob } from './person.ts';

export interface MatchResult {
  /** 0..1; at or above `MATCH_THRESHOLD` the candidate is shown as a likely match. */
  score: number;
  /**
   * Short machine-readable reasons, one per part: `surname:exact|variant|fuzzy|different|missing`,
   * `firstName:exact|variant|diminutive|fuzzy|different|missing`,
   * `father:exact|variant|fuzzy|different|missing`,
   * `dob:exact|swapped|day±1|digit|month|year|year±1|year±2|contradiction|missing`,
   * and `order:swapped` / `order:merged` when the names were not in their own boxes.
   */
  reasons: string[];
}

/**
 * Score from which a candidate is shown as "likely the person you are looking for". Calibrated on the
 * generated evaluation (match.test.ts): an exact surname and first name with nothing else known score
 * ≈ 0.87, with one typo in the surname ≈ 0.80; a consistent father's name or date of birth lifts them
 * above 0.95, a birth year 4+ years off drops them below 0.3.
 */
export const MATCH_THRESHOLD = 0.75;
/** How many records, ranked by shared blocking keys, to decrypt and score per inquiry. */
export const CANDIDATE_LIMIT = 30;
/** How many candidates at or above the threshold to show, best first. */
export const SHOWN_LIMIT = 5;

// Log-odds style evidence weights; the score is a logistic function of their sum.
const BIAS = 5.9;
const SCALE = 1.1;

export function jaro(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatch = new Array<boolean>(a.length).fill(false);
  const bMatch = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const lo = Math.max(0, i - window);
    const hi = Math.min(b.length - 1, i + window);
    for (let j = lo; j <= hi; j++) {
      if (bMatch[j] || a[i] !== b[j]) continue;
      aMatch[i] = true;
      bMatch[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let t = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aMatch[i]) continue;
    while (!bMatch[k]) k++;
    if (a[i] !== b[k]) t++;
    k++;
  }
  return (matches / a.length + matches / b.length + (matches - t / 2) / matches) / 3;
}

export function jaroWinkler(a: string, b: string): number {
  const j = jaro(a, b);
  let prefix = 0;
  while (prefix < 4 && prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  return j + prefix * 0.1 * (1 - j);
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function osaDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = new Array<number>(n + 1).fill(0);
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n]!;
}

/**
 * Similarity of two canonical forms: Jaro–Winkler, raised for a single typo anywhere in a word of five
 * or more letters (Jaro–Winkler punishes early typos: Кфваль/Коваль) and two typos in long words.
 */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const jw = jaroWinkler(a, b);
  const len = Math.max(a.length, b.length);
  if (len < 4 || Math.abs(a.length - b.length) > 2) return jw;
  const d = osaDistance(a, b);
  const typo =
    d === 1
      ? len >= 7
        ? 0.96
        : len >= 5
          ? 0.94
          : 0.9
      : d === 2 && len >= 8
        ? 0.9
        : d === 2 && len >= 6
          ? 0.86
          : 0;
  return Math.max(jw, typo);
}

function bestJw(as: readonly string[], bs: readonly string[]): number {
  let best = 0;
  for (const a of as) for (const b of bs) best = Math.max(best, similarity(a, b));
  return best;
}

/** Piecewise-linear curve through (x, y) points sorted by x. */
function curve(points: readonly (readonly [number, number])[], x: number): number {
  const first = points[0]!;
  if (x <= first[0]) return first[1];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i]!;
    if (x <= x1) {
      const [x0, y0] = points[i - 1]!;
      return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return points[points.length - 1]![1];
}

const SURNAME_CURVE = [
  [0.6, -5],
  [0.75, -3.5],
  [0.82, -1.5],
  [0.87, 0.5],
  [0.91, 2.4],
  [0.95, 3.8],
  [1, 4.8],
] as const;
const FIRST_CURVE = [
  [0.6, -3.5],
  [0.8, -2.2],
  [0.85, -0.8],
  [0.89, 0.5],
  [0.93, 1.5],
  [0.97, 2.2],
  [1, 2.6],
] as const;
const FATHER_CURVE = [
  [0.7, -2.5],
  [0.85, -0.5],
  [0.92, 0.8],
  [1, 1.4],
] as const;

interface Part {
  w: number;
  reason: string;
}

const intersects = (a: readonly string[], b: readonly string[]) => a.some((x) => b.includes(x));

function surnamePart(q: TokenInfo, rs: readonly TokenInfo[]): Part {
  let best: Part = { w: -Infinity, reason: 'surname:missing' };
  for (const r of rs) {
    let p: Part;
    if (intersects(q.canons, r.canons)) p = { w: 5, reason: 'surname:exact' };
    else {
      const jw = bestJw(q.canons, r.canons);
      const w = curve(SURNAME_CURVE, jw);
      if (intersects(q.skeletons, r.skeletons))
        p = { w: Math.max(w, jw >= 0.85 ? 4.4 : 3.4), reason: 'surname:variant' };
      else p = { w, reason: w > 0 ? 'surname:fuzzy' : 'surname:different' };
    }
    if (p.w > best.w) best = p;
  }
  return best.w === -Infinity ? { w: 0, reason: 'surname:missing' } : best;
}

function firstPart(q: TokenInfo, rs: readonly TokenInfo[]): Part {
  let best: Part = { w: -Infinity, reason: 'firstName:missing' };
  for (const r of rs) {
    let p: Part;
    if (intersects(q.canons, r.canons)) p = { w: 3, reason: 'firstName:exact' };
    else {
      const shared = q.groups.filter((g) => r.groups.some((h) => h.id === g.id));
      if (shared.length > 0) {
        const dim = shared.some(
          (g) => g.kind === 'dim' || r.groups.some((h) => h.id === g.id && h.kind === 'dim'),
        );
        p = dim ? { w: 2.3, reason: 'firstName:diminutive' } : { w: 2.7, reason: 'firstName:variant' };
      } else if (q.groups.length > 0 && r.groups.length > 0) {
        p = { w: -3.2, reason: 'firstName:different' };
      } else {
        const qForms = [...q.canons, ...q.groups.flatMap((g) => groupCanons(g.id))];
        const rForms = [...r.canons, ...r.groups.flatMap((g) => groupCanons(g.id))];
        let w = curve(FIRST_CURVE, bestJw(qForms, rForms));
        // Same consonants (Стпеан/Степан, Traas/Taras): a vowel typo.
        if (w < 1.2 && q.groups.length === 0 && intersects(q.skeletons, r.skeletons)) w = 1.2;
        p = { w, reason: w > 0 ? 'firstName:fuzzy' : 'firstName:different' };
      }
    }
    if (p.w > best.w) best = p;
  }
  return best.w === -Infinity ? { w: 0, reason: 'firstName:missing' } : best;
}

function fatherPart(qf: readonly TokenInfo[], rf: readonly TokenInfo[]): Part {
  if (qf.length === 0 || rf.length === 0) return { w: 0, reason: 'father:missing' };
  if (qf.some((q) => rf.some((r) => intersects(q.canons, r.canons))))
    return { w: 1.6, reason: 'father:exact' };
  const qg = qf.map(fatherGroups);
  const rg = rf.map(fatherGroups);
  const qIds = qg.flatMap((g) => g.ids);
  const rIds = rg.flatMap((g) => g.ids);
  if (intersects(qIds, rIds)) return { w: 1.5, reason: 'father:variant' };
  if (qIds.length > 0 && rIds.length > 0) return { w: -2.5, reason: 'father:different' };
  const w = curve(
    FATHER_CURVE,
    bestJw(
      qg.flatMap((g) => g.stems),
      rg.flatMap((g) => g.stems),
    ),
  );
  return { w, reason: w > 0 ? 'father:fuzzy' : 'father:different' };
}

const ymd = (d: PartialDob) =>
  `${d.y}${String(d.m ?? 0).padStart(2, '0')}${String(d.d ?? 0).padStart(2, '0')}`;

function dayNumber(d: PartialDob): number | undefined {
  if (d.m === undefined || d.d === undefined || d.m > 12) return undefined;
  const t = Date.UTC(d.y, d.m - 1, d.d);
  const back = new Date(t);
  return back.getUTCDate() === d.d ? t / 86_400_000 : undefined;
}

function yearsApart(dy: number): Part {
  if (dy === 1) return { w: 0.1, reason: 'dob:year±1' };
  if (dy === 2) return { w: -2, reason: 'dob:year±2' };
  return { w: Math.max(-8, -3 - (dy - 3) * 1.2), reason: 'dob:contradiction' };
}

function dobPart(q: PartialDob | undefined, r: PartialDob | undefined): Part {
  if (!q || !r) return { w: 0, reason: 'dob:missing' };
  const dy = Math.abs(q.y - r.y);
  const full = q.d !== undefined && r.d !== undefined;
  if (full) {
    if (q.y === r.y && q.m === r.m && q.d === r.d) return { w: 4.2, reason: 'dob:exact' };
    if (q.y === r.y && q.m === r.d && q.d === r.m) return { w: 2.4, reason: 'dob:swapped' };
    const a = dayNumber(q);
    const b = dayNumber(r);
    if (a !== undefined && b !== undefined && Math.abs(a - b) === 1) return { w: 2.4, reason: 'dob:day±1' };
    const x = ymd(q);
    const y = ymd(r);
    let diff = 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) diff++;
    if (diff === 1) return { w: 2, reason: 'dob:digit' };
    if (q.y === r.y && q.m === r.m) return { w: 0.6, reason: 'dob:month' };
    if (q.y === r.y) return { w: 0.3, reason: 'dob:year' };
    return yearsApart(dy);
  }
  if (dy === 0) {
    if (q.m !== undefined && r.m !== undefined)
      return q.m === r.m ? { w: 1.6, reason: 'dob:month' } : { w: 0.3, reason: 'dob:year' };
    return { w: 1.2, reason: 'dob:year' };
  }
  return yearsApart(dy);
}

/**
 * How well a registry record matches an inquiry, on decrypted plaintext: the best assignment of the
 * inquiry's name words to the record's surname and first name (so swapped boxes still match), plus the
 * father's name and date of birth. Pure; allocation-light enough to score a few dozen candidates per
 * inquiry.
 */
export function scoreMatch(query: MatchPerson, record: MatchPerson): MatchResult {
  const qa = analyze(query);
  const ra = analyze(record);
  const rS = ra.names.filter((n) => n.field === 'surname').map((n) => n.info);
  const rF = ra.names.filter((n) => n.field === 'firstName').map((n) => n.info);
  const Q = qa.names;

  let best: { w: number; reasons: string[] } = { w: -Infinity, reasons: [] };
  const consider = (i: NameToken | undefined, j: NameToken | undefined) => {
    const sp = i ? surnamePart(i.info, rS) : { w: 0, reason: 'surname:missing' };
    const fp = j ? firstPart(j.info, rF) : { w: 0, reason: 'firstName:missing' };
    let w = sp.w + fp.w;
    const reasons = [sp.reason, fp.reason];
    const fields = [i?.field, j?.field];
    if (fields[0] === 'firstName' || fields[1] === 'surname') {
      const merged = i && j && i.field === j.field;
      reasons.push(merged ? 'order:merged' : 'order:swapped');
      w -= merged ? 0.2 : 0.3;
    }
    const used = Number(i !== undefined) + Number(j !== undefined);
    w -= 0.4 * (Q.length - used);
    if (w > best.w) best = { w, reasons };
  };
  if (Q.length === 0) consider(undefined, undefined);
  else if (Q.length === 1) {
    const only = Q[0]!;
    consider(only, undefined);
    consider(undefined, only);
  } else
    for (const i of Q)
      for (const j of Q) {
        if (i !== j) consider(i, j);
      }

  const fp = fatherPart(qa.father, ra.father);
  const dp = dobPart(qa.dob, ra.dob);
  const total = best.w + fp.w + dp.w;
  const score = 1 / (1 + Math.exp(-(total - BIAS) / SCALE));
  const order = best.reasons.filter((r) => r.startsWith('order:'));
  return {
    score: Math.round(score * 1e4) / 1e4,
    reasons: [...best.reasons.filter((r) => !r.startsWith('order:')), fp.reason, dp.reason, ...order],
  };
}
