import { createPublicKey, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uk } from '../../console/src/i18n/uk.ts';
import { launchChromium } from '../browser.ts';
import {
  addUser,
  type ConsoleUser,
  consoleLogin,
  nextTotp,
  screenshot,
  submitPublicRequest,
} from '../console-helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The POW registry and the relatives desk, in a real Chromium against the hotline as it runs:
 * (a) a surrender request reaches custody; the registrar sees it among the handovers, registers the
 * prisoner from it (Cyrillic names transliterated in the form), downloads the capture card, and a
 * liaison builds the signed notification batch whose JSON and detached signature verify against the
 * published key; (b) a relative without JavaScript asks for him by a Latin spelling, the registrar
 * confirms him among the candidates, the relative reads the answer with the receipt code and writes
 * a letter, which the registrar hands over. The console speaks Ukrainian: texts come from its catalogue.
 */
let server: ServerProcess;
let browser: Browser;
let admin: ConsoleUser;
let olena: ConsoleUser;
let registrar: ConsoleUser;
let liaison: ConsoleUser;
/** The registrar's console, kept open across both parts. */
let desk: Page;
/** What part (a) registered. */
let record: { id: string; ref: string } | null = null;
const contexts: BrowserContext[] = [];
const pageProblems: string[] = [];

const SURNAME = 'Ковалёв';
const FIRST = 'Дмитрий';
const FATHER = 'Сергей';
const DOB = '1994-03-12';
const FACILITY = 'Табір № 1 (Львівська обл.)';

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

/** Clicks something that downloads a file and returns the file's bytes. */
async function download(page: Page, click: () => Promise<void>): Promise<{ bytes: Buffer; name: string }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = await d.path();
  return { bytes: await readFile(file), name: d.suggestedFilename() };
}

const utcDay = (offsetDays = 0) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  [server, browser] = await Promise.all([startServerProcess(), launchChromium()]);
  admin = await addUser(server, 'admin@example.org', 'admin', 'admin registry password');
  const grantBy = { email: admin.email, password: admin.password };
  [olena, registrar, liaison] = await Promise.all([
    addUser(server, 'olena@example.org', 'operator', 'olena registry password', grantBy),
    // The organisation key lets the registrar open the sealed link to the surrender request.
    addUser(server, 'registrar@example.org', 'registrar', 'registrar registry password', grantBy),
    addUser(server, 'liaison@example.org', 'liaison', 'liaison registry password'),
  ]);
}, 120_000);

afterEach(() => {
  expect(pageProblems.splice(0)).toEqual([]);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await server?.cleanup();
});

describe('POW registry in the console', () => {
  it('registers a prisoner from a request in custody, prints his capture card, and sends a signed batch', async () => {
    // A serviceman asks through the public form; the operator takes him through to custody.
    await submitPublicRequest(server.url, {
      lang: 'ru',
      category: 'serviceman_war_zone',
      message: 'Я под Покровском, хочу сдаться. Один, ранен в руку.',
      name: `${SURNAME} ${FIRST} ${FATHER}ович`,
    });
    const api = await apiLogin(server.url, olena.email, olena.password, await nextTotp(olena));
    const queue = (await (await api.get('/api/requests?open=true&limit=10')).json()) as {
      items: Array<{ id: string; ref: string }>;
    };
    expect(queue.items).toHaveLength(1);
    const request = queue.items[0] as { id: string; ref: string };
    for (const status of ['screening', 'verified', 'meeting_agreed', 'in_progress', 'in_custody']) {
      const r = await api.post(`/api/requests/${request.id}/status`, { status });
      expect(r.status, `${status}: ${await r.clone().text()}`).toBe(200);
    }

    // The registrar holds no queue permission: the console opens on the registry, not the queue.
    desk = await consolePage();
    await consoleLogin(desk, server.url, registrar);
    await desk.waitForURL('**/console/registry');
    await desk.getByTestId('registry-page').waitFor();
    const nav = desk.getByRole('navigation', { name: uk.nav.label });
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      uk.nav.registry,
      uk.nav.relatives,
      uk.nav.knowledge,
      uk.nav.settings,
    ]);
    expect(await desk.getByTestId('live-status').count()).toBe(0);
    await desk.getByTestId(`custody-${request.ref}`).waitFor();

    // A camp to put him in.
    await desk.getByTestId('registry-nav-facilities').click();
    await desk.getByTestId('facility-add').click();
    await desk.getByTestId('facility-name').fill(FACILITY);
    await desk.getByTestId('facility-capacity').fill('250');
    await desk.getByTestId('facility-save').click();
    await desk.getByTestId(`facility-row-${FACILITY}`).waitFor();

    // Register him from the handover.
    await desk.getByTestId('registry-nav-dashboard').click();
    await desk.getByTestId(`custody-register-${request.ref}`).click();
    await desk.waitForURL(`**/console/registry/records/new?case=${request.ref}`);
    expect(await desk.getByTestId('record-new-case').getAttribute('data-case')).toBe(request.ref);
    const field = (name: string) => desk.getByTestId(`pow-field-${name}`);
    await field('surnameOriginal').fill(SURNAME);
    await field('firstNamesOriginal').fill(FIRST);
    await desk.getByTestId('pow-transliterate').click();
    // Russian first (languages "ru"): ICAO 9303.
    expect(await field('surnameLatin').inputValue()).toBe('Kovalev');
    expect(await field('firstNamesLatin').inputValue()).toBe('Dmitrii');
    await field('dateOfBirth').fill(DOB);
    await field('fatherFirstName').fill(FATHER);
    await field('rank').fill('рядовой');
    await field('unit').fill('в/ч 12345');
    await field('powerDependedOn').fill('Российская Федерация');
    await field('capturePlace').fill('Покровск');
    await field('health').click();
    await desk.getByRole('option', { name: uk.pow.health.slightly_wounded }).click();
    await desk.getByTestId('pow-consent-yes').check();
    await field('facility').click();
    await desk.getByRole('option', { name: new RegExp(FACILITY.replace(/[()]/g, '\\$&')) }).click();
    // shown day first, as the console shows days (not the browser's picker)
    expect(await field('arrivedOn').inputValue()).toBe(utcDay().split('-').reverse().join('.'));
    // Tomorrow's capture is refused by the server: the error sits at its field, nothing typed is lost.
    await field('captureDate').fill(utcDay(1));
    await desk.getByTestId('record-new-submit').click();
    await desk.getByTestId('record-new-errors').waitFor();
    await desk.getByText('The capture date is in the future').waitFor();
    expect(await field('surnameOriginal').inputValue()).toBe(SURNAME);
    expect(await field('surnameLatin').inputValue()).toBe('Kovalev');
    expect(await field('dateOfBirth').inputValue()).toBe(DOB);
    await field('captureDate').fill(utcDay());
    await desk.getByTestId('record-new-submit').click();
    await desk.waitForURL(/\/console\/registry\/records\/[0-9a-f-]{36}$/);
    const ref = ((await desk.getByTestId('record-ref').textContent()) ?? '').trim();
    expect(ref).toMatch(/^PW-\d{6}$/);
    record = { id: desk.url().split('/').at(-1) as string, ref };
    expect(await desk.getByTestId('record-name').textContent()).toBe(`${SURNAME} ${FIRST}`);
    expect(await desk.getByTestId('record-summary').getAttribute('data-status')).toBe('held');
    await desk.getByTestId('record-event-arrival').waitFor();
    await screenshot(desk, 'console-pow-record.png');

    // The handover is done; the arrival opened an art. 70 capture-card duty.
    const duty = desk.getByTestId('card-duty-arrival');
    expect(await duty.getAttribute('data-state')).toBe('open');
    const card = await download(desk, () => duty.getByTestId('card-duty-download').click());
    expect(card.name).toBe(`capture-card-${ref}.pdf`);
    expect(card.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(card.bytes)), {
      mergePages: true,
    });
    expect(text.toLowerCase()).toContain(SURNAME.toLowerCase());
    expect(text).toContain('Kovalev');

    // The sealed link leads back to the request (registrar with the organisation key).
    await desk.getByTestId('record-origin').click();
    expect(await desk.getByTestId('record-origin-result').getAttribute('data-case')).toBe(request.ref);

    // Registered: no longer waiting among the handovers.
    await desk.getByTestId('registry-nav-dashboard').click();
    await desk.getByTestId('custody-handovers').getByText(uk.registry.dashboard.custody.empty).waitFor();
    await desk.getByTestId('cards-due').getByRole('link', { name: ref }).waitFor();
    await desk.locator('[data-testid="notifications-alarm"][data-state="pending"]').waitFor();
    await screenshot(desk, 'console-pow-dashboard.png');

    // The liaison builds and signs the batch, and downloads the signed JSON and its signature.
    const liaisonPage = await consolePage();
    await consoleLogin(liaisonPage, server.url, liaison);
    await liaisonPage.waitForURL('**/console/registry');
    await liaisonPage.getByTestId('registry-nav-batches').click();
    const pending = liaisonPage.getByTestId('batches-pending-total');
    await pending.waitFor();
    expect(Number(await pending.getAttribute('data-count'))).toBeGreaterThanOrEqual(3); // new, capture, arrival
    await liaisonPage.getByTestId('batch-build').click();
    // What goes in is shown before signing, in words.
    const confirm = liaisonPage.getByRole('dialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain(uk.pow.eventType.arrival);
    await confirm.getByTestId('confirm').click();
    const row = liaisonPage.getByTestId('batch-row-1');
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('built');
    // Everything is in the batch now; it stays pending as "in batches not delivered yet".
    await liaisonPage.locator('[data-testid="batches-pending-total"][data-count="0"]').waitFor();
    await screenshot(liaisonPage, 'console-pow-batches.png');
    const json = await download(liaisonPage, () => row.getByTestId('batch-download-json').click());
    const sigFile = await download(liaisonPage, () => row.getByTestId('batch-download-sig').click());
    expect(json.name).toBe('whiteflag-batch-00001.json');
    const sig = JSON.parse(sigFile.bytes.toString('utf8')) as {
      algorithm: string;
      keyId: string;
      signature: string;
    };
    expect(sig.algorithm).toBe('Ed25519');
    const keys = (await (
      await fetch(`${server.url}/.well-known/whiteflag/notification-keys.json`)
    ).json()) as {
      keys: Array<{ id: string; publicKeyPem: string }>;
    };
    const key = keys.keys.find((k) => k.id === sig.keyId);
    expect(key, `key ${sig.keyId} is published`).toBeDefined();
    const publicKey = createPublicKey(key?.publicKeyPem ?? '');
    expect(verify(null, json.bytes, publicKey, Buffer.from(sig.signature, 'base64'))).toBe(true);
    // One byte changed: the signature no longer holds.
    const tampered = Buffer.from(json.bytes);
    const at = tampered.length - 2;
    tampered.writeUInt8((tampered.readUInt8(at) ^ 1) & 0xff, at);
    expect(verify(null, tampered, publicKey, Buffer.from(sig.signature, 'base64'))).toBe(false);
    const doc = JSON.parse(json.bytes.toString('utf8')) as {
      records: Array<{
        ref: string;
        change: string;
        identity: { surname: { original: string; latin: string } };
      }>;
      events: Array<{ recordRef: string; type: string }>;
    };
    const mine = doc.records.find((r) => r.ref === ref);
    expect(mine?.change).toBe('new');
    expect(mine?.identity.surname).toEqual({ original: SURNAME, latin: 'Kovalev' });
    expect(doc.events.filter((e) => e.recordRef === ref).map((e) => e.type)).toEqual(['capture', 'arrival']);
    // Nothing in the batch says he surrendered.
    expect(json.bytes.toString('utf8')).not.toContain(request.ref);
  });

  it('a relative without JavaScript finds him by a Latin spelling, reads the confirmed answer and writes to him', async () => {
    if (!record) throw new Error('part (a) registered nobody');
    const { id, ref } = record;

    // The relative: no JavaScript, Russian, types the name as it sounds in Latin letters.
    const relativeContext = await browser.newContext({ javaScriptEnabled: false, locale: 'ru-RU' });
    contexts.push(relativeContext);
    const relative = await relativeContext.newPage();
    await relative.goto(`${server.url}/find?lang=ru`);
    await relative.locator('#surname').fill('Kovalev');
    await relative.locator('#firstNames').fill('Dmitriy');
    await relative.locator('#fatherName').fill('Sergeevich');
    await relative.locator('#dob').fill(DOB);
    await relative.locator('#yourName').fill('Ковалёва Анна Петровна');
    await relative.locator('#relationship').fill('мать');
    await Promise.all([
      relative.waitForURL('**/find'),
      relative.getByRole('button', { name: 'Отправить запрос' }).click(),
    ]);
    const receipt = ((await relative.locator('#receipt-code').textContent()) ?? '').trim();
    expect(receipt).toMatch(/^[\d ]{10,}$/);

    // The registrar sees the inquiry at the relatives desk, and the registered prisoner among the candidates.
    await desk
      .getByRole('navigation', { name: uk.nav.label })
      .getByRole('link', { name: uk.nav.relatives })
      .click();
    await desk.waitForURL('**/console/relatives');
    const table = desk.locator('[data-testid="inquiries-table"][data-status="open"]');
    await table.waitFor();
    const row = table.locator('tr').filter({ hasText: 'Kovalev Dmitriy Sergeevich' });
    await row.getByRole('link').click();
    await desk.waitForURL(/\/console\/relatives\/[0-9a-f-]{36}$/);
    const candidate = desk.getByTestId(`candidate-${ref}`);
    await candidate.waitFor();
    expect(await candidate.getAttribute('data-likely')).toBe('true');
    await candidate.getByTestId(`candidate-pick-${ref}`).check();
    // Picking him chooses "found" and puts the template in the relative's language (Russian).
    expect(await desk.getByTestId('answer-kind-found').isChecked()).toBe(true);
    const template = await desk.getByTestId('answer-message').inputValue();
    expect(template).toContain('Kovalev Dmitriy');
    expect(template).toContain('находится в плену');
    await screenshot(desk, 'console-relatives-inquiry.png');
    await desk.getByTestId('answer-send').click();
    await desk.getByTestId('confirm').click();
    await desk.locator('[data-testid="inquiry-status"][data-status="answered"]').waitFor();
    expect(await desk.getByTestId('inquiry-matched-record').textContent()).toBe(ref);

    // The relative comes back with the code and reads exactly that answer; then writes to him.
    await relative.goto(`${server.url}/find/answer?lang=ru`);
    await relative.locator('#code').fill(receipt);
    await Promise.all([
      relative.waitForURL('**/find/answer'),
      relative.getByRole('button', { name: 'Показать ответ' }).click(),
    ]);
    expect(((await relative.locator('#answer').textContent()) ?? '').trim()).toBe(template);
    const letter = 'Дима, мы живы и ждём тебя. Папа передаёт привет. Мама.';
    await relative.locator('#letter').fill(letter);
    await Promise.all([
      relative.waitForURL('**/find/letter'),
      relative.getByRole('button', { name: 'Отправить письмо' }).click(),
    ]);
    const mine = relative.locator('article.letter.to_prisoner').filter({ hasText: letter });
    expect(await mine.textContent()).toContain('ожидает передачи');

    // The registrar finds the letter on his record and hands it over; the relative sees it delivered.
    await desk.getByTestId('inquiry-record-letter').click();
    await desk.waitForURL(`**/console/registry/records/${id}?inquiry=*`);
    const waiting = desk
      .locator('[data-testid="record-letter"][data-status="received"]')
      .filter({ hasText: letter });
    await waiting.getByTestId('record-letter-deliver').click();
    await desk
      .locator('[data-testid="record-letter"][data-status="delivered"]')
      .filter({ hasText: letter })
      .waitFor();
    await desk.getByTestId('welfare-letter_received').waitFor();
    await relative.goto(`${server.url}/find/answer?lang=ru`);
    await relative.locator('#code').fill(receipt);
    await Promise.all([
      relative.waitForURL('**/find/answer'),
      relative.getByRole('button', { name: 'Показать ответ' }).click(),
    ]);
    expect(await mine.textContent()).toContain('передано');

    // Two registrars correct the identity at once: the second save is refused, not silently lost.
    await desk.getByTestId('record-identity-edit').click();
    await desk.getByTestId('pow-field-rank').fill('ефрейтор');
    const other = await apiLogin(server.url, registrar.email, registrar.password, await nextTotp(registrar));
    const current = (await (await other.get(`/api/pow/records/${id}`)).json()) as {
      item: { identity: Record<string, unknown>; version: number };
    };
    const put = await fetch(`${server.url}/api/pow/records/${id}`, {
      method: 'PUT',
      headers: other.headers,
      body: JSON.stringify({
        identity: { ...current.item.identity, rank: 'младший сержант' },
        version: current.item.version,
      }),
    });
    expect(put.status, await put.clone().text()).toBe(204);
    await desk.getByTestId('record-identity-save').click();
    await desk.getByTestId('record-identity-conflict').waitFor();
    await desk.getByTestId('record-identity-conflict').getByRole('button').click();
    await desk.getByTestId('record-identity-view').getByText('младший сержант').waitFor();
  });
});
