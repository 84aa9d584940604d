import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcmWav } from '../../../test/fakes/audio.ts';
import { startFakeTwilio, voiceWebhook } from '../../../test/fakes/twilio.ts';
import { createCallPlayer, findAll } from '../../../test/fakes/twilio-calls.ts';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
  until,
} from '../../../test/helpers.ts';
import { findFreePort } from '../../db/embedded.ts';
import { createTwilioChannels } from './twilio.ts';

/**
 * The phone line played end to end: the real `twilio` client against the local fake, which also plays
 * Twilio's voice engine (TwiML followed verb by verb, signed webhooks, status callbacks).
 */
type Fake = Awaited<ReturnType<typeof startFakeTwilio>>;
let fake: Fake;
let ctx: TestContext;
let base = '';
let admin: LoggedIn;
let op: LoggedIn;
let opId = '';
let player: ReturnType<typeof createCallPlayer>;
const HOTLINE = '+15550001111';
const OP_PHONE = '+15550002222';
/** A distinctive caller number: it must never appear in an API answer, a page or a log. */
const CALLER = '+79161234987';
const CALLER_DIGITS = CALLER.slice(1);
const answers: string[] = [];

async function api(s: LoggedIn, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  const opts: InjectOptions = { method, url, headers: s.headers };
  if (payload !== undefined) opts.payload = payload as object;
  const r = await ctx.app.inject(opts);
  answers.push(r.body);
  return r;
}

beforeAll(async () => {
  fake = await startFakeTwilio({ ownedNumbers: [HOTLINE] });
  const port = await findFreePort();
  base = `http://127.0.0.1:${port}`;
  ctx = await createTestContext({
    channels: (core) => {
      const tw = createTwilioChannels(
        {
          accountSid: fake.accountSid,
          authToken: fake.authToken,
          from: HOTLINE,
          apiBase: fake.url,
          publicOrigin: base,
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
  await ctx.app.listen({ host: '127.0.0.1', port });
  const a = await createOperator(ctx, 'admin');
  admin = await login(ctx, a);
  const o = await createOperator(ctx, 'operator', { grantKeyFrom: a });
  opId = o.id;
  op = await login(ctx, o);
  player = createCallPlayer(fake, { appUrl: base, hotline: HOTLINE });
  expect((await api(op, 'PUT', '/api/voice/phone', { phone: OP_PHONE })).statusCode).toBe(200);
  const avail = await api(op, 'PUT', '/api/voice/availability', { available: true });
  expect(avail.json()).toMatchObject({ available: true, hasPhone: true, lineConfigured: true });
});
afterAll(async () => {
  await ctx?.close();
  await fake?.close();
});

const threadOf = (from: string) => ctx.core.channelIntake.openThreadOf('voice', from).then((t) => t?.id);
/**
 * The operator's phone was rung — and, for a waiting caller, the server has recorded that leg (it does so
 * once the provider answered; a call-back's leg is its own call, not a leg).
 */
async function legTo(phone: string, after: number, recorded = true) {
  const leg = await fake.waitForSent(
    (c) => c.op === 'calls.create' && c.params.To === phone && c.time >= after,
    5000,
  );
  const sid = (leg.response as { sid: string }).sid;
  if (!recorded) return leg;
  await until(() =>
    ctx.core.db.selectFrom('voice_legs').select('call_id').where('provider_sid', '=', sid).executeTakeFirst(),
  );
  return leg;
}

describe('a call answered live', () => {
  it('menu in every language → queue with position → operator presses 1 → bridged → hang-up → call in the thread', async () => {
    const t0 = Date.now();
    const call = await player.dial(CALLER);
    expect(call.call.transcript).toEqual(
      expect.arrayContaining([
        'Для русского языка нажмите 1.',
        'Для української мови натисніть 2.',
        'For English, press 3.',
      ]),
    );
    await call.press('1');
    expect(call.call.transcript).toContain('Это конфиденциальная линия помощи. Вы можете остаться в живых.');
    await call.press('1');
    expect(call.call.state).toBe('queued');
    expect(call.call.transcript.at(-1)).toContain('Ваш номер в очереди: 1');

    // The operator's phone rings; the console shows the waiting call.
    const leg = await legTo(OP_PHONE, t0);
    const legSid = (leg.response as { sid: string }).sid;
    const panel = (await api(op, 'GET', '/api/voice/panel')).json();
    expect(panel.waiting).toHaveLength(1);
    expect(panel.waiting[0]).toMatchObject({ position: 1, language: 'ru', ringingMe: true });
    const requestId = panel.waiting[0].requestId as string;
    expect(requestId).toBe(await threadOf(CALLER));

    // An answering machine does not take the call: only a press of 1 does.
    const offer = await player.answerLeg(legSid);
    expect(findAll(offer, 'Gather')).toHaveLength(1);
    const bridged = await player.answerLeg(legSid, '1');
    expect(findAll(bridged, 'Queue')[0]?.text).toBe(`wf-${panel.waiting[0].callId}`);
    expect(call.call.state).toBe('bridged');
    const onCall = (await api(op, 'GET', '/api/voice/panel')).json();
    expect(onCall.activeCall).toMatchObject({ requestId, direction: 'inbound' });
    expect(onCall.waiting).toHaveLength(0);

    const status = await call.hangUp(95);
    expect(status.status).toBe(200);
    const calls = (await api(op, 'GET', `/api/requests/${requestId}/calls`)).json();
    expect(calls.calls).toHaveLength(1);
    expect(calls.calls[0]).toMatchObject({
      direction: 'inbound',
      outcome: 'answered',
      answeredBy: opId,
      durationSec: 95,
      recorded: false,
    });
    // Answering took the case.
    const view = (await api(op, 'GET', `/api/requests/${requestId}`)).json();
    expect(view.request.assigneeId).toBe(opId);
    expect((await api(op, 'GET', '/api/voice/panel')).json().activeCall).toBeNull();
  });

  it('refuses a forged status callback with 403 invalid_signature and changes nothing', async () => {
    const r = await voiceWebhook(
      `${base}/channels/voice/status`,
      { From: CALLER, To: HOTLINE, CallStatus: 'completed', CallDuration: '1' },
      'not-the-auth-token-0000000000000',
    );
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).error.code).toBe('invalid_signature');
  });
});

describe('nobody answers', () => {
  it('after the queue timeout the caller leaves a voicemail and the case is flagged for a call-back', async () => {
    const s = (await api(admin, 'GET', '/api/settings/voice')).json();
    expect((await api(admin, 'PUT', '/api/settings/voice', { ...s, queueTimeoutSec: 20 })).statusCode).toBe(
      200,
    );
    const t0 = Date.now();
    const call = await player.dial(CALLER);
    await call.press('1');
    await call.press('1');
    expect(call.call.state).toBe('queued');
    const leg = await legTo(OP_PHONE, t0);
    const legSid = (leg.response as { sid: string }).sid;
    await call.waitInQueue(10);
    expect(call.call.state).toBe('queued');
    await call.waitInQueue(15);
    // Left the queue: "all operators are busy", then the beep.
    expect(call.call.transcript).toContain(
      'Сейчас все операторы заняты. Оставьте, пожалуйста, сообщение, и мы вам перезвоним.',
    );
    expect(call.call.state).toBe('recording');
    // The operator's phone stopped ringing.
    await until(async () => fake.calls.some((c) => c.op === 'calls.update' && c.path.includes(legSid)));
    const rec = await call.leaveMessage(Buffer.from('ID3 a message left in the queue'), 6);
    await call.hangUp(40);
    const requestId = (await threadOf(CALLER)) as string;
    await until(async () => {
      const v = (await api(op, 'GET', `/api/requests/${requestId}`)).json();
      return v.messages.some((m: { body: string }) => m.body.includes('[voice message, 6 s]'));
    });
    await until(async () => fake.recordings.get(rec.sid)?.deleted);
    const calls = (await api(op, 'GET', `/api/requests/${requestId}/calls`)).json();
    expect(calls.calls.at(-1)).toMatchObject({ outcome: 'voicemail', answeredBy: null, durationSec: 40 });
    expect(calls.callback).toMatchObject({ window: 'any', attempts: 0 });
    const list = (await api(op, 'GET', '/api/voice/callbacks')).json();
    expect(list.items.map((i: { requestId: string }) => i.requestId)).toContain(requestId);
  });
});

describe('recording', () => {
  it('is off by default; when an admin enables it, the conversation is sealed into the case and deleted at the provider', async () => {
    const s = (await api(admin, 'GET', '/api/settings/voice')).json();
    expect(s.recordCalls).toBe(false);
    await api(admin, 'PUT', '/api/settings/voice', { ...s, recordCalls: true });
    const from = '+79160000003';
    const t0 = Date.now();
    const call = await player.dial(from);
    await call.press('1');
    await call.press('1');
    const leg = await legTo(OP_PHONE, t0);
    const legSid = (leg.response as { sid: string }).sid;
    const bridged = await player.answerLeg(legSid, '1');
    const dial = findAll(bridged, 'Dial')[0];
    expect(dial?.attrs.record).toBe('record-from-answer');
    await call.hangUp(30);
    const rec = fake.addRecording(Buffer.from('ID3 the recorded conversation'), {
      callSid: legSid,
      durationSec: 30,
    });
    const r = await voiceWebhook(
      new URL(dial?.attrs.recordingStatusCallback ?? '', base).toString(),
      {
        From: OP_PHONE,
        To: HOTLINE,
        CallSid: legSid,
        RecordingSid: rec.sid,
        RecordingUrl: rec.url,
        RecordingStatus: 'completed',
        RecordingDuration: '30',
      },
      fake.authToken,
    );
    expect(r.status).toBe(200);
    const requestId = (await threadOf(from)) as string;
    const v = await until(async () => {
      const view = (await api(op, 'GET', `/api/requests/${requestId}`)).json();
      return view.messages.find((m: { body: string }) => m.body.startsWith('[call recording, 30 s]'));
    });
    expect(Buffer.from(v.attachments[0].data, 'base64').toString()).toContain('recorded conversation');
    await until(async () => fake.recordings.get(rec.sid)?.deleted);
    const calls = (await api(op, 'GET', `/api/requests/${requestId}/calls`)).json();
    expect(calls.calls[0]).toMatchObject({ outcome: 'answered', recorded: true });
    await api(admin, 'PUT', '/api/settings/voice', { ...s, recordCalls: false });
  });
});

describe('call-back', () => {
  it('rings the operator, then dials the requester from the server; the console never sees the number', async () => {
    const requestId = (await threadOf(CALLER)) as string;
    const t0 = Date.now();
    const r = await api(op, 'POST', `/api/requests/${requestId}/call-back`);
    expect(r.statusCode).toBe(202);
    const leg = await legTo(OP_PHONE, t0, false);
    const legSid = (leg.response as { sid: string }).sid;
    expect(leg.params.From).toBe(HOTLINE);
    const twiml = await player.answerLeg(legSid);
    // The number is in the instructions to the provider only.
    expect(findAll(twiml, 'Number')[0]?.text).toBe(CALLER);
    expect(findAll(twiml, 'Dial')[0]?.attrs.callerId).toBe(HOTLINE);
    // A replayed request does not dial again.
    const again = await player.answerLeg(legSid);
    expect(findAll(again, 'Number')).toHaveLength(0);
    await player.dialResult(legSid, 'completed', 120);
    const calls = (await api(op, 'GET', `/api/requests/${requestId}/calls`)).json();
    expect(calls.calls.at(-1)).toMatchObject({
      direction: 'outbound',
      outcome: 'answered',
      answeredBy: opId,
      durationSec: 120,
    });
    expect(calls.callback).toBeNull();
    const view = (await api(op, 'GET', `/api/requests/${requestId}`)).json();
    expect(view.request.callbackDoneAt).not.toBeNull();
    const list = (await api(op, 'GET', '/api/voice/callbacks')).json();
    expect(list.items.map((i: { requestId: string }) => i.requestId)).not.toContain(requestId);
    await ctx.core.audit.chain();
    const audit = await ctx.core.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('subject_id', '=', requestId)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'voice.call_answered',
        'voice.callback_requested',
        'voice.callback_call',
        'voice.callback_result',
      ]),
    );
  });

  it('a call-back without my phone set is refused with a stable code', async () => {
    const other = await login(ctx, await createOperator(ctx, 'supervisor'));
    const requestId = (await threadOf(CALLER)) as string;
    const r = await api(other, 'POST', `/api/requests/${requestId}/call-back`);
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('no_operator_phone');
  });
});

describe('replies to callers', () => {
  it('go out by SMS only after an operator enabled it for the case', async () => {
    const requestId = (await threadOf(CALLER)) as string;
    const refused = await api(op, 'POST', `/api/requests/${requestId}/replies`, {
      body: 'Перезвоним вечером',
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('sms_not_allowed');
    await ctx.core.outbox.runOnce();
    expect(fake.messagesTo(CALLER)).toHaveLength(0);
    expect(
      (await api(op, 'PUT', `/api/requests/${requestId}/sms-allowed`, { allowed: true })).json(),
    ).toEqual({
      smsAllowed: true,
    });
    const sent = await api(op, 'POST', `/api/requests/${requestId}/replies`, { body: 'Перезвоним вечером' });
    expect(sent.statusCode).toBeLessThan(300);
    await ctx.core.outbox.runOnce();
    expect(fake.messagesTo(CALLER).map((m) => m.body)).toEqual(['Перезвоним вечером']);
  });
});

describe('recorded prompts and hours', () => {
  it('re-encodes an uploaded WAV to 8 kHz μ-law and plays it from an unguessable URL; TTS stays the fallback', async () => {
    const wav = pcmWav({ rate: 44100, seconds: 1.5, channels: 2 });
    const up = await api(admin, 'PUT', '/api/voice/prompts/ru/welcome', { audio: wav.toString('base64') });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ language: 'ru', step: 'welcome', durationMs: 1500 });
    const bad = await api(admin, 'PUT', '/api/voice/prompts/ru/hold', {
      audio: Buffer.from('ID3 mp3').toString('base64'),
    });
    expect(bad.statusCode).toBe(415);
    expect(bad.json().error.code).toBe('unsupported_media_type');
    const call = await player.dial('+79160000001');
    await call.press('1');
    const play = call.call.transcript.find((x) => x.startsWith('play:'));
    expect(play).toMatch(/\/channels\/voice\/prompts\/[A-Za-z0-9_-]{32}\.wav$/);
    const audio = await fetch((play as string).slice(5));
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const bytes = Buffer.from(await audio.arrayBuffer());
    expect(bytes.readUInt16LE(20)).toBe(7); // μ-law
    expect(bytes.readUInt16LE(22)).toBe(1); // mono
    expect(bytes.readUInt32LE(24)).toBe(8000);
    expect(bytes.readUInt32LE(54)).toBe(12000); // 1.5 s at 8 kHz
    // Other languages still speak (TTS).
    expect(call.call.transcript).toContain(
      'Чтобы поговорить с оператором, нажмите 1. Чтобы оставить сообщение, нажмите 2. Чтобы мы вам перезвонили позже, нажмите 3.',
    );
    const guess = await fetch(`${base}/channels/voice/prompts/${'A'.repeat(32)}.wav`);
    expect(guess.status).toBe(404);
    await call.hangUp(5);
  });

  it('out of hours: the configured message, then voicemail, no operator rung', async () => {
    const s = (await api(admin, 'GET', '/api/settings/voice')).json();
    const now = new Date(ctx.clock.now().getTime() + s.utcOffsetMinutes * 60_000);
    const h = (now.getUTCHours() + 2) % 24;
    const hh = (n: number) => String(n).padStart(2, '0');
    const closed = 'Линия работает с 8 до 22 часов. Оставьте сообщение.';
    await api(admin, 'PUT', '/api/settings/voice', {
      ...s,
      hours: { from: `${hh(h)}:00`, to: `${hh((h + 1) % 24)}:00` },
      menu: { ru: { closed } },
    });
    const before = fake.sent.length;
    const call = await player.dial('+79160000002');
    await call.press('1');
    await call.press('1');
    expect(call.call.transcript).toContain(closed);
    expect(call.call.state).toBe('recording');
    expect(fake.sent.slice(before).filter((c) => c.op === 'calls.create')).toHaveLength(0);
    await call.hangUp(10);
    await api(admin, 'PUT', '/api/settings/voice', { ...s, hours: null });
  });
});

describe('the number stays on the server', () => {
  it('appears in no API answer, console page or log line', async () => {
    const requestId = (await threadOf(CALLER)) as string;
    for (const url of [
      '/api/requests?limit=50',
      `/api/requests/${requestId}`,
      `/api/requests/${requestId}/calls`,
      '/api/voice/panel',
      '/api/voice/callbacks',
      '/api/audit?limit=200',
      '/api/supervisor/overview',
    ]) {
      await api(admin, 'GET', url);
    }
    const page = await ctx.app.inject({ method: 'GET', url: '/console/', headers: admin.headers });
    answers.push(page.body);
    expect(answers.length).toBeGreaterThan(20);
    for (const body of [...answers, ...ctx.logs]) {
      expect(body).not.toContain(CALLER_DIGITS);
      expect(body).not.toContain(CALLER_DIGITS.slice(1));
    }
    // The operator's own phone is not shown back either.
    for (const body of answers) expect(body).not.toContain(OP_PHONE.slice(1));
  });
});
