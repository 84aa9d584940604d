import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { totpCode } from '../../src/auth/totp.ts';
import { launchChromium } from '../browser.ts';
import {
  addUser,
  type ConsoleUser,
  consoleLogin,
  submitLogin,
  submitPublicRequest,
} from '../console-helpers.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * Console polish that an operator notices, in a real Chromium against the hotline as it runs: the idle
 * lock keeps a half-typed reply for the same operator, and a TOTP code typed twice says to wait for
 * the next one instead of "wrong e-mail, password or code".
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
let olena: ConsoleUser;
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
  contexts.push(context);
  return context.newPage();
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'admin@example.org', 'admin', 'admin polish password');
  olena = await addUser(server, 'olena@example.org', 'operator', 'olena polish password', {
    email: admin.email,
    password: admin.password,
  });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

describe('idle lock and TOTP reuse', () => {
  it('keeps a half-typed reply through the idle lock; a reused code says to wait for the next one', async () => {
    await submitPublicRequest(server.url, {
      lang: 'ru',
      category: 'mobilized_home',
      message: 'Мне пришла повестка, что делать?',
    });
    const page = await newPage();
    // The page's clock is ours: fifteen idle minutes pass in an instant (the server's do not).
    await page.clock.install();
    // Log in with the code of the next 30 s step: it stays valid long enough to be typed again below.
    olena.lastStep = Math.floor(Date.now() / 30_000);
    await consoleLogin(page, server.url, olena);
    const usedCode = totpCode(olena.totpSecret, new Date(olena.lastStep * 30_000));

    const row = page.locator('[data-testid^="queue-row-"]').first();
    await row.waitFor();
    const id = ((await row.getAttribute('data-testid')) ?? '').slice('queue-row-'.length);
    await row.getByRole('link').click();
    await page.waitForURL(`**/console/requests/${id}`);
    await page.getByTestId('claim').click();
    await page.getByTestId('release').waitFor();
    const draft = 'Здравствуйте. Повестка — это ещё не отправка на фронт. Напишите, в каком вы';
    await page.getByTestId('reply-input').fill(draft);

    // Fifteen minutes without input: the console locks itself and says so.
    await page.clock.fastForward('16:00');
    await page.getByText(uk.login.locked).waitFor();
    expect(await page.getByTestId('reply-input').count()).toBe(0);
    // The draft is not left in the page's storage, in clear or otherwise.
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toContain('Повестка');

    // The code used a minute ago, typed again with the right password: told to wait, not "wrong".
    await page.getByTestId('login-email').fill(olena.email);
    await page.getByTestId('login-password').fill(olena.password);
    await page.getByTestId('login-totp').fill(usedCode);
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await error.waitFor();
    expect((await error.textContent())?.trim()).toBe(uk.login.errors.totp_reused);
    // The same code with a wrong password is the usual failure: the hint needs the right password.
    await page.getByTestId('login-password').fill('not her password at all');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-error').getByText(uk.login.errors.invalid_credentials).waitFor();

    // The next code logs her in, back on the same request, with her reply as she left it.
    await submitLogin(page, olena);
    await page.waitForURL(`**/console/requests/${id}`);
    await page.getByTestId('reply-input').waitFor();
    expect(await page.getByTestId('reply-input').inputValue()).toBe(draft);

    // A deliberate logout forgets drafts: the next person at this desk does not find them.
    await page.getByTestId('reply-input').fill(`${draft} районе?`);
    await page.getByTestId('logout').click();
    await consoleLogin(page, server.url, olena);
    // Back to the request inside the same page (a reload would empty its memory anyway).
    await page.evaluate((to) => {
      window.history.pushState(null, '', to);
      window.dispatchEvent(new PopStateEvent('popstate'));
    }, `/console/requests/${id}`);
    await page.getByTestId('reply-input').waitFor();
    expect(await page.getByTestId('reply-input').inputValue()).toBe('');
  }, 180_000);
});

describe('the public form on a phone, without JavaScript', () => {
  it('after a failed submit, shows and focuses the errors at the top, each linked to its field', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      locale: 'ru-RU',
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/?lang=ru`);
    await page.getByLabel('Военнослужащий в зоне боевых действий').check();
    // Only spaces: the browser's own check passes, the hotline's does not.
    await page.getByLabel('Ваше сообщение').fill('   ');
    await page.getByLabel('Как к вам обращаться?').fill('Серый');
    await Promise.all([
      page.waitForURL('**/requests'),
      page.getByRole('button', { name: 'Отправить' }).click(),
    ]);

    // The errors are the first thing on the screen, and the browser put the focus there.
    const summary = page.locator('#form-errors');
    await summary.waitFor();
    expect(await page.locator('#form-errors:focus').count()).toBe(1);
    const box = await summary.boundingBox();
    expect(box).not.toBeNull();
    expect((box?.y ?? 9999) + (box?.height ?? 0)).toBeLessThanOrEqual(844);
    expect(await summary.getAttribute('role')).toBe('alert');
    const link = summary.getByRole('link');
    expect(await link.count()).toBe(1);
    expect(await link.textContent()).toContain('напишите сообщение');
    // What was typed is still there, and the link leads to the field.
    expect(await page.getByLabel('Как к вам обращаться?').inputValue()).toBe('Серый');
    await link.click();
    await page.waitForURL('**/requests#message');
    const field = await page.locator('#message').boundingBox();
    expect(field).not.toBeNull();
    expect(field?.y ?? -1).toBeGreaterThanOrEqual(0);
    expect(field?.y ?? 9999).toBeLessThan(844);
  }, 60_000);
});
