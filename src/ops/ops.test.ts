import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, createTestContext, hiddenField, type TestContext } from '../../test/helpers.ts';
import { buildApp } from '../app.ts';
import { createTelegram } from '../channels/telegram/telegram.ts';
import { createReadinessCheck, type JobsHealth } from './health.ts';
import { startMetricsServer } from './metrics.server.ts';
import { createMetrics } from './metrics.ts';

/**
 * Probes and metrics over real HTTP: the app on one port, the operations listener on another (as
 * main.ts wires them), a real database behind both.
 */
let ctx: TestContext;
let app: FastifyInstance;
let base = '';
let ops: Awaited<ReturnType<typeof startMetricsServer>>;
let opsBase = '';
let jobState: ReturnType<JobsHealth['running']> = null;

beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin');
  const jobs: JobsHealth = { running: () => jobState };
  jobState = { startedAt: ctx.clock.now(), lastTickAt: null };
  const readiness = createReadinessCheck({ db: ctx.core.db, vault: ctx.core.vault, clock: ctx.clock, jobs });
  const metrics = createMetrics({ db: ctx.core.db, pool: ctx.handle.pool, clock: ctx.clock, jobs });
  const core = ctx.core;
  // A Telegram webhook that no provider will ever call with the right secret here (refusals only).
  const telegram = createTelegram(
    {
      token: '7012345678:AAHfakeTokenForTests_abcdefghijklmno',
      mode: 'webhook',
      apiRoot: 'http://127.0.0.1:9',
      webhookSecret: 'a-secret-of-16-chars',
      webhookUrl: undefined,
    },
    {
      db: core.db,
      routing: core.routing,
      clock: core.clock,
      log: core.log,
      channelIntake: core.channelIntake,
      protocol: core.protocol,
      knowledge: core.knowledge,
      relatives: core.relatives,
    },
  );
  app = await buildApp(ctx.core, {
    intakePerMinute: 6000,
    secureCookies: true,
    readiness,
    metrics,
    webhooks: [telegram],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  ops = await startMetricsServer({ host: '127.0.0.1', port: 0, metrics, readiness, log: ctx.core.log });
  opsBase = `http://127.0.0.1:${ops.port}`;
});

afterAll(async () => {
  await ops?.close();
  await app?.close();
  await ctx?.close();
});

async function postForm(message: string, token?: string): Promise<number> {
  const page = await (await fetch(`${base}/?lang=ru`)).text();
  const res = await fetch(`${base}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token: token ?? hiddenField(page, 'token'),
      lang: 'ru',
      category: 'serviceman_war_zone',
      message,
    }),
  });
  await res.text();
  return res.status;
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => ls[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('liveness and readiness', () => {
  it('answers live and ready on the app port, and /healthz as before', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${base}/livez`)).json()).toEqual({ status: 'live' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', keys: 'ok', jobs: 'ok' },
    });
  });

  it('is not ready while a migration is missing (an older backup restored), then ready again', async () => {
    const last = await sql<{ name: string }>`DELETE FROM schema_migrations
      WHERE name = (SELECT max(name) FROM schema_migrations) RETURNING name`.execute(ctx.core.db);
    const res = await fetch(`${opsBase}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: { migrations: string } }).checks.migrations).toBe('pending');
    await sql`INSERT INTO schema_migrations (name) VALUES (${last.rows[0]?.name})`.execute(ctx.core.db);
    expect((await fetch(`${opsBase}/readyz`)).status).toBe(200);
  });

  it('is not ready when the job runner has not ticked for minutes, or is stopped', async () => {
    ctx.clock.advance(4 * 60_000);
    let res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: { jobs: string } }).checks.jobs).toBe('stale');
    jobState = { startedAt: new Date(0), lastTickAt: ctx.clock.now() };
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const saved = jobState;
    jobState = null;
    res = await fetch(`${base}/readyz`);
    expect(((await res.json()) as { checks: { jobs: string } }).checks.jobs).toBe('fail');
    jobState = saved;
  });
});

describe('metrics listener', () => {
  it('counts intake accepted and refused, queue depth, outbox backlog and pool, without identities', async () => {
    const before = await (await fetch(`${opsBase}/metrics`)).text();
    const accepted0 = sample(before, 'whiteflag_intake_total', { channel: 'web', outcome: 'accepted' }) ?? 0;
    expect(await postForm('Хочу сдаться, позывной Марker-7731')).toBe(200);
    expect(await postForm('второй запрос')).toBe(200);
    expect(await postForm('поддельный токен', 'not-a-token')).toBe(400);
    // An undeliverable reply on a channel without an adapter stays in the outbox.
    const thread = await ctx.core.db
      .selectFrom('request_threads')
      .select('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    await ctx.core.db
      .insertInto('outbox')
      .values({
        id: crypto.randomUUID(),
        thread_id: thread.id,
        message_id: null,
        channel: 'telegram',
        recipient_index: Buffer.alloc(32),
        payload_enc: null,
        status: 'pending',
        attempts: 2,
        next_attempt_at: ctx.clock.now(),
        created_at: new Date(ctx.clock.now().getTime() - 90_000),
      })
      .execute();

    const res = await fetch(`${opsBase}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'whiteflag_intake_total', { channel: 'web', outcome: 'accepted' })).toBe(
      accepted0 + 2,
    );
    expect(
      sample(text, 'whiteflag_intake_total', { channel: 'web', outcome: 'refused', reason: 'http_400' }),
    ).toBe(1);
    expect(sample(text, 'whiteflag_queue_depth', { state: 'new' })).toBe(2);
    expect(sample(text, 'whiteflag_outbox_messages', { channel: 'telegram', status: 'pending' })).toBe(1);
    expect(sample(text, 'whiteflag_outbox_retrying', { channel: 'telegram' })).toBe(1);
    expect(
      sample(text, 'whiteflag_outbox_oldest_pending_seconds', { channel: 'telegram' }),
    ).toBeGreaterThanOrEqual(90);
    expect(sample(text, 'whiteflag_sla_breaches')).toBe(0);
    expect(sample(text, 'whiteflag_db_pool_connections', { state: 'total' })).toBeGreaterThan(0);
    expect(sample(text, 'whiteflag_job_last_tick_age_seconds')).toBeGreaterThanOrEqual(0);

    // Every label value is from a closed set: no message text, reference, or identity.
    const values = new Set([...text.matchAll(/\w+="([^"]*)"/g)].map((m) => m[1]));
    expect([...values].some((v) => v?.includes('Марker'))).toBe(false);
    const refs = await ctx.core.db.selectFrom('request_threads').select(['id', 'ref']).execute();
    for (const r of refs) expect(text).not.toContain(r.ref);
    for (const r of refs) expect(text).not.toContain(r.id);

    // An hour later both requests are past their first-response SLA.
    ctx.clock.advance(3_600_000);
    const later = await (await fetch(`${opsBase}/metrics`)).text();
    expect(sample(later, 'whiteflag_sla_breaches')).toBe(2);
  });

  it('is not served on the public port', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
  });

  it('counts webhook errors by channel and status', async () => {
    const forged = await fetch(`${base}/channels/telegram/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-telegram-bot-api-secret-token': 'wrong-secret-0000000',
      },
      body: JSON.stringify({ update_id: 1, message: { chat: { id: 42 }, text: 'hi' } }),
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    const text = await (await fetch(`${opsBase}/metrics`)).text();
    expect(
      sample(text, 'whiteflag_webhook_errors_total', { channel: 'telegram', status: String(forged.status) }),
    ).toBe(1);
    expect(sample(text, 'whiteflag_intake_total', { channel: 'telegram', outcome: 'refused' })).toBe(1);
  });
});
