import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { killRegisteredGroups } from './process-registry.ts';

/**
 * One PostgreSQL for the whole run: the machine's server when DATABASE_URL is set (CI runs both), else
 * a real embedded one in a temp folder. A template database is migrated once; every test file clones
 * it (CREATE DATABASE … TEMPLATE), so files are isolated and start in milliseconds.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgMode: 'server' | 'embedded';
  }
}

export function databaseUrl(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  // Workers write down the process groups they start (servers, their PostgreSQL, Chromium); the
  // teardown kills what is left, even if a worker was killed or timed out before cleaning up.
  const procsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-procs-'));
  process.env.WHITEFLAG_TEST_PROCS_DIR = procsDir;
  // The console e2e tests need the built console, as `npm start` would build it. (Set
  // WHITEFLAG_TEST_SKIP_CONSOLE_BUILD=1 to keep the current build while console sources are mid-edit.)
  if (!process.env.WHITEFLAG_TEST_SKIP_CONSOLE_BUILD) {
    const build = spawnSync(process.execPath, ['scripts/build-console-if-needed.mjs'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('building the console failed');
  }
  let adminUrl: string;
  let stopEmbedded: (() => Promise<void>) | null = null;
  let tmp: string | null = null;
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-test-'));
    const emb = await startEmbeddedPostgres(tmp);
    adminUrl = emb.url;
    stopEmbedded = emb.stop;
    // If this process ends without its teardown (Ctrl-C twice, a crash), the database stops too.
    const pidFile = path.join(tmp, 'pg', 'postmaster.pid');
    process.once('exit', () => {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGINT');
      } catch {
        // already stopped
      }
    });
  }
  const template = `wf_tpl_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  const pool = new pg.Pool({ connectionString: databaseUrl(adminUrl, template), max: 1 });
  await migrate(pool);
  await pool.end();

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgMode', process.env.DATABASE_URL ? 'server' : 'embedded');

  return async () => {
    killRegisteredGroups(procsDir);
    // Drop every database this run created (test files drop their own; this catches crashes).
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'wf_t_%' OR datname = $1`,
      [template],
    );
    for (const r of rows)
      await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => {});
    await admin.end();
    if (stopEmbedded) await stopEmbedded();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true }).catch(() => {});
  };
}
