import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  login,
  submitWebRequest,
  type TestContext,
} from '../../test/helpers.ts';
import { type JobRunner, QUEUES, startJobs } from './jobs.ts';

/** The real job queue (pg-boss on the test database) runs the case timers it is given. */
let ctx: TestContext;
let runner: JobRunner;

beforeAll(async () => {
  ctx = await createTestContext();
  runner = await startJobs({
    databaseUrl: ctx.dbUrl,
    log: ctx.core.log,
    timers: ctx.core.timers,
    retention: ctx.core.retention,
    registry: ctx.core.registry,
  });
});
afterAll(async () => {
  await runner?.stop();
  await ctx.close();
});

describe('job queue', () => {
  it('schedules the timers every minute, registry alarms hourly and nightly retention', async () => {
    const schedules = await runner.boss.getSchedules();
    expect(schedules.map((s) => [s.name, s.cron]).sort()).toEqual([
      [QUEUES.registry, '5 * * * *'],
      [QUEUES.retention, '17 3 * * *'],
      [QUEUES.stats, '*/10 * * * *'],
      [QUEUES.timers, '* * * * *'],
    ]);
  });

  it('runs a timers job: a silent case becomes unreachable', async () => {
    const admin = await createOperator(ctx, 'admin');
    const s = await login(ctx, admin);
    const { receipt } = await submitWebRequest(ctx);
    const id = (await ctx.core.intake.findByReceipt(receipt))?.id as string;
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/status`,
      headers: s.headers,
      payload: { status: 'screening' },
    });
    ctx.clock.advance(15 * 86_400_000);
    await runner.boss.send(QUEUES.timers, {});
    const deadline = Date.now() + 20_000;
    let status = 'screening';
    while (status !== 'unreachable' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (
        await ctx.core.db
          .selectFrom('request_threads')
          .select('status')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).status;
    }
    expect(status).toBe('unreachable');
  });
});
