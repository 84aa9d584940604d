import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../../test/fakes/telegram.ts';
import { smsWebhook, startFakeTwilio, voiceWebhook } from '../../test/fakes/twilio.ts';
import { deliverWebhook, startFakeWhatsApp } from '../../test/fakes/whatsapp.ts';
import { createTestContext, login, type TestContext, totpSecretOf, until } from '../../test/helpers.ts';
import { type Core, createCore } from '../core.ts';
import { createTwilioChannels } from './sms/twilio.ts';
import { createTelegram, type Telegram } from './telegram/telegram.ts';
import { createWhatsapp } from './whatsapp/whatsapp.ts';

/**
 * One ingest path (channel-intake `accept`) with the same guarantees for every channel: a new message
 * is recorded sealed while the server is locked and handled once it is unlocked; a replayed provider
 * update does nothing twice — before and after it was handled.
 */
let tg: Awaited<ReturnType<typeof startFakeTelegram>>;
let wa: Awaited<ReturnType<typeof startFakeWhatsApp>>;
let tw: Awaited<ReturnType<typeof startFakeTwilio>>;
let ctx: TestContext;
let other: Core;
let telegram: Telegram;
let whatsapp: ReturnType<typeof createWhatsapp>;
let base = '';
const secret = randomBytes(16).toString('hex');
const appSecret = 'app-secret-for-ingest';
const FROM = '+15550003333';
const admin = {
  email: 'ingest-admin@example.org',
  password: `pw-${randomBytes(9).toString('hex')}`,
  totp: '',
};

interface ChannelCase {
  channel: 'telegram' | 'whatsapp' | 'sms' | 'voice';
  identity: string;
  /** Delivers the channel's provider update for one new message (the same update every call: a replay). */
  deliver(): Promise<number>;
  sweep(): Promise<number>;
}

const cases: ChannelCase[] = [];

beforeAll(async () => {
  tg = await startFakeTelegram({ globalPerSecond: 1000, perChatPerSecond: 1000 });
  wa = await startFakeWhatsApp({});
  tw = await startFakeTwilio({});
  ctx = await createTestContext({
    channels: (core) => {
      telegram = createTelegram(
        { token: tg.token, mode: 'webhook', apiRoot: tg.url, webhookSecret: secret, webhookUrl: undefined },
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
      whatsapp = createWhatsapp(
        {
          token: wa.accessToken,
          phoneNumberId: wa.phoneNumberId,
          appSecret,
          verifyToken: 'verify',
          apiRoot: wa.url,
          apiVersion: 'v21.0',
          template: 'hotline_reply',
        },
        { channelIntake: core.channelIntake, log: core.log },
      );
      const twilio = createTwilioChannels(
        {
          accountSid: tw.accountSid,
          authToken: tw.authToken,
          from: FROM,
          apiBase: tw.url,
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
      return [telegram, whatsapp, twilio];
    },
  });
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = ctx.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  // The admin is created by another process (as the CLI does): this server starts locked.
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

  const tgUpdate = tg.userSends({ id: 730001 }, 'пишу, пока сервер заперт');
  const waPayload = wa.textMessagePayload({ waId: '79007300001', text: 'пишу в WhatsApp' });
  cases.push(
    {
      channel: 'telegram',
      identity: '730001',
      deliver: async () =>
        (
          await ctx.app.inject({
            method: 'POST',
            url: '/channels/telegram/webhook',
            headers: { 'x-telegram-bot-api-secret-token': secret },
            payload: tgUpdate as object,
          })
        ).statusCode,
      sweep: () => telegram.sweep(),
    },
    {
      channel: 'whatsapp',
      identity: '79007300001',
      deliver: async () =>
        (await deliverWebhook(`${base}/channels/whatsapp/webhook`, waPayload, appSecret)).status,
      sweep: () => whatsapp.sweep(),
    },
    {
      channel: 'sms',
      identity: '+79007300002',
      deliver: async () =>
        (
          await smsWebhook(
            `${base}/channels/sms/webhook`,
            {
              from: '+79007300002',
              to: FROM,
              body: 'пишу по SMS',
              messageSid: 'SM00000000000000000000000000730002',
            },
            tw.authToken,
          )
        ).status,
      sweep: () => ctx.core.channelIntake.sweepMessages('sms'),
    },
    {
      channel: 'voice',
      identity: '+79007300003',
      deliver: async () =>
        (
          await voiceWebhook(
            `${base}/channels/voice/callback-when?lang=ru`,
            { From: '+79007300003', To: FROM, Digits: '1', CallSid: 'CA00000000000000000000000000730003' },
            tw.authToken,
          )
        ).status,
      sweep: () => ctx.core.channelIntake.sweepMessages('voice'),
    },
  );
});
afterAll(async () => {
  await ctx?.close();
  await Promise.all([tg?.close(), wa?.close(), tw?.close()]);
});

const updatesOf = (channel: string) =>
  ctx.core.db.selectFrom('inbound_updates').selectAll().where('channel', '=', channel).execute();
const threadOf = async (c: ChannelCase) =>
  (await ctx.core.channelIntake.openThreadOf(c.channel, c.identity))?.id;
const messagesIn = async (threadId: string) =>
  (await ctx.core.db.selectFrom('thread_messages').select('id').where('thread_id', '=', threadId).execute())
    .length;

describe.each(['telegram', 'whatsapp', 'sms', 'voice'] as const)('%s through the one ingest path', (name) => {
  const c = () => cases.find((x) => x.channel === name) as ChannelCase;

  it('locked: a new message and its replay are recorded once, sealed, and wait', async () => {
    expect(ctx.core.routing.isUnlocked()).toBe(false);
    expect(await c().deliver()).toBe(200);
    expect(await c().deliver()).toBe(200);
    // Webhooks are acknowledged first and handled after: give a handler the time to misbehave.
    await new Promise((r) => setTimeout(r, 300));
    const rows = await updatesOf(name);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload_enc).toMatch(/^ws1\./);
    expect(rows[0]?.processed_at).toBeNull();
    // No request yet (while locked, nobody can look an identity up: count the channel's requests).
    const threads = await ctx.core.db
      .selectFrom('request_threads')
      .select('id')
      .where('channel', '=', name)
      .execute();
    expect(threads).toHaveLength(0);
  });
});

describe('unlocked', () => {
  it('a granted login unlocks the server', async () => {
    await login(ctx, {
      id: '',
      email: admin.email,
      password: admin.password,
      totpSecret: admin.totp,
      role: 'admin',
    });
    expect(ctx.core.routing.isUnlocked()).toBe(true);
  });

  describe.each(['telegram', 'whatsapp', 'sms', 'voice'] as const)('%s', (name) => {
    const c = () => cases.find((x) => x.channel === name) as ChannelCase;

    it('the sweep handles what waited: one request with the one message, the raw update wiped', async () => {
      expect(await c().sweep()).toBe(1);
      const id = await until(() => threadOf(c()));
      expect(await messagesIn(id)).toBe(1);
      const rows = await updatesOf(name);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.processed_at).not.toBeNull();
      expect(rows[0]?.payload_enc).toBeNull();
      // Nothing is left for a second sweep.
      expect(await c().sweep()).toBe(0);
    });

    it('a replay after handling does nothing twice', async () => {
      expect(await c().deliver()).toBe(200);
      await new Promise((r) => setTimeout(r, 300));
      const id = (await threadOf(c())) as string;
      expect(await messagesIn(id)).toBe(1);
      expect(await updatesOf(name)).toHaveLength(1);
    });
  });
});
