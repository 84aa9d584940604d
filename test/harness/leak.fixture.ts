import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../server-process.ts';

/**
 * Deliberately broken tests with no cleanup of their own: one fails, one hangs past its timeout.
 * test/e2e/harness-cleanup.test.ts runs this file in a child vitest and checks that the servers and
 * their PostgreSQL are gone afterwards. Not part of the normal run (not a *.test.ts file).
 */
async function startAndRecord(name: string) {
  const server = await startServerProcess();
  const postmaster = Number(
    readFileSync(path.join(server.dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  writeFileSync(
    path.join(process.env.WF_FIXTURE_OUT as string, `${name}.json`),
    JSON.stringify({ server: server.pid, postmaster, dataDir: server.dataDir }),
  );
  return server;
}

describe('a failing test', () => {
  let url = '';
  beforeAll(async () => {
    url = (await startAndRecord('fails')).url;
  });
  it('fails after starting a server', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect('this test').toBe('failing on purpose');
  });
});

describe('a test that times out', () => {
  beforeAll(async () => {
    await startAndRecord('times-out');
  });
  it('hangs past its timeout while its server runs', { timeout: 2_000 }, async () => {
    await new Promise((r) => setTimeout(r, 60_000));
  });
});
