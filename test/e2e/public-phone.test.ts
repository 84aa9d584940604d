import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser.ts';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  login,
  receiptFrom,
  submitWebRequest,
  type TestContext,
} from '../helpers.ts';

/**
 * The public pages a requester or a relative reads on a phone without JavaScript (issue #15, item 5):
 * the questionnaire's number and date fields are real fields and a later step's question waits until
 * it applies; /stats fits the screen and its chart says what it shows; /find carries the safety
 * notice; the answer page says when it was answered and offers a way out.
 */
let ctx: TestContext;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base = '';
const data = { receipt: '', findCode: '' };

beforeAll(async () => {
  ctx = await createTestContext();
  const admin = await createOperator(ctx, 'admin');
  const registrar = await login(ctx, await createOperator(ctx, 'registrar', { grantKeyFrom: admin }));
  data.receipt = (
    await submitWebRequest(ctx, { category: 'mobilized_home', message: 'Пришла повестка.' })
  ).receipt;
  for (let i = 0; i < 12; i++) await submitWebRequest(ctx, { message: `Хочу сдаться, ${i}` });
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  await ctx.core.stats.refresh(day(Date.now() - 90 * 86_400_000), day(Date.now()));
  const findForm = await ctx.app.inject({ method: 'GET', url: '/find?lang=ru' });
  const asked = await ctx.app.inject({
    method: 'POST',
    url: '/find',
    ...form({
      token: hiddenField(findForm.body, 'token'),
      lang: 'ru',
      surname: 'Иванов',
      firstNames: 'Пётр',
      yourName: 'Анна',
      relationship: 'мать',
    }),
  });
  data.findCode = receiptFrom(asked.body);
  const inquiries = await ctx.app.inject({
    method: 'GET',
    url: '/api/relatives/inquiries',
    headers: registrar.headers,
  });
  const id = (inquiries.json() as { items: Array<{ id: string }> }).items[0]?.id;
  const answered = await ctx.app.inject({
    method: 'POST',
    url: `/api/relatives/inquiries/${id}/answer`,
    headers: registrar.headers,
    payload: { kind: 'not_found', message: 'Среди зарегистрированных военнопленных его нет.' },
  });
  expect(answered.statusCode, answered.body).toBe(200);
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = ctx.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await launchChromium();
  context = await browser.newContext({
    javaScriptEnabled: false,
    locale: 'ru-RU',
    viewport: { width: 360, height: 740 },
    isMobile: true,
  });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await ctx?.close();
});

/** The page is no wider than the screen: nothing to scroll sideways. */
const pageWidth = () =>
  page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));

describe('public pages on a phone, without JavaScript', () => {
  it('questionnaire: number and date inputs are full fields; the front-line question waits for its step', async () => {
    await page.goto(`${base}/follow-up?lang=ru`);
    await page.getByLabel('Код квитанции').fill(data.receipt);
    await Promise.all([
      page.waitForURL('**/follow-up'),
      page.getByRole('button', { name: 'Открыть' }).click(),
    ]);
    await page.locator('#questionnaire-heading').waitFor();
    const number = page.locator('input[type="number"]').first();
    const box = await number.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(36);
    expect(box?.width ?? 0).toBeGreaterThanOrEqual(120);
    const style = await number.evaluate((el) => getComputedStyle(el).borderTopStyle);
    expect(style).toBe('solid');
    // The step "contact from the front" (expected date) comes after verification, not now.
    expect(await page.locator('input[name="a.expected_front_date"]').count()).toBe(0);
    expect(await page.locator('form.step').count()).toBe(1);
    const w = await pageWidth();
    expect(w.scroll).toBeLessThanOrEqual(w.view);
  });

  it('/stats fits the screen, and its chart is labelled', async () => {
    await page.goto(`${base}/stats?lang=ru`);
    const w = await pageWidth();
    expect(w.scroll).toBeLessThanOrEqual(w.view);
    const chart = page.locator('figure.chart');
    expect(await chart.locator('figcaption').textContent()).toBeTruthy();
    const labels = await chart.locator('svg text').allTextContents();
    // The scale, a value per bar and the weeks under them.
    expect(labels).toContain('0');
    expect(labels.some((l) => /^\d{2}\.\d{2}$/.test(l))).toBe(true);
    const svg = await chart.locator('svg').boundingBox();
    expect(svg?.width ?? 999).toBeLessThanOrEqual(360);
  });

  it('/find carries the safety notice; the answer page gives its date and a way out', async () => {
    await page.goto(`${base}/find?lang=ru`);
    expect(await page.locator('.safety').textContent()).toContain('Tor Browser');
    await page.goto(`${base}/find/answer?lang=ru`);
    await page.getByLabel('Код запроса').fill(data.findCode);
    await Promise.all([
      page.waitForURL('**/find/answer'),
      page.getByRole('button', { name: 'Показать ответ' }).click(),
    ]);
    await page.locator('#answer').waitFor();
    const date = page.locator('#answer-date time');
    expect(await date.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await date.textContent()).toMatch(/\d{4}/);
    const exit = page.locator('#answer-exit');
    expect(await exit.getAttribute('href')).toBe('/?lang=ru');
    await Promise.all([page.waitForURL(`${base}/?lang=ru`), exit.click()]);
    expect(await page.content()).not.toContain(data.findCode.replace(/\s/g, ''));
  });
});
