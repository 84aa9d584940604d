import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { launchChromium } from '../browser.ts';
import {
  addUser,
  type ConsoleUser,
  consoleLogin,
  eventually,
  nextTotp,
  screenshot,
  submitPublicRequest,
} from '../console-helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The protocol checklist in the operator console, in a real Chromium against the hotline as it runs:
 * an operator opens a serviceman's request, answers the questionnaire in the checklist beside the
 * thread, and (after the intermediate steps, done over the API for speed) sends the meeting
 * instructions with one click; the requester reads them at /follow-up. An admin previews a protocol
 * change and sees the diff, and a broken definition is refused with its problems listed. The console
 * speaks Ukrainian by default: visible texts come from its catalogue.
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
let olena: ConsoleUser;
const contexts: BrowserContext[] = [];
/** Uncaught script errors and CSP refusals in any console page: the test that caused them fails. */
const pageProblems: string[] = [];

async function consolePage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
      pageProblems.push(`console: ${m.text()}`);
  });
  await page.goto(`${server.url}/console/`);
  return page;
}

const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'admin@example.org', 'admin', 'admin protocol password');
  olena = await addUser(server, 'olena@example.org', 'operator', 'olena protocol password', {
    email: admin.email,
    password: admin.password,
  });
}, 120_000);

afterEach(() => {
  expect(pageProblems.splice(0)).toEqual([]);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

describe('protocol checklist in the console', () => {
  it('answers the questionnaire in the checklist and sends the meeting instructions in one click; the requester reads them', async () => {
    const receipt = await submitPublicRequest(server.url, {
      lang: 'ru',
      category: 'serviceman_war_zone',
      message: 'Я под Часовым Яром, хочу сдаться. Один.',
    });

    const page = await consolePage();
    await consoleLogin(page, server.url, olena);
    // Live updates carry the API-side changes below into the open checklist.
    await page.locator('[data-testid="live-status"][data-live="live"]').waitFor();
    const row = page.locator('[data-testid^="queue-row-"]').first();
    await row.waitFor();
    const id = ((await row.getAttribute('data-testid')) ?? '').slice('queue-row-'.length);
    await row.getByRole('link').click();
    await page.waitForURL(`**/console/requests/${id}`);
    await page.getByTestId('claim').click();
    await page.getByTestId('release').waitFor();

    // The checklist sits beside the thread: the questionnaire is the current (open) step, the rest
    // are collapsed, and the next action says which required answers are missing.
    const questionnaire = page.getByTestId('protocol-step-questionnaire');
    await page.locator('[data-testid="protocol-step-questionnaire"][data-state="current"]').waitFor();
    expect(await page.locator('[data-testid="protocol-step-meeting"][data-state="later"]').count()).toBe(1);
    expect(await page.getByTestId('protocol-answer-meeting-meeting_window').count()).toBe(0);
    expect(await page.getByTestId('protocol-next-action').getAttribute('data-action')).toMatch(/^answer:/);
    expect(await questionnaire.textContent()).toContain('Анкета');

    // Answer it in the checklist (as told on the phone), save, complete.
    const answer = (qid: string) => page.getByTestId(`protocol-answer-questionnaire-${qid}`);
    expect(await answer('call_name').getAttribute('data-answered')).toBe('false');
    await answer('call_name').getByRole('textbox').fill('Сокол');
    await answer('situation').getByRole('radio').first().check();
    await answer('language').getByRole('radio').first().check();
    await answer('contact').getByRole('radio').first().check();
    await answer('birth_year').getByRole('textbox').fill('1890'); // out of range: refused per question
    await page.getByTestId('protocol-save-questionnaire').click();
    await answer('birth_year')
      .getByText(uk.protocol.answerErrors.between.split('{{')[0] as string)
      .waitFor();
    expect(await answer('call_name').getAttribute('data-answered')).toBe('false');
    await answer('birth_year').getByRole('textbox').fill('1994');
    await page.getByTestId('protocol-save-questionnaire').click();
    await page
      .locator('[data-testid="protocol-answer-questionnaire-call_name"][data-answered="true"]')
      .waitFor();
    expect(await answer('call_name').textContent()).toContain(uk.protocol.by.operator);
    expect(await answer('call_name').getByRole('textbox').inputValue()).toBe('Сокол');
    await page.getByTestId('protocol-complete-questionnaire').click();
    await page.locator('[data-testid="protocol-step-questionnaire"][data-state="done"]').waitFor();
    await page.locator('[data-testid="protocol-step-screening"][data-state="current"]').waitFor();

    // Completing a step with required answers missing is refused, with the questions named and marked
    // beside them.
    const screening = (qid: string) => page.getByTestId(`protocol-answer-screening-${qid}`);
    await page.getByTestId('protocol-complete-screening').click();
    const missing = page.getByTestId('protocol-missing-screening');
    await missing.waitFor();
    expect(await missing.locator('li').count()).toBe(2);
    expect(await screening('consistency').textContent()).toContain(uk.protocol.answerErrors.required);
    expect(await screening('probe_suspected').textContent()).toContain(uk.protocol.answerErrors.required);

    // One action: what is typed is saved with the completion. Half-answered, the refusal names only
    // the question still missing, keeps what was typed, and saved nothing (all or nothing).
    await screening('consistency').getByRole('radio').first().check();
    await screening('operator_note').getByRole('textbox').fill('Говорит уверенно');
    await page.getByTestId('protocol-complete-saves-screening').waitFor();
    await page.getByTestId('protocol-complete-screening').click();
    await eventually(
      () => missing.locator('li').count(),
      (n) => n === 1,
    );
    expect(await screening('probe_suspected').textContent()).toContain(uk.protocol.answerErrors.required);
    expect(await screening('consistency').textContent()).not.toContain(uk.protocol.answerErrors.required);
    expect(await screening('consistency').getByRole('radio').first().isChecked()).toBe(true);
    expect(await screening('operator_note').getByRole('textbox').inputValue()).toBe('Говорит уверенно');
    expect(await screening('consistency').getAttribute('data-answered')).toBe('false');
    // The last answer, then a single click completes the step: no "Save answers" first.
    await screening('probe_suspected').getByRole('radio', { name: uk.app.no }).check();
    await page.getByTestId('protocol-complete-screening').click();
    await page.locator('[data-testid="protocol-step-screening"][data-state="done"]').waitFor();
    await page.locator('[data-testid="protocol-step-verification"][data-state="current"]').waitFor();
    await page.getByTestId('protocol-toggle-screening').click();
    await page
      .locator('[data-testid="protocol-answer-screening-consistency"][data-answered="true"]')
      .waitFor();
    expect(await screening('operator_note').getByRole('textbox').inputValue()).toBe('Говорит уверенно');
    expect(await screening('probe_suspected').getAttribute('data-answered')).toBe('true');

    // Screening, verification and contact from the front: over the API the console uses (faster).
    const api = await apiLogin(server.url, olena.email, olena.password, await nextTotp(olena));
    const put = async (step: string, answers: Record<string, unknown>) => {
      const r = await fetch(`${server.url}/api/requests/${id}/protocol/steps/${step}/answers`, {
        method: 'PUT',
        headers: api.headers,
        body: JSON.stringify({ answers }),
      });
      expect(r.status, await r.clone().text()).toBe(200);
    };
    const complete = async (step: string) => {
      const r = await api.post(`/api/requests/${id}/protocol/steps/${step}/complete`, {});
      expect(r.status, await r.clone().text()).toBe(200);
    };
    // Over the API too, the answers may come with the completion.
    const r = await api.post(`/api/requests/${id}/protocol/steps/verification/complete`, {
      answers: { verification_method: 'callback', verified: true },
    });
    expect(r.status, await r.clone().text()).toBe(200);
    await complete('front_contact');
    const start = new Date(Date.now() + 5 * 3_600_000);
    await put('meeting', {
      meeting_window: {
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_600_000).toISOString(),
      },
      meeting_point: 'лесополоса у дороги',
      group_size_confirmed: 1,
    });

    // The open checklist follows by itself (live events): the meeting step is current, its answers
    // are in, and the next action is to send its instructions.
    await page
      .locator('[data-testid="protocol-step-meeting"][data-state="current"]')
      .waitFor({ timeout: 10_000 });
    await page
      .locator('[data-testid="protocol-next-action"][data-action="send-instructions:meeting"]')
      .waitFor();
    expect(
      await page.getByTestId('protocol-answer-meeting-meeting_point').getByRole('textbox').inputValue(),
    ).toBe('лесополоса у дороги');
    // The text that will be sent is shown first, in the requester's language (Russian).
    const instructions = page.getByTestId('protocol-instructions-meeting');
    expect(await instructions.getAttribute('lang')).toBe('ru');
    const text = squash(await instructions.textContent());
    expect(text).toMatch(/дрон/i);

    // One click.
    await page.getByTestId('protocol-send-meeting').click();
    await page.getByTestId('protocol-sent-meeting').waitFor();
    const sent = page
      .locator('[data-testid="thread-message"][data-direction="out"]')
      .filter({ hasText: text.slice(0, 40) });
    await sent.waitFor();
    // The checklist from its top (next action, ticked steps, the open one); the thread shows the sent text.
    await page.evaluate(
      'window.scrollTo(0, 0); document.querySelector(\'[data-testid="protocol-column"]\').scrollTop = 0',
    );
    await screenshot(page, 'console-protocol.png');

    // Completing the step moves the case on.
    await page.getByTestId('protocol-complete-meeting').click();
    await page.locator('[data-testid="protocol-step-meeting"][data-state="done"]').waitFor();
    await page.getByText(uk.status.meeting_agreed, { exact: true }).first().waitFor();

    // The requester (no JavaScript) comes back with the receipt and reads exactly those instructions.
    const requesterContext = await browser.newContext({ javaScriptEnabled: false, locale: 'ru-RU' });
    contexts.push(requesterContext);
    const requester = await requesterContext.newPage();
    await requester.goto(`${server.url}/follow-up?lang=ru`);
    await requester.getByLabel('Код квитанции').fill(receipt);
    await Promise.all([
      requester.waitForURL('**/follow-up'),
      requester.getByRole('button', { name: 'Открыть' }).click(),
    ]);
    const replies = (await requester.locator('.msg.theirs .body').allTextContents()).map(squash);
    expect(replies).toContain(text);
  }, 120_000);

  it('an admin previews a protocol change and sees the diff; a broken definition lists its problems', async () => {
    const page = await consolePage();
    await consoleLogin(page, server.url, admin);
    await page.getByRole('link', { name: uk.nav.admin }).click();
    await page.waitForURL('**/console/admin');
    await page.getByTestId('admin-tab-protocol').click();
    const json = page.getByTestId('protocol-json');
    await eventually(
      () => json.inputValue(),
      (v) => v.includes('"steps"'),
    );
    const current = JSON.parse(await json.inputValue()) as {
      version: string;
      steps: Array<{ id: string; title: Record<string, string> }>;
    };
    expect(await page.getByTestId('protocol-current-version').textContent()).toContain(current.version);
    await page.getByTestId('protocol-versions').getByText(current.version).waitFor();

    // Change one title, take the next version number, preview.
    const meeting = current.steps.find((s) => s.id === 'meeting');
    if (!meeting) throw new Error('no meeting step');
    meeting.title.uk = 'Час, місце і кодове слово';
    await json.fill(JSON.stringify(current, null, 2));
    expect(await page.getByTestId('protocol-publish').isDisabled()).toBe(true);
    await page.getByTestId('protocol-bump').click();
    expect(JSON.parse(await json.inputValue()).version).not.toBe(current.version);
    await page.getByTestId('protocol-preview').click();
    const diff = page.getByTestId('protocol-diff');
    await diff.waitFor();
    expect(await diff.locator('li').allTextContents()).toEqual(['~step meeting: title changed']);
    expect(await page.getByTestId('protocol-publish').isEnabled()).toBe(true);

    // A duplicate step id: refused as a whole, the problem shown with its path.
    const broken = JSON.parse(await json.inputValue()) as { steps: Array<{ id: string }> };
    (broken.steps[1] as { id: string }).id = 'questionnaire';
    await json.fill(JSON.stringify(broken, null, 2));
    await page.getByTestId('protocol-preview').click();
    const issues = page.getByTestId('protocol-issues');
    await issues.waitFor();
    expect(await issues.textContent()).toContain('duplicate step id "questionnaire"');
    expect(await issues.textContent()).toContain('steps.1');
    expect(await page.getByTestId('protocol-publish').isDisabled()).toBe(true);

    // Nothing was published: still the one version.
    expect(await page.getByTestId('protocol-versions').locator('tbody tr').count()).toBe(1);
  });
});
