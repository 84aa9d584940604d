import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/auth/totp.ts';
import { launchChromium } from '../browser.ts';
import { totpSecretOf } from '../helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * A requester with JavaScript switched off (Tor Browser "Safest") writes in Russian, keeps the
 * receipt, an operator answers through the API, and the requester comes back and reads the answer.
 */
let server: ServerProcess;
let browser: Browser;
let admin: { email: string; password: string; totpSecret: string };
const SHOTS = path.resolve(import.meta.dirname, '../../docs/screenshots');

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  const add = await server.cli(
    ['user', 'add', '--email', 'op@example.org', '--role', 'admin', '--password-stdin'],
    'operator password 1',
  );
  expect(add.code, add.stderr).toBe(0);
  admin = {
    email: 'op@example.org',
    password: 'operator password 1',
    totpSecret: totpSecretOf(/otpauth:\/\/\S+/.exec(add.stdout)?.[0] as string),
  };
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

describe('web intake in a real browser without JavaScript', () => {
  it('submits in Russian, shows the receipt once, and shows the operator reply at /follow-up', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      locale: 'ru-RU',
      viewport: { width: 1000, height: 900 },
    });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));

    await page.goto(`${server.url}/`);
    expect(await page.locator('h1').textContent()).toBe('Вы можете остаться в живых');
    await page.getByLabel('Военнослужащий в зоне боевых действий').check();
    await page.getByLabel('Ваше сообщение').fill('Я под Купянском, хочу сдаться. Нас двое.');
    await page.getByLabel('Как к вам обращаться?').fill('Серый');
    if (process.env.WHITEFLAG_SCREENSHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'public-form-ru.png'), fullPage: true });
    }
    await Promise.all([
      page.waitForURL('**/requests'),
      page.getByRole('button', { name: 'Отправить' }).click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe('Ваше обращение отправлено');
    const receipt = (await page.locator('#receipt-code').textContent())?.trim() ?? '';
    expect(receipt).toMatch(/^(\d{4} ){6}\d{4}$/);
    if (process.env.WHITEFLAG_SCREENSHOTS)
      await page.screenshot({ path: path.join(SHOTS, 'receipt-ru.png'), fullPage: true });

    // Going back shows a fresh form: the receipt is never shown again.
    await page.goto(`${server.url}/`);
    expect(await page.content()).not.toContain(receipt);

    const api = await apiLogin(
      server.url,
      admin.email,
      admin.password,
      totpCode(admin.totpSecret, new Date()),
    );
    const queue = (await (await api.get('/api/requests')).json()) as {
      items: Array<{ id: string; category: string; language: string }>;
    };
    expect(queue.items[0]).toMatchObject({ category: 'serviceman_war_zone', language: 'ru' });
    const opened = (await (await api.get(`/api/requests/${queue.items[0]?.id}`)).json()) as {
      messages: Array<{ body: string }>;
    };
    expect(opened.messages[0]?.body).toBe('Я под Купянском, хочу сдаться. Нас двое.');
    expect(
      (
        await api.post(`/api/requests/${queue.items[0]?.id}/replies`, {
          body: 'Мы получили ваше сообщение. Оставайтесь на связи.',
        })
      ).status,
    ).toBe(201);

    await Promise.all([
      page.waitForURL('**/follow-up?lang=ru'),
      page.getByRole('link', { name: 'Уже писали нам? Прочитайте ответ по коду квитанции' }).click(),
    ]);
    await page.getByLabel('Код квитанции').fill(receipt);
    await Promise.all([
      page.waitForURL('**/follow-up'),
      page.getByRole('button', { name: 'Открыть' }).click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe('Ваша переписка');
    expect(await page.locator('.msg.theirs .body').textContent()).toBe(
      'Мы получили ваше сообщение. Оставайтесь на связи.',
    );
    if (process.env.WHITEFLAG_SCREENSHOTS)
      await page.screenshot({ path: path.join(SHOTS, 'follow-up-ru.png'), fullPage: true });

    await page.getByLabel('Ваше сообщение').fill('Спасибо, жду инструкций.');
    await Promise.all([
      page.waitForURL('**/follow-up/reply'),
      page.getByRole('button', { name: 'Отправить' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toBe('Ваше сообщение отправлено.');
    expect(await page.locator('.msg.mine .body').last().textContent()).toBe('Спасибо, жду инструкций.');

    // Nothing left this server: no third-party request of any kind.
    expect(requests.every((u) => u.startsWith(server.url))).toBe(true);
    await context.close();
  });

  it('switches language by plain links, without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/?lang=uk`);
    expect(await page.locator('h1').textContent()).toBe('Ви можете залишитися живим');
    await Promise.all([page.waitForURL('**/?lang=en'), page.getByRole('link', { name: 'English' }).click()]);
    expect(await page.locator('h1').textContent()).toBe('You can stay alive');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await context.close();
  });
});
