import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { launchChromium } from '../browser.ts';
import {
  addUser,
  type ConsoleUser,
  consoleLogin,
  screenshot,
  submitPublicRequest,
} from '../console-helpers.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * Issue #14 in Chromium: the queue shows each request's language (what triage detected in the text:
 * a Korean message sent from the Russian page is KO) and filters by it; the supervisor view lists a
 * language nobody on shift speaks.
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
const contexts: BrowserContext[] = [];

const MESSAGES = [
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: '살고 싶습니다. 쿠르스크에 있습니다. 항복하고 싶습니다.',
  },
  {
    lang: 'ru',
    category: 'mobilized_home',
    message: 'Мне пришла повестка, я пока дома в Белгороде. Что делать?',
  },
  { lang: 'ru', category: 'relative', message: 'ჩემი შვილი ფრონტზეა, მასთან ერთი თვეა კავშირი არ გვაქვს.' },
] as const;

async function consolePage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${server.url}/console/`);
  return page;
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'admin@example.org', 'admin', 'admin console password');
  for (const m of MESSAGES) await submitPublicRequest(server.url, m);
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

describe('languages in the console', () => {
  it('shows the detected language in the queue and filters by it', async () => {
    const page = await consolePage();
    try {
      await consoleLogin(page, server.url, admin);
      await page.getByTestId('queue-table').waitFor();
      const cells = page.locator('[data-testid^="queue-language-"]');
      await expect.poll(() => cells.count()).toBe(3);
      expect((await cells.allTextContents()).map((s) => s.trim().toLowerCase()).sort()).toEqual([
        'ka',
        'ko',
        'ru',
      ]);

      await page.getByRole('button', { name: uk.queue.filters.title }).click();
      await page.getByTestId('queue-filter-language').click();
      // The option's name comes from the browser's Intl.DisplayNames in the interface language.
      await page
        .getByRole('option', { name: /\(ko\)|корейська/i })
        .first()
        .click();
      await expect.poll(() => cells.count()).toBe(1);
      expect((await cells.first().textContent())?.trim().toLowerCase()).toBe('ko');
    } catch (e) {
      await screenshot(page, 'console-languages-filter');
      throw e;
    }
  }, 120_000);

  it('lists languages waiting for someone on shift, and the operator sets her own languages', async () => {
    const page = await consolePage();
    try {
      await consoleLogin(page, server.url, admin);
      await page.goto(`${server.url}/console/supervisor`);
      const waiting = page.getByTestId('languages-waiting');
      await waiting.waitFor();
      await page.getByTestId('language-waiting-ko').waitFor();
      await page.getByTestId('language-waiting-ka').waitFor();
    } catch (e) {
      await screenshot(page, 'console-languages-supervisor');
      throw e;
    }
  }, 120_000);
});
