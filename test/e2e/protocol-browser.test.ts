import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser.ts';
import { totpSecretOf, totpSequence } from '../helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The surrender protocol end to end: a serviceman fills in the questionnaire on the web with
 * JavaScript off, in Russian; the operator sees his answers, verifies, agrees a meeting and sends the
 * instructions; he reads them at /follow-up; the case reaches in_custody.
 */
let server: ServerProcess;
let browser: Browser;
let secret = '';

const PASSWORD = 'protocol e2e password';
const nextTotp = totpSequence(() => secret);

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  const add = await server.cli(
    ['user', 'add', '--email', 'op@example.org', '--role', 'admin', '--password-stdin'],
    PASSWORD,
  );
  expect(add.code, add.stderr).toBe(0);
  secret = totpSecretOf(/otpauth:\/\/\S+/.exec(add.stdout)?.[0] as string);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

describe('surrender protocol, requester without JavaScript', () => {
  it('questionnaire → verification → meeting → instructions read → in custody', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ru-RU' });
    const page = await context.newPage();
    await page.goto(`${server.url}/?lang=ru`);
    await page.getByLabel('Военнослужащий в зоне боевых действий').check();
    await page.getByLabel('Ваше сообщение').fill('Хочу сдаться, я под Бахмутом.');
    await Promise.all([
      page.waitForURL('**/requests'),
      page.getByRole('button', { name: 'Отправить' }).click(),
    ]);
    const receipt = ((await page.locator('#receipt-code').textContent()) ?? '').trim();

    await page.goto(`${server.url}/follow-up?lang=ru`);
    await page.getByLabel('Код квитанции').fill(receipt);
    await Promise.all([
      page.waitForURL('**/follow-up'),
      page.getByRole('button', { name: 'Открыть' }).click(),
    ]);
    expect(await page.locator('#questionnaire-heading').textContent()).toBe('Анкета');

    // The questionnaire step: fill the fields a serviceman would.
    const form = page.locator('form.step').first();
    const labels = await form.locator('label, legend').allTextContents();
    expect(labels.length).toBeGreaterThan(5);
    await form.locator('input[name="a.call_name"]').fill('Серый');
    await form.locator('input[name="a.situation"]').first().check();
    await form.locator('input[name="a.language"][value="ru"]').check();
    await form.locator('input[name="a.contact"][value="web"]').check();
    await form.locator('input[name="a.group_size"]').fill('2');
    await Promise.all([
      page.waitForURL('**/follow-up/answers'),
      form.getByRole('button', { name: 'Сохранить ответы' }).click(),
    ]);
    expect(await page.getByRole('status').textContent()).toBe('Ваши ответы сохранены.');

    // The operator's side, over the API the console uses.
    const api = await apiLogin(server.url, 'op@example.org', PASSWORD, nextTotp());
    const queue = (await (await api.get('/api/requests')).json()) as { items: Array<{ id: string }> };
    const id = queue.items[0]?.id as string;
    const checklist = (await (await api.get(`/api/requests/${id}/protocol`)).json()) as {
      steps: Array<{
        id: string;
        questions: Array<{ id: string; answer: unknown; answeredBy: string | null }>;
      }>;
    };
    const q = Object.fromEntries((checklist.steps[0]?.questions ?? []).map((x) => [x.id, x]));
    expect(q.call_name).toMatchObject({ answer: 'Серый', answeredBy: 'requester' });
    expect(q.group_size).toMatchObject({ answer: 2, answeredBy: 'requester' });

    const complete = async (stepId: string) => {
      const r = await api.post(`/api/requests/${id}/protocol/steps/${stepId}/complete`, {});
      expect(r.status, `${stepId}: ${await r.clone().text()}`).toBe(200);
      return ((await r.json()) as { request: { status: string } }).request.status;
    };
    const answer = async (stepId: string, answers: Record<string, unknown>) => {
      const r = await fetch(`${server.url}/api/requests/${id}/protocol/steps/${stepId}/answers`, {
        method: 'PUT',
        headers: api.headers,
        body: JSON.stringify({ answers }),
      });
      expect(r.status, await r.clone().text()).toBe(200);
    };
    expect(await complete('questionnaire')).toBe('new');
    await answer('screening', { consistency: 'consistent', probe_suspected: false });
    expect(await complete('screening')).toBe('screening');
    await answer('verification', {
      verification_method: 'callback',
      verified: true,
      unit: '3-я мотострелковая',
    });
    expect(await complete('verification')).toBe('verified');
    expect(await complete('front_contact')).toBe('awaiting_front_contact');
    const start = new Date(Date.now() + 6 * 3_600_000);
    await answer('meeting', {
      meeting_window: {
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_600_000).toISOString(),
      },
      meeting_point: 'лесополоса у дороги',
      group_size_confirmed: 2,
      code_word: 'Ромашка',
    });
    const sent = await api.post(`/api/requests/${id}/protocol/steps/meeting/send-instructions`, {});
    expect(sent.status).toBe(201);
    expect(await complete('meeting')).toBe('meeting_agreed');

    // He comes back and reads the instructions, in Russian.
    await page.goto(`${server.url}/follow-up?lang=ru`);
    await page.getByLabel('Код квитанции').fill(receipt);
    await Promise.all([
      page.waitForURL('**/follow-up'),
      page.getByRole('button', { name: 'Открыть' }).click(),
    ]);
    const replies = (await page.locator('.msg.theirs .body').allTextContents()).join('\n');
    expect(replies).toMatch(/бел/i);
    expect(replies).toMatch(/дрон/i);

    expect(await complete('execution')).toBe('in_progress');
    await answer('custody', {
      confirmed_by: 'unit_report',
      custody_date: new Date().toISOString().slice(0, 10),
    });
    expect(await complete('custody')).toBe('in_custody');
    await context.close();
  });
});
