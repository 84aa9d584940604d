import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { buildApp } from '../../src/app.ts';
import { createTelegram } from '../../src/channels/telegram/telegram.ts';
import { createEventBus, type EventBus } from '../../src/realtime/events.ts';
import { launchChromium } from '../browser.ts';
import { type ConsoleUser, consoleLogin, screenshot } from '../console-helpers.ts';
import { startFakeTelegram } from '../fakes/telegram.ts';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  login,
  receiptFrom,
  type TestContext,
  until,
} from '../helpers.ts';

/**
 * The "returned" badge in a real Chromium: two men who applied 80 days ago (by the injected clock)
 * write again — one over Telegram with his receipt words, one on the web after his case was closed —
 * and the operator's queue shows both at the top, marked with the length of the silence, above a
 * fresher urgent request. The console is served by the same app that holds the manual clock.
 */
const DAY = 86_400_000;
const secret = randomBytes(16).toString('hex');
let tg: Awaited<ReturnType<typeof startFakeTelegram>>;
let ctx: TestContext;
let consoleApp: FastifyInstance;
let events: EventBus;
let browser: Browser;
let base = '';
let operator: ConsoleUser;
const ids: Record<'telegram' | 'web' | 'fresh', string> = { telegram: '', web: '', fresh: '' };

async function apply(category: string, message: string) {
  const page = await ctx.app.inject({ method: 'GET', url: '/?lang=ru' });
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/requests',
    ...form({ token: hiddenField(page.body, 'token'), lang: 'ru', category, message, name: '', contact: '' }),
  });
  const digits = receiptFrom(res.body);
  const words = /id="receipt-words">([^<]+)</.exec(res.body)?.[1] ?? '';
  const found = await ctx.core.intake.findByReceipt(digits);
  if (!found) throw new Error('no case');
  return { id: found.id, digits, words };
}

beforeAll(async () => {
  tg = await startFakeTelegram({ globalPerSecond: 1000, perChatPerSecond: 1000 });
  // The journey starts 80 days before the real now, so that logging in (TOTP) happens at real time.
  const realNow = Date.now();
  let telegram: ReturnType<typeof createTelegram> | undefined;
  ctx = await createTestContext({
    start: new Date(realNow - 80 * DAY),
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
      core.adapters.set('telegram', telegram.adapter);
      return [telegram];
    },
  });
  const admin = await createOperator(ctx, 'admin');
  const op = await createOperator(ctx, 'operator', { grantKeyFrom: admin, email: 'olena@example.org' });
  operator = { ...op, lastStep: 0 };

  // Day 0: two men apply from home; one is told to wait for the front, the other's case is closed.
  const a = await apply(
    'mobilized_home',
    'Повестка пришла, через месяц отправят. Хочу договориться заранее.',
  );
  const b = await apply('mobilized_home', 'Пока просто узнаю, как это устроено.');
  ids.telegram = a.id;
  ids.web = b.id;
  const s = await login(ctx, op);
  const call = (method: 'POST' | 'PUT', url: string, payload: object) =>
    ctx.app.inject({ method, url, headers: s.headers, payload });
  await call('POST', `/api/requests/${a.id}/replies`, {
    body: 'Мы на связи. Напишите, когда будете на месте.',
  });
  await call('POST', `/api/requests/${a.id}/status`, { status: 'verified' });
  await call('POST', `/api/requests/${a.id}/status`, { status: 'awaiting_front_contact' });
  await call('PUT', `/api/requests/${a.id}/expected-front`, {
    date: new Date(realNow - 50 * DAY).toISOString().slice(0, 10),
  });
  await call('POST', `/api/requests/${b.id}/replies`, { body: 'Вот как это работает: …' });
  await call('POST', `/api/requests/${b.id}/status`, { status: 'closed_info_given' });

  // Day 80 (now): a fresh urgent request, then both men come back.
  ctx.clock.set(new Date(realNow));
  ids.fresh = (await apply('serviceman_war_zone', 'Я под Торецком, ранен, как выйти сегодня?')).id;
  await ctx.app.inject({
    method: 'POST',
    url: '/channels/telegram/webhook',
    headers: { 'x-telegram-bot-api-secret-token': secret },
    payload: tg.userSends({ id: 990001 }, a.words.toUpperCase()) as object,
  });
  await until(async () => (await ctx.core.channelIntake.openThreadOf('telegram', '990001'))?.id === a.id);
  const followUp = await ctx.app.inject({
    method: 'POST',
    url: '/follow-up',
    ...form({ lang: 'ru', code: b.digits }),
  });
  const back = await ctx.app.inject({
    method: 'POST',
    url: '/follow-up/reply',
    ...form({
      lang: 'ru',
      code: b.digits,
      message: 'Я снова здесь. Теперь решился.',
      token: hiddenField(followUp.body, 'token'),
    }),
  });
  if (back.statusCode !== 200) throw new Error(`follow-up reply refused: ${back.statusCode}`);

  // The console, served by an app over the same core (and so the same clock).
  events = createEventBus(ctx.dbUrl, ctx.core.log);
  consoleApp = await buildApp(ctx.core, {
    intakePerMinute: 6000,
    secureCookies: true,
    events,
    consoleDir: path.resolve(import.meta.dirname, '../../dist/console'),
    webhooks: telegram ? [telegram] : [],
  });
  await consoleApp.listen({ host: '127.0.0.1', port: 0 });
  const addr = consoleApp.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await consoleApp?.close();
  await events?.close();
  await ctx?.close();
  await tg?.close();
});

async function rowIds(page: Page): Promise<string[]> {
  const rows = await page
    .locator('[data-testid^="queue-row-"]')
    .evaluateAll((els) => els.map((r) => r.getAttribute('data-testid') ?? ''));
  return rows.map((t) => t.slice('queue-row-'.length));
}

describe('returned cases in the console', () => {
  it('shows both returned men at the top of the queue, marked with 80 days of silence', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await consoleLogin(page, base, operator);
    await page.getByTestId('queue-table').waitFor();
    await page.getByTestId('returned-badge').first().waitFor();
    const order = await rowIds(page);
    expect(order.slice(0, 2).sort()).toEqual([ids.telegram, ids.web].sort());
    expect(order).toContain(ids.fresh);
    const label = uk.request.returned.badgeDays.replace('{{days}}', '80');
    for (const id of [ids.telegram, ids.web])
      await expect
        .poll(() => page.getByTestId(`queue-row-${id}`).getByTestId('returned-badge').textContent())
        .toContain(label);
    expect(await page.getByTestId(`queue-row-${ids.fresh}`).getByTestId('returned-badge').count()).toBe(0);
    await screenshot(page, 'console-queue-returned.png');

    // The returned case: one thread, each message with its channel; the reply goes where he last wrote.
    await page.getByTestId(`queue-row-${ids.telegram}`).locator('a').first().click();
    await page.getByTestId('thread-message').first().waitFor();
    const channels = await page.getByTestId('message-channel').allInnerTexts();
    expect(channels).toContain(uk.channel.web);
    expect(channels).toContain(uk.channel.telegram);
    await expect.poll(() => page.getByTestId('returned-badge').first().textContent()).toContain(label);
    await screenshot(page, 'console-request-returned.png');
    await context.close();
  });
});
