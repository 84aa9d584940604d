import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
