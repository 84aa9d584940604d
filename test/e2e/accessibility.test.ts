import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { createEventBus, type EventBus } from '../../src/realtime/events.ts';
import { launchChromium } from '../browser.ts';
import { type ConsoleUser, consoleLogin } from '../console-helpers.ts';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  type LoggedIn,
  login,
  receiptFrom,
  submitWebRequest,
  type TestContext,
  type TestOperator,
} from '../helpers.ts';

/**
 * Every public page (without JavaScript, on a phone) and every console page (as the role that works
 * there) in a real Chromium, checked by axe: no serious or critical violation of WCAG 2.1 A/AA. One
 * server, one browser, one login per role; the data is made over the API first so the pages show
 * what they show in use (a thread with messages and a protocol, a record, a batch, an inquiry).
 */
let ctx: TestContext;
let consoleApp: FastifyInstance;
let events: EventBus;
let browser: Browser;
let base = '';
const contexts: BrowserContext[] = [];
const users: Partial<Record<'admin' | 'supervisor' | 'operator' | 'registrar' | 'liaison', ConsoleUser>> = {};
const data = { requestId: '', receipt: '', recordId: '', inquiryId: '', findCode: '' };

interface Finding {
  page: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}
const findings: Finding[] = [];
const checked: string[] = [];

async function check(page: Page, name: string): Promise<void> {
  // Transitions (modals, tabs, notifications) settle first: axe measures the colours on screen.
  await page.waitForTimeout(350);
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  checked.push(name);
  for (const v of result.violations)
    if (v.impact === 'serious' || v.impact === 'critical')
      findings.push({
        page: name,
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.slice(0, 8).map((n) => {
          const c = n.any[0]?.data as { fgColor?: string; bgColor?: string; contrastRatio?: number } | null;
          return `${n.target.join(' ')}${c?.fgColor ? ` (${c.fgColor} on ${c.bgColor}: ${c.contrastRatio})` : ''}`;
        }),
      });
}

async function api(s: LoggedIn, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  const res = await ctx.app.inject({
    method,
    url,
    headers: s.headers,
    ...(payload === undefined ? {} : { payload }),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res;
}

const asConsoleUser = (op: TestOperator): ConsoleUser => ({ ...op, lastStep: 0 });

beforeAll(async () => {
  // The API logins below move the server's (manual) clock; they happen a day back, and the clock is
  // set to the real time before each browser login, whose TOTP code comes from the real time.
  ctx = await createTestContext({ start: new Date(Date.now() - 86_400_000) });
  const admin = await createOperator(ctx, 'admin', { email: 'admin@example.org' });
  const grantKeyFrom = admin;
  const operator = await createOperator(ctx, 'operator', { grantKeyFrom, email: 'olena@example.org' });
  const supervisor = await createOperator(ctx, 'supervisor', { grantKeyFrom, email: 'sup@example.org' });
  const registrar = await createOperator(ctx, 'registrar', { grantKeyFrom, email: 'reg@example.org' });
  const liaison = await createOperator(ctx, 'liaison', { email: 'liaison@example.org' });
  Object.assign(users, {
    admin: asConsoleUser(admin),
    operator: asConsoleUser(operator),
    supervisor: asConsoleUser(supervisor),
    registrar: asConsoleUser(registrar),
    liaison: asConsoleUser(liaison),
  });

  // A request with a conversation, an internal note and a protocol under way.
  const first = await submitWebRequest(ctx, {
    category: 'serviceman_war_zone',
    message: 'Я под Покровском, хочу сдаться. Нас двое, один ранен.',
    name: 'Серый',
  });
  data.receipt = first.receipt;
  await submitWebRequest(ctx, { category: 'mobilized_home', message: 'Пришла повестка, что делать?' });
  await submitWebRequest(ctx, { lang: 'uk', category: 'relative', message: 'Шукаю сина, він у полоні?' });
  const found = await ctx.core.intake.findByReceipt(first.receipt);
  if (!found) throw new Error('no case');
  data.requestId = found.id;
  const op = await login(ctx, operator);
  await api(op, 'POST', `/api/requests/${found.id}/claim`, {});
  await api(op, 'POST', `/api/requests/${found.id}/replies`, {
    body: 'Мы на связи. Напишите, где вы сейчас и сколько вас.',
  });
  await api(op, 'POST', `/api/requests/${found.id}/notes`, { body: 'Проверить по позывному.' });

  // The registry: a camp, a prisoner in it, a batch; a relative asks for him.
  const reg = await login(ctx, registrar);
  const camp = (
    await api(reg, 'POST', '/api/pow/facilities', {
      name: 'Табір №1',
      kind: 'camp',
      address: 'Україна',
      capacity: 100,
    })
  ).json().item.id as string;
  const today = ctx.clock.now().toISOString().slice(0, 10);
  data.recordId = (
    await api(reg, 'POST', '/api/pow/records', {
      identity: {
        surname: { original: 'Ковалёв', latin: 'Kovalev' },
        firstNames: { original: 'Дмитрий', latin: 'Dmitrii' },
        rank: 'рядовой',
        dateOfBirth: '1994-03-12',
        fatherFirstName: 'Сергей',
        languages: ['ru'],
        unit: 'в/ч 12345',
        captureDate: today,
        capturePlace: 'Покровск',
        health: 'slightly_wounded',
        disclosureConsent: 'yes',
      },
      facilityId: camp,
      arrivedOn: today,
    })
  ).json().id as string;
  await api(await login(ctx, liaison), 'POST', '/api/pow/batches');
  const findForm = await ctx.app.inject({ method: 'GET', url: '/find?lang=ru' });
  const asked = await ctx.app.inject({
    method: 'POST',
    url: '/find',
    ...form({
      token: hiddenField(findForm.body, 'token'),
      lang: 'ru',
      surname: 'Kovalyov',
      firstNames: 'Dmitriy',
      dob: '1994',
      yourName: 'Анна',
      relationship: 'мать',
    }),
  });
  data.findCode = receiptFrom(asked.body);
  const inquiries = (await api(reg, 'GET', '/api/relatives/inquiries')).json() as {
    items: Array<{ id: string }>;
  };
  data.inquiryId = inquiries.items[0]?.id ?? '';

  events = createEventBus(ctx.dbUrl, ctx.core.log);
  consoleApp = await buildApp(ctx.core, {
    intakePerMinute: 6000,
    secureCookies: true,
    events,
    consoleDir: path.resolve(import.meta.dirname, '../../dist/console'),
    webhooks: [],
  });
  await consoleApp.listen({ host: '127.0.0.1', port: 0 });
  const addr = consoleApp.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await consoleApp?.close();
  await events?.close();
  await ctx?.close();
});

function report(): string {
  return findings
    .map((f) => `${f.page}: ${f.id} (${f.impact}) ${f.help}\n    ${f.targets.join('\n    ')}`)
    .join('\n');
}

describe('accessibility (axe, WCAG 2.1 AA)', () => {
  it('public pages, on a phone: no serious or critical violation', async () => {
    // axe runs as a script in the page, so JavaScript stays on; the pages are served the same either way.
    const context = await browser.newContext({
      locale: 'ru-RU',
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    contexts.push(context);
    const page = await context.newPage();
    const visit = async (url: string, name: string) => {
      const res = await page.goto(`${base}${url}`);
      expect(res?.status(), name).toBeLessThan(400);
      await check(page, name);
    };
    const submit = async (button: string, waitFor: string) => {
      await Promise.all([
        page.waitForURL(`**${waitFor}`),
        page.getByRole('button', { name: button }).click(),
      ]);
    };

    await visit('/?lang=ru', 'home (ru)');
    await visit('/?lang=uk', 'home (uk)');
    await visit('/?lang=en', 'home (en)');
    // A failed submit: the error summary at the top, the messages beside the fields.
    await page.goto(`${base}/?lang=ru`);
    await page.getByLabel('Военнослужащий в зоне боевых действий').check();
    await page.getByLabel('Ваше сообщение').fill('   ');
    await submit('Отправить', '/requests');
    await check(page, 'form after a validation error');
    // The receipt.
    await page.getByLabel('Ваше сообщение').fill('Хочу узнать, как это устроено.');
    await submit('Отправить', '/requests');
    await page.locator('#receipt-code').waitFor();
    await check(page, 'receipt');
    // Follow-up: the code form, then the thread with the questionnaire.
    await visit('/follow-up?lang=ru', 'follow-up form');
    await page.getByLabel('Код квитанции').fill(data.receipt);
    await submit('Открыть', '/follow-up');
    await page.locator('#questionnaire-heading').waitFor();
    await check(page, 'follow-up thread with questionnaire');
    // Relatives.
    await visit('/find?lang=ru', '/find');
    await visit('/find/answer?lang=ru', '/find/answer form');
    await page.getByLabel(/код/i).first().fill(data.findCode);
    await Promise.all([
      page.waitForURL('**/find/answer'),
      page.locator('form button[type="submit"]').first().click(),
    ]);
    await check(page, '/find/answer with the code');
    // Statistics and the knowledge base.
    await visit('/stats?lang=ru', '/stats');
    await visit('/kb?lang=ru', '/kb');
    const article = page.locator('main a[href^="/kb/"]').first();
    if (await article.count()) {
      await Promise.all([page.waitForURL('**/kb/**'), article.click()]);
      await check(page, 'knowledge article');
    }
    expect(findings, report()).toEqual([]);
  }, 120_000);

  it('console pages, each as the role that works there: no serious or critical violation', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
    contexts.push(context);
    const page = await context.newPage();
    const before = checked.length;
    await page.goto(`${base}/console/`);
    await page.getByTestId('login-email').waitFor();
    await check(page, 'console login');

    const as = async (role: keyof typeof users) => {
      const user = users[role];
      if (!user) throw new Error(role);
      await context.clearCookies();
      ctx.clock.set(new Date());
      await page.goto(`${base}/console/`);
      await consoleLogin(page, base, user);
    };
    const visit = async (url: string, name: string, ready?: string) => {
      await page.goto(`${base}/console${url}`);
      await page.getByTestId('whoami').waitFor();
      if (ready) await page.locator(ready).first().waitFor();
      await page
        .locator('main .mantine-Loader-root')
        .first()
        .waitFor({ state: 'detached', timeout: 10_000 })
        .catch(() => {});
      await check(page, name);
    };
    const tab = async (testId: string, name: string) => {
      await page.getByTestId(testId).click();
      await page.waitForLoadState('networkidle').catch(() => {});
      await check(page, name);
    };

    await as('operator');
    await visit('/', 'queue', '[data-testid^="queue-row-"]');
    await visit(
      `/requests/${data.requestId}`,
      'request (thread, protocol)',
      '[data-testid="thread-message"]',
    );
    await visit('/knowledge', 'knowledge');
    await visit('/settings', 'settings');
    await visit('/relatives', 'relatives desk (operator)');

    await as('supervisor');
    await visit('/supervisor', 'supervisor', '[data-testid="unassigned-count"]');
    await visit('/stats', 'statistics', 'canvas, svg');
    await visit(`/requests/${data.requestId}`, 'request (supervisor)', '[data-testid="thread-message"]');

    await as('registrar');
    await visit('/registry', 'registry dashboard', '[data-testid="registry-page"]');
    await visit('/registry/records', 'records');
    await visit(`/registry/records/${data.recordId}`, 'record', '[data-testid="record-ref"]');
    await visit('/registry/records/new', 'new record');
    await visit('/registry/facilities', 'facilities');
    await visit('/relatives', 'relatives desk');
    if (data.inquiryId) await visit(`/relatives/${data.inquiryId}`, 'inquiry');

    await as('liaison');
    await visit('/registry/batches', 'batches');

    await as('admin');
    await visit('/admin', 'admin: users and audit log', '[data-testid="admin-tab-accounts"]');
    await tab('admin-tab-protocol', 'admin: protocol');
    await tab('admin-tab-intake', 'admin: intake');
    await page.getByTestId('intake-strict').click({ force: true });
    await page.getByRole('dialog').waitFor();
    await check(page, 'admin: strict-mode confirmation');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await tab('admin-tab-phone', 'admin: phone line');
    await tab('admin-tab-organisation', 'admin: organisation');
    await visit('/supervisor', 'supervisor (admin: canned replies)');
    await visit('/knowledge', 'knowledge (admin, editor)');

    expect(findings, report()).toEqual([]);
    expect(checked.length - before).toBeGreaterThanOrEqual(25);
  }, 240_000);
});
