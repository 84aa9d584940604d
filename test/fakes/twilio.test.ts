import http from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type FakeTwilio,
  smsWebhook,
  startFakeTwilio,
  twilioClientFor,
  twilioSignature,
  voiceWebhook,
} from './twilio.ts';

const FROM = '+15005550006';
const USER = '+380501234567';

let fake: FakeTwilio;
let client: twilio.Twilio;

beforeEach(async () => {
  fake = await startFakeTwilio({ ownedNumbers: [FROM] });
  client = twilioClientFor(fake);
});
afterEach(async () => {
  expect(fake.errors).toEqual([]);
  await fake.close();
});

interface Hit {
  path: string;
  params: Record<string, string>;
  valid: boolean;
  idempotencyToken: string | undefined;
}

/** A minimal app endpoint validating X-Twilio-Signature with the real twilio library. */
async function startApp(
  authToken: string,
  answer: (hit: Hit) => string = () => '<Response/>',
): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(raw));
      const valid = twilio.validateRequest(
        authToken,
        String(req.headers['x-twilio-signature'] ?? ''),
        `${origin}${req.url}`,
        params,
      );
      const hit: Hit = {
        path: req.url ?? '',
        params,
        valid,
        idempotencyToken: req.headers['i-twilio-idempotency-token'] as string | undefined,
      };
      hits.push(hit);
      if (!valid) {
        res.writeHead(403).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' }).end(answer(hit));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('fake Twilio REST API with the real twilio client', () => {
  it('client.messages.create goes to the fake and returns its sid', async () => {
    const msg = await client.messages.create({ to: USER, from: FROM, body: 'Ваш запит прийнято' });
    expect(msg.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(msg.status).toBe('queued');
    expect(msg.numSegments).toBe('1');
    expect(fake.messages.get(msg.sid)).toMatchObject({ to: USER, from: FROM, body: 'Ваш запит прийнято' });
    expect(fake.sent[0]).toMatchObject({ op: 'messages.create', params: { To: USER, From: FROM } });
    expect(fake.messagesTo(USER)).toHaveLength(1);

    const fetched = await client.messages(msg.sid).fetch();
    expect(fetched.body).toBe('Ваш запит прийнято');
    const listed = await client.messages.list({ to: USER });
    expect(listed.map((m) => m.sid)).toEqual([msg.sid]);
    // Redact the body (privacy), then delete the record.
    await client.messages(msg.sid).update({ body: '' });
    expect(fake.messages.get(msg.sid)?.body).toBe('');
    await expect(client.messages(msg.sid).remove()).resolves.toBe(true);
    await expect(client.messages(msg.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('answers Twilio errors the client maps to RestException', async () => {
    await expect(client.messages.create({ to: '12345', from: FROM, body: 'x' })).rejects.toMatchObject({
      status: 400,
      code: 21211,
      moreInfo: 'https://www.twilio.com/docs/errors/21211',
    });
    await expect(client.messages.create({ to: USER, from: '+15550000000', body: 'x' })).rejects.toMatchObject(
      {
        code: 21606,
      },
    );
    await expect(
      client.messages.create({ to: USER, from: FROM, body: 'x'.repeat(1601) }),
    ).rejects.toMatchObject({
      code: 21617,
    });
    fake.optOut(USER);
    await expect(client.messages.create({ to: USER, from: FROM, body: 'x' })).rejects.toMatchObject({
      code: 21610,
    });
    const wrong = twilioClientFor({ ...fake, authToken: 'wrong' });
    await expect(wrong.messages.create({ to: '+15551230000', from: FROM, body: 'x' })).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
    expect(fake.sent).toHaveLength(0);
  });

  it('fault injection: 500, 429 (and twilio autoRetry), drop, timeout, processed-then-dropped', async () => {
    fake.fail(
      'messages.create',
      { status: 500 },
      { status: 429, retryAfter: 2 },
      { status: 400, code: 21211 },
    );
    await expect(client.messages.create({ to: USER, from: FROM, body: 'a' })).rejects.toMatchObject({
      status: 500,
      code: 20500,
    });
    await expect(client.messages.create({ to: USER, from: FROM, body: 'a' })).rejects.toMatchObject({
      status: 429,
      code: 20429,
    });
    await expect(client.messages.create({ to: USER, from: FROM, body: 'a' })).rejects.toMatchObject({
      code: 21211,
    });

    // The client's own 429 retry (autoRetry) gets through once the fake stops refusing.
    const retrying = twilioClientFor(fake, { autoRetry: true, maxRetries: 3, maxRetryDelay: 50 });
    fake.fail('messages.create', { status: 429, times: 2 });
    await expect(retrying.messages.create({ to: USER, from: FROM, body: 'retried' })).resolves.toMatchObject({
      body: 'retried',
    });

    fake.fail('messages.create', { drop: true });
    await expect(client.messages.create({ to: USER, from: FROM, body: 'dropped' })).rejects.toThrow();
    const impatient = twilioClientFor(fake, { timeout: 300 });
    fake.fail('messages.create', { timeoutMs: 1000 });
    await expect(impatient.messages.create({ to: USER, from: FROM, body: 'slow' })).rejects.toThrow(
      /timeout/i,
    );

    fake.fail('messages.create', { dropAfterProcessing: true });
    await expect(client.messages.create({ to: USER, from: FROM, body: 'unknown fate' })).rejects.toThrow();
    expect(fake.messagesTo(USER).map((m) => m.body)).toEqual(['retried', 'unknown fate']);
    await expect
      .poll(() => fake.calls.filter((c) => c.outcome === 'pending').length, { timeout: 3000 })
      .toBe(0);
  });

  it('status callbacks are signed and follow the message (auto and explicit)', async () => {
    const app = await startApp(fake.authToken);
    const auto = await startFakeTwilio({ autoStatusCallbacks: true });
    try {
      const c = twilioClientFor(auto);
      const msg = await c.messages.create({
        to: USER,
        from: FROM,
        body: 'x',
        statusCallback: `${app.url}/status`,
      });
      await expect.poll(() => app.hits.length).toBe(2);
      expect(app.hits.map((h) => [h.params.MessageStatus, h.params.MessageSid, h.valid])).toEqual([
        ['sent', msg.sid, true],
        ['delivered', msg.sid, true],
      ]);
      expect((await c.messages(msg.sid).fetch()).status).toBe('delivered');

      const m2 = await client.messages.create({
        to: USER,
        from: FROM,
        body: 'y',
        statusCallback: `${app.url}/s2`,
      });
      const cb = await fake.messageStatus(m2.sid, 'undelivered', 30003);
      expect(cb?.params).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30003' });
      expect(app.hits.at(-1)?.valid).toBe(true);
    } finally {
      await auto.close();
      await app.close();
    }
  });

  it('calls.create for a call-back; the fake fetches TwiML from Url like Twilio and reports completion', async () => {
    const app = await startApp(fake.authToken, (hit) =>
      hit.path.startsWith('/twiml') ? '<Response><Say>We are calling you back.</Say></Response>' : '',
    );
    try {
      const inline = await client.calls.create({
        to: USER,
        from: FROM,
        twiml: '<Response><Say>Hi</Say></Response>',
      });
      expect(inline.sid).toMatch(/^CA/);
      expect(await fake.answerCall(inline.sid)).toContain('<Say>Hi</Say>');

      const call = await client.calls.create({
        to: USER,
        from: FROM,
        url: `${app.url}/twiml?request=42`,
        statusCallback: `${app.url}/call-status`,
      });
      expect(call.status).toBe('queued');
      expect(await fake.answerCall(call.sid)).toContain('calling you back');
      expect(app.hits[0]).toMatchObject({
        path: '/twiml?request=42',
        valid: true,
        params: { CallSid: call.sid },
      });
      await fake.completeCall(call.sid, 42);
      expect(app.hits[1]?.params).toMatchObject({ CallStatus: 'completed', CallDuration: '42' });
      expect((await client.calls(call.sid).fetch()).status).toBe('completed');
      await expect(client.calls.create({ to: USER, from: FROM })).rejects.toMatchObject({ code: 21205 });
    } finally {
      await app.close();
    }
  });

  it('inbound SMS and voice webhooks validate with twilio.validateRequest; forgeries do not', async () => {
    const app = await startApp(fake.authToken, () => '<Response><Message>ok</Message></Response>');
    try {
      const sms = await smsWebhook(
        `${app.url}/sms`,
        { from: USER, to: FROM, body: 'Хочу здатися', messageSid: 'SM11111111111111111111111111111111' },
        fake.authToken,
      );
      expect(sms.status).toBe(200);
      expect(sms.text).toContain('<Message>ok</Message>');
      expect(app.hits[0]).toMatchObject({
        valid: true,
        params: {
          From: USER,
          To: FROM,
          Body: 'Хочу здатися',
          MessageSid: 'SM11111111111111111111111111111111',
        },
      });
      expect(app.hits[0]?.idempotencyToken).toBeTruthy();
      expect(
        twilio.validateRequest(
          fake.authToken,
          sms.signature,
          `${app.url}/sms`,
          sms.params as Record<string, string>,
        ),
      ).toBe(true);
      expect(sms.signature).toBe(twilioSignature(fake.authToken, `${app.url}/sms`, sms.params));

      const voice = await voiceWebhook(
        `${app.url}/voice?lang=uk`,
        { From: USER, To: FROM, Digits: '2' },
        fake.authToken,
      );
      expect(voice.status).toBe(200);
      expect(app.hits[1]).toMatchObject({
        valid: true,
        params: { CallStatus: 'ringing', Digits: '2', Direction: 'inbound' },
      });

      // Wrong auth token, missing header, tampered body, URL signed for another host.
      expect((await fake.smsWebhook(`${app.url}/sms`, { from: USER, to: FROM, body: 'x' })).status).toBe(200);
      expect((await smsWebhook(`${app.url}/sms`, { from: USER, to: FROM, body: 'x' }, 'forged')).status).toBe(
        403,
      );
      expect(
        (
          await smsWebhook(`${app.url}/sms`, { from: USER, to: FROM, body: 'x' }, fake.authToken, {
            signature: null,
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await smsWebhook(`${app.url}/sms`, { from: USER, to: FROM, body: 'x' }, fake.authToken, {
            signUrl: 'https://hotline.example.org/sms',
          })
        ).status,
      ).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('recording webhook points at a recording the fake hosts (Basic auth), deletable via the REST API', async () => {
    const app = await startApp(fake.authToken);
    try {
      const wav = Buffer.from('RIFF----WAVEfmt fake audio');
      const r = await fake.recordingWebhook(`${app.url}/recorded`, {
        callSid: 'CA22222222222222222222222222222222',
        from: USER,
        to: FROM,
        bytes: wav,
        durationSec: 17,
        digits: '#',
      });
      expect(r.status).toBe(200);
      const hit = app.hits[0];
      expect(hit).toMatchObject({
        valid: true,
        params: {
          RecordingSid: r.recording.sid,
          RecordingDuration: '17',
          Digits: '#',
          CallSid: 'CA22222222222222222222222222222222',
        },
      });
      const url = hit?.params.RecordingUrl ?? '';
      expect(url).toBe(`${fake.url}/2010-04-01/Accounts/${fake.accountSid}/Recordings/${r.recording.sid}`);

      expect((await fetch(url)).status).toBe(401);
      const basic = `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`;
      const dl = await fetch(url, { headers: { authorization: basic } });
      expect(dl.headers.get('content-type')).toBe('audio/x-wav');
      expect(Buffer.from(await dl.arrayBuffer())).toEqual(wav);
      expect(
        (await fetch(`${url}.mp3`, { headers: { authorization: basic } })).headers.get('content-type'),
      ).toBe('audio/mpeg');
      const meta = await client.recordings(r.recording.sid).fetch();
      expect(meta.duration).toBe('17');

      await expect(client.recordings(r.recording.sid).remove()).resolves.toBe(true);
      expect(fake.recordings.get(r.recording.sid)?.deleted).toBe(true);
      expect((await fetch(url, { headers: { authorization: basic } })).status).toBe(404);

      const status = await fake.recordingWebhook(`${app.url}/rec-status`, {
        callSid: 'CA22222222222222222222222222222222',
        from: USER,
        to: FROM,
        durationSec: 3,
        kind: 'status',
      });
      expect(app.hits[1]?.params).toMatchObject({
        RecordingStatus: 'completed',
        RecordingSid: status.recording.sid,
      });
    } finally {
      await app.close();
    }
  });
});
