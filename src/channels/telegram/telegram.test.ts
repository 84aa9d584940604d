import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../../../test/fakes/telegram.ts';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
  type TestOperator,
  until,
} from '../../../test/helpers.ts';
import { providerUpdateKey } from '../../intake/channel-intake.service.ts';
import { createTelegram, type Telegram } from './telegram.ts';

/**
 * Telegram end to end against a local server that speaks the Bot API, with grammY pointed at it:
 * a person talks to the bot, the request appears, an operator replies, Telegram receives exactly one
 * sendMessage for that chat — also when the API fails, throttles or drops the connection.
 */
type Fake = Awaited<ReturnType<typeof startFakeTelegram>>;
let fake: Fake;
let ctx: TestContext;
let telegram: Telegram;
let s: LoggedIn;
let admin: TestOperator;
const secret = randomBytes(16).toString('hex');

const threadOf = async (chatId: number) => {
  const t = await ctx.core.channelIntake.openThreadOf('telegram', String(chatId));
  return t?.id;
};

/** A person writes; resolves when the request exists and the bot's own prompts are out. */
async function personWrites(chatId: number, text: string): Promise<string> {
  expect((await deliver(fake.userSends({ id: chatId }, text))).statusCode).toBe(200);
  const id = await until(() => threadOf(chatId));
  await fake.waitForSent(
    (c) =>
      String(c.params.chat_id) === String(chatId) &&
      c.params.text === 'Получено. Оператор ответит здесь как можно скорее.',
  );
  return id;
}

/** Runs the outbox as its loop would, moving the clock past each backoff; then logs in again. */
async function drainOutbox(rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    await ctx.core.outbox.runOnce();
    ctx.clock.advance(11 * 60_000);
  }
  s = await login(ctx, admin);
}

beforeAll(async () => {
  // Generous limits here: pacing against Telegram's real limits is the benchmark's job (npm run bench -- channels).
  fake = await startFakeTelegram({ globalPerSecond: 1000, perChatPerSecond: 1000 });
  ctx = await createTestContext({
    channels: (core) => {
      telegram = createTelegram(
        {
          token: fake.token,
          mode: 'webhook',
          apiRoot: fake.url,
          webhookSecret: secret,
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
      core.adapters.set('telegram', telegram.adapter);
      return [telegram];
    },
  });
  admin = await createOperator(ctx, 'admin');
  s = await login(ctx, admin);
});
afterAll(async () => {
  await ctx?.close();
  await fake?.close();
});

async function deliver(update: unknown) {
  return ctx.app.inject({
    method: 'POST',
    url: '/channels/telegram/webhook',
    headers: { 'x-telegram-bot-api-secret-token': secret },
    payload: update as object,
  });
}

describe('telegram', () => {
  it('walks a person through language and category, files the request, and delivers the reply exactly once', async () => {
    const chat = { id: 700001, first_name: 'Test' };
    expect((await deliver(fake.userSends(chat, '/start'))).statusCode).toBe(200);
    const langMsg = await fake.waitForSent(
      (c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(chat.id),
    );
    expect(JSON.stringify(langMsg.params.reply_markup)).toContain('lang:ru');
    expect(
      (
        await deliver(
          fake.userPressesButton(
            chat,
            Number((langMsg.result as { message_id?: number } | undefined)?.message_id ?? 1),
            'lang:ru',
          ),
        )
      ).statusCode,
    ).toBe(200);
    const catMsg = await fake.waitForSent((c) =>
      JSON.stringify(c.params.reply_markup ?? '').includes('cat:serviceman_war_zone'),
    );
    const catId = Number((catMsg.result as { message_id?: number } | undefined)?.message_id);
    expect((await deliver(fake.userPressesButton(chat, catId, 'cat:serviceman_war_zone'))).statusCode).toBe(
      200,
    );
    await fake.waitForSent((c) => typeof c.params.text === 'string' && c.params.text.includes('/faq'));

    expect((await deliver(fake.userSends(chat, 'Хочу сдаться, я под Купянском'))).statusCode).toBe(200);
    const id = await until(() => threadOf(chat.id));
    await fake.waitForSent((c) => c.params.text === 'Получено. Оператор ответит здесь как можно скорее.');
    const opened = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
    expect(opened.json().request).toMatchObject({
      channel: 'telegram',
      category: 'serviceman_war_zone',
      language: 'ru',
      urgency: 3,
    });
    expect(opened.json().messages[0].body).toBe('Хочу сдаться, я под Купянском');

    const before = fake.sentTo(chat.id, 'sendMessage').length;
    const reply = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Мы на связи. Оставайтесь в укрытии.' },
    });
    expect(reply.statusCode).toBe(201);
    await drainOutbox(3);
    const replies = fake
      .sentTo(chat.id, 'sendMessage')
      .slice(before)
      .filter((c) => c.params.text === 'Мы на связи. Оставайтесь в укрытии.');
    expect(replies).toHaveLength(1);
    const view = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
    expect(view.json().messages.at(-1).delivery).toMatchObject({ status: 'sent', attempts: 1 });
    // A second message from the same chat joins the same request.
    await deliver(fake.userSends(chat, 'Понял, жду.'));
    await until(
      async () =>
        (await ctx.core.db.selectFrom('thread_messages').select('id').where('thread_id', '=', id).execute())
          .length === 3,
    );
  });

  it("takes a relative's /find inquiry and brings the registrar's answer back to the chat", async () => {
    const chat = { id: 700777, first_name: 'Mother' };
    const rec = await ctx.core.registry.createRecord(admin.id, {
      identity: {
        surname: { original: 'Ковалёв', latin: 'Kovalev' },
        firstNames: { original: 'Дмитрий', latin: 'Dmitrii' },
        fatherFirstName: 'Сергей',
        dateOfBirth: '1994-03-12',
        languages: ['ru'],
        captureDate: '2026-01-02',
        health: 'good_health',
        disclosureConsent: 'yes',
      },
    });
    const says = (text: string) =>
      fake.waitForSent(
        (c) => String(c.params.chat_id) === String(chat.id) && String(c.params.text).includes(text),
      );
    await deliver(fake.userSends(chat, '/find'));
    await says('Фамилия человека');
    for (const [answer, next] of [
      ['Kovalyov', 'Его имя'],
      ['Dmitriy', 'Отчество'],
      ['/skip', 'Дата рождения'],
      ['03/15/1994', 'Не понял'], // never read month first
      // Day first as people write it, said back in words (issue #14).
      ['12.03.1994', 'Дата рождения понята как: 12 марта 1994'],
      ['Анна', 'Кем вы ему'],
      ['мать', 'Запрос принят'],
    ] as const) {
      expect((await deliver(fake.userSends(chat, answer))).statusCode).toBe(200);
      await says(next);
    }
    // Someone who starts a search and then writes that they want to surrender: the message goes to the
    // hotline's sealed intake, never into the relatives desk.
    const other = { id: 700778, first_name: 'Soldier' };
    await deliver(fake.userSends(other, '/find'));
    await fake.waitForSent(
      (c) => String(c.params.chat_id) === String(other.id) && String(c.params.text).includes('/cancel'),
    );
    await deliver(fake.userSends(other, 'Я хочу сдаться, нахожусь у посёлка Н., позиция 3, завтра утром'));
    await fake.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(other.id) &&
        String(c.params.text).includes('передано операторам'),
    );
    const thread = await until(() => threadOf(other.id));
    const opened = await ctx.app.inject({
      method: 'GET',
      url: `/api/requests/${thread}`,
      headers: s.headers,
    });
    expect(opened.json().messages[0].body).toContain('Я хочу сдаться');
    // /cancel stops a search without filing anything.
    await deliver(fake.userSends(other, '/find'));
    await deliver(fake.userSends(other, '/cancel'));
    await fake.waitForSent(
      (c) => String(c.params.chat_id) === String(other.id) && c.params.text === 'Поиск отменён.',
    );

    const inquiries = await ctx.core.relatives.list(admin.id, { status: 'open', limit: 10, offset: 0 });
    expect(JSON.stringify(inquiries.items)).not.toContain('сдаться');
    const inquiry = inquiries.items.find((i) => i.channel === 'telegram');
    expect(inquiry?.sought).toEqual({
      surname: 'Kovalyov',
      firstNames: 'Dmitriy',
      dateOfBirth: '1994-03-12',
    });
    const full = await ctx.core.relatives.get(admin.id, inquiry?.id as string);
    expect(full.candidates[0]?.recordId).toBe(rec.id);
    await ctx.core.relatives.answer(admin.id, inquiry?.id as string, {
      kind: 'found',
      recordId: rec.id,
      message: 'Ваш сын жив и находится в плену.',
    });
    await until(async () => {
      await ctx.core.outbox.runOnce();
      return fake
        .sentTo(chat.id, 'sendMessage')
        .some((c) => c.params.text === 'Ваш сын жив и находится в плену.');
    });
    const after = await ctx.core.relatives.get(admin.id, inquiry?.id as string);
    expect(after.delivery).toEqual([expect.objectContaining({ status: 'sent', error: null })]);
  });

  it('refuses forged webhooks and ignores replayed ones', async () => {
    const chat = { id: 700002 };
    const update = fake.userSends(chat, 'раз');
    const forged = await ctx.app.inject({
      method: 'POST',
      url: '/channels/telegram/webhook',
      headers: { 'x-telegram-bot-api-secret-token': 'x'.repeat(32) },
      payload: update as object,
    });
    expect(forged.statusCode).toBe(401);
    const none = await ctx.app.inject({
      method: 'POST',
      url: '/channels/telegram/webhook',
      payload: update as object,
    });
    expect(none.statusCode).toBe(401);
    expect(await threadOf(chat.id)).toBeUndefined();
    expect((await deliver(update)).statusCode).toBe(200);
    expect((await deliver(update)).statusCode).toBe(200);
    const id = await until(() => threadOf(chat.id));
    await new Promise((r) => setTimeout(r, 200));
    const msgs = await ctx.core.db
      .selectFrom('thread_messages')
      .select('id')
      .where('thread_id', '=', id)
      .execute();
    expect(msgs).toHaveLength(1);
    const garbage = await ctx.app.inject({
      method: 'POST',
      url: '/channels/telegram/webhook',
      headers: { 'x-telegram-bot-api-secret-token': secret },
      payload: { hello: 1 },
    });
    expect(garbage.statusCode).toBe(400);
  });

  it('marks a malformed but authenticated update failed at once: stable error, payload wiped, server fine', async () => {
    const updateId = 990_001;
    // No chat: a handler would throw on it on every retry.
    const malformed = { update_id: updateId, message: { message_id: 1, date: 0, text: 'Секрет 5e5e' } };
    expect((await deliver(malformed)).statusCode).toBe(200);
    const row = await until(async () => {
      const r = await ctx.core.db
        .selectFrom('inbound_updates')
        .select(['processed_at', 'payload_enc', 'last_error'])
        .where('channel', '=', 'telegram')
        .where('update_key', '=', providerUpdateKey(ctx.core.vault, 'telegram', String(updateId)))
        .executeTakeFirst();
      return r?.processed_at ? r : undefined;
    });
    expect(row).toMatchObject({ payload_enc: null, last_error: 'malformed_update' });
    expect(await ctx.core.channelIntake.pending('telegram')).toEqual([]);
    expect(ctx.logs.join('\n')).not.toContain('5e5e');
    // The bot keeps working for everyone else.
    await personWrites(700_010, 'после мусора');
  });

  it('retries 500s, honours 429 retry_after, survives dropped connections, and delivers once', async () => {
    const chat = { id: 700003 };
    const id = await personWrites(chat.id, 'Помогите');
    fake.fail(
      'sendMessage',
      { status: 429, retryAfter: 30 },
      { status: 500 },
      { drop: true },
      { status: 502 },
    );
    const before = fake
      .sentTo(chat.id, 'sendMessage')
      .filter((c) => c.outcome === 'ok' && c.params.text === 'Ответ после сбоев').length;
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Ответ после сбоев' },
    });
    const waitAfter = async () => {
      await ctx.core.outbox.runOnce();
      const row = await ctx.core.db
        .selectFrom('outbox')
        .select(['next_attempt_at', 'status'])
        .where('thread_id', '=', id)
        .executeTakeFirstOrThrow();
      const wait = new Date(row.next_attempt_at).getTime() - ctx.clock.now().getTime();
      ctx.clock.advance(wait);
      return wait;
    };
    expect(await waitAfter()).toBe(30_000); // 429: Telegram's retry_after, longer than the first backoff step
    expect(await waitAfter()).toBe(4000); // 500: exponential backoff
    expect(await waitAfter()).toBe(8000); // dropped connection
    expect(await waitAfter()).toBe(16_000); // 502
    await drainOutbox(2);
    const ok = fake
      .sentTo(chat.id, 'sendMessage')
      .filter((c) => c.outcome === 'ok' && c.params.text === 'Ответ после сбоев');
    const attempts = fake.calls
      .filter((c) => String(c.params.chat_id) === String(chat.id) && c.params.text === 'Ответ после сбоев')
      .map((c) => c.outcome);
    expect(attempts).toEqual(['fault', 'fault', 'dropped', 'fault', 'ok']);
    expect(ok.length - before).toBe(1);
    const row = await ctx.core.db
      .selectFrom('outbox')
      .select(['status', 'attempts'])
      .where('thread_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'sent', attempts: 5 });
  });

  it('stops on a permanent error and shows the failure to the operator', async () => {
    const chat = { id: 700004 };
    const id = await personWrites(chat.id, 'Вопрос');
    await ctx.app.inject({ method: 'POST', url: `/api/requests/${id}/claim`, headers: s.headers });
    fake.fail('sendMessage', { status: 403, description: 'Forbidden: bot was blocked by the user' });
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Не дойдёт' },
    });
    await drainOutbox(2);
    const view = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
    expect(view.json().messages.at(-1).delivery).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('blocked'),
    });
    const notes = await ctx.app.inject({ method: 'GET', url: '/api/notifications', headers: s.headers });
    expect(notes.json().items.map((n: { kind: string }) => n.kind)).toContain('delivery_failed');
  });

  it('serves the FAQ, walks the questionnaire with buttons, strips photo metadata, and /delete wipes its messages', async () => {
    const chat = { id: 700005 };
    const id = await personWrites(chat.id, 'Здравствуйте');
    // FAQ: a list of topics as buttons, then the article as text.
    await deliver(fake.userSends(chat, '/faq'));
    const list = await fake.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(chat.id) &&
        JSON.stringify(c.params.reply_markup ?? '').includes('kb:pow-rights'),
    );
    const listId = Number((list.result as { message_id?: number } | undefined)?.message_id);
    await deliver(fake.userPressesButton(chat, listId, 'kb:pow-rights'));
    await fake.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(chat.id) &&
        typeof c.params.text === 'string' &&
        c.params.text.includes('Женевск'),
    );

    // Questionnaire: this person is "other", so the information branch asks what they want to know.
    await deliver(fake.userSends(chat, '/questionnaire'));
    const q = await fake.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(chat.id) &&
        JSON.stringify(c.params.reply_markup ?? '').includes('qa:pow_rights'),
    );
    await deliver(
      fake.userPressesButton(
        chat,
        Number((q.result as { message_id?: number } | undefined)?.message_id),
        'qa:pow_rights',
      ),
    );
    await fake.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(chat.id) &&
        typeof c.params.text === 'string' &&
        c.params.text.includes('/skip'),
    );
    await deliver(fake.userSends(chat, 'Что с едой и врачами?'));
    await fake.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(chat.id) && c.params.text === 'Спасибо, ваши ответы сохранены.',
    );
    const checklist = await ctx.app.inject({
      method: 'GET',
      url: `/api/requests/${id}/protocol`,
      headers: s.headers,
    });
    const answers = Object.fromEntries(
      checklist.json().steps[0].questions.map((x: { id: string; answer: unknown }) => [x.id, x.answer]),
    );
    expect(answers).toMatchObject({ topic: 'pow_rights', details: 'Что с едой и врачами?' });

    // A photo with EXIF: sealed into the thread without it.
    const sharp = (await import('sharp')).default;
    const photo = await sharp({ create: { width: 12, height: 12, channels: 3, background: '#336699' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'TGEXIFMARKER' } })
      .toBuffer();
    await deliver(fake.userSendsPhoto(chat, photo, 'моё фото'));
    const withPhoto = await until(async () => {
      const v = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
      const m = v.json().messages?.find((x: { attachments?: unknown[] }) => x.attachments?.length);
      return m ?? null;
    });
    const stored = Buffer.from(withPhoto.attachments[0].data, 'base64');
    expect(withPhoto.body).toBe('моё фото');
    expect(stored.includes('TGEXIFMARKER')).toBe(false);

    // /delete: the bot deletes what it sent, and explains how to clear the person's side.
    const botMessages = fake.chatMessages(chat.id).filter((m) => m.sender === 'bot' && !m.deleted).length;
    expect(botMessages).toBeGreaterThan(3);
    await deliver(fake.userSends(chat, '/delete'));
    await fake.waitForSent(
      (c) =>
        String(c.params.chat_id) === String(chat.id) &&
        typeof c.params.text === 'string' &&
        c.params.text.includes('Удалить чат'),
    );
    const left = fake.chatMessages(chat.id).filter((m) => m.sender === 'bot' && !m.deleted);
    expect(left).toHaveLength(1); // only the explanation itself
  });

  it('keeps no message text at rest once handled: raw updates wiped, reply texts wiped a day after delivery', async () => {
    const chat = { id: 700006 };
    const id = await personWrites(chat.id, 'Секретный текст 7f2a');
    const updates = await ctx.core.db
      .selectFrom('inbound_updates')
      .select(['update_key', 'payload_enc', 'processed_at'])
      .execute();
    expect(updates.length).toBeGreaterThan(0);
    for (const u of updates.filter((x) => x.processed_at)) expect(u.payload_enc).toBeNull();
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Ответ 9c1b' },
    });
    await drainOutbox(1);
    const before = await ctx.core.db
      .selectFrom('outbox')
      .select('payload_enc')
      .where('thread_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(before.payload_enc).not.toBeNull(); // a provider may still report a late failure
    ctx.clock.advance(25 * 3_600_000);
    expect(await ctx.core.outbox.wipeDelivered()).toBeGreaterThanOrEqual(1);
    const after = await ctx.core.db
      .selectFrom('outbox')
      .select(['payload_enc', 'status'])
      .where('thread_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ payload_enc: null, status: 'sent' });
    // With the master key, every server-tier value of the database opens — and none holds the texts.
    const { SERVER_TIER_COLUMNS } = await import('../../crypto/encrypted-columns.ts');
    const { sql } = await import('kysely');
    for (const col of SERVER_TIER_COLUMNS) {
      const rows = (
        await sql<{
          v: string | null;
        }>`SELECT ${sql.ref(col.column)} AS v FROM ${sql.table(col.table)}`.execute(ctx.core.db)
      ).rows;
      for (const r of rows) {
        if (!r.v) continue;
        const plain = ctx.core.vault.decrypt(r.v, col.context);
        expect(plain).not.toContain('7f2a');
        expect(plain).not.toContain('9c1b');
      }
    }
  });
});

describe('telegram long polling', () => {
  it('asks Telegram to hold a poll for less than the HTTP timeout, so a quiet poll never times out', async () => {
    const polled = await startFakeTelegram({});
    const poller = createTelegram(
      {
        token: polled.token,
        mode: 'polling',
        apiRoot: polled.url,
        webhookSecret: undefined,
        webhookUrl: undefined,
      },
      {
        db: ctx.core.db,
        routing: ctx.core.routing,
        clock: ctx.core.clock,
        log: ctx.core.log,
        channelIntake: ctx.core.channelIntake,
        protocol: ctx.core.protocol,
        knowledge: ctx.core.knowledge,
      },
    );
    const runner = await poller.start();
    try {
      const call = await until(async () => polled.calls.find((c) => c.method === 'getUpdates'));
      // A timed-out poll costs a 3 s pause before the next one (grammY): a message sent then waits.
      expect(Number(call.params.timeout)).toBeGreaterThan(0);
      expect(Number(call.params.timeout)).toBeLessThan(15);
    } finally {
      await runner.stop();
      await polled.close();
    }
  });
});
