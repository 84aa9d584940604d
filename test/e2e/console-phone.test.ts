import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { launchChromium } from '../browser.ts';
import { addUser, type ConsoleUser, consoleLogin, eventually, screenshot } from '../console-helpers.ts';
import { startFakeTwilio } from '../fakes/twilio.ts';
import { createCallPlayer } from '../fakes/twilio-calls.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The console's call panel in a real Chromium against the hotline as it runs, with Twilio pointed at the
 * local fake (`TWILIO_API_BASE`): the operator sets their phone and becomes available, a call comes in
 * and the panel shows it while their phone rings; they take it by pressing 1; the case shows the call,
 * and "Call back" makes the server ring their phone and dial the requester — whose number never reaches
 * the browser or the server's output.
 */
let server: ServerProcess;
let browser: Browser;
let fake: Awaited<ReturnType<typeof startFakeTwilio>>;
let admin: ConsoleUser;
let olena: ConsoleUser;
const HOTLINE = '+15550001111';
const OP_PHONE = '+15550002222';
const CALLER = '+79161234987';

beforeAll(async () => {
  fake = await startFakeTwilio({ ownedNumbers: [HOTLINE] });
  [server, browser] = await Promise.all([
    startServerProcess({
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_FROM: HOTLINE,
      TWILIO_API_BASE: fake.url,
    }),
    launchChromium(),
  ]);
  admin = await addUser(server, 'admin@example.org', 'admin', 'phone e2e admin password');
  olena = await addUser(server, 'olena@example.org', 'operator', 'phone e2e olena password', {
    email: admin.email,
    password: admin.password,
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
  await fake?.close();
});

async function consolePage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'uk-UA' });
  return context.newPage();
}

describe('call panel', () => {
  it('availability → incoming-call notice while my phone rings → taken → the call in the case → Call back', async () => {
    const page = await consolePage();
    await consoleLogin(page, server.url, olena);
    const panel = page.getByTestId('call-panel');
    await panel.waitFor();
    expect(await page.getByTestId('call-availability').textContent()).toBe(uk.phone.stateBusy);
    await page.getByTestId('my-phone').fill(OP_PHONE);
    await page.getByTestId('my-phone-save').click();
    await panel.getByText(uk.phone.myPhoneSet).waitFor();
    // A click, not check(): the switch follows the server's answer, which may take a moment under load.
    await page.getByTestId('call-available').click({ force: true });
    await eventually(
      () => page.getByTestId('call-availability').textContent(),
      (v) => v === uk.phone.stateAvailable,
    );
    expect(await page.getByTestId('call-availability').textContent()).toBe(uk.phone.stateAvailable);
    await screenshot(page, 'phone-panel-available.png');

    // A soldier calls, chooses Russian, then "operator".
    const player = createCallPlayer(fake, { appUrl: server.url, hotline: HOTLINE });
    const t0 = Date.now();
    const call = await player.dial(CALLER);
    await call.press('1');
    await call.press('1');
    expect(call.call.state).toBe('queued');
    const leg = await fake.waitForSent(
      (c) => c.op === 'calls.create' && c.params.To === OP_PHONE && c.time >= t0,
      10_000,
    );
    const notice = page.getByTestId('incoming-call');
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).toContain(uk.phone.ringingMe);
    await screenshot(page, 'phone-incoming-call.png');

    // Olena presses 1 on her phone: the call is hers; the notice gives way to "on a call".
    await player.answerLeg((leg.response as { sid: string }).sid, '1');
    await page.getByTestId('active-call').waitFor({ timeout: 10_000 });
    await page.getByTestId('active-call').getByRole('link').click();
    await page.getByTestId('case-calls').waitFor();
    await call.hangUp(83);
    // The call's line: incoming, answered by Olena, 1:23 long (after the status callback).
    const line = await eventually(
      () => page.getByTestId('case-call').first().textContent(),
      (v) => v?.includes('1:23') ?? false,
      { timeout: 15_000 },
    );
    expect(line).toContain('1:23');
    expect(line).toContain(olena.email);
    expect(await page.getByTestId('case-call').first().getAttribute('data-outcome')).toBe('answered');
    expect(await page.getByTestId('sms-warning').textContent()).toContain(uk.phone.smsOff);

    // Call back: the server rings Olena's phone; the requester is dialled only from there.
    const t1 = Date.now();
    await page.getByTestId('call-back').click();
    await page.getByText(uk.phone.callBackStarted).waitFor();
    const back = await fake.waitForSent(
      (c) => c.op === 'calls.create' && c.params.To === OP_PHONE && c.time >= t1,
      10_000,
    );
    expect(back.params.From).toBe(HOTLINE);
    await screenshot(page, 'phone-case-calls.png');

    // Another caller finds nobody free (Olena is on the call-back): voicemail, and the call-back list
    // on the panel shows the case with its due time.
    const second = await player.dial('+79160000077');
    await second.press('2');
    await second.press('1');
    expect(second.call.state).toBe('recording');
    await second.hangUp(12);
    await page.getByRole('link', { name: uk.nav.queue, exact: true }).click();
    const due = page.getByTestId('callbacks-due');
    await due.waitFor({ timeout: 40_000 });
    expect(await due.textContent()).toContain(uk.phone.window.any);
    await screenshot(page, 'phone-callbacks-due.png');

    // The caller's number is nowhere in what the browser got, nor in anything the server printed.
    const html = await page.content();
    expect(html).not.toContain(CALLER.slice(1));
    expect(html).not.toContain(OP_PHONE.slice(1));
    expect(server.output()).not.toContain(CALLER.slice(1));
    expect(server.output()).not.toContain(CALLER.slice(2));
  });
});
