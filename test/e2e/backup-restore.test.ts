import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptStream, parseSecretKey } from '../../src/ops/backup-crypto.ts';
import { addUser, type ConsoleUser, nextTotp, submitPublicRequest } from '../console-helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The restore drill, as an organisation runs it: real server processes on the embedded PostgreSQL.
 * Cases (web requests with receipts and an operator's reply), a POW registry record and the audit
 * entries they make → backup → the data folder is destroyed → restore into a fresh one with the
 * offline backup key and the separately kept key file → receipts still open their threads, operators
 * log in, the registry record is there, `audit verify` is OK.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const PASSWORD = 'restore drill password';
let server: ServerProcess;
let restored: ServerProcess | undefined;
let offline = '';
let freshDir = '';
let admin: ConsoleUser;

function cli(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, WHITEFLAG_DATA_DIR: dataDir, WHITEFLAG_LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    const p = execFile(TSX, ['src/cli.ts', ...args], { cwd: ROOT, env }, (e, stdout, stderr) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    p.stdin?.end();
  });
}

beforeAll(async () => {
  offline = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-offline-'));
  freshDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-fresh-'));
  server = await startServerProcess();
  admin = await addUser(server, 'drill@example.org', 'admin', PASSWORD);
}, 120_000);

afterAll(async () => {
  await restored?.cleanup();
  await server?.cleanup();
  await fs.rm(offline, { recursive: true, force: true });
  await fs.rm(freshDir, { recursive: true, force: true });
});

const submit = (base: string, message: string) =>
  submitPublicRequest(base, { lang: 'ru', category: 'relative', message });

async function openThread(base: string, receipt: string): Promise<{ status: number; html: string }> {
  const res = await fetch(`${base}/follow-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code: receipt, lang: 'ru' }),
  });
  return { status: res.status, html: await res.text() };
}

describe('restore drill', () => {
  it('backs up, loses the data folder, restores into a fresh one, and everything still opens', async () => {
    // 1. Cases, a registry record, audit entries.
    const receiptA = await submit(server.url, 'Где мой сын? Маркер-восстановления-A');
    const receiptB = await submit(server.url, 'Хочу сдаться. Маркер-восстановления-B');
    const api = await apiLogin(server.url, 'drill@example.org', PASSWORD, await nextTotp(admin));
    const queue = (await (await api.get('/api/requests')).json()) as { items: Array<{ id: string }> };
    expect(queue.items).toHaveLength(2);
    const id = queue.items[0]?.id as string;
    expect(
      (await api.post(`/api/requests/${id}/replies`, { body: 'Ответ оператора переживёт восстановление' }))
        .status,
    ).toBe(201);
    const rec = await api.post('/api/pow/records', {
      identity: {
        surname: { original: 'Ковалёв', latin: 'Kovalev' },
        firstNames: { original: 'Дмитрий', latin: 'Dmitrii' },
        rank: 'рядовой',
        serviceNumber: 'АБ-123456',
        dateOfBirth: '1994-03-12',
        placeOfBirth: 'Курск',
        powerDependedOn: 'Russian Federation',
        fatherFirstName: 'Сергей',
        motherMaidenName: 'Иванова',
        personToInform: { name: 'Ковалёва Анна', address: 'Курск, ул. Ленина 1' },
        languages: ['ru'],
        unit: 'в/ч 12345',
        captureDate: '2026-03-01',
        capturePlace: 'Запорожская обл.',
        health: 'slightly_wounded',
        disclosureConsent: 'yes',
      },
      arrivedOn: '2026-03-03',
    });
    expect(rec.status, await rec.clone().text()).toBe(201);
    const record = (await rec.json()) as { id: string; ref: string };
    const before = await server.cli(['audit', 'verify']);
    expect(before.stdout).toMatch(/Audit log OK: \d+ entries/);
    const entriesBefore = Number(/OK: (\d+) entries/.exec(before.stdout)?.[1]);

    // 2. A backup key pair: the private half goes offline; then a backup, while the server runs.
    const keyFile = path.join(offline, 'backup.key');
    const keygen = await server.cli(['backup', 'keygen', '--out', keyFile]);
    expect(keygen.code, keygen.stderr).toBe(0);
    expect(await fs.readFile(path.join(server.dataDir, 'backup-public.key'), 'utf8')).toMatch(
      /^WFBACKUP-PUBLIC-1:/,
    );
    const backupFile = path.join(offline, 'drill.wfbackup');
    let t = Date.now();
    const created = await server.cli(['backup', 'create', '--out', backupFile]);
    const backupMs = Date.now() - t;
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('Backup written');
    // The key file is kept separately (offline) — it is never inside the backup.
    const keyring = await fs.readFile(path.join(server.dataDir, 'keys', 'keyring.json'), 'utf8');
    await fs.writeFile(path.join(offline, 'keyring.json'), keyring, { mode: 0o600 });

    // The backup file reads as nothing without the private key; decrypted, it holds no key material.
    const raw = await fs.readFile(backupFile);
    expect(raw.includes(Buffer.from('request_threads'))).toBe(false);
    let plain = Buffer.alloc(0);
    await pipeline(
      createReadStream(backupFile),
      decryptStream(parseSecretKey(await fs.readFile(keyFile, 'utf8'))),
      new Writable({
        write(c: Buffer, _e, cb) {
          plain = Buffer.concat([plain, c]);
          cb();
        },
      }),
    );
    expect(plain.subarray(0, 5).toString()).toBe('PGDMP');
    const ring = JSON.parse(keyring) as { master: { keys: Record<string, string> }; index: string };
    for (const k of [...Object.values(ring.master.keys), ring.index])
      expect(plain.includes(Buffer.from(k))).toBe(false);
    expect(plain.includes(Buffer.from('Маркер-восстановления'))).toBe(false); // messages are sealed

    // 3. The server and its data folder are gone.
    await server.stop();
    await fs.rm(server.dataDir, { recursive: true, force: true });
    expect((await fetch(`${server.url}/healthz`).catch(() => null))?.status).toBeUndefined();

    // 4. Restore into a fresh data folder: the backup, the offline backup key, the kept key file.
    t = Date.now();
    const restore = await cli(freshDir, [
      'backup',
      'restore',
      backupFile,
      '--identity',
      keyFile,
      '--keyring',
      path.join(offline, 'keyring.json'),
    ]);
    const restoreMs = Date.now() - t;
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toContain('the key file opens the restored data');
    // A second restore into the now filled folder is refused (no silent overwrite).
    const again = await cli(freshDir, ['backup', 'restore', backupFile, '--identity', keyFile]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('not empty');

    restored = await startServerProcess({}, { dataDir: freshDir });
    const ready = await fetch(`${restored.url}/readyz`);
    expect(await ready.json()).toMatchObject({ status: 'ready' });

    // 5. Receipts open their threads, with the operator's reply.
    const a = await openThread(restored.url, receiptA);
    const b = await openThread(restored.url, receiptB);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.html + b.html).toContain('Маркер-восстановления-A');
    expect(a.html + b.html).toContain('Маркер-восстановления-B');
    expect(a.html + b.html).toContain('Ответ оператора переживёт восстановление');
    expect((await openThread(restored.url, '1234 5678 9012 3456 7890 1234 5678')).status).toBe(404);

    // 6. The operator logs in; the registry record is there; the audit chain is intact and continues.
    const after = await apiLogin(restored.url, 'drill@example.org', PASSWORD, await nextTotp(admin));
    const got = (await (await after.get(`/api/pow/records/${record.id}`)).json()) as {
      item: { ref: string; identity: { surname: { original: string } } };
    };
    expect(got.item.ref).toBe(record.ref);
    expect(got.item.identity.surname.original).toBe('Ковалёв');
    const verify = await restored.cli(['audit', 'verify']);
    expect(verify.code, verify.stdout).toBe(0);
    const entriesAfter = Number(/OK: (\d+) entries/.exec(verify.stdout)?.[1]);
    expect(entriesAfter).toBeGreaterThan(entriesBefore);

    console.info(
      `restore drill: backup ${backupMs} ms (${raw.length} bytes), restore ${restoreMs} ms, audit ${entriesBefore} → ${entriesAfter} entries`,
    );
  }, 240_000);

  it('refuses to start on restored data without its key file, saying what to do', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-nokeys-'));
    try {
      const r = await cli(dir, [
        'backup',
        'restore',
        path.join(offline, 'drill.wfbackup'),
        '--identity',
        path.join(offline, 'backup.key'),
      ]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('Put back the key file');
      const start = await cli(dir, ['audit', 'verify']);
      expect(start.code).not.toBe(0);
      expect(start.stderr).toContain('key file');
      expect(start.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
