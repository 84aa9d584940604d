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

/** A promise to hold a handler at a point of the test's choosing. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe('recorded updates run once, and all of them', () => {
  it('a sweep leaves an update whose handler is running (the periodic sweep meeting a live one)', async () => {
    const intake = ctx.core.channelIntake;
    const entered = gate();
    const release = gate();
    let runs = 0;
    const live = intake.accept('telegram', 'claim-live', { n: 1 }, async () => {
      runs++;
      entered.open();
      await release.opened;
      return 'handled';
    });
    await entered.opened;
    // Recorded and not processed yet: without the claim, the sweep would open it a second time.
    expect(
      await intake.sweep('telegram', async () => {
        runs++;
      }),
    ).toBe(0);
    release.open();
    expect(await live).toBe('handled');
    expect(runs).toBe(1);
    // Handled: a replay of the provider's update does nothing.
    expect(await intake.accept('telegram', 'claim-live', { n: 1 }, async () => 'again')).toBe('replay');
  });

  it('sweeps that meet (processes unlocked a moment apart) run each update once', async () => {
    const intake = ctx.core.channelIntake;
    await intake.record('whatsapp', 'claim-swept', { n: 2 });
    const entered = gate();
    const release = gate();
    let runs = 0;
    const first = intake.sweep('whatsapp', async () => {
      runs++;
      entered.open();
      await release.opened;
    });
    await entered.opened;
    expect(
      await intake.sweep('whatsapp', async () => {
        runs++;
      }),
    ).toBe(0);
    release.open();
    expect(await first).toBe(1);
    expect(runs).toBe(1);
  });

  it('an update whose handler died with its process is swept again once the claim has run out', async () => {
    const intake = ctx.core.channelIntake;
    await intake.record('sms', 'claim-orphan', { n: 3 });
    // What a process that died mid-way leaves behind: a claim that nobody will release.
    await ctx.core.db
      .updateTable('inbound_updates')
      .set({ claimed_until: new Date(ctx.clock.now().getTime() + 60_000) })
      .where('channel', '=', 'sms')
      .execute();
    let runs = 0;
    const handler = async () => {
      runs++;
    };
    expect(await intake.sweep('sms', handler)).toBe(0);
    ctx.clock.advance(61_000);
    expect(await intake.sweep('sms', handler)).toBe(1);
    expect(runs).toBe(1);
  });

  it('one sweep goes through a backlog longer than a page (after a long lock), not a page per period', async () => {
    const intake = ctx.core.channelIntake;
    // Recorded in the same instant (the test clock stands still): the page boundary falls inside it.
    for (let i = 0; i < 130; i++) await intake.record('voice', `backlog-${i}`, { i });
    const seen: number[] = [];
    expect(
      await intake.sweep('voice', async (p) => {
        seen.push((p as { i: number }).i);
      }),
    ).toBe(130);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(130).keys()]);
    expect(await intake.pending('voice')).toEqual([]);
  });
});
