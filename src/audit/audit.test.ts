import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/helpers.ts';

const run = promisify(execFile);
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

async function appendMany(n: number) {
  for (let i = 0; i < n; i++)
    await ctx.core.audit.append({ actorType: 'system', action: 'test.event', details: { i, note: 'é' } });
  await ctx.core.audit.chain();
}

describe('audit log', () => {
  it('chains entries in order and verifies', async () => {
    await appendMany(25);
    const r = await ctx.core.audit.verify();
    expect(r).toMatchObject({ ok: true, problems: [] });
    expect(r.checked).toBeGreaterThanOrEqual(25);
    const rows = await ctx.core.db
      .selectFrom('audit_log')
      .select(['seq', 'hash', 'prev_hash'])
      .orderBy('seq')
      .execute();
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toEqual(rows[i - 1]?.hash);
  });

  it('chains concurrent appends from many transactions without losing any', async () => {
    const before = (await ctx.core.audit.verify()).checked;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ctx.core.audit
          .append({ actorType: 'system', action: 'test.concurrent', details: { i } })
          .then(() => ctx.core.audit.chain()),
      ),
    );
    const r = await ctx.core.audit.verify();
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(before + 40);
  });

  it('detects an edited entry and names it', async () => {
    await appendMany(3);
    const victim = await ctx.core.db
      .selectFrom('audit_log')
      .select(['id', 'seq'])
      .where('action', '=', 'test.event')
      .orderBy('seq')
      .offset(5)
      .executeTakeFirstOrThrow();
    await sql`UPDATE audit_log SET details = '{"i": 999}'::jsonb WHERE id = ${victim.id}`.execute(
      ctx.core.db,
    );
    const r = await ctx.core.audit.verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      { id: victim.id, seq: victim.seq, problem: 'entry does not match its hash (edited)' },
    ]);
    // Restore for the next test: recompute nothing, just put the value back.
    await sql`UPDATE audit_log SET details = '{"i": 5, "note": "é"}'::jsonb WHERE id = ${victim.id}`.execute(
      ctx.core.db,
    );
    expect((await ctx.core.audit.verify()).ok).toBe(true);
  });

  it('detects a deleted entry', async () => {
    const victim = await ctx.core.db
      .selectFrom('audit_log')
      .select(['id', 'seq'])
      .orderBy('seq')
      .offset(3)
      .executeTakeFirstOrThrow();
    await sql`DELETE FROM audit_log WHERE id = ${victim.id}`.execute(ctx.core.db);
    const r = await ctx.core.audit.verify();
    expect(r.ok).toBe(false);
    expect(r.problems[0]?.problem).toBe(`entries ${victim.seq}..${victim.seq} are missing (deleted)`);
  });

  it('`npm run cli -- audit verify` exits 1 and names the broken entry', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: ctx.dbUrl,
      WHITEFLAG_MASTER_KEY: (ctx.keyring.masterKeys.get(ctx.keyring.activeMasterKeyId) as Buffer).toString(
        'base64',
      ),
      WHITEFLAG_INDEX_KEY: ctx.keyring.indexKey.toString('base64'),
    };
    const res = await run('npx', ['tsx', 'src/cli.ts', 'audit', 'verify'], { env }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('Audit log BROKEN');
    expect(res.stdout).toMatch(/entry id=\d+ seq=\d+: entries \d+\.\.\d+ are missing \(deleted\)/);
  });
});
