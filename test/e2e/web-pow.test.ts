import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../browser.ts';
import { createOperator, createTestContext, login, type TestContext, type TestOperator } from '../helpers.ts';

/**
 * The form's optional proof of work in a real browser with JavaScript (decision 0010): the page's one
 * script solves the challenge under the page's CSP while the person writes, and the post lands in the
 * proof lane. (The no-JavaScript path is web-browser.test.ts.)
 */
let ctx: TestContext;
let admin: TestOperator;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = ctx.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

describe.skipIf(!hasChromium())('proof of work in the browser', () => {
  it('fills the proof while the person writes, breaks no CSP rule, and is admitted in the proof lane', async () => {
    const context = await browser.newContext({ locale: 'ru-RU' });
    const page = await context.newPage();
    const problems: string[] = [];
    // CSP refusals and script errors surface as console errors; a missing favicon is no problem of ours.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && !m.text().includes('404'))
        problems.push(m.text());
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`${r.status()} ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${base}/`);
    await page.getByLabel('Мобилизован (или могут мобилизовать), пока дома').check();
    await page.getByLabel('Ваше сообщение').fill('Меня забирают через неделю. Что делать?');
    await page.waitForFunction(
      () => (document.querySelector('input[name="pow"]') as HTMLInputElement | null)?.value !== '',
      undefined,
      { timeout: 30_000 },
    );
    await Promise.all([
      page.waitForURL('**/requests'),
      page.getByRole('button', { name: 'Отправить' }).click(),
    ]);
    expect(await page.locator('#receipt-code').count()).toBe(1);
    expect(problems).toEqual([]);

    const s = await login(ctx, admin);
    const flood = await ctx.app.inject({ method: 'GET', url: '/api/supervisor/flood', headers: s.headers });
    expect(flood.json().admission.admitted).toEqual({ proof: 1, plain: 0 });
    await context.close();
  }, 60_000);
});
