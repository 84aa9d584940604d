import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../../test/fakes/telegram.ts';
import { smsWebhook, startFakeTwilio, voiceWebhook } from '../../test/fakes/twilio.ts';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  type LoggedIn,
  login,
  receiptFrom,
  type TestContext,
  type TestOperator,
  until,
} from '../../test/helpers.ts';
import { createTwilioChannels } from '../channels/sms/twilio.ts';
import { createTelegram } from '../channels/telegram/telegram.ts';
import { RECEIPT_WORDLISTS } from '../crypto/wordlists/index.ts';

/**
 * The long journey, walked on the calendar with the injected clock: a man applies at home, keeps his
 * code for months, and writes again from the front over another channel. Real HTTP, real PostgreSQL,
 * the real grammY and twilio clients against local fakes.
 */
const DAY = 86_400_000;
const START = new Date('2026-03-02T09:00:00Z');
type FakeTg = Awaited<ReturnType<typeof startFakeTelegram>>;
type FakeTw = Awaited<ReturnType<typeof startFakeTwilio>>;
let tg: FakeTg;
let tw: FakeTw;
let ctx: TestContext;
let base = '';
let op: TestOperator;
let sup: TestOperator;
const secret = randomBytes(16).toString('hex');
const HOTLINE = '+15550002222';

beforeAll(async () => {
  tg = await startFakeTelegram({ globalPerSecond: 1000, perChatPerSecond: 1000 });
  tw = await startFakeTwilio({});
  ctx = await createTestContext({
    start: START,
    channels: (core) => {
      const telegram = createTelegram(
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
      core.adapters.set('telegram', telegram.adapter);
      const twilio = createTwilioChannels(
        {
          accountSid: tw.accountSid,
          authToken: tw.authToken,
          from: HOTLINE,
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
      core.adapters.set('sms', twilio.smsAdapter);
      core.adapters.set('voice', twilio.voiceAdapter);
      return [telegram, twilio];
    },
  });
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = ctx.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const admin = await createOperator(ctx, 'admin');
  op = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
  sup = await createOperator(ctx, 'supervisor', { grantKeyFrom: admin });
});
afterAll(async () => {
  await ctx?.close();
  await tg?.close();
  await tw?.close();
});

const day = (n: number) => ctx.clock.set(new Date(START.getTime() + n * DAY));
// Sessions last hours, the journey months: log in again whenever the calendar moves.
const as = (u: TestOperator) => login(ctx, u);
async function api(s: LoggedIn, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  return ctx.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}

/** Day 0 on the web: the form, the receipt page (words and digits), and the raw form token. */
async function applyOnWeb(message: string) {
  const page = await ctx.app.inject({ method: 'GET', url: '/?lang=ru' });
  const fields = {
    token: hiddenField(page.body, 'token'),
    lang: 'ru',
    category: 'mobilized_home',
    message,
    name: '',
    contact: '',
  };
  const res = await ctx.app.inject({ method: 'POST', url: '/requests', ...form(fields) });
  expect(res.statusCode).toBe(200);
  const words = /id="receipt-words">([^<]+)</.exec(res.body)?.[1]?.split(' ') ?? [];
  return { res, fields, digits: receiptFrom(res.body), words };
}

async function caseIdOf(digits: string): Promise<string> {
  const r = await ctx.core.intake.findByReceipt(digits);
  if (!r) throw new Error('no case for this code');
  return r.id;
}

async function toWaiting(id: string, expectedFront: string) {
  const s = await as(op);
  expect(
    (await api(s, 'POST', `/api/requests/${id}/replies`, { body: 'Здравствуйте, мы на связи.' })).statusCode,
  ).toBe(201);
  for (const status of ['verified', 'awaiting_front_contact'])
    expect((await api(s, 'POST', `/api/requests/${id}/status`, { status })).statusCode).toBe(200);
  const set = await api(s, 'PUT', `/api/requests/${id}/expected-front`, { date: expectedFront });
  expect(set.statusCode).toBe(200);
}

async function tgSays(chatId: number, text: string) {
  const r = await ctx.app.inject({
    method: 'POST',
    url: '/channels/telegram/webhook',
    headers: { 'x-telegram-bot-api-secret-token': secret },
    payload: tg.userSends({ id: chatId }, text) as object,
  });
  expect(r.statusCode).toBe(200);
}

async function notificationsOf(u: TestOperator, kind: string) {
  const items = (await api(await as(u), 'GET', '/api/notifications')).json().items as Array<{
    kind: string;
    requestId: string;
  }>;
  return items.filter((n) => n.kind === kind);
}

describe('the long journey: web at home, Telegram from the front', () => {
  let id = '';
  let digits = '';
  let words: string[] = [];
  const chat = 880001;

  it('day 0: he applies on the web and is given his code as eight Russian words and as digits', async () => {
    day(0);
    const applied = await applyOnWeb('Меня мобилизуют, хочу сдаться, когда попаду на фронт');
    digits = applied.digits;
    words = applied.words;
    expect(words).toHaveLength(8);
    for (const w of words) expect(RECEIPT_WORDLISTS.ru).toContain(w);
    expect(applied.res.body).toContain('Не торопитесь. Запишите слова на бумаге');
    id = await caseIdOf(digits);
    // Reloading the receipt page re-posts the form: no second request, no form, no new code.
    const again = await ctx.app.inject({ method: 'POST', url: '/requests', ...form(applied.fields) });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('id="received-once"');
    expect(again.body).not.toContain('receipt-code');
    expect(again.body).not.toContain('<textarea');
    // A week later too (the form token itself has long expired).
    ctx.clock.advance(3 * DAY);
    const late = await ctx.app.inject({ method: 'POST', url: '/requests', ...form(applied.fields) });
    expect(late.body).toContain('id="received-once"');
    day(0);
    const count = await ctx.core.db
      .selectFrom('request_threads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
    await toWaiting(id, '2026-04-01');
  });

  it('days 1–74: waiting is not silence — never unreachable; reminders once the expected date has passed', async () => {
    day(20);
    expect(await ctx.core.timers.runSilence()).toBe(0);
    expect(await ctx.core.timers.runWaiting()).toBe(0);
    day(31); // 2026-04-02: the expected date has passed
    expect(await ctx.core.timers.runSilence()).toBe(0);
    expect(await ctx.core.timers.runWaiting()).toBe(1);
    expect(await ctx.core.timers.runWaiting()).toBe(0);
    expect(await notificationsOf(op, 'front_date_passed')).toHaveLength(1);
    day(39); // a week after the date: the second reminder
    expect(await ctx.core.timers.runWaiting()).toBe(1);
    day(70);
    expect(await ctx.core.timers.runSilence()).toBe(0);
    const row = await ctx.core.db
      .selectFrom('request_threads')
      .select(['status', 'expected_front_enc'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('awaiting_front_contact');
    // The date is sealed: a stolen database does not say when he expects to be at the front.
    expect(row.expected_front_enc).not.toContain('2026');
  });

  it('day 75: he sends his words to the Telegram bot, in capitals with extra spaces — same case, woken, top of the queue', async () => {
    day(75);
    // Something else first, so the queue has a fresher, more urgent request above him otherwise.
    await tgSays(880099, 'Я на передовой, помогите срочно');
    await until(() => ctx.core.channelIntake.openThreadOf('telegram', '880099'));
    await tgSays(chat, `  ${words.map((w) => w.toUpperCase()).join('   ')}  `);
    await tg.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(chat) &&
        String(c.params.text).startsWith('Спасибо. Этот чат теперь связан'),
    );
    await tgSays(chat, 'Я на фронте, под Покровском. Готов.');
    const t = await until(() => ctx.core.channelIntake.openThreadOf('telegram', String(chat)));
    expect(t.id).toBe(id);
    const s = await as(op);
    const queue = (await api(s, 'GET', '/api/requests?open=true')).json().items;
    expect(queue[0]).toMatchObject({ id, status: 'awaiting_front_contact' });
    expect(queue[0].returnedAt).not.toBeNull();
    expect(Date.parse(queue[0].returnedAt) - Date.parse(queue[0].returnedFromAt)).toBe(75 * DAY);
    const opened = (await api(s, 'GET', `/api/requests/${id}`)).json();
    const bodies = opened.messages.map((m: { body: string; channel?: string }) => `${m.channel}:${m.body}`);
    expect(bodies[0]).toBe('web:Меня мобилизуют, хочу сдаться, когда попаду на фронт');
    expect(bodies).toContain('telegram:Я на фронте, под Покровском. Готов.');
    expect(bodies.join('\n').toLowerCase()).not.toContain(words.join(' '));
    expect(opened.routes[0]).toMatchObject({ channel: 'telegram' });
    expect(opened.expectedFrontDate).toBe('2026-04-01');
    expect(await notificationsOf(op, 'request_returned')).toContainEqual(
      expect.objectContaining({ requestId: id }),
    );
    expect(await notificationsOf(sup, 'request_returned')).toContainEqual(
      expect.objectContaining({ requestId: id }),
    );
    // The reply goes where he last wrote: Telegram.
    const before = tg.sentTo(chat, 'sendMessage').length;
    const r = await api(s, 'POST', `/api/requests/${id}/replies`, { body: 'Принято. Где вы сможете выйти?' });
    expect(r.json().channel).toBe('telegram');
    await ctx.core.outbox.runOnce();
    await until(async () => tg.sentTo(chat, 'sendMessage').length > before);
    expect(tg.sentTo(chat, 'sendMessage').at(-1)?.params.text).toBe('Принято. Где вы сможете выйти?');
    // Replied to: no longer marked returned.
    expect(
      (await api(s, 'GET', '/api/requests?open=true')).json().items.find((i: { id: string }) => i.id === id)
        .returnedAt,
    ).toBeNull();
    // On the web he reads the whole conversation, Telegram included.
    const web = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ lang: 'ru', code: words.join(' ') }),
    });
    expect(web.body).toContain('Я на фронте, под Покровском. Готов.');
    expect(web.body).toContain('Принято. Где вы сможете выйти?');
  });

  it('day 200: closed meanwhile, his code still works and his message reopens the case', async () => {
    day(110);
    const s = await as(op);
    expect((await api(s, 'POST', `/api/requests/${id}/status`, { status: 'withdrawn' })).statusCode).toBe(
      200,
    );
    day(195);
    expect((await ctx.core.retention.run({ vacuum: 'none' })).purged).toBe(0);
    day(200);
    const opened = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ lang: 'ru', code: digits }),
    });
    expect(opened.statusCode).toBe(200);
    const sent = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/reply',
      ...form({
        lang: 'ru',
        code: digits,
        message: 'Я снова здесь. Теперь готов окончательно.',
        token: hiddenField(opened.body, 'token'),
      }),
    });
    expect(sent.statusCode).toBe(200);
    const item = (await api(await as(op), 'GET', `/api/requests/${id}`)).json();
    expect(item.request.status).toBe('screening');
    expect(item.request.returnedAt).not.toBeNull();
    expect(item.messages.length).toBeGreaterThanOrEqual(6);
    // Reopened: retention's clock starts over; long after, the open case is still there.
    day(400);
    await ctx.core.retention.run({ vacuum: 'none' });
    expect(await ctx.core.intake.findByReceipt(digits)).not.toBeNull();
  });

  it('a case closed and silent past the retention period is purged, and its code stops working', async () => {
    day(400);
    const other = await applyOnWeb('Просто узнать, как это работает');
    const otherId = await caseIdOf(other.digits);
    expect(
      (await api(await as(op), 'POST', `/api/requests/${otherId}/status`, { status: 'closed_info_given' }))
        .statusCode,
    ).toBe(200);
    day(489);
    expect((await ctx.core.retention.run({ vacuum: 'none' })).purged).toBe(0);
    day(491);
    expect((await ctx.core.retention.run({ vacuum: 'none' })).purged).toBe(1);
    const gone = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ lang: 'ru', code: other.words.join(' ') }),
    });
    expect(gone.statusCode).toBe(404);
    // The long-journey case, reopened at day 200, is untouched.
    expect(await ctx.core.intake.findByReceipt(digits)).not.toBeNull();
  });
});

describe('the same journey over SMS, then voice, then the web', () => {
  const phone = '+79005554433';

  it('links SMS with the one-time code from /follow-up; a call from the same number joins; the web sees it all', async () => {
    day(500);
    const applied = await applyOnWeb('Призвали, пока дома. Хочу заранее договориться.');
    const id = await caseIdOf(applied.digits);
    await toWaiting(id, '2027-09-01');
    // He gives the date himself in his questionnaire: it becomes the sealed timer field too.
    const answered = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/answers',
      ...form({
        lang: 'ru',
        code: applied.digits,
        step: 'front_contact',
        'a.expected_front_date': '2027-08-20',
      }),
    });
    expect(answered.statusCode).toBe(200);
    expect((await api(await as(op), 'GET', `/api/requests/${id}`)).json().expectedFrontDate).toBe(
      '2027-08-20',
    );

    day(575);
    // At /follow-up he gets a short one-time code to link a messenger or a phone number.
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ lang: 'ru', code: applied.digits }),
    });
    const link = /id="link-code">([A-Z0-9-]+)</.exec(page.body)?.[1];
    expect(link).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    const sms = await smsWebhook(
      `${base}/channels/sms/webhook`,
      { from: phone, to: HOTLINE, body: (link as string).toLowerCase() },
      tw.authToken,
    );
    expect(sms.status).toBe(200);
    // Linked: the number is told so, in the language of his request, and nothing else is echoed.
    expect(sms.text).toContain('Спасибо. Этот чат теперь связан с вашим прежним обращением');
    await until(async () => (await ctx.core.channelIntake.openThreadOf('sms', phone))?.id === id);
    day(576);
    const call = await voiceWebhook(
      `${base}/channels/voice/menu?lang=ru`,
      { From: phone, To: HOTLINE, Digits: '1', CallSid: 'CA00000000000000000000000000000575' },
      tw.authToken,
    );
    expect(call.status).toBe(200);
    // SMS and voice from one number are one person: the call lands on the same case.
    expect((await ctx.core.channelIntake.openThreadOf('voice', phone))?.id).toBe(id);
    const s = await as(op);
    const opened = (await api(s, 'GET', `/api/requests/${id}`)).json();
    const channels = opened.messages
      .filter((m: { direction: string }) => m.direction === 'in')
      .map((m: { channel: string }) => m.channel);
    expect(channels).toEqual(['web', 'sms', 'voice']);
    expect(opened.request.returnedAt).not.toBeNull();
    // He last reached us from this number: the reply goes by SMS.
    const r = await api(s, 'POST', `/api/requests/${id}/replies`, { body: 'Перезвоним вечером.' });
    expect(r.json().channel).toBe('sms');
    await ctx.core.outbox.runOnce();
    await until(async () => tw.messagesTo(phone).length === 1);

    day(700);
    const code = applied.words.join('  ').toUpperCase();
    const again = await ctx.app.inject({ method: 'POST', url: '/follow-up', ...form({ lang: 'ru', code }) });
    const web = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/reply',
      ...form({
        lang: 'ru',
        code,
        message: 'Пишу с сайта, телефона больше нет.',
        token: hiddenField(again.body, 'token'),
      }),
    });
    expect(web.statusCode).toBe(200);
    expect(web.body).toContain('Перезвоним вечером.');
    const s2 = await as(op);
    // Now he wrote on the web: the reply stays there, no SMS to a phone he no longer has…
    const r2 = await api(s2, 'POST', `/api/requests/${id}/replies`, { body: 'Видим вас, отвечаем здесь.' });
    expect(r2.json().channel).toBe('web');
    // …unless the operator chooses the SMS route.
    const routes = (await api(s2, 'GET', `/api/requests/${id}`)).json().routes as Array<{
      id: string;
      channel: string;
    }>;
    expect(routes.map((x) => x.channel)).toEqual(['web', 'sms']);
    const r3 = await api(s2, 'POST', `/api/requests/${id}/replies`, {
      body: 'И по SMS на всякий случай.',
      via: routes[1]?.id,
    });
    expect(r3.json().channel).toBe('sms');
    await ctx.core.outbox.runOnce();
    await until(async () => tw.messagesTo(phone).length === 2);
  });
});

describe('per-state timeouts, merged identities and people who wrote before', () => {
  it("follows the admin's per-state silence timeouts (validated, audited)", async () => {
    day(800);
    const admin = await createOperator(ctx, 'admin');
    const sa = await as(admin);
    const current = (await api(sa, 'GET', '/api/settings/case-timers')).json();
    expect(current.silenceDays.awaiting_front_contact).toBeNull();
    const put = await api(sa, 'PUT', '/api/settings/case-timers', {
      ...current,
      silenceDays: { ...current.silenceDays, verified: 3 },
    });
    expect(put.statusCode).toBe(200);
    const bad = await api(sa, 'PUT', '/api/settings/case-timers', { ...current, waitRepeatDays: -1 });
    expect(bad.statusCode).toBe(400);
    const a = await applyOnWeb('Проверка таймеров: этот проверен');
    const idA = await caseIdOf(a.digits);
    const s = await as(op);
    await api(s, 'POST', `/api/requests/${idA}/replies`, { body: 'Здравствуйте.' });
    await api(s, 'POST', `/api/requests/${idA}/status`, { status: 'verified' });
    day(804);
    expect(await ctx.core.timers.runSilence()).toBeGreaterThanOrEqual(1);
    expect((await api(await as(op), 'GET', `/api/requests/${idA}`)).json().request.status).toBe(
      'unreachable',
    );
  });

  it("sends a merged identity's messages to the merge target, and marks a new request from a known chat", async () => {
    day(900);
    const target = await applyOnWeb('Основное обращение');
    const targetId = await caseIdOf(target.digits);
    const chat = 880777;
    await tgSays(chat, 'Привет, это я снова, с другого телефона');
    const dup = await until(() => ctx.core.channelIntake.openThreadOf('telegram', String(chat)));
    expect(dup.id).not.toBe(targetId);
    const s = await as(op);
    await api(s, 'POST', `/api/requests/${targetId}/replies`, { body: 'Видим вас.' });
    expect((await api(s, 'POST', `/api/requests/${dup.id}/merge`, { intoId: targetId })).statusCode).toBe(
      200,
    );
    day(901);
    await tgSays(chat, 'Вы получили моё сообщение?');
    const opened = (await api(await as(op), 'GET', `/api/requests/${targetId}`)).json();
    expect(opened.messages.map((m: { body: string }) => m.body)).toContain('Вы получили моё сообщение?');
    expect((await ctx.core.channelIntake.openThreadOf('telegram', String(chat)))?.id).toBe(targetId);

    // Walked to custody, the case belongs to the POW registry: a new contact is a new request that
    // shows the operator this person wrote before.
    const s2 = await as(op);
    for (const status of ['verified', 'meeting_agreed', 'in_progress', 'in_custody'])
      expect((await api(s2, 'POST', `/api/requests/${targetId}/status`, { status })).statusCode).toBe(200);
    day(950);
    const lone = 880778;
    await tgSays(lone, 'Первое сообщение');
    const first = await until(() => ctx.core.channelIntake.openThreadOf('telegram', String(lone)));
    for (const status of ['screening', 'verified', 'meeting_agreed', 'in_progress', 'in_custody'])
      await api(await as(op), 'POST', `/api/requests/${first.id}/status`, { status });
    day(1000);
    await tgSays(lone, 'Снова пишу, уже после плена');
    const again = await until(async () => {
      const t = await ctx.core.channelIntake.openThreadOf('telegram', String(lone));
      return t && t.id !== first.id ? t : undefined;
    });
    const view = (await api(await as(op), 'GET', `/api/requests/${again.id}`)).json();
    expect(view.wroteBefore).toBe(1);
  });
});
