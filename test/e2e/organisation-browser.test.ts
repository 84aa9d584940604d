import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../browser.ts';
import { addUser, type ConsoleUser, consoleLogin } from '../console-helpers.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * An admin gives the hotline its own face in the console (Ukrainian, the console's default): name,
 * description, a phone number and a mirror, and a logo; the public page then shows them — in a real
 * Chromium under the console's strict CSP, against the hotline as it runs.
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
const problems: string[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'face@example.org', 'admin', 'organisation face password');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.cleanup();
});

describe.runIf(hasChromium())('organisation settings in the console', () => {
  it('saves name, channels and logo, and the public page shows them', async () => {
    const context = await browser.newContext({ locale: 'uk-UA' });
    const page: Page = await context.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
        problems.push(m.text());
    });
    await consoleLogin(page, server.url, admin);
    await page.goto(`${server.url}/console/admin`);
    await page.getByTestId('admin-tab-organisation').click();
    await page.getByTestId('organisation-settings').waitFor();
    await page.getByTestId('organisation-name').fill('Хочу жити');
    await page.getByTestId('organisation-description').fill('Гаряча лінія для тих, хто хоче вижити.');
    await page.getByTestId('organisation-add-channel').click();
    await page.getByTestId('organisation-channel-0').fill('+380 66 580 34 98');
    await page.getByTestId('organisation-save').click();
    await page.getByText('Налаштування організації збережено.').waitFor();

    const png = await sharp({ create: { width: 300, height: 300, channels: 4, background: '#c00' } })
      .png()
      .toBuffer();
    await page
      .getByTestId('organisation-logo')
      .setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png });
    await page.getByText('Логотип оновлено.').waitFor();

    const home = await (await fetch(`${server.url}/?lang=uk`)).text();
    expect(home).toContain('<title>Хочу жити</title>');
    expect(home).toContain('Гаряча лінія для тих, хто хоче вижити.');
    expect(home).toContain('href="tel:+380665803498"');
    const src = /<img class="logo" src="([^"]+)"/.exec(home)?.[1] as string;
    expect(src).toMatch(/^\/org\/logo\.png\?v=[0-9a-f]{12}$/);
    // The public page, as a visitor sees it: the logo loads under the public CSP.
    const visitor = await context.newPage();
    await visitor.goto(`${server.url}/?lang=uk`);
    const width = await visitor.locator('img.logo').evaluate((img: HTMLImageElement) => img.naturalWidth);
    expect(width).toBe(300);
    await context.close();
    expect(problems).toEqual([]);
  });
});
