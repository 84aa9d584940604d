import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, createTestContext, type TestContext } from '../../test/helpers.ts';
import { createChannelIntake } from './channel-intake.service.ts';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin');
});
afterAll(async () => ctx.close());

const msg = (identity: string, n: number) => ({
  channel: 'telegram' as const,
  updateKey: `${identity}-${n}`,
  identity,
  text: `сообщение ${n}`,
});
const ctxInfo = { category: 'other' as const, language: 'ru' as const };

describe('channel budgets (never per IP)', () => {
  it('caps one identity at 20 messages, then lets it continue as the budget refills', async () => {
    for (let i = 0; i < 20; i++) await ctx.core.channelIntake.receive(msg('500001', i), ctxInfo);
    await expect(ctx.core.channelIntake.receive(msg('500001', 20), ctxInfo)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    // Another person is not affected.
    await ctx.core.channelIntake.receive(msg('500002', 0), ctxInfo);
    ctx.clock.advance(31_000);
    await ctx.core.channelIntake.receive(msg('500001', 21), ctxInfo);
    const t = await ctx.core.channelIntake.openThreadOf('telegram', '500001');
    const n = await ctx.core.db
      .selectFrom('thread_messages')
      .select('id')
      .where('thread_id', '=', t?.id as string)
      .execute();
    expect(n).toHaveLength(21);
  });

  it('when new conversations exceed the channel budget, people already talking still get through', async () => {
    const intake = createChannelIntake({
      db: ctx.core.db,
      vault: ctx.core.vault,
      routing: ctx.core.routing,
      audit: ctx.core.audit,
      clock: ctx.clock,
      intake: ctx.core.intake,
      newPerMinute: 6,
    });
    await intake.receive(msg('600000', 0), ctxInfo); // an ongoing conversation
    const results: string[] = [];
    for (let i = 1; i <= 15; i++) {
      results.push(
        await intake.receive(msg(`6000${String(i).padStart(2, '0')}`, 0), ctxInfo).then(
          () => 'ok',
          (e: { code?: string }) => e.code ?? 'error',
        ),
      );
    }
    expect(results.filter((r) => r === 'ok')).toHaveLength(9); // the burst allowance (10) minus the ongoing one
    expect(results.filter((r) => r === 'rate_limited')).toHaveLength(6);
    await intake.receive(msg('600000', 1), ctxInfo); // the ongoing conversation is not blocked
  });
});
