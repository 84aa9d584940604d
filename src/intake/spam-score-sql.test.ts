import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/helpers.ts';
import { RULES, scoreRequest } from '../triage/scoring.ts';
import { spamScoreSql } from './spam-score-sql.ts';

/**
 * Intake scores a request in SQL (one round trip); everything else calls scoreRequest. The two must
 * agree on the score and on the reasons, in order, at every threshold and its neighbours.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

/** Each rule's thresholds and the counts either side of them. */
function around(...thresholds: number[]): number[] {
  return [...new Set([0, ...thresholds.flatMap((t) => [t - 1, t, t + 1]), 1000])].sort((a, b) => a - b);
}

const TEXTS = [
  'Здравствуйте, я хочу сдаться в плен, помогите мне, пожалуйста.',
  'asdfghjkl qwertyuiop zxcvbnm asdfghjkl qwertyuiop', // gibberish: a text rule fires
];

describe('spamScoreSql', () => {
  it('scores as scoreRequest does, over every threshold of every rule', async () => {
    const counts = around(
      RULES.templateRepeated.threshold,
      RULES.templateRepeated.heavyThreshold,
      RULES.nearDuplicates.heavyThreshold,
    );
    const idents = around(RULES.identityFlood.threshold, RULES.identityFlood.heavyThreshold);
    let compared = 0;
    const seen = new Set<string>();
    for (const text of TEXTS) {
      const textPart = scoreRequest({
        text,
        sameTemplate24h: 0,
        nearDuplicates24h: 0,
        identityRecent1h: 0,
        identityFlagged: false,
        templateFlagged: false,
      });
      // All signal combinations in one statement: a VALUES list as the signals relation.
      const rows: Array<[number, number, number, boolean, boolean]> = [];
      for (const same of counts)
        for (const near of counts)
          for (const ident of idents)
            for (const iflag of [false, true])
              for (const tflag of [false, true]) rows.push([same, near, ident, iflag, tflag]);
      const values = sql.join(
        rows.map(
          (r, i) =>
            sql`(${i}::int, ${r[0]}::bigint, ${r[1]}::bigint, ${r[2]}::bigint, ${r[3]}::boolean, ${r[4]}::boolean)`,
        ),
      );
      const got = await sql<{ i: number; score: number; reasons: string[] }>`
        WITH sig(i, same, near, ident, iflag, tflag) AS (VALUES ${values})
        SELECT sig.i, x.score, x.reasons FROM sig,
          LATERAL (${spamScoreSql(sql`(SELECT sig.same, sig.near, sig.ident, sig.iflag, sig.tflag)`, textPart)}) x
        ORDER BY sig.i`.execute(ctx.core.db);
      expect(got.rows).toHaveLength(rows.length);
      for (const g of got.rows) {
        const [same, near, ident, iflag, tflag] = rows[g.i] as (typeof rows)[number];
        const want = scoreRequest({
          text,
          sameTemplate24h: same,
          nearDuplicates24h: near,
          identityRecent1h: ident,
          identityFlagged: iflag,
          templateFlagged: tflag,
        });
        expect({ score: g.score, reasons: g.reasons }, JSON.stringify(rows[g.i])).toEqual(want);
        seen.add(want.reasons.join(','));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    // The grid reaches every rule (each reason appears), and the cap at 100.
    for (const r of Object.values(RULES)) expect([...seen].join(',')).toContain(r.reason);
  });
});
