import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../browser.ts';
import { addUser, type ConsoleUser, consoleLogin, nextTotp, screenshot } from '../console-helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * A freshly started hotline holds no routing key (docs/decisions/0012-routing-key.md). An operator
 * without the organisation key sees "locked since …" in the console; the first granted login unlocks
 * the server, and the banner goes.
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
let operator: ConsoleUser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'admin-routing@example.org', 'admin', 'admin routing password');
  // No grant: this operator cannot unlock anything by logging in.
  operator = await addUser(server, 'op-routing@example.org', 'operator', 'operator routing password');
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

describe('routing key in the console', () => {
  it('shows "locked since" until a granted operator logs in', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
    contexts.push(context);
    const page = await context.newPage();
    await consoleLogin(page, server.url, operator);
    const banner = page.getByTestId('routing-locked');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/Заблоковано з \d{2}\.\d{2}\.\d{4}/);
    await screenshot(page, 'console-routing-locked');

    // The admin (who holds the organisation key) logs in elsewhere: this server is unlocked.
    await apiLogin(server.url, admin.email, admin.password, await nextTotp(admin));
    await page.reload();
    await page.getByTestId('whoami').waitFor();
    await page.waitForTimeout(1000);
    expect(await page.getByTestId('routing-locked').count()).toBe(0);
  });
});
