import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';

/** Issue #13: what a flood leaves in storage is bounded by the purge period, and the supervisor sees it. */
let ctx: TestContext;
let admin: TestOperator;
let s: LoggedIn;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
});
afterAll(async () => ctx.close());

async function create(body: string): Promise<string> {
  const r = await ctx.core.intake.createRequest(
    { channel: 'web', category: 'other', language: 'ru', content: { body } },
    { withReceipt: true },
  );
  return r.id;
}

const MASH = [
  'ывапролдж фывапролдж цукенгшщз ячсмитьбю',
  'asdfghjkl qwertyuiop zxcvbnm',
  'аааааааааааааааааааа',
];

describe('sunk requests', () => {
  it('purges the untouched sunk ones after the period, keeps what an operator touched, and reports it', async () => {
    const sunk = [await create(MASH[0] as string), await create(MASH[1] as string)];
    const assigned = await create(MASH[2] as string);
    const genuine = await create('Здравствуйте, я мобилизованный, хочу узнать, как сдаться в плен живым.');
    await ctx.core.db
      .updateTable('request_threads')
      .set({ assignee_id: admin.id })
      .where('id', '=', assigned)
      .execute();
    const scores = await ctx.core.db.selectFrom('request_threads').select(['id', 'spam_score']).execute();
    expect(
      scores
        .filter((r) => r.spam_score >= 60)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...sunk, assigned].sort());

    ctx.clock.advance(60 * 60_000);
    expect(await ctx.core.flood.purgeSunk()).toBe(0); // an hour: still there for the shift to review
    s = await login(ctx, admin);
    const before = await ctx.app.inject({ method: 'GET', url: '/api/supervisor/flood', headers: s.headers });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({ sunkHeld: 3, purgeAfterHours: 6, purgedLast24h: 0 });
    expect(before.json().intakeTablesBytes).toBeGreaterThan(0);
    expect(before.json().admission).toMatchObject({ inFlight: 0 });

    ctx.clock.advance(6 * 60 * 60_000);
    expect(await ctx.core.flood.purgeSunk()).toBe(2);
    const left = (await ctx.core.db.selectFrom('request_threads').select('id').execute()).map((r) => r.id);
    expect(left.sort()).toEqual([assigned, genuine].sort());
    expect(
      await ctx.core.db.selectFrom('thread_messages').select('id').where('thread_id', 'in', sunk).execute(),
    ).toEqual([]);

    s = await login(ctx, admin);
    const after = await ctx.app.inject({ method: 'GET', url: '/api/supervisor/flood', headers: s.headers });
    // The assigned one is still sunk and untriaged, but an operator holds it: never purged.
    expect(after.json()).toMatchObject({ sunkHeld: 1, purgedLast24h: 2 });
    const audit = await ctx.core.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'flood.purge')
      .execute();
    expect(audit).toHaveLength(1);
  });
});
