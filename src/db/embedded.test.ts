import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded.ts';

const asRootWithPostgresUser = process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status === 0;

describe('embedded PostgreSQL as root', () => {
  it.runIf(asRootWithPostgresUser)(
    'refuses a data folder the postgres user cannot reach, naming the exact fix',
    async () => {
      // A clone under /root: the parent is mode 700, as /root is on a fresh VPS.
      const home = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-home-'));
      await fs.chmod(home, 0o700);
      try {
        const err = await startEmbeddedPostgres(path.join(home, 'wf', 'data')).then(
          () => null,
          (e: unknown) => e as Error,
        );
        expect(err?.message).toContain(`chmod o+x ${home}`);
        expect(err?.message).toContain('WHITEFLAG_DATA_DIR=');
        expect(err?.stack ?? '').not.toContain('EACCES');
        // Nothing was initialised that a later, fixed start would trip over.
        await expect(fs.stat(path.join(home, 'wf', 'data', 'pg', 'PG_VERSION'))).rejects.toThrow();
      } finally {
        await fs.rm(home, { recursive: true, force: true });
      }
    },
  );
});

describe('embedded PostgreSQL connection', () => {
  it('connects the app through its Unix socket, keeps TCP for tools, and finds the socket again when adopted', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-sock-'));
    await fs.chmod(dir, 0o711); // as root, the server runs as "postgres", which must pass through
    const db = await startEmbeddedPostgres(path.join(dir, 'data'));
    try {
      const serverAddress = async (url: string) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          return (await c.query<{ a: string | null }>('SELECT inet_server_addr()::text AS a')).rows[0]?.a;
        } finally {
          await c.end();
        }
      };
      // No server address: a Unix-socket connection (no loopback TCP stack on either side).
      expect(db.url).toContain('?host=');
      expect(await serverAddress(db.url)).toBeNull();
      // TCP on 127.0.0.1 still answers (pg_dump, psql, an older process).
      expect(await serverAddress(db.url.replace(/\?host=.*$/, ''))).toBe('127.0.0.1/32');
      // A second process that finds the server running (the CLI while the app runs) uses the socket too.
      const again = await startEmbeddedPostgres(path.join(dir, 'data'));
      expect(await serverAddress(again.url)).toBeNull();
    } finally {
      await db.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
