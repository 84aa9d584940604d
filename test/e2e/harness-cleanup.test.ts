import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The harness cleans up after a broken test: a child vitest runs test/harness/leak.fixture.ts (a test
 * that fails and one that times out, each with a running server and its embedded PostgreSQL, neither
 * with any cleanup of its own); when the child run is over, none of those processes may be left.
 */
const ROOT = path.resolve(import.meta.dirname, '..', '..');
let out = '';

afterAll(async () => {
  if (out) await fs.rm(out, { recursive: true, force: true });
});

/** Running, i.e. not gone and not a zombie waiting to be reaped by whoever inherited it. */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('test harness cleanup', () => {
  it('stops every server and database a failing or timed-out test started', {
    timeout: 240_000,
  }, async () => {
    out = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-harness-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      WF_FIXTURE_OUT: out,
      WHITEFLAG_TEST_SKIP_CONSOLE_BUILD: '1',
    };
    delete env.WHITEFLAG_TEST_PROCS_DIR; // the child run keeps its own list
    delete env.VITEST;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        'test/harness/vitest.fixture.config.ts',
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    expect(code, log).not.toBe(0);
    expect(log).toContain('failing on purpose');
    expect(log).toMatch(/timed out/i);

    const records = await Promise.all(
      ['fails', 'times-out'].map(
        async (name) =>
          JSON.parse(await fs.readFile(path.join(out, `${name}.json`), 'utf8')) as {
            server: number;
            postmaster: number;
            dataDir: string;
          },
      ),
    );
    for (const r of records) {
      expect(await alive(r.server), `server ${r.server} still running`).toBe(false);
      expect(await alive(r.postmaster), `postgres ${r.postmaster} still running`).toBe(false);
      await fs.rm(r.dataDir, { recursive: true, force: true });
    }
  });
});
