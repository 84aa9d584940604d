import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeTelegram, startFakeTelegram } from './telegram.ts';

const TOKEN = '987654321:AAtest-token_for-the-fake';
const alice = { id: 1001, first_name: 'Alice', language_code: 'uk' };
const bob = { id: 1002, first_name: 'Bob' };

let tg: FakeTelegram;
let bot: Bot;

beforeEach(async () => {
  // Generous limits except where a test sets them: several quick replies to one chat are normal here.
  tg = await startFakeTelegram({
    token: TOKEN,
    perChatPerSecond: 100,
    globalPerSecond: 1000,
    webhookRetryDelaysMs: [20, 50, 100],
  });
  bot = new Bot(TOKEN, { client: { apiRoot: tg.url } });
});
afterEach(async () => {
  if (bot.isRunning()) await bot.stop();
  expect(tg.errors).toEqual([]);
  await tg.close();
});

async function startAppServer(
  handler: http.RequestListener,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tg-hook`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('fake Telegram Bot API with the real grammY client', () => {
  it('answers getMe and records sendMessage with per-chat message ids', async () => {
    const me = await bot.api.getMe();
    expect(me).toMatchObject({ id: 987654321, is_bot: true, username: tg.botUsername });

    tg.addChat(alice);
    tg.addChat(bob);
    const kb = new InlineKeyboard().text('Yes', 'q1:yes').text('No', 'q1:no');
    const m1 = await bot.api.sendMessage(alice.id, 'Hello <b>Alice</b>', {
      parse_mode: 'HTML',
      reply_markup: kb,
    });
    const m2 = await bot.api.sendMessage(alice.id + 0, 'Second');
    const m3 = await bot.api.sendMessage(bob.id, 'Hi Bob', {
      reply_markup: { keyboard: [[{ text: 'Українська' }, { text: 'English' }]], resize_keyboard: true },
    });
    expect(m1).toMatchObject({ message_id: 1, chat: { id: alice.id, type: 'private' }, text: 'Hello Alice' });
    expect(m1.reply_markup?.inline_keyboard[0]?.[0]).toMatchObject({ callback_data: 'q1:yes' });
    expect(m2.message_id).toBe(2);
    expect(m3.message_id).toBe(1);

    expect(tg.sentTo(alice.id, 'sendMessage').map((c) => c.params.text)).toEqual([
      'Hello <b>Alice</b>',
      'Second',
    ]);
    expect(tg.sentTo(bob.id)).toHaveLength(1);
    expect(tg.sent.every((c) => typeof c.time === 'number')).toBe(true);
  });

  it('rejects a wrong token with 401 Unauthorized', async () => {
    const wrong = new Bot('987654321:wrong', { client: { apiRoot: tg.url } });
    const err = await wrong.api.getMe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GrammyError);
    expect(err).toMatchObject({ error_code: 401, description: 'Unauthorized' });
    const raw = await fetch(`${tg.url}/botnope/getMe`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
  });

  it('validates like Telegram: unknown chat, parse errors, callback_data length, unknown method', async () => {
    await expect(bot.api.sendMessage(555, 'hi')).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: chat not found',
    });
    tg.addChat(alice);
    await expect(bot.api.sendMessage(alice.id, 'Done.', { parse_mode: 'MarkdownV2' })).rejects.toMatchObject({
      error_code: 400,
      description: expect.stringContaining("Character '.' is reserved"),
    });
    await expect(bot.api.sendMessage(alice.id, '<b>open', { parse_mode: 'HTML' })).rejects.toMatchObject({
      description: expect.stringContaining("can't parse entities"),
    });
    await expect(
      bot.api.sendMessage(alice.id, '*Done*\\.', { parse_mode: 'MarkdownV2' }),
    ).resolves.toMatchObject({
      text: 'Done.',
    });
    await expect(
      bot.api.sendMessage(alice.id, 'x', { reply_markup: new InlineKeyboard().text('x', 'y'.repeat(65)) }),
    ).rejects.toMatchObject({ description: 'Bad Request: BUTTON_DATA_INVALID' });
    await expect(bot.api.sendMessage(alice.id, '')).rejects.toMatchObject({
      description: 'Bad Request: message text is empty',
    });
    const res = await fetch(`${tg.url}/bot${TOKEN}/noSuchMethod`, { method: 'POST' });
    expect(res.status).toBe(404);
  });

  it('edits, answers callback queries, deletes, chat actions, commands', async () => {
    tg.userSends(alice, '/start');
    const m = await bot.api.sendMessage(alice.id, 'Q1?', {
      reply_markup: new InlineKeyboard().text('A', 'a').text('B', 'b'),
    });
    const press = tg.userPressesButton(alice, m.message_id, 'b');
    const cq = press.callback_query;
    expect(cq?.data).toBe('b');
    expect(cq?.message?.message_id).toBe(m.message_id);
    expect(() => tg.userPressesButton(alice, m.message_id, 'zzz')).toThrow(/no button/);
    await expect(bot.api.answerCallbackQuery(cq?.id ?? '', { text: 'ok' })).resolves.toBe(true);
    await expect(bot.api.answerCallbackQuery(cq?.id ?? '')).rejects.toMatchObject({ error_code: 400 });

    const edited = await bot.api.editMessageText(alice.id, m.message_id, 'Q1: B');
    expect(edited).toMatchObject({ text: 'Q1: B', edit_date: expect.any(Number) });
    await expect(bot.api.editMessageText(alice.id, m.message_id, 'Q1: B')).rejects.toMatchObject({
      description: expect.stringContaining('message is not modified'),
    });
    await expect(bot.api.sendChatAction(alice.id, 'typing')).resolves.toBe(true);
    await expect(bot.api.deleteMessage(alice.id, m.message_id)).resolves.toBe(true);
    await expect(bot.api.deleteMessage(alice.id, m.message_id)).rejects.toMatchObject({
      description: 'Bad Request: message to delete not found',
    });
    await bot.api.sendMessage(alice.id, 'old');
    tg.ageMessages(alice.id, 49 * 3600);
    await expect(bot.api.deleteMessage(alice.id, 3)).rejects.toMatchObject({
      description: "Bad Request: message can't be deleted for everyone",
    });
    expect(tg.chatMessages(alice.id).map((s) => [s.sender, s.deleted])).toEqual([
      ['user', false],
      ['bot', true],
      ['bot', false],
    ]);

    await bot.api.setMyCommands([{ command: 'delete', description: 'Delete my messages' }], {
      language_code: 'en',
    });
    expect(tg.commands.get('default:en')).toEqual([{ command: 'delete', description: 'Delete my messages' }]);
    await expect(bot.api.getMyCommands({ language_code: 'en' })).resolves.toHaveLength(1);
  });

  it('serves files: getFile + download, and multipart uploads from grammY', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const fileId = tg.addFile(png, 'image/png');
    const file = await bot.api.getFile(fileId);
    expect(file.file_path).toMatch(/^photos\/.+\.png$/);
    const res = await fetch(`${tg.url}/file/bot${TOKEN}/${file.file_path}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);

    tg.addChat(alice);
    const msg = await bot.api.sendPhoto(alice.id, new InputFile(png, 'dot.png'), { caption: 'a dot' });
    expect(msg.photo?.[0]).toMatchObject({ width: 1, height: 1 });
    expect(msg.caption).toBe('a dot');
    const uploaded = tg.files.get(msg.photo?.[0]?.file_id ?? '');
    expect(uploaded?.bytes).toEqual(png);
    await expect(bot.api.getFile('nope')).rejects.toMatchObject({
      description: 'Bad Request: invalid file_id',
    });
  });

  it('long polling: bot.start() receives userSends/photo/voice/button updates and replies', async () => {
    const seen: string[] = [];
    bot.command('start', (ctx) =>
      ctx.reply('Choose a language', { reply_markup: new InlineKeyboard().text('EN', 'en') }),
    );
    bot.on('message:text', (ctx) => {
      seen.push(`text:${ctx.message.text}`);
      return ctx.reply(`echo ${ctx.message.text}`);
    });
    bot.on('message:photo', async (ctx) => {
      const f = await ctx.getFile();
      const bytes = Buffer.from(
        await (await fetch(`${tg.url}/file/bot${TOKEN}/${f.file_path}`)).arrayBuffer(),
      );
      seen.push(`photo:${bytes.length}:${ctx.message.caption}`);
    });
    bot.on('message:voice', (ctx) => {
      seen.push(`voice:${ctx.message.voice.duration}`);
    });
    bot.on('callback_query:data', async (ctx) => {
      seen.push(`button:${ctx.callbackQuery.data}`);
      await ctx.answerCallbackQuery();
    });
    let started!: () => void;
    const ready = new Promise<void>((r) => {
      started = r;
    });
    const running = bot.start({ onStart: () => started() });
    await ready;

    tg.userSends(alice, '/start');
    const prompt = await tg.waitForSent((c) => c.method === 'sendMessage' && c.params.chat_id === alice.id);
    const promptId = (prompt.result as { message_id: number }).message_id;
    tg.userPressesButton(alice, promptId, 'en');
    tg.userSends(alice, 'I want to surrender');
    tg.userSendsPhoto(alice, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), 'my documents');
    tg.userSendsVoice(alice, Buffer.from('OggS-fake-voice'), 7);

    await tg.waitForSent((c) => c.method === 'sendMessage' && c.params.text === 'echo I want to surrender');
    await expect.poll(() => seen.length).toBe(4);
    expect(seen).toEqual(['button:en', 'text:I want to surrender', 'photo:7:my documents', 'voice:7']);
    expect(tg.callbackAnswers.size).toBe(1);
    await bot.stop();
    await running;
    // grammY confirmed everything it handled: nothing is left pending.
    expect(tg.pendingUpdates()).toEqual([]);
  });

  it('getUpdates holds the request until an update is queued, honours offset and allowed_updates', async () => {
    const t0 = Date.now();
    const pending = bot.api.getUpdates({ timeout: 5 });
    setTimeout(() => tg.userSends(bob, 'late'), 300);
    const updates = await pending;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(updates).toHaveLength(1);
    const first = updates[0] as Update;
    expect(first.message).toMatchObject({
      text: 'late',
      from: { id: bob.id, is_bot: false },
      chat: { type: 'private' },
    });

    // Not confirmed yet → returned again; confirmed with offset → gone.
    expect(await bot.api.getUpdates({ timeout: 0 })).toHaveLength(1);
    tg.userSends(bob, 'next');
    const after = await bot.api.getUpdates({ offset: first.update_id + 1, timeout: 0 });
    expect(after.map((u) => u.message?.text)).toEqual(['next']);

    // A timeout with nothing queued returns [] after ~timeout seconds.
    const t1 = Date.now();
    expect(await bot.api.getUpdates({ offset: (after[0]?.update_id ?? 0) + 1, timeout: 1 })).toEqual([]);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(900);

    // allowed_updates filters (and is remembered).
    tg.userSends(bob, 'text');
    const m = await bot.api.sendMessage(bob.id, 'q', { reply_markup: new InlineKeyboard().text('x', 'x') });
    tg.userPressesButton(bob, m.message_id, 'x');
    const onlyCallbacks = await bot.api.getUpdates({ allowed_updates: ['callback_query'], timeout: 0 });
    expect(onlyCallbacks.map((u) => Object.keys(u)[1])).toEqual(['callback_query']);
  });

  it('a second concurrent getUpdates terminates the first with 409 Conflict', async () => {
    const first = bot.api.getUpdates({ timeout: 5 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    const second = bot.api.getUpdates({ timeout: 0 });
    expect(await first).toMatchObject({
      error_code: 409,
      description: expect.stringContaining('terminated by other'),
    });
    await second;
  });

  it('webhook mode: delivers updates with the secret header to grammY webhookCallback', async () => {
    const secret = 'S3cr3t_token-123';
    const headers: (string | undefined)[] = [];
    const texts: string[] = [];
    bot.on('message:text', async (ctx) => {
      texts.push(ctx.message.text);
      await ctx.reply(`got ${ctx.message.text}`);
    });
    const handle = webhookCallback(bot, 'http', { secretToken: secret });
    const app = await startAppServer((req, res) => {
      headers.push(req.headers['x-telegram-bot-api-secret-token'] as string | undefined);
      void handle(req, res);
    });
    try {
      await bot.api.setWebhook(app.url, { secret_token: secret });
      await expect(bot.api.getUpdates()).rejects.toMatchObject({ error_code: 409 });
      tg.userSends(alice, 'one');
      tg.userSends(alice, 'two');
      tg.userSends(bob, 'three');
      await tg.waitForSent((c) => c.params.text === 'got one');
      await tg.waitForSent((c) => c.params.text === 'got two');
      await tg.waitForSent((c) => c.params.text === 'got three');
      expect(texts.indexOf('one')).toBeLessThan(texts.indexOf('two')); // same chat: in order
      expect(headers.every((h) => h === secret)).toBe(true);
      expect(tg.webhookDeliveries.every((d) => d.status === 200)).toBe(true);
      // An update is confirmed once the app's answer arrives (after its handler ran).
      await expect.poll(async () => (await bot.api.getWebhookInfo()).pending_update_count).toBe(0);
      expect(await bot.api.getWebhookInfo()).toMatchObject({ url: app.url, max_connections: 40 });

      // A webhook with a wrong secret: grammY answers 401, the fake retries and finally gives up.
      await bot.api.setWebhook(app.url, { secret_token: 'other-secret' });
      const update = tg.userSends(alice, 'forged?');
      await expect.poll(() => tg.webhookDropped.length, { timeout: 5000 }).toBe(1);
      const attempts = tg.webhookDeliveries.filter((d) => d.updateId === update.update_id);
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401]);
      expect((await bot.api.getWebhookInfo()).last_error_message).toContain('401');
      expect(texts).not.toContain('forged?');
      await bot.api.deleteWebhook();
    } finally {
      await app.close();
    }
  });

  it('webhook retries on 5xx until the app accepts, and executes a webhook reply', async () => {
    let n = 0;
    const bodies: Update[] = [];
    const app = await startAppServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString();
      });
      req.on('end', () => {
        n += 1;
        bodies.push(JSON.parse(raw) as Update);
        if (n < 3) {
          res.writeHead(503).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: 'sendMessage', chat_id: alice.id, text: 'via webhook reply' }));
      });
    });
    try {
      await bot.api.setWebhook(app.url);
      const u = tg.userSends(alice, 'hello');
      const reply = await tg.waitForSent((c) => c.params.text === 'via webhook reply');
      expect(reply.viaWebhookReply).toBe(true);
      expect(bodies.map((b) => b.update_id)).toEqual([u.update_id, u.update_id, u.update_id]);
      expect(tg.webhookDeliveries.map((d) => d.status)).toEqual([503, 503, 200]);
      await bot.api.deleteWebhook();
    } finally {
      await app.close();
    }
  });

  it('fault injection: 500, 429 retry_after, 400, timeout, drop, drop after processing', async () => {
    tg.addChat(alice);
    tg.fail(
      'sendMessage',
      { status: 500 },
      { status: 429, retryAfter: 7 },
      { status: 400, description: 'Bad Request: message is too long' },
    );
    await expect(bot.api.sendMessage(alice.id, 'a')).rejects.toMatchObject({
      error_code: 500,
      description: 'Internal Server Error',
    });
    await expect(bot.api.sendMessage(alice.id, 'a')).rejects.toMatchObject({
      error_code: 429,
      parameters: { retry_after: 7 },
    });
    await expect(bot.api.sendMessage(alice.id, 'a')).rejects.toMatchObject({
      error_code: 400,
      description: 'Bad Request: message is too long',
    });
    expect(tg.sent).toHaveLength(0);
    await expect(bot.api.sendMessage(alice.id, 'a')).resolves.toMatchObject({ message_id: 1 });

    // Timeout: the fake holds the request; grammY gives up first (HttpError), the call had no effect.
    const impatient = new Bot(TOKEN, { client: { apiRoot: tg.url, timeoutSeconds: 1 } });
    tg.fail('sendMessage', { timeoutMs: 2500 });
    await expect(impatient.api.sendMessage(alice.id, 'slow')).rejects.toBeInstanceOf(HttpError);
    // Held then answered 500 when the client waits long enough.
    tg.fail('sendMessage', { timeoutMs: 200 });
    await expect(bot.api.sendMessage(alice.id, 'slow')).rejects.toMatchObject({ error_code: 500 });

    tg.fail('sendMessage', { drop: true });
    await expect(bot.api.sendMessage(alice.id, 'dropped')).rejects.toBeInstanceOf(HttpError);

    // Processed, then the connection drops: the user HAS the message, the client saw an error.
    await new Promise((r) => setTimeout(r, 1000)); // per-chat limit
    tg.fail('sendMessage', { dropAfterProcessing: true });
    await expect(bot.api.sendMessage(alice.id, 'sent but unknown')).rejects.toBeInstanceOf(HttpError);
    expect(tg.sentTo(alice.id).map((c) => c.params.text)).toEqual(['a', 'sent but unknown']);
    // The 2.5 s hold is still running: the call shows as pending until the fake answers.
    expect(tg.calls.filter((c) => c.method === 'sendMessage')[4]?.outcome).toBe('pending');
    await expect.poll(() => tg.calls.filter((c) => c.outcome === 'pending').length).toBe(0);
    expect(tg.calls.filter((c) => c.method === 'sendMessage').map((c) => c.outcome)).toEqual([
      'fault',
      'fault',
      'fault',
      'ok',
      'fault',
      'fault',
      'dropped',
      'ok',
    ]);
    expect(tg.errors).toEqual([]);
  });

  it('rate limits: 1/s per chat and N/s overall over a sliding window, counting violations', async () => {
    tg.rateLimits.globalPerSecond = 5;
    tg.rateLimits.perChatPerSecond = 1;
    for (let i = 0; i < 8; i++) tg.addChat({ id: 2000 + i });
    await bot.api.sendMessage(2000, 'first');
    const err = await bot.api.sendMessage(2000, 'too soon').catch((e: unknown) => e);
    expect(err).toMatchObject({ error_code: 429, parameters: { retry_after: 1 } });
    expect(tg.violations).toMatchObject([{ scope: 'chat', chatId: '2000' }]);

    const results = await Promise.allSettled(
      Array.from({ length: 7 }, (_, i) => bot.api.sendMessage(2001 + i, 'burst')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4); // 5/s minus 'first'
    expect(tg.violations.filter((v) => v.scope === 'global')).toHaveLength(3);
    // sendChatAction is not counted.
    await expect(bot.api.sendChatAction(2000, 'typing')).resolves.toBe(true);

    // A well-paced sender (1.05 s per chat) never trips the limiter.
    tg.violations.length = 0;
    tg.sent.length = 0;
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 3; i++) {
      await bot.api.sendMessage(2000, `paced ${i}`);
      await new Promise((r) => setTimeout(r, 1050));
    }
    expect(tg.violations).toEqual([]);
    const rate = tg.rate('sendMessage');
    expect(rate.count).toBe(3);
    expect(rate.perSecond).toBeLessThanOrEqual(1);
    expect(rate.perSecond).toBeGreaterThan(0.85);
  });
});
