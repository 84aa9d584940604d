import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingWebhook, smsWebhook, startFakeTwilio, voiceWebhook } from '../../../test/fakes/twilio.ts';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
  until,
} from '../../../test/helpers.ts';
import { createTwilioChannels } from './twilio.ts';

/** SMS and voice through Twilio-style webhooks, with the real twilio client pointed at a local fake. */
type Fake = Awaited<ReturnType<typeof startFakeTwilio>>;
let fake: Fake;
let ctx: TestContext;
let base = '';
let s: LoggedIn;
const FROM = '+15550001111';

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
      core.adapters.set('voice', tw.voiceAdapter);
      return [tw];
    },
  });
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = ctx.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  s = await login(ctx, await createOperator(ctx, 'admin'));
});
afterAll(async () => {
  await ctx?.close();
  await fake?.close();
});

const threadOf = (channel: string, from: string) =>
  ctx.core.channelIntake.openThreadOf(channel, from).then((t) => t?.id);

describe('sms', () => {
  it('files an SMS, replies by SMS through the real client, and refuses forged signatures', async () => {
    const from = '+79001112233';
    const forged = await smsWebhook(
      `${base}/channels/sms/webhook`,
      { from, to: FROM, body: 'подделка' },
      'wrong-auth-token-000000',
    );
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.text).error.code).toBe('invalid_signature');
    expect(await threadOf('sms', from)).toBeUndefined();
    const r = await smsWebhook(
      `${base}/channels/sms/webhook`,
      { from, to: FROM, body: 'Хочу сдаться' },
      fake.authToken,
    );
    expect(r.status).toBe(200);
    expect(r.text).toContain('<Response');
    const id = await until(() => threadOf('sms', from));
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Мы на связи' },
    });
    await ctx.core.outbox.runOnce();
    const msgs = fake.messagesTo(from);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ body: 'Мы на связи', from: FROM });
  });
});

describe('voice', () => {
  it('offers a language menu, takes a call-back request that operators can mark done', async () => {
    const from = '+79004445566';
    const incoming = await voiceWebhook(
      `${base}/channels/voice/incoming`,
      { From: from, To: FROM },
      fake.authToken,
    );
    expect(incoming.status).toBe(200);
    expect(incoming.text).toContain('<Gather');
    expect(incoming.text).toContain('Для русского языка нажмите 1');
    const lang = await voiceWebhook(
      `${base}/channels/voice/language`,
      { From: from, To: FROM, Digits: '2' },
      fake.authToken,
    );
    expect(lang.text).toContain('Це конфіденційна лінія допомоги');
    expect(lang.text).toContain('/channels/voice/menu?lang=uk');
    const menu = await voiceWebhook(
      `${base}/channels/voice/menu?lang=uk`,
      { From: from, To: FROM, Digits: '3', CallSid: 'CA00000000000000000000000000000001' },
      fake.authToken,
    );
    expect(menu.text).toContain('Коли вам безпечно зателефонувати');
    const when = await voiceWebhook(
      `${base}/channels/voice/callback-when?lang=uk`,
      { From: from, To: FROM, Digits: '4', CallSid: 'CA00000000000000000000000000000001' },
      fake.authToken,
    );
    expect(when.text).toContain('Ми передзвонимо');
    const id = await until(() => threadOf('voice', from));
    const view = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
    expect(view.json().request).toMatchObject({ channel: 'voice', language: 'uk', callbackDoneAt: null });
    expect(view.json().request.callbackRequestedAt).not.toBeNull();
    const done = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/callback-done`,
      headers: s.headers,
    });
    expect(done.json().request.callbackDoneAt).not.toBeNull();
  });

  it('stores a recorded message sealed in the thread and deletes it at the provider', async () => {
    const from = '+79007778899';
    const rec = fake.addRecording(Buffer.from('ID3 fake mp3 bytes of a voice message'), {
      durationSec: 7,
      mime: 'audio/mpeg',
    });
    const menu = await voiceWebhook(
      `${base}/channels/voice/menu?lang=ru`,
      { From: from, To: FROM, Digits: '2' },
      fake.authToken,
    );
    expect(menu.text).toContain('<Record');
    const r = await recordingWebhook(
      `${base}/channels/voice/recorded?lang=ru`,
      {
        callSid: 'CA00000000000000000000000000000002',
        from,
        to: FROM,
        recordingUrl: rec.url,
        recordingSid: rec.sid,
        durationSec: 7,
      },
      fake.authToken,
    );
    expect(r.status).toBe(200);
    const id = await until(() => threadOf('voice', from));
    const view = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
    expect(view.json().messages[0].body).toContain('voice message');
    expect(Buffer.from(view.json().messages[0].attachments[0].data, 'base64').toString()).toContain(
      'fake mp3 bytes',
    );
    await until(async () =>
      fake.calls.some((c) => c.method === 'DELETE' && String(c.path).includes(rec.sid)),
    );
  });

  it('fetches a recording only from Twilio or the configured API, never sending the credentials elsewhere (security review L3)', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const internal = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'audio/mpeg');
      res.end('ID3 bytes from somewhere else');
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.1', r));
    const addr = internal.address();
    const internalUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      const rec = fake.addRecording(Buffer.from('ID3 the real recording'), {
        durationSec: 4,
        mime: 'audio/mpeg',
      });
      const cases = [
        { from: '+79001230001', url: `${internalUrl}${new URL(rec.url).pathname}` },
        { from: '+79001230002', url: `https://attacker.invalid${new URL(rec.url).pathname}` },
      ];
      for (const [i, c] of cases.entries()) {
        const r = await recordingWebhook(
          `${base}/channels/voice/recorded?lang=ru`,
          {
            callSid: `CA0000000000000000000000000000001${i}`,
            from: c.from,
            to: FROM,
            recordingUrl: c.url,
            recordingSid: rec.sid,
            durationSec: 4,
          },
          fake.authToken,
        );
        expect(r.status).toBe(200);
        // The call is still filed, without the recording, with a note.
        const id = await until(() => threadOf('voice', c.from));
        expect(seen).toEqual([]);
        const view = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
        expect(view.json().messages[0].body).toBe('[voice message, 4 s]\n[attachment refused: forbidden]');
        expect(view.json().messages[0].attachments ?? []).toEqual([]);
      }
      expect(seen).toEqual([]);
      // Nothing was downloaded, so the recording stays at the provider.
      expect(fake.calls.some((c) => c.method === 'DELETE' && String(c.path).includes(rec.sid))).toBe(false);
    } finally {
      await new Promise((r) => internal.close(r));
    }
  });
});
