import { CompiledQuery, type Kysely, type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { variedText } from '../../bench/lib/texts.ts';
import { createOperator, createTestContext, type TestContext, until } from '../../test/helpers.ts';
import { prepared } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { SINK_THRESHOLD } from '../triage/scoring.ts';
import { rescoreCopiesQuery, sketchOf, spamSignalsQuery } from './intake.service.ts';

/**
 * Issue #13: a templated flood must cost the same per request at its thousandth copy as at its
 * hundredth (it used to read every earlier copy twice per request, so its total cost grew with its
 * square), and every copy must still sink — the first ones included.
 */
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin'); // the organisation key exists from the first admin on
});
afterAll(async () => ctx.close());

const TEMPLATE = 'Здравствуйте я военнослужащий хочу сдаться в плен помогите срочно мне нужна ваша помощь';

async function postCopies(n: number, from: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    // A counter and a changing last word, as the measured flood did: near-duplicates of one template.
    await ctx.core.intake.createRequest(
      {
        channel: 'web',
        category: 'serviceman_war_zone',
        language: 'ru',
        content: { body: `${TEMPLATE} ${i % 2 ? 'пожалуйста' : 'очень'} ${i}` },
      },
      { withReceipt: false },
    );
    ctx.clock.advance(50);
  }
}

/**
 * Rows the statement read (sequential reads + rows fetched through indexes, from the transaction's own
 * table statistics: what really ran, inside functions too), on `conn` and rolled back.
 */
async function rowsRead(q: RawBuilder<unknown>, conn: Kysely<Database> = ctx.core.db): Promise<number> {
  // The transaction's view also holds what this connection did before and has not reported yet, so the
  // statement's reads are the difference across it.
  const read = async (c: Kysely<Database>) =>
    Number(
      (
        await sql<{ n: string }>`
          SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)::text AS n
          FROM pg_stat_xact_user_tables`.execute(c)
      ).rows[0]?.n,
    );
  const run = async (c: Kysely<Database>) => {
    await sql`BEGIN`.execute(c);
    try {
      const before = await read(c);
      await q.execute(c);
      return (await read(c)) - before;
    } finally {
      await sql`ROLLBACK`.execute(c);
    }
  };
  // One connection: the statement and the statistics around it must be the same session's.
  return conn.connection().execute(run);
}

/** Rows the rescoring's scans return (EXPLAIN ANALYZE: actual rows × loops over every scan node). */
async function planRows(q: RawBuilder<unknown>): Promise<number> {
  const c = q.compile(ctx.core.db);
  const r = await ctx.core.db.executeQuery<{ 'QUERY PLAN': unknown }>(
    CompiledQuery.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${c.sql}`, [...c.parameters]),
  );
  let rows = 0;
  const walk = (node: Record<string, unknown>) => {
    if (String(node['Node Type']).includes('Scan') && node['Relation Name'])
      rows += Number(node['Actual Rows']) * Number(node['Actual Loops']);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  const plan = r.rows[0]?.['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>;
  walk(plan[0]?.Plan as Record<string, unknown>);
  return rows;
}

async function costOfNextCopy(i: number): Promise<{ signals: number; rescore: number }> {
  const sketch = sketchOf(ctx.core.vault, `${TEMPLATE} очень ${i}`);
  const now = ctx.clock.now();
  return {
    signals: await rowsRead(spamSignalsQuery(sketch, null, now)),
    // Score 0 raises nothing: the scans run, the table stays as it is.
    rescore: await planRows(rescoreCopiesQuery(sketch, 0, ['near-duplicate-text'], now)),
  };
}

describe('flood cost', () => {
  it('reads no more rows per request at 400 copies than at 100, and still sinks every copy', async () => {
    await postCopies(100, 0);
    const at100 = await costOfNextCopy(100);
    await postCopies(300, 100);
    const at400 = await costOfNextCopy(400);
    expect(at100.signals).toBeGreaterThan(20); // the scans are really counted
    // Rows fetched from the heap vary a little with the visibility map (autovacuum's timing); a cost
    // that grew with the flood would be four times larger here.
    expect(at400.signals).toBeLessThan(at100.signals * 1.5);
    expect(at400.rescore).toBeLessThanOrEqual(at100.rescore);
    // Bounded, not merely flat: a few hundred rows, where reading every copy would be thousands.
    expect(at400.signals).toBeLessThan(150);
    expect(at400.rescore).toBeLessThan(1000);

    // Quality unchanged: the first copies were raised as the template emerged (in the background).
    const floated = await until(async () => {
      const r = await ctx.core.db
        .selectFrom('request_threads')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('spam_score', '<', SINK_THRESHOLD)
        .executeTakeFirstOrThrow();
      return Number(r.n) === 0 ? 'all sunk' : undefined;
    });
    expect(floated).toBe('all sunk');
  }, 120_000);
});

describe('flood cost with a plan made on a small table', () => {
  it('a connection that planned the signals while the tables were nearly empty reads no more rows after a flood of varied texts', async () => {
    const fresh = await createTestContext();
    try {
      await createOperator(fresh, 'admin');
      const post = (n: number) =>
        Promise.all(
          Array.from({ length: n }, () =>
            fresh.core.intake.createRequest(
              {
                channel: 'web',
                category: 'serviceman_war_zone',
                language: 'ru',
                content: { body: variedText() },
              },
              { withReceipt: false },
            ),
          ),
        );
      const signals = () =>
        prepared(
          'test.signals',
          spamSignalsQuery(sketchOf(fresh.core.vault, variedText()), null, fresh.clock.now()),
        );
      await fresh.core.db.connection().execute(async (conn) => {
        // As the intake statement is: prepared on this connection, run more than five times while the
        // tables hold a few rows, so that PostgreSQL settles on the plan it keeps.
        await post(5);
        for (let i = 0; i < 8; i++) await signals().execute(conn);
        const before = await rowsRead(signals(), conn);
        for (let i = 0; i < 8; i++) await post(50);
        const after = await rowsRead(signals(), conn);
        // 400 varied requests later, a request's look-ups still read a handful of rows, not the
        // 1,600 bands of the day (a sequential scan's cost grows with the flood).
        expect(after).toBeLessThan(50);
        expect(after).toBeLessThanOrEqual(before + 20);
      });
    } finally {
      await fresh.close();
    }
  }, 120_000);
});
