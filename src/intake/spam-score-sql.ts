import { type RawBuilder, sql } from 'kysely';
import { type Graded, RULES } from '../triage/scoring.ts';

/**
 * `scoreRequest` (triage/scoring.ts) as SQL, generated from the same RULES, so that the statement that
 * stores a request also counts its signals and scores it: one round trip per request (issue #13). The
 * rules that read only the text run in Node and come in as `text` (a score and its reasons).
 * `spam-score-sql.test.ts` holds the two equal over every threshold.
 *
 * `signals` is a relation (a table name or a subquery) with the columns `same`, `near`, `ident`
 * (counts), `iflag` and `tflag` (booleans): intake's spamSignalsQuery; one result row per its row. The result has `score` and `reasons` (text[]),
 * the reasons in scoreRequest's order.
 */
export function spamScoreSql(
  signals: RawBuilder<unknown>,
  text: { score: number; reasons: readonly string[] },
): RawBuilder<{ score: number; reasons: string[] }> {
  const lit = (v: number | string) => sql.lit(v);
  const weight = (n: RawBuilder<unknown>, r: Graded) =>
    sql`CASE WHEN ${n} >= ${lit(r.heavyThreshold)} THEN ${lit(r.heavyWeight)} WHEN ${n} >= ${lit(r.threshold)} THEN ${lit(r.weight)} ELSE 0 END`;
  const reason = (n: RawBuilder<unknown>, r: Graded) =>
    sql`CASE WHEN ${n} >= ${lit(r.threshold)} THEN ${lit(r.reason)} END`;
  const same = sql.ref('s.same');
  const near = sql.ref('s.near');
  const ident = sql.ref('s.ident');
  const tpl = RULES.templateRepeated;
  const dup = RULES.nearDuplicates;
  // An exact template repeat already implies a near duplicate: the stronger of the two, once.
  const isTemplate = sql`${same} >= ${lit(tpl.threshold)}`;
  return sql`
    SELECT least(100,
        (CASE WHEN ${isTemplate} THEN ${weight(same, tpl)} ELSE ${weight(near, dup)} END)
        + ${weight(ident, RULES.identityFlood)}
        + ${text.score}::int
        + (CASE WHEN s.iflag THEN ${lit(RULES.identityFlagged.weight)} ELSE 0 END)
        + (CASE WHEN s.tflag THEN ${lit(RULES.templateFlagged.weight)} ELSE 0 END)) AS score,
      array_remove(
        ARRAY[CASE WHEN ${isTemplate} THEN ${reason(same, tpl)} ELSE ${reason(near, dup)} END,
          ${reason(ident, RULES.identityFlood)}]
        || ${text.reasons}::text[]
        || ARRAY[CASE WHEN s.iflag THEN ${lit(RULES.identityFlagged.reason)} END,
          CASE WHEN s.tflag THEN ${lit(RULES.templateFlagged.reason)} END],
        NULL) AS reasons
    FROM ${signals} AS s`;
}
