import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../console/src/i18n/en.ts';
import { readDateTime, readDay, showDateTime, showDay } from '../../console/src/lib/date-input.ts';
import { launchChromium } from '../browser.ts';
import {
  addUser,
  type ConsoleUser,
  consoleLogin,
  nextTotp,
  submitPublicRequest,
} from '../console-helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * Console date fields in a browser whose own locale is American (issue #14): the browser's date picker
 * would show 03/05/2025 for the 5th of March and take what is typed month first. The console's fields
 * show and take dates as the rest of the console shows them — day first, in the operator's interface
 * language (English: 05/03/2025) — whatever the browser's locale.
 */
let server: ServerProcess;
let browser: Browser;
let context: BrowserContext;
let registrar: ConsoleUser;
let olena: ConsoleUser;
let recordId: string;
let api: Awaited<ReturnType<typeof apiLogin>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  const admin = await addUser(server, 'admin@example.org', 'admin', 'admin dates password');
  const grantBy = { email: admin.email, password: admin.password };
  [registrar, olena] = await Promise.all([
    addUser(server, 'registrar@example.org', 'registrar', 'registrar dates password', grantBy),
    addUser(server, 'olena@example.org', 'operator', 'olena dates password', grantBy),
  ]);
  api = await apiLogin(server.url, registrar.email, registrar.password, await nextTotp(registrar));
  const rec = await api.post('/api/pow/records', {
    identity: {
      surname: { original: '김', latin: 'Kim' },
      firstNames: { original: '철수', latin: 'Cheol-su' },
      powerDependedOn: 'DPRK',
      languages: ['ko'],
      captureDate: '2025-02-20',
      health: 'good_health',
      disclosureConsent: 'unknown',
    },
  });
  expect(rec.status, await rec.clone().text()).toBe(201);
  recordId = ((await rec.json()) as { id: string }).id;
  context = await browser.newContext({
    viewport: { width: 1366, height: 900 },
    locale: 'en-US',
    timezoneId: 'America/New_York',
  });
  // the operator chose English for the console (it is kept in localStorage)
  await context.addInitScript(() => localStorage.setItem('wf.console.lang', 'en'));
}, 120_000);

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

async function events(): Promise<Array<{ type: string; occurredOn: string }>> {
  const r = await api.get(`/api/pow/records/${recordId}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { item: { events: Array<{ type: string; occurredOn: string }> } }).item.events;
}

describe('console date fields in an en-US browser', () => {
  it('show and take a registry event date day first, and refuse a month-first one', async () => {
    const page: Page = await context.newPage();
    expect(await page.evaluate(() => navigator.language)).toBe('en-US');
    await consoleLogin(page, server.url, registrar);
    await page.goto(`${server.url}/console/registry/records/${recordId}`);
    await page.getByTestId('record-event-open').click();
    await page.getByTestId('record-event-type').click();
    await page.getByRole('option', { name: en.pow.eventType.health_report }).click();
    await page.getByTestId('record-event-report').fill('Examined; no complaints.');

    const form = page.getByTestId('record-event-form');
    const date = form.getByLabel(en.registry.record.events.occurredOn);
    expect(await date.getAttribute('type')).toBe('text');
    expect(await date.getAttribute('placeholder')).toBe('DD/MM/YYYY');
    // today, as the console shows days in English: day first
    const today = new Date().toISOString().slice(0, 10).split('-').reverse().join('/');
    expect(await date.inputValue()).toBe(today);

    // What the en-US picker would have meant: 15 March written month first. There is no month 15: refused.
    await date.fill('03/15/2025');
    await date.blur();
    const unreadable = en.dateInput.unreadable.replace('{{pattern}}', 'DD/MM/YYYY');
    await form.getByText(unreadable).waitFor();
    await page.getByTestId('record-event-submit').click();
    await form.getByText(unreadable).waitFor();
    expect((await events()).filter((e) => e.type === 'health_report')).toEqual([]);

    // 5 March 2025, typed day first with the keyboard
    await date.fill('');
    await date.pressSequentially('5/3/2025');
    await date.press('Tab');
    expect(await date.inputValue()).toBe('05/03/2025');
    expect(await form.getByText(unreadable).count()).toBe(0);
    await page.getByTestId('record-event-submit').click();
    const shown = page.getByTestId('record-event-health_report');
    await shown.waitFor();
    expect(await shown.locator('.wf-timeline-date').textContent()).toBe('05/03/2025');
    const stored = (await events()).filter((e) => e.type === 'health_report');
    expect(stored.map((e) => e.occurredOn)).toEqual(['2025-03-05']);

    // a date after today is refused at the field, as the picker's `max` did
    await page.getByTestId('record-event-open').click();
    await page.getByTestId('record-event-type').click();
    await page.getByRole('option', { name: en.pow.eventType.health_report }).click();
    const next = page.getByTestId('record-event-form').getByLabel(en.registry.record.events.occurredOn);
    await next.fill('01/01/2099');
    await next.blur();
    await page.getByText(en.dateInput.notAfter.replace('{{date}}', today)).waitFor();
    await page.close();
  });

  it('take the meeting window day first and 24-hour, in hotline (Kyiv) time', async () => {
    await submitPublicRequest(server.url, {
      lang: 'ru',
      category: 'serviceman_war_zone',
      message: 'Я под Часовым Яром, хочу сдаться. Один.',
    });
    const page: Page = await context.newPage();
    await consoleLogin(page, server.url, olena);
    const row = page.locator('[data-testid^="queue-row-"]').first();
    await row.waitFor();
    const id = ((await row.getAttribute('data-testid')) ?? '').slice('queue-row-'.length);
    await row.getByRole('link').click();
    await page.waitForURL(`**/console/requests/${id}`);
    await page.getByTestId('claim').click();
    await page.getByTestId('release').waitFor();
    await page.getByTestId('protocol-toggle-meeting').click();
    const meetingWindow = page.getByTestId('protocol-answer-meeting-meeting_window');
    const start = meetingWindow.getByLabel(en.protocol.windowStart);
    const end = meetingWindow.getByLabel(en.protocol.windowEnd);
    expect(await start.getAttribute('placeholder')).toBe('DD/MM/YYYY HH:MM');

    // tomorrow (in Kyiv), 2:30 pm to 4 pm, typed as an operator here writes it
    const tomorrow = new Date(Date.now() + 86_400_000);
    const kyivDay = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Kyiv',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
    }).format(tomorrow);
    await start.fill(`${kyivDay} 14:30`);
    await end.fill(`${kyivDay} 16.00`);
    await end.blur();
    expect(await end.inputValue()).toBe(`${kyivDay}, 16:00`);
    await page.getByTestId('protocol-save-meeting').click();
    await page
      .locator('[data-testid="protocol-answer-meeting-meeting_window"][data-answered="true"]')
      .waitFor();

    const ops = await apiLogin(server.url, olena.email, olena.password, await nextTotp(olena));
    const protocol = (await (await ops.get(`/api/requests/${id}/protocol`)).json()) as {
      steps: Array<{ id: string; questions: Array<{ id: string; answer: unknown }> }>;
    };
    const stored = protocol.steps
      .find((s) => s.id === 'meeting')
      ?.questions.find((q) => q.id === 'meeting_window')?.answer as { start: string; end: string };
    const inKyiv = (iso: string) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Kyiv',
        hourCycle: 'h23',
        day: '2-digit',
        month: '2-digit',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(iso));
    expect(inKyiv(stored.start)).toBe(`${kyivDay}, 14:30`);
    expect(inKyiv(stored.end)).toBe(`${kyivDay}, 16:00`);
    // shown back the same way after a reload (not in the browser's New York time)
    await page.reload();
    await page.getByTestId('protocol-toggle-meeting').click();
    expect(
      await page
        .getByTestId('protocol-answer-meeting-meeting_window')
        .getByLabel(en.protocol.windowStart)
        .inputValue(),
    ).toBe(`${kyivDay}, 14:30`);
    await page.close();
  });
});

describe('reading and showing typed dates', () => {
  it('reads day first in every written form and shows what the rest of the console shows', () => {
    for (const typed of [
      '05.03.2025',
      '5/3/2025',
      '05-03-2025',
      '2025-03-05',
      '2025-3-5',
      ' 05 . 03 . 2025 ',
    ]) {
      expect(readDay(typed), typed).toBe('2025-03-05');
    }
    for (const typed of ['03/15/2025', '2025-03', '03.2025', '31.02.2025', 'yesterday', '']) {
      expect(readDay(typed), typed).toBeNull();
    }
    expect(showDay('2025-03-05', 'en')).toBe('05/03/2025');
    expect(showDay('2025-03-05', 'uk')).toBe('05.03.2025');
    for (const typed of ['05.03.2025 14:30', '05/03/2025, 14:30', '5.3.2025 14.30', '2025-03-05T14:30']) {
      expect(readDateTime(typed), typed).toBe('2025-03-05T14:30');
    }
    expect(readDateTime('05.03.2025 9:05')).toBe('2025-03-05T09:05');
    for (const typed of ['05.03.2025 24:00', '05.03.2025 2:30 PM', '05.03.2025', '03/15/2025 10:00']) {
      expect(readDateTime(typed), typed).toBeNull();
    }
    // 24-hour, wall-clock as given (the meeting window is in hotline time, whatever the browser's zone)
    expect(showDateTime('2025-03-05T14:30', 'en')).toBe('05/03/2025, 14:30');
    expect(showDateTime('2025-03-05T00:05', 'uk')).toBe('05.03.2025, 00:05');
    expect(readDateTime(showDateTime('2025-03-05T14:30', 'en'))).toBe('2025-03-05T14:30');
  });
});
