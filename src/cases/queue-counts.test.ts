import { randomUUID } from 'node:crypto';
import { type Expression, type SqlBool, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';
import { CASE_STATES, CLOSED_STATES, isClosed } from './case-state.ts';
import type { QueueFilters } from './cases.service.ts';
import { slaBreachSql } from './sla.ts';

/**
 * Decision 0017: the tab counts come from counts the writes maintain (triggers appending deltas,
 * folded into queue_counts). After any sequence of writes — with folds in between or not — they must
 * equal a fresh count of request_threads, as countQueue counted before; and the queue's lists must
 * still hold exactly the rows their filters select, in the urgent order, with the new indexes.
 */

const NOW = new Date('2026-05-04T12:00:00Z');
let ctx: TestContext;
let ops: TestOperator[];

beforeAll(async () => {
  ctx = await createTestContext({ start: NOW });
  ops = [await createOperator(ctx, 'operator'), await createOperator(ctx, 'operator')];
}, 60_000);
afterAll(async () => ctx.close());

/** Deterministic pseudo-random numbers, so that a failure can be replayed. */
function prng(seed: number) {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
  };
}

const CATEGORIES = ['serviceman_war_zone', 'relative', 'other'] as const;
const CHANNELS = ['web', 'telegram', 'sms'] as const;
const LANGS = ['ru', 'uk', 'en'] as const;
const TAGS = ['group', 'injured', 'medic'] as const;

type Rand = ReturnType<typeof prng>;

function randomTime(r: Rand): Date {
  // Within the last 12 hours: some SLA clocks have run out, some not.
  return new Date(NOW.getTime() - r.int(12 * 60) * 60_000);
}

function randomTags(r: Rand): string[] {
  return TAGS.filter(() => r.next() < 0.3);
}

function newRow(r: Rand, i: number) {
  const status = r.pick(CASE_STATES);
  const created = randomTime(r);
  return {
    id: randomUUID(),
    ref: `WF-QC-${i}-${r.int(1e9)}`,
    channel: r.pick(CHANNELS),
    category: r.pick(CATEGORIES),
    language: r.pick(LANGS),
    detected_language: r.next() < 0.2 ? null : r.pick([...LANGS, 'kk']),
    urgency: r.int(4),
    status,
    public_key: Buffer.alloc(32),
    sk_for_org: Buffer.alloc(80),
    message_count: 1,
    awaiting_reply: r.next() < 0.5,
    created_at: created,
    updated_at: created,
    last_requester_at: new Date(Math.max(created.getTime(), randomTime(r).getTime())),
    first_response_at: r.next() < 0.5 ? created : null,
    closed_at: isClosed(status) && r.next() < 0.9 ? created : null,
    assignee_id: r.next() < 0.5 ? null : r.pick(ops).id,
    tags: randomTags(r),
    spam_score: r.next() < 0.2 ? 80 : 0,
  };
}

/** One random write: what the app's paths do to a request, in any order. */
async function randomWrite(r: Rand, ids: string[]): Promise<void> {
  const db = ctx.handle.db;
  const id = r.pick(ids);
  const t = db.updateTable('request_threads').where('id', '=', id);
  switch (r.int(12)) {
    case 0: {
      const status = r.pick(CASE_STATES);
      await t.set({ status, closed_at: isClosed(status) ? NOW : null }).execute();
      return;
    }
    case 1:
      await t.set({ assignee_id: r.next() < 0.4 ? null : r.pick(ops).id }).execute();
      return;
    case 2:
      await t.set({ awaiting_reply: r.next() < 0.5 }).execute();
      return;
    case 3:
      await t.set({ tags: randomTags(r) }).execute();
      return;
    case 4:
      await t.set({ category: r.pick(CATEGORIES), channel: r.pick(CHANNELS), urgency: r.int(4) }).execute();
      return;
    case 5:
      await t
        .set({ language: r.pick(LANGS), detected_language: r.next() < 0.3 ? null : r.pick(LANGS) })
        .execute();
      return;
    case 6:
      await t.set({ spam_score: r.next() < 0.5 ? 90 : 0 }).execute();
      return;
    case 7: {
      const into = r.pick(ids);
      await t.set({ merged_into: into === id || r.next() < 0.3 ? null : into }).execute();
      return;
    }
    case 8: {
      // Columns outside the counts: the update trigger must not fire wrongly (or miss anything).
      await t
        .set({ message_count: r.int(50), last_requester_at: randomTime(r), first_response_at: null })
        .execute();
      return;
    }
    case 9: {
      // Several rows in one statement (bulk reassignment, a rescoring of copies).
      const some = ids.filter(() => r.next() < 0.1);
      if (some.length)
        await db
          .updateTable('request_threads')
          .set({ assignee_id: r.next() < 0.5 ? null : r.pick(ops).id, spam_score: r.int(100) })
          .where('id', 'in', some)
          .execute();
      return;
    }
    case 10: {
      await db
        .updateTable('request_threads')
        .set({ merged_into: null })
        .where('merged_into', '=', id)
        .execute();
      await db.deleteFrom('request_threads').where('id', '=', id).execute();
      ids.splice(ids.indexOf(id), 1);
      return;
    }
    default: {
      const row = newRow(r, ids.length + r.int(1e6));
      await db.insertInto('request_threads').values(row).execute();
      ids.push(row.id);
    }
  }
}

type CountFilters = Parameters<TestContext['core']['cases']['countQueue']>[1];

/** The counts straight from request_threads, as countQueue computed them before decision 0017. */
async function freshCounts(userId: string, f: CountFilters) {
  const conds: Array<Expression<SqlBool>> = [sql<SqlBool>`merged_into IS NULL`];
  if (f.category?.length) conds.push(sql<SqlBool>`category IN (${sql.join(f.category)})`);
  if (f.channel?.length) conds.push(sql<SqlBool>`channel IN (${sql.join(f.channel)})`);
  if (f.language?.length)
    conds.push(
      sql<SqlBool>`(language IN (${sql.join(f.language)}) OR detected_language IN (${sql.join(f.language)}))`,
    );
  if (f.urgency !== undefined) conds.push(sql<SqlBool>`urgency >= ${f.urgency}`);
  if (f.tag) conds.push(sql<SqlBool>`tags @> ARRAY[${f.tag}]::text[]`);
  if (f.awaitingReply !== undefined) conds.push(sql<SqlBool>`awaiting_reply = ${f.awaitingReply}`);
  if (f.likelyFake !== undefined) conds.push(sql<SqlBool>`sunk = ${f.likelyFake}`);
  const rows = await sql<{
    status: string;
    n: string;
    awaiting: string;
    unassigned: string;
    mine: string;
    breached: string;
  }>`
    SELECT status, count(*) AS n, count(*) FILTER (WHERE awaiting_reply) AS awaiting,
      count(*) FILTER (WHERE assignee_id IS NULL) AS unassigned,
      count(*) FILTER (WHERE assignee_id = ${userId}) AS mine,
      count(*) FILTER (WHERE ${slaBreachSql(ctx.clock.now())}) AS breached
    FROM request_threads WHERE ${sql.join(conds, sql` AND `)} GROUP BY status`.execute(ctx.handle.db);
  const closed = new Set<string>(CLOSED_STATES);
  const out = { total: 0, open: 0, awaitingReply: 0, unassigned: 0, mine: 0, slaBreached: 0 };
  for (const r of rows.rows) {
    const n = Number(r.n);
    out.total += n;
    out.slaBreached += Number(r.breached);
    if (closed.has(r.status)) continue;
    out.open += n;
    out.awaitingReply += Number(r.awaiting);
    out.unassigned += Number(r.unassigned);
    out.mine += Number(r.mine);
  }
  return { ...out, byStatus: Object.fromEntries(rows.rows.map((r) => [r.status, Number(r.n)])) };
}

const FILTERS: CountFilters[] = [
  {},
  { category: ['relative'] },
  { channel: ['telegram', 'sms'] },
  { language: ['uk'] },
  { language: ['kk'] },
  { urgency: 2 },
  { tag: 'group' },
  { tag: 'medic', category: ['other', 'relative'], urgency: 1 },
  { tag: 'nobody-uses-this' },
  { likelyFake: true },
  { likelyFake: false, awaitingReply: true },
];

async function expectCountsAgree(label: string) {
  for (const f of FILTERS) {
    for (const op of ops) {
      const maintained = await ctx.core.cases.countQueue({ id: op.id }, f);
      expect(maintained, `${label} ${JSON.stringify(f)}`).toEqual(await freshCounts(op.id, f));
    }
  }
}

describe('queue counts maintained by the writes (decision 0017)', () => {
  it('equal a fresh count after random sequences of writes, folded or not', async () => {
    const r = prng(20260504);
    const ids: string[] = [];
    const first = Array.from({ length: 200 }, (_, i) => newRow(r, i));
    await ctx.handle.db.insertInto('request_threads').values(first).execute();
    ids.push(...first.map((x) => x.id));
    await expectCountsAgree('after the inserts, unfolded');
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 60; i++) await randomWrite(r, ids);
      if (round % 2 === 1) expect(await ctx.core.cases.foldQueueCounts()).toBeGreaterThan(0);
      // The SLA clock moves on without any write.
      ctx.clock.advance(7 * 60_000);
      await expectCountsAgree(`round ${round}`);
    }
    // Writes inside a transaction that rolls back leave no delta behind.
    await ctx.handle.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('request_threads').set({ status: 'new', assignee_id: null }).execute();
        throw new Error('roll back');
      })
      .catch(() => {});
    await ctx.core.cases.foldQueueCounts();
    await expectCountsAgree('after a rollback and a fold');
    // And the folded counts are exactly a recount: no stale or zero slices left behind.
    const slices = async () =>
      (
        await sql<
          Record<string, unknown>
        >`SELECT * FROM queue_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`.execute(ctx.handle.db)
      ).rows;
    const folded = await slices();
    await sql`SELECT queue_counts_rebuild()`.execute(ctx.handle.db);
    expect(folded).toEqual(await slices());
    expect(folded.length).toBeGreaterThan(10);
  }, 120_000);
});

describe('queue lists with the indexes of decision 0017', () => {
  it('return exactly the rows each filter selects, in the urgent order, over every page', async () => {
    const me = ops[0] as TestOperator;
    const reference = async (where: Expression<SqlBool>) =>
      (
        await sql<{
          id: string;
        }>`SELECT id FROM request_threads WHERE merged_into IS NULL AND returned_at IS NULL
          AND ${where} ORDER BY sunk, urgency DESC, last_requester_at DESC, id DESC`.execute(ctx.handle.db)
      ).rows.map((x) => x.id);
    // Nobody returned: the urgent order is then the queue's order alone.
    await sql`UPDATE request_threads SET returned_at = NULL`.execute(ctx.handle.db);
    const open = sql<SqlBool>`status NOT IN (${sql.join([...CLOSED_STATES])})`;
    const cases: Array<[Partial<QueueFilters>, Expression<SqlBool>]> = [
      [{ open: true, assignee: 'me' }, sql<SqlBool>`${open} AND assignee_id = ${me.id}`],
      [{ status: ['new'] }, sql<SqlBool>`status = 'new'`],
      [{ status: ['closed_info_given', 'new'] }, sql<SqlBool>`status IN ('closed_info_given', 'new')`],
      [{ open: true, tag: 'injured' }, sql<SqlBool>`${open} AND tags @> ARRAY['injured']`],
      [{ open: true, assignee: 'none' }, sql<SqlBool>`${open} AND assignee_id IS NULL`],
    ];
    for (const [f, where] of cases) {
      const want = await reference(where);
      expect(want.length, JSON.stringify(f)).toBeGreaterThan(3);
      const got: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const r = await ctx.core.cases.listQueue(me, { sort: 'urgent', limit: 3, ...f, cursor });
        got.push(...r.items.map((i) => i.id));
        if (!r.nextCursor) break;
        cursor = r.nextCursor;
      }
      expect(got, JSON.stringify(f)).toEqual(want);
    }
  });
});
