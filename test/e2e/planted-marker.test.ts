import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hiddenField, receiptFrom, totpSecretOf, totpSequence } from '../helpers.ts';
import { apiLogin, listFiles, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The threat model's promise, checked on a real running hotline: a request whose message, name and
 * contact carry a unique marker leaves no trace of it — nor of its receipt code — in the database files,
 * the WAL, the key folder, or anything the server and the CLI printed.
 */
const MARKER = `PLANTED${Date.now().toString(36)}X`;
let server: ServerProcess;
let admin: { email: string; password: string; totpSecret: string };
const nextTotp = totpSequence(() => admin.totpSecret);

beforeAll(async () => {
  server = await startServerProcess({ WHITEFLAG_ROTATE_SETTLE_MS: '2500' });
  const add = await server.cli(
    ['user', 'add', '--email', 'boot@example.org', '--role', 'admin', '--password-stdin'],
    'bootstrap admin password',
  );
  expect(add.code, add.stderr).toBe(0);
  const uri = /otpauth:\/\/\S+/.exec(add.stdout)?.[0] as string;
  admin = { email: 'boot@example.org', password: 'bootstrap admin password', totpSecret: totpSecretOf(uri) };
}, 120_000);

afterAll(async () => server?.cleanup());

describe('planted marker', () => {
  let receipt = '';

  it('runs a whole conversation through the real server', async () => {
    const page = await fetch(`${server.url}/?lang=ru`);
    const html = await page.text();
    const post = await fetch(`${server.url}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: hiddenField(html, 'token'),
        lang: 'ru',
        category: 'serviceman_war_zone',
        message: `Хочу сдаться ${MARKER} сообщение`,
        name: `Иван ${MARKER}`,
        contact: `tg:@${MARKER}`,
      }),
    });
    expect(post.status).toBe(200);
    receipt = receiptFrom(await post.text());

    const api = await apiLogin(server.url, admin.email, admin.password, nextTotp());
    const queue = (await (await api.get('/api/requests')).json()) as { items: Array<{ id: string }> };
    const id = queue.items[0]?.id as string;
    const opened = (await (await api.get(`/api/requests/${id}`)).json()) as {
      messages: Array<{ body: string; name?: string }>;
    };
    // Positive control: the marker is really there, for an operator.
    expect(opened.messages[0]?.body).toContain(MARKER);
    expect(opened.messages[0]?.name).toContain(MARKER);
    expect((await api.post(`/api/requests/${id}/replies`, { body: `Ответ ${MARKER}` })).status).toBe(201);

    const follow = await fetch(`${server.url}/follow-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: receipt, lang: 'ru' }),
    });
    const followPage = await follow.text();
    expect(followPage).toContain(`Ответ ${MARKER}`);
    const token = /name="token" value="([^"]+)"/.exec(followPage)?.[1] ?? '';
    const again = await fetch(`${server.url}/follow-up/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ code: receipt, lang: 'ru', message: `Ещё ${MARKER}`, token }),
    });
    expect(again.status).toBe(200);
  });

  it('rotates the master key while the server runs, without downtime', async () => {
    const rotate = await server.cli(['keys', 'rotate']);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(/Master key rotated to [0-9a-f]{12}; \d+ data keys re-wrapped/);
    // The running server meets the new key id on the next login and reloads the key file.
    const api = await apiLogin(server.url, admin.email, admin.password, nextTotp());
    expect((await api.get('/api/users')).status).toBe(200);
    // The running server writes under the new key and still reads everything.
    const created = await api.post('/api/users', { email: 'after.rotation@example.org', role: 'operator' });
    expect(created.status).toBe(201);
    const users = (await (await api.get('/api/users')).json()) as { items: Array<{ email: string }> };
    expect(users.items.map((u) => u.email)).toContain('after.rotation@example.org');
    const again = await server.cli(['keys', 'rotate']);
    expect(again.code, again.stderr).toBe(0);
    expect(((await (await api.get('/api/users')).json()) as { items: unknown[] }).items).toHaveLength(2);
    const verify = await server.cli(['audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Audit log OK: \d+ entries/);
  });

  it('leaves no trace of the marker or the receipt in files or logs', async () => {
    await server.stop(); // a clean shutdown checkpoints: everything is in the heap files and WAL now
    const digits = receipt.replace(/ /g, '');
    const needles = [MARKER, digits, receipt].map((s) => Buffer.from(s, 'utf8'));
    const files = await listFiles(server.dataDir);
    expect(files.some((f) => f.includes('pg_wal'))).toBe(true);
    let scanned = 0;
    let sawPlainColumn = false;
    const hits: string[] = [];
    for (const f of files) {
      const buf = await fs.readFile(f);
      scanned += buf.length;
      if (buf.includes('serviceman_war_zone')) sawPlainColumn = true;
      for (const n of needles) if (buf.includes(n)) hits.push(`${f}: ${n.toString()}`);
    }
    // Control: the scan does see table data (the category is stored in clear on purpose).
    expect(sawPlainColumn).toBe(true);
    expect(scanned).toBeGreaterThan(10_000_000);
    expect(hits).toEqual([]);
    const logs = server.output();
    expect(logs).toContain('Whiteflag is listening');
    expect(logs.length).toBeGreaterThan(1000);
    for (const n of [MARKER, digits, receipt]) expect(logs).not.toContain(n);
    expect(logs).not.toMatch(/127\.0\.0\.1:\d+"?,?\s*"?remote/i);
    expect(logs).not.toMatch(/remoteAddress|user-agent/i);
  });
});
