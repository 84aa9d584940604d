import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { buildApp } from '../../src/app.ts';
import { createEventBus, type EventBus } from '../../src/realtime/events.ts';
import { launchChromium } from '../browser.ts';
import { type ConsoleUser, consoleLogin, screenshot } from '../console-helpers.ts';
import { createOperator, createTestContext, submitWebRequest, type TestContext } from '../helpers.ts';

/**
 * Issue #15 in a real Chromium, in Ukrainian: the queue shows the first words of each request; an
 * operator suggests a reply she wrote as a canned reply and a supervisor approves it into the list;
 * the strict-mode switch asks before it changes anything; the audit log reads as sentences.
 */
let ctx: TestContext;
let consoleApp: FastifyInstance;
let events: EventBus;
let browser: Browser;
let base = '';
const contexts: BrowserContext[] = [];
let olena: ConsoleUser;
let sofia: ConsoleUser;
let admin: ConsoleUser;
let requestId = '';

const FIRST_WORDS = 'Я під Покровськом, хочу здатися.';

async function consolePage(user: ConsoleUser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'uk-UA' });
  contexts.push(context);
  const page = await context.newPage();
  // The server's clock is the test's: set it to the real time so the TOTP code is accepted.
  ctx.clock.set(new Date());
  await consoleLogin(page, base, user);
  return page;
}

beforeAll(async () => {
  ctx = await createTestContext();
  const a = await createOperator(ctx, 'admin', { email: 'admin@example.org' });
  admin = { ...a, lastStep: 0 };
  olena = {
    ...(await createOperator(ctx, 'operator', { grantKeyFrom: a, email: 'olena@example.org' })),
    lastStep: 0,
  };
  sofia = {
    ...(await createOperator(ctx, 'supervisor', { grantKeyFrom: a, email: 'sofia@example.org' })),
    lastStep: 0,
  };
  const { receipt } = await submitWebRequest(ctx, {
    lang: 'uk',
    category: 'serviceman_war_zone',
    message: `${FIRST_WORDS} Нас двоє, один поранений у ногу, зв'язок тільки вночі, пишіть коротко, будь ласка.`,
  });
  requestId = (await ctx.core.intake.findByReceipt(receipt))?.id ?? '';
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

describe('issue #15 in the console', () => {
  it('previews the request in the queue; a reply suggested by an operator becomes a canned reply once a supervisor approves it', async () => {
    const page = await consolePage(olena);
    const row = page.getByTestId(`queue-row-${requestId}`);
    const preview = row.getByTestId('queue-preview');
    await preview.waitFor();
    const text = (await preview.textContent()) ?? '';
    expect(text.startsWith(FIRST_WORDS)).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    await screenshot(page, 'console-queue-preview.png');

    // She answers, and offers her reply for the canned list.
    await row.getByRole('link').first().click();
    await page.getByTestId('claim').click();
    await page.getByTestId('release').waitFor();
    const reply = 'Ми на зв’язку. Напишіть, коли зможете говорити, і скільки вас буде.';
    await page.getByTestId('reply-input').fill(reply);
    await page.getByTestId('canned-suggest').click();
    const dialog = page.getByRole('dialog', { name: uk.supervisor.canned.suggestTitle });
    await dialog.waitFor();
    expect(await dialog.getByTestId('canned-body').inputValue()).toBe(reply);
    await dialog.getByTestId('canned-title').fill('На зв’язку');
    await dialog.getByRole('button', { name: uk.supervisor.canned.suggest }).click();
    await page.getByText(uk.supervisor.canned.suggested).waitFor();
    // Not in her list until approved.
    await page.getByTestId('canned-select').click();
    expect(await page.getByRole('option', { name: 'На зв’язку' }).count()).toBe(0);
    await page.keyboard.press('Escape');

    // The supervisor reviews it, shortens the title, approves.
    const lead = await consolePage(sofia);
    await lead.goto(`${base}/console/supervisor`);
    const suggestion = lead.getByTestId('canned-suggestion-На зв’язку');
    await suggestion.waitFor();
    expect(await suggestion.textContent()).toContain(olena.email);
    await screenshot(lead, 'console-canned-suggestions.png');
    await suggestion.getByTestId('canned-suggestion-review').click();
    const review = lead.getByRole('dialog', { name: uk.supervisor.canned.reviewTitle });
    await review.getByTestId('canned-title').fill('Ми на зв’язку');
    await review.getByRole('button', { name: uk.supervisor.canned.approve }).click();
    await lead.getByText(uk.supervisor.canned.approved).waitFor();
    await lead.getByTestId('canned-suggestions').getByText(uk.supervisor.canned.noSuggestions).waitFor();
    // The list switches to the approved reply's language.
    await lead
      .getByTestId('canned-table')
      .getByRole('cell', { name: 'Ми на зв’язку', exact: true })
      .waitFor();

    // Now the operator can insert it.
    await page.reload();
    await page.getByTestId('canned-select').click();
    await page.getByRole('option', { name: 'Ми на зв’язку' }).waitFor();
  }, 180_000);

  it('asks before switching strict mode, and the audit log reads as words with links and filters', async () => {
    const page = await consolePage(admin);
    await page.goto(`${base}/console/admin`);
    await page.getByTestId('admin-tab-intake').click();
    const strict = page.getByTestId('intake-strict');
    const state = page.getByTestId('intake-state');
    await state.waitFor();
    expect(await state.getAttribute('data-strict')).toBe('false');

    // Cancelled: nothing changes.
    await strict.click({ force: true });
    const confirmOn = page.getByRole('dialog', { name: uk.admin.intake.confirmOnTitle });
    await confirmOn.getByText(uk.admin.intake.confirmOn).waitFor();
    await screenshot(page, 'console-strict-mode-confirm.png');
    await confirmOn.getByRole('button', { name: uk.app.cancel }).click();
    await confirmOn.waitFor({ state: 'detached' });
    expect(await state.getAttribute('data-strict')).toBe('false');

    // Confirmed: on; and off again, asked again.
    await strict.click({ force: true });
    const again = page.getByRole('dialog', { name: uk.admin.intake.confirmOnTitle });
    await again.getByTestId('confirm').click();
    await again.waitFor({ state: 'detached' });
    await expect.poll(() => state.getAttribute('data-strict')).toBe('true');
    await strict.click({ force: true });
    const confirmOff = page.getByRole('dialog', { name: uk.admin.intake.confirmOffTitle });
    await confirmOff.getByText(uk.admin.intake.confirmOff).waitFor();
    await confirmOff.getByTestId('confirm').click();
    await expect.poll(() => state.getAttribute('data-strict')).toBe('false');

    // The audit log: sentences, people by e-mail, the subject as a link, details as labelled fields.
    await page.getByTestId('admin-tab-accounts').click();
    const rows = page.getByTestId('audit-row');
    await rows.first().waitFor();
    const approve = page.locator('[data-testid="audit-row"][data-action="canned.suggestion_approve"]');
    await approve.waitFor();
    expect(await approve.getByTestId('audit-event').textContent()).toBe(
      uk.admin.audit.actions.canned_suggestion_approve,
    );
    expect(await approve.getByTestId('audit-actor').textContent()).toBe(sofia.email);
    const target = approve.getByTestId('audit-target');
    expect(await target.getAttribute('href')).toBe('/console/supervisor');
    const details = (await approve.getByTestId('audit-details').textContent()) ?? '';
    expect(details).toContain(uk.admin.audit.fields.suggestedBy);
    expect(details).toContain(olena.email);
    expect(details).not.toContain('{');
    const preview = page.locator('[data-testid="audit-row"][data-action="request.preview"]').first();
    expect(await preview.getByTestId('audit-target').getAttribute('href')).toBe(
      `/console/requests/${requestId}`,
    );
    expect(await page.getByTestId('audit-table').textContent()).not.toMatch(
      /\b(auth\.login|request\.decrypt)\b/,
    );

    // Filter by event (chosen by its name) and by date.
    await page.getByTestId('audit-filter-event').click();
    await page.getByRole('option', { name: uk.admin.audit.actions.settings_intake }).click();
    await page.getByTestId('audit-filter-apply').click();
    await expect
      .poll(async () => [...new Set(await rows.evaluateAll((els) => els.map((e) => e.dataset.action)))])
      .toEqual(['settings.intake']);
    expect(await rows.count()).toBe(2);
    await screenshot(page, 'console-audit-log.png');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByTestId('audit-filter-from').fill(tomorrow);
    await page.getByTestId('audit-filter-apply').click();
    await page.getByText(uk.admin.audit.empty).waitFor();
  }, 180_000);
});
