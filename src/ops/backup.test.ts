import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseUrl } from '../../test/global-setup.ts';
import { createOperator, createTestContext, submitWebRequest, type TestContext } from '../../test/helpers.ts';
import { createBackup, restoreBackup } from './backup.ts';
import { generateBackupKeyPair } from './backup-crypto.ts';

/**
 * Backup and restore against the suite's PostgreSQL (the machine's server in CI, or an embedded one):
 * a database with requests is dumped, sealed, and restored into an empty database on the same server;
 * a wrong key, an edited byte or a cut-off file restores nothing.
 */
let ctx: TestContext;
let dir = '';
const keys = generateBackupKeyPair();
const targets: string[] = [];

async function emptyDatabase(): Promise<{ url: string; pool: pg.Pool }> {
  const name = `wf_t_restore_${targets.length}_${process.pid}`;
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  targets.push(name);
  const url = databaseUrl(inject('pgAdminUrl'), name);
  return { url, pool: new pg.Pool({ connectionString: url, max: 2 }) };
}

beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin');
  for (let i = 0; i < 3; i++) await submitWebRequest(ctx, { message: `запрос ${i}` });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-backup-'));
});

afterAll(async () => {
  await ctx?.close();
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  for (const t of targets) await admin.query(`DROP DATABASE IF EXISTS ${t} WITH (FORCE)`);
  await admin.end();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('backup of a PostgreSQL database', () => {
  let file = '';
  it('dumps, seals and restores into an empty database on the server', async () => {
    file = path.join(dir, 'a.wfbackup');
    const r = await createBackup({
      databaseUrl: ctx.dbUrl,
      pool: ctx.handle.pool,
      publicKey: keys.publicKey,
      out: file,
      now: new Date(),
    });
    expect(r.bytes).toBeGreaterThan(1000);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const target = await emptyDatabase();
    try {
      const header = await restoreBackup({
        file,
        keys,
        databaseUrl: target.url,
        pool: target.pool,
        replace: false,
      });
      expect(header.format).toBe('pg_dump-custom');
      const n = await target.pool.query<{ n: string }>('SELECT count(*) AS n FROM request_threads');
      expect(Number(n.rows[0]?.n)).toBe(3);
      // Restoring again over it is refused, unless asked to replace.
      await expect(
        restoreBackup({ file, keys, databaseUrl: target.url, pool: target.pool, replace: false }),
      ).rejects.toThrow(/not empty/);
      await restoreBackup({ file, keys, databaseUrl: target.url, pool: target.pool, replace: true });
      const again = await target.pool.query<{ n: string }>('SELECT count(*) AS n FROM request_threads');
      expect(Number(again.rows[0]?.n)).toBe(3);
    } finally {
      await target.pool.end();
    }
  });

  it('restores nothing with the wrong key, an edited byte, or a truncated file', async () => {
    const bytes = await fs.readFile(file);
    const edited = Buffer.from(bytes);
    edited[edited.length - 100] = (edited[edited.length - 100] as number) ^ 1;
    await fs.writeFile(path.join(dir, 'edited.wfbackup'), edited);
    await fs.writeFile(path.join(dir, 'cut.wfbackup'), bytes.subarray(0, bytes.length - 5000));
    const cases: Array<[string, typeof keys, RegExp]> = [
      [file, generateBackupKeyPair(), /sealed to backup key/],
      [path.join(dir, 'edited.wfbackup'), keys, /authentication failed|unreadable/],
      [path.join(dir, 'cut.wfbackup'), keys, /truncated|pg_restore failed/],
    ];
    for (const [f, k, why] of cases) {
      const target = await emptyDatabase();
      try {
        await expect(
          restoreBackup({ file: f, keys: k, databaseUrl: target.url, pool: target.pool, replace: false }),
        ).rejects.toThrow(why);
        const t = await target.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        );
        expect(Number(t.rows[0]?.n)).toBe(0);
      } finally {
        await target.pool.end();
      }
    }
  });
});
