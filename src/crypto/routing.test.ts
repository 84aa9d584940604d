import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smsWebhook, startFakeTwilio } from '../../test/fakes/twilio.ts';
import {
  createTestContext,
  login,
  submitWebRequest,
  type TestContext,
  totpSecretOf,
  until,
} from '../../test/helpers.ts';
import { createTwilioChannels } from '../channels/sms/twilio.ts';
import { type Core, createCore } from '../core.ts';

/**
 * The routing key lives only in the memory of running servers (docs/decisions/0012-routing-key.md).
 * A restarted server is locked: it still accepts every provider message (sealed), shows "locked since",
 * and processes what waited as soon as a granted operator logs in — or a peer instance hands the key
 * over, sealed to a one-off key of the asking process.
 */
type Fake = Awaited<ReturnType<typeof startFakeTwilio>>;
let fake: Fake;
let ctx: TestContext;
let other: Core;
let base = '';
const FROM = '+15550002222';
const admin = {
  email: 'routing-admin@example.org',
  password: `pw-${randomBytes(9).toString('hex')}`,
  totp: '',
};

beforeAll(async () => {
  fake = await startFakeTwilio({});
  ctx = await createTestContext({
    channels: (core) => {
      const tw = createTwilioChannels(
        {
          accountSid: fake.accountSid,
          authToken: fake.authToken,
          from: FROM,
          apiBase: fake.url,
          publicOrigin: undefined,
        },
        {
          channelIntake: core.channelIntake,
          db: core.db,
          clock: core.clock,
          log: core.log,
          voice: core.voice,
          appendToThread: core.intake.appendRequesterMessage,
        },
      );
      core.adapters.set('sms', tw.smsAdapter);
      return [tw];
    },
  });
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = ctx.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  // The admin is created by another process (as the CLI does): this server stays locked.
  other = await createCore({
    db: ctx.core.db,
    keyring: ctx.keyring,
    clock: ctx.clock,
    log: ctx.core.log,
    settings: ctx.core.settings,
  });
  const u = await other.users.createUser(
    { email: admin.email, role: 'admin', password: admin.password },
    { type: 'cli', id: null },
  );
  admin.totp = totpSecretOf(u.totpUri);
});
afterAll(async () => {
  await ctx?.close();
  await fake?.close();
});

describe('encrypted columns', () => {
  it('lists every *_enc column of the schema in one tier (rotation and re-tiering walk the list)', async () => {
    const { ENCRYPTED_COLUMNS } = await import('./encrypted-columns.ts');
    const { sql } = await import('kysely');
    const cols = (
      await sql<{ c: string }>`SELECT table_name || '.' || column_name AS c FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name LIKE '%\_enc'`.execute(ctx.core.db)
    ).rows.map((r) => r.c);
    // The organisation key in a session is wrapped under the session cookie's token, not a vault key.
    const listed = new Set([
      ...ENCRYPTED_COLUMNS.map((c) => `${c.table}.${c.column}`),
      'sessions.org_key_enc',
      'pending_logins.org_key_enc',
    ]);
    expect(cols.filter((c) => !listed.has(c))).toEqual([]);
  });
});

describe('routing key', () => {
  it("a server started before the organisation existed seals a requester's answers while locked", async () => {
    // The organisation was bootstrapped by another process after this server started (as the CLI does).
    expect(ctx.core.routing.isUnlocked()).toBe(false);
    const { receipt } = await submitWebRequest(ctx, { message: 'анкета до входа оператора' });
    const found = await ctx.core.intake.findByReceipt(receipt);
    await ctx.core.protocol.saveAnswers({ type: 'requester' }, found?.id as string, 'questionnaire', {
      wounded: true,
    });
    const row = await ctx.core.db
      .selectFrom('case_answers')
      .select('value_enc')
      .where('thread_id', '=', found?.id as string)
      .where('question_id', '=', 'wounded')
      .executeTakeFirstOrThrow();
    expect(row.value_enc).toMatch(/^ws1\./);
  });

  it('a locked server accepts an SMS sealed, and processes it when a granted operator logs in', async () => {
    expect(ctx.core.routing.isUnlocked()).toBe(false);
    const res = await smsWebhook(
      `${base}/channels/sms/webhook`,
      { from: '+79005554433', to: FROM, body: 'жду ответа' },
      fake.authToken,
    );
    expect(res.status).toBe(200);
    const rows = await ctx.core.db
      .selectFrom('inbound_updates')
      .selectAll()
      .where('channel', '=', 'sms')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload_enc).toMatch(/^ws1\./);
    expect(rows[0]?.update_key).toMatch(/^h:/);
    expect(rows[0]?.processed_at).toBeNull();
    expect(
      await ctx.core.db.selectFrom('request_threads').select('id').where('channel', '=', 'sms').execute(),
    ).toHaveLength(0);

    // An operator without the organisation key sees "locked since …".
    const plain = await other.users.createUser(
      { email: 'nokey@example.org', role: 'operator', password: 'operator password 1' },
      { type: 'cli', id: null },
    );
    const s0 = await login(ctx, {
      id: plain.id,
      email: 'nokey@example.org',
      password: 'operator password 1',
      totpSecret: totpSecretOf(plain.totpUri),
      role: 'operator',
    });
    const status = await ctx.app.inject({ method: 'GET', url: '/api/system/routing', headers: s0.headers });
    expect(status.json()).toMatchObject({ unlocked: false, pendingUpdates: 1 });
    expect(typeof status.json().lockedSince).toBe('string');

    // The granted admin logs in: unlocked; what waited is processed.
    const s = await login(ctx, {
      id: '',
      email: admin.email,
      password: admin.password,
      totpSecret: admin.totp,
      role: 'admin',
    });
    expect(ctx.core.routing.isUnlocked()).toBe(true);
    expect(await ctx.core.channelIntake.sweepMessages('sms')).toBe(1);
    const t = await ctx.core.channelIntake.openThreadOf('sms', '+79005554433');
    expect(t).toBeTruthy();
    const after = await ctx.app.inject({ method: 'GET', url: '/api/system/routing', headers: s.headers });
    expect(after.json()).toMatchObject({ unlocked: true, lockedSince: null, pendingUpdates: 0 });
    const opened = await ctx.app.inject({ method: 'GET', url: `/api/requests/${t?.id}`, headers: s.headers });
    expect(JSON.stringify(opened.json())).toContain('жду ответа');
  });

  it('hands the key to a locked peer, sealed to its one-off key — never to a forged request', async () => {
    const peer = await createCore({
      db: ctx.core.db,
      keyring: ctx.keyring,
      clock: ctx.clock,
      log: ctx.core.log,
      settings: ctx.core.settings,
    });
    expect(peer.routing.isUnlocked()).toBe(false);
    // Someone who can write to the database but has no key file posts a request of their own.
    const forged = randomUUID();
    await ctx.core.db
      .insertInto('routing_key_requests')
      .values({
        id: forged,
        public_key: randomBytes(32),
        mac: randomBytes(32),
        sealed_seed: null,
        created_at: ctx.clock.now(),
      })
      .execute();
    const asking = peer.routingKeeper.askPeers(10_000);
    await until(async () => (await ctx.core.routingKeeper.servePeers()) > 0 || undefined);
    expect(await asking).toBe(true);
    expect(peer.routing.isUnlocked()).toBe(true);
    // Both derive the same key: the peer reads what the first one wrote.
    const thread = await ctx.core.db
      .selectFrom('request_threads')
      .select('identity_enc')
      .where('channel', '=', 'sms')
      .executeTakeFirstOrThrow();
    expect(peer.routing.decrypt(thread.identity_enc as string, 'request_threads.identity')).toBe(
      '+79005554433',
    );
    expect(
      await ctx.core.db
        .selectFrom('routing_key_requests')
        .selectAll()
        .where('id', '=', forged)
        .executeTakeFirst(),
    ).toBeUndefined();
    expect(await ctx.core.db.selectFrom('routing_key_requests').selectAll().execute()).toEqual([]);
  });

  it('replies wait in the outbox while locked and go out once unlocked', async () => {
    const restarted = await createCore({
      db: ctx.core.db,
      keyring: ctx.keyring,
      clock: ctx.clock,
      log: ctx.core.log,
      settings: ctx.core.settings,
    });
    const t = await ctx.core.channelIntake.openThreadOf('sms', '+79005554433');
    await ctx.core.outbox.enqueue(ctx.core.db, {
      threadId: t?.id as string,
      messageId: null,
      channel: 'sms',
      message: { to: '+79005554433', text: 'ответ оператора' },
    });
    restarted.adapters.set(
      'sms',
      ctx.core.adapters.get('sms') as NonNullable<ReturnType<typeof ctx.core.adapters.get>>,
    );
    expect(await restarted.outbox.runOnce()).toEqual({ sent: 0, retried: 0, failed: 0, deferred: 0 });
    expect(fake.messagesTo('+79005554433')).toHaveLength(0);
    expect(await restarted.routingKeeper.askPeers(0)).toBe(false);
    const asking = restarted.routingKeeper.askPeers(10_000);
    await until(async () => (await ctx.core.routingKeeper.servePeers()) > 0 || undefined);
    expect(await asking).toBe(true);
    expect((await restarted.outbox.runOnce()).sent).toBe(1);
    expect(fake.messagesTo('+79005554433').map((m) => m.body)).toEqual(['ответ оператора']);
  });
});
