import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { launchChromium } from '../browser.ts';
import {
  addUser,
  type ConsoleUser,
  consoleLogin,
  eventually,
  nextTotp,
  screenshot,
  submitLogin,
  submitPublicRequest,
} from '../console-helpers.ts';
import { totpSecretOf } from '../helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The operator console in a real Chromium against the hotline as it runs (`tsx src/main.ts` on its
 * embedded PostgreSQL): a request from the public form (no JavaScript) appears live in the queue, is
 * claimed and answered with a canned reply that the requester reads at /follow-up; a supervisor
 * reassigns; an admin creates a user and disables them while their console is open; an operator
 * registers a WebAuthn security key and logs in with it. The console speaks Ukrainian by default:
 * visible texts are taken from its catalogue.
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
let supervisor: ConsoleUser;
let olena: ConsoleUser;
let taras: ConsoleUser;
/** Seeded requests by category (ids), submitted through the public form before the tests. */
const seeded: Record<string, string> = {};
const SEEDS = [
  {
    lang: 'ru',
    category: 'mobilized_home',
    message: 'Мне пришла повестка, я пока дома в Белгороде. Что делать?',
  },
  {
    lang: 'ru',
    category: 'relative',
    message: 'Мой сын под Кременной, связи нет неделю. Как ему передать ваш номер?',
  },
  {
    lang: 'ru',
    category: 'occupied_resident',
    message: 'Живу в Мелитополе, знакомый хочет сдаться. Как ему написать вам безопасно?',
  },
  {
    lang: 'ru',
    category: 'just_checking',
    message: 'Это правда работает? Просто хочу знать на всякий случай.',
  },
  {
    lang: 'ru',
    category: 'serviceman_war_zone',
    message: 'Ранен, сижу в блиндаже под Торецком. Как выйти сегодня?',
  },
  { lang: 'uk', category: 'other', message: 'Мій брат служить у них, чи можу я передати йому ваш номер?' },
] as const;
const CANNED = {
  title: 'Первый ответ: связь',
  body: 'Здравствуйте. Мы получили ваше сообщение и уже работаем. Не выключайте телефон и ждите нашего ответа здесь.',
};
const contexts: BrowserContext[] = [];
/** Uncaught script errors and CSP refusals in any console page: the test that caused them fails. */
const pageProblems: string[] = [];

/** A fresh browser context (own cookies and storage) at the console, on a 1366×768 laptop screen. */
async function consolePage(base = server.url): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'uk-UA' });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
      pageProblems.push(`console: ${m.text()}`);
  });
  await page.goto(`${base}/console/`);
  return page;
}

/** Ids of the queue rows on screen, top to bottom. */
async function rowIds(page: Page): Promise<string[]> {
  const ids = await page
    .locator('[data-testid^="queue-row-"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid') ?? ''));
  return ids.map((t) => t.slice('queue-row-'.length));
}

const threadMessage = (page: Page, direction: 'in' | 'out' | 'note', text: string) =>
  page.locator(`[data-testid="thread-message"][data-direction="${direction}"]`).filter({ hasText: text });

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'admin@example.org', 'admin', 'admin console password');
  const grantBy = { email: admin.email, password: admin.password };
  [supervisor, olena, taras] = await Promise.all([
    addUser(server, 'supervisor@example.org', 'supervisor', 'supervisor console password', grantBy),
    addUser(server, 'olena@example.org', 'operator', 'olena console password', grantBy),
    addUser(server, 'taras@example.org', 'operator', 'taras console password', grantBy),
  ]);

  // A queue that looks like an evening shift: a few requests through the public form.
  for (const s of SEEDS) await submitPublicRequest(server.url, s);
  const api = await apiLogin(server.url, admin.email, admin.password, await nextTotp(admin));
  for (const c of [
    CANNED,
    {
      title: 'Как выйти к нашим',
      body: 'Белый флаг, руки на виду, оружие оставьте. Подробности пришлём здесь.',
    },
  ]) {
    const r = await api.post('/api/canned-replies', { language: 'ru', ...c });
    expect(r.status, await r.clone().text()).toBe(201);
  }
  const queue = (await (await api.get('/api/requests?open=true&limit=50')).json()) as {
    items: Array<{ id: string; category: string }>;
  };
  for (const i of queue.items) seeded[i.category] = i.id;
  expect(Object.keys(seeded).sort()).toEqual(SEEDS.map((s) => s.category).sort());

  // Two of them have waited three hours without an answer: over their SLA (2 h at urgency 1).
  const db = await startEmbeddedPostgres(server.dataDir); // the server's own, already running
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const old = [seeded.relative, seeded.occupied_resident];
  await client.query(
    `UPDATE request_threads SET created_at = created_at - interval '3 hours',
       last_requester_at = last_requester_at - interval '3 hours', updated_at = updated_at - interval '3 hours'
     WHERE id = ANY($1::uuid[])`,
    [old],
  );
  await client.query(
    `UPDATE thread_messages SET created_at = created_at - interval '3 hours' WHERE thread_id = ANY($1::uuid[])`,
    [old],
  );
  await client.end();
}, 120_000);

afterEach(() => {
  expect(pageProblems.splice(0)).toEqual([]);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

describe('operator console in Chromium', () => {
  it('a request from the public form appears live; claim + canned reply reach the requester at /follow-up', async () => {
    const page = await consolePage();
    await page.getByTestId('login-email').waitFor();
    expect(await page.locator('h1').textContent()).toBe(uk.login.title);
    await screenshot(page, 'console-login.png');

    await consoleLogin(page, server.url, olena);
    await page.locator('[data-testid="live-status"][data-live="live"]').waitFor();
    await page.getByTestId('queue-table').waitFor();
    const before = await rowIds(page);
    expect(before).toHaveLength(SEEDS.length);
    // Proof that nothing reloads the page: this marker would not survive a reload.
    await page.evaluate('window.__wfNoReload = true');

    // The requester: Tor Browser "Safest", no JavaScript, in Russian.
    const requesterContext = await browser.newContext({ javaScriptEnabled: false, locale: 'ru-RU' });
    contexts.push(requesterContext);
    const requester = await requesterContext.newPage();
    await requester.goto(`${server.url}/?lang=ru`);
    await requester.getByLabel('Военнослужащий в зоне боевых действий').check();
    const message = 'Я под Купянском, нас двое, хотим сдаться. Позывной Сокол.';
    await requester.getByLabel('Ваше сообщение').fill(message);
    await Promise.all([
      requester.waitForURL('**/requests'),
      requester.getByRole('button', { name: 'Отправить' }).click(),
    ]);
    const receipt = ((await requester.locator('#receipt-code').textContent()) ?? '').trim();
    expect(receipt).toMatch(/^(\d{4} ){6}\d{4}$/);

    // It shows up in the operator's queue by itself (server-sent events; polling would take 60 s).
    await page.getByText(uk.queue.newRequest).waitFor({ timeout: 10_000 });
    const after = await eventually(
      () => rowIds(page),
      (ids) => ids.length === before.length + 1,
    );
    const fresh = after.filter((id) => !before.includes(id));
    expect(fresh).toHaveLength(1);
    const id = fresh[0] as string;
    expect(await page.evaluate('window.__wfNoReload')).toBe(true);

    // Open it, read it, claim it.
    await page.getByTestId(`queue-row-${id}`).getByRole('link').click();
    await page.waitForURL(`**/console/requests/${id}`);
    await threadMessage(page, 'in', message).waitFor();
    await page.getByTestId('claim').click();
    await page.getByTestId('release').waitFor();
    expect(await page.getByTestId('claim').count()).toBe(0);
    await page.getByTestId('request-assignee').filter({ hasText: olena.email }).waitFor();

    // An internal note first: it must never reach the requester.
    const note = 'Проверить позывной Сокол через фронтового партнёра.';
    await page.getByTestId('composer-note-tab').click();
    await page.getByTestId('note-input').fill(note);
    await page.getByTestId('note-add').click();
    await threadMessage(page, 'note', note).waitFor();

    // The canned reply, picked from the list, then sent.
    await page.getByTestId('composer-reply-tab').click();
    await page.getByTestId('canned-select').click();
    await page.getByRole('option', { name: CANNED.title }).click();
    expect(await page.getByTestId('reply-input').inputValue()).toBe(CANNED.body);
    await page.getByTestId('reply-send').click();
    await threadMessage(page, 'out', CANNED.body).waitFor();
    expect(await page.getByTestId('reply-input').inputValue()).toBe('');

    // The requester comes back with the receipt and reads exactly that reply (and not the note).
    await requester.goto(`${server.url}/follow-up?lang=ru`);
    await requester.getByLabel('Код квитанции').fill(receipt);
    await Promise.all([
      requester.waitForURL('**/follow-up'),
      requester.getByRole('button', { name: 'Открыть' }).click(),
    ]);
    expect(await requester.locator('.msg.theirs .body').allTextContents()).toEqual([CANNED.body]);
    expect(await requester.content()).not.toContain(note);

    // He answers; the open request shows it without a reload.
    const answer = 'Спасибо. Телефон не выключаю, жду.';
    await requester.getByLabel('Ваше сообщение').fill(answer);
    await Promise.all([
      requester.waitForURL('**/follow-up/reply'),
      requester.getByRole('button', { name: 'Отправить' }).click(),
    ]);
    await threadMessage(page, 'in', answer).waitFor({ timeout: 10_000 });
    expect(await page.evaluate('window.__wfNoReload')).toBe(true);
    expect(await page.getByTestId('thread-message').count()).toBe(4);

    // Tags, then back in the queue the row carries them.
    await page.getByTestId('tags-input').fill('купянск');
    await page.getByTestId('tags-input').press('Enter');
    await page.getByTestId('tags-input').fill('группа');
    await page.getByTestId('tags-input').press('Enter');
    await page.getByTestId('tags-input').blur();
    await screenshot(page, 'console-request.png');
    await page.getByRole('link', { name: uk.request.back }).click();
    const row = page.getByTestId(`queue-row-${id}`);
    await row.getByText('купянск', { exact: true }).waitFor();
    await row.getByText('группа', { exact: true }).waitFor();
    await requesterContext.close();
  });

  it('a supervisor reassigns (request page and bulk); the other operator sees them under "Mine"', async () => {
    const target = await consolePage();
    await consoleLogin(target, server.url, taras);
    await target.getByTestId('queue-views').getByText(uk.queue.views.mine).click();
    await target.getByTestId('queue-empty').waitFor();

    const page = await consolePage();
    await consoleLogin(page, server.url, supervisor);
    // One from the request page.
    const single = seeded.mobilized_home as string;
    await page.getByTestId(`queue-row-${single}`).getByRole('link').click();
    await page.waitForURL(`**/console/requests/${single}`);
    await page.getByTestId('reassign-select').click();
    await page.getByRole('option', { name: taras.email }).click();
    await page.getByTestId('reassign-submit').click();
    await page.getByTestId('request-assignee').filter({ hasText: taras.email }).waitFor();

    // Two in bulk from the supervisor page: the requests over their SLA.
    await page.getByRole('link', { name: uk.nav.supervisor }).click();
    await page.waitForURL('**/console/supervisor');
    const breaching = [seeded.relative, seeded.occupied_resident] as string[];
    for (const id of breaching) await page.getByTestId(`sla-row-${id}`).waitFor();
    expect(await page.getByTestId('sla-table').locator('tbody tr').count()).toBe(2);
    await page.getByRole('checkbox', { name: uk.supervisor.bulk.selectAll }).check();
    await page.getByTestId('bulk-assignee').click();
    await page.getByRole('option', { name: taras.email }).click();
    await page.getByTestId('bulk-reassign').click();
    await page.getByText(uk.supervisor.bulk.done.replace('{{count}}', '2')).waitFor();
    for (const id of breaching)
      await page.getByTestId(`sla-row-${id}`).filter({ hasText: taras.email }).waitFor();
    // "Holding" (5th column) of the operator on shift.
    const holding = page
      .getByTestId('operators-table')
      .getByRole('row')
      .filter({ hasText: taras.email })
      .getByRole('cell')
      .nth(4);
    expect(
      await eventually(
        async () => (await holding.textContent())?.trim(),
        (v) => v === '3',
      ),
    ).toBe('3');
    await screenshot(page, 'console-supervisor.png');

    // The other operator's "Mine" view filled itself (live), each row assigned to "me".
    const mine = [single, ...breaching];
    for (const id of mine) await target.getByTestId(`queue-row-${id}`).waitFor({ timeout: 10_000 });
    expect((await rowIds(target)).sort()).toEqual([...mine].sort());
    for (const id of mine) {
      const cell = target
        .getByTestId(`queue-row-${id}`)
        .getByRole('cell', { name: uk.queue.filters.me, exact: true });
      expect(await cell.count()).toBe(1);
    }
    await target.getByTestId('queue-views').getByText(`${uk.queue.views.mine} (3)`).waitFor();
  });

  it('an admin creates a user, then disables them: their open console ends at their next action', async () => {
    const page = await consolePage();
    await consoleLogin(page, server.url, admin);
    await page.getByRole('link', { name: uk.nav.admin }).click();
    await page.waitForURL('**/console/admin');

    // Create: the one-time password and the TOTP enrolment URI are shown once.
    await page.getByTestId('user-create-open').click();
    await page.getByTestId('user-email').fill('mykola@example.org');
    await page.getByTestId('user-grant-key').check();
    await page.getByTestId('user-create-submit').click();
    const oneTimePassword = await page.getByTestId('secret-password').inputValue();
    const totpUri = await page.getByTestId('secret-totp').inputValue();
    expect(oneTimePassword.length).toBeGreaterThanOrEqual(12);
    await page.getByTestId('secrets-close').click();
    const userRow = page
      .getByTestId('users-table')
      .getByRole('row')
      .filter({ hasText: 'mykola@example.org' });
    const userId = ((await userRow.getAttribute('data-testid')) ?? '').replace('user-row-', '');
    const mykola: ConsoleUser = {
      id: userId,
      email: 'mykola@example.org',
      password: oneTimePassword,
      role: 'operator',
      totpSecret: totpSecretOf(totpUri),
      lastStep: 0,
    };

    // The new operator logs in, must choose a password first, logs in again and works the queue.
    const leaver = await consolePage();
    await submitLogin(leaver, mykola);
    await leaver.getByTestId('password-current').fill(oneTimePassword);
    await leaver.getByTestId('password-new').fill('mykola own password');
    await leaver.getByTestId('password-repeat').fill('mykola own password');
    await leaver.getByTestId('password-submit').click();
    await leaver.getByRole('status').filter({ hasText: uk.login.passwordChanged }).waitFor();
    mykola.password = 'mykola own password';
    await consoleLogin(leaver, server.url, mykola);
    await leaver.getByTestId('queue-views').getByText(uk.queue.views.open).click();
    await leaver.getByTestId(`queue-row-${seeded.relative}`).waitFor();
    await screenshot(leaver, 'console-queue.png');
    // The granted key works after the password change: the thread is readable.
    await leaver.getByTestId(`queue-row-${seeded.just_checking}`).getByRole('link').click();
    await threadMessage(leaver, 'in', 'Это правда работает?').waitFor();
    await leaver.getByRole('link', { name: uk.request.back }).click();
    await leaver.getByTestId('queue-table').waitFor();

    // The admin disables the account.
    await page.getByTestId(`user-disable-${userId}`).click();
    await page.getByTestId('confirm').click();
    await page.getByTestId(`user-enable-${userId}`).waitFor();
    await userRow.getByText(uk.admin.users.disabled, { exact: true }).waitFor();

    // Their next click (open another request) lands on the login page, not on the request. A background
    // refresh of the queue may reach the server first and end the console before the click: either way
    // they see the login page and no thread.
    await leaver
      .getByTestId(`queue-row-${seeded.other}`)
      .getByRole('link')
      .click({ timeout: 5000 })
      .catch(() => undefined);
    await leaver.getByTestId('login-email').waitFor();
    await leaver.getByRole('status').filter({ hasText: uk.login.sessionEnded }).waitFor();
    expect(await leaver.getByTestId('thread').count()).toBe(0);
    expect(await leaver.getByTestId('whoami').count()).toBe(0);
    // Logging in again does not work either (a valid, unused code).
    await submitLogin(leaver, mykola);
    await leaver
      .getByTestId('login-error')
      .filter({ hasText: uk.login.errors.invalid_credentials })
      .waitFor();
    expect(await leaver.getByTestId('whoami').count()).toBe(0);

    await page.getByTestId('audit-verify').click();
    await page.locator('[data-testid="audit-verify-result"][data-ok="true"]').waitFor();
    await screenshot(page, 'console-admin.png');
  });

  it('registers a WebAuthn security key in Settings and logs in with it instead of a TOTP code', async () => {
    // WebAuthn needs a domain: localhost, not 127.0.0.1 (the server listens there; Chromium maps it).
    const base = server.url.replace('127.0.0.1', 'localhost');
    const page = await consolePage(base);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: false,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    await consoleLogin(page, base, olena);
    await page.getByRole('link', { name: uk.nav.settings }).click();
    await page.waitForURL('**/console/settings');
    await page.getByText(uk.settings.keys.empty).waitFor();
    await page.getByTestId('key-name').fill('YubiKey синій');
    await page.getByTestId('key-register').click();
    const keyRow = page.getByTestId('keys-table').getByRole('row').filter({ hasText: 'YubiKey синій' });
    await keyRow.waitFor();
    expect(await keyRow.getByRole('cell').nth(2).textContent()).toBe(uk.settings.keys.never);
    const registered = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(registered.credentials).toHaveLength(1);

    await page.getByTestId('logout').click();
    await page.getByRole('status').filter({ hasText: uk.login.loggedOut }).waitFor();
    await page.getByTestId('login-email').fill(olena.email);
    await page.getByTestId('login-password').fill(olena.password);
    expect(await page.getByTestId('login-totp').inputValue()).toBe('');
    await page.getByTestId('login-webauthn').click();
    await page.getByTestId('whoami').filter({ hasText: olena.email }).waitFor();
    await page.getByTestId('queue-table').waitFor();

    // The key signed this login: its counter moved, and Settings says when it was last used.
    const used = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(used.credentials[0]?.signCount).toBeGreaterThan(registered.credentials[0]?.signCount ?? 0);
    await page.getByRole('link', { name: uk.nav.settings }).click();
    await keyRow.waitFor();
    expect(await keyRow.getByRole('cell').nth(2).textContent()).not.toBe(uk.settings.keys.never);
  });
});
