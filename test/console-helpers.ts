import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Role } from '../src/auth/roles.ts';
import { totpCode } from '../src/auth/totp.ts';
import { hiddenField, receiptFrom, totpSecretOf } from './helpers.ts';
import type { ServerProcess } from './server-process.ts';

/** Helpers for the operator-console browser tests (test/e2e/console.test.ts). */

export interface ConsoleUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  totpSecret: string;
  /** The last TOTP step used to log in: the server accepts each step once per user. */
  lastStep: number;
}

const STEP_MS = 30_000;

/**
 * Adds a user with the server's CLI, as an admin does on the host. With `grantBy`, that admin's
 * password then gives the new user the organisation key (so they can read request content).
 */
export async function addUser(
  server: ServerProcess,
  email: string,
  role: Role,
  password: string,
  grantBy?: { email: string; password: string },
): Promise<ConsoleUser> {
  const add = await server.cli(
    ['user', 'add', '--email', email, '--role', role, '--password-stdin'],
    password,
  );
  expect(add.code, add.stderr).toBe(0);
  const id = /\(([0-9a-f-]{36})\)/.exec(add.stdout)?.[1];
  const uri = /otpauth:\/\/\S+/.exec(add.stdout)?.[0];
  if (!id || !uri) throw new Error(`unexpected CLI output:\n${add.stdout}`);
  if (grantBy) {
    const grant = await server.cli(
      ['user', 'grant-key', '--email', email, '--admin', grantBy.email],
      grantBy.password,
    );
    expect(grant.code, grant.stderr).toBe(0);
  }
  return { id, email, password, role, totpSecret: totpSecretOf(uri), lastStep: 0 };
}

/** Time the code needs to reach the server's check after it is computed. */
const MARGIN_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TOTP code this user has not used yet. The server accepts the previous, current and next 30-second
 * step, each once per user: this starts at the previous step and moves one forward per login, so a
 * user can log in three times in a row without waiting. Near a step boundary it waits (≤ 5 s) so the
 * code is still inside the window when the server checks it.
 */
export async function nextTotp(user: ConsoleUser): Promise<string> {
  for (;;) {
    const now = Date.now();
    const current = Math.floor(now / STEP_MS);
    const toBoundary = (current + 1) * STEP_MS - now;
    const step = Math.max(user.lastStep + 1, current - 1);
    if (step <= current + 1 && (step > current - 1 || toBoundary > MARGIN_MS)) {
      user.lastStep = step;
      return totpCode(user.totpSecret, new Date(step * STEP_MS));
    }
    // The step is not accepted yet, or the previous step is about to drop out of the window.
    await sleep(step > current + 1 ? (step - 1) * STEP_MS - now + 50 : toBoundary + 50);
  }
}

/** Fills the console's login form with e-mail, password and a fresh TOTP code, and submits it. */
export async function submitLogin(page: Page, user: ConsoleUser): Promise<void> {
  await page.getByTestId('login-email').fill(user.email);
  await page.getByTestId('login-password').fill(user.password);
  await page.getByTestId('login-totp').fill(await nextTotp(user));
  await page.getByTestId('login-submit').click();
}

/** Logs in at /console/ (password + TOTP) and waits for the console to show who is in. */
export async function consoleLogin(page: Page, base: string, user: ConsoleUser): Promise<void> {
  if (!page.url().startsWith(`${base}/console`)) await page.goto(`${base}/console/`);
  await submitLogin(page, user);
  await page.getByTestId('whoami').filter({ hasText: user.email }).waitFor();
}

/** Submits the public web form over plain HTTP (a requester without JavaScript); returns the receipt. */
export async function submitPublicRequest(
  base: string,
  fields: { lang: 'ru' | 'uk' | 'en'; category: string; message: string; name?: string },
): Promise<string> {
  const form = await (await fetch(`${base}/?lang=${fields.lang}`)).text();
  const res = await fetch(`${base}/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token: hiddenField(form, 'token'),
      lang: fields.lang,
      category: fields.category,
      message: fields.message,
      name: fields.name ?? '',
      contact: '',
    }),
  });
  expect(res.status).toBe(200);
  return receiptFrom(await res.text());
}

/** Polls `read` until it returns a value `check` accepts (or the time runs out: then the last value fails). */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (v: T) => boolean,
  { timeout = 10_000, interval = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await read();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, interval));
  }
}

export const SCREENSHOTS_DIR = path.resolve(import.meta.dirname, '../docs/screenshots');

/** Saves a PNG of the page under docs/screenshots/ when WHITEFLAG_SCREENSHOTS is set. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.WHITEFLAG_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  // Toasts are closed (they would cover the page), then transitions settle.
  const toasts = page.locator('.mantine-Notification-root');
  for (let n = await toasts.count(); n > 0; n--)
    await toasts
      .first()
      .locator('button')
      .click({ timeout: 1000 })
      .catch(() => {});
  await toasts
    .first()
    .waitFor({ state: 'detached', timeout: 2000 })
    .catch(() => {});
  await page.waitForTimeout(300);
  // A name without an extension (two tests wrote one) is a PNG: Playwright picks the format from it.
  const file = path.extname(name) ? name : `${name}.png`;
  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, file) });
}
