import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOperator, createTestContext, login, type TestContext } from '../../test/helpers.ts';
import { CHAIN_GRACE_MS, createAuditLog, entryHash } from './audit.service.ts';
import { parseCheckpoints } from './checkpoints.ts';

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), 'wf-audit-'));

async function appendMany(ctx: TestContext, n: number, action = 'test.event') {
  for (let i = 0; i < n; i++)
    await ctx.core.audit.record({ actorType: 'system', action, details: { i, note: 'é' } });
  await ctx.core.audit.chain();
}

/** What a database writer can do without the audit key: renumber and re-link with plain SHA-256. */
async function relinkUnkeyed(ctx: TestContext) {
  const rows = (
    await sql<Parameters<typeof entryHash>[2]>`
      SELECT id, seq, at, actor_type, actor_id, action, subject_type, subject_id, details, prev_hash, hash
      FROM audit_log WHERE seq IS NOT NULL ORDER BY seq`.execute(ctx.core.db)
  ).rows;
  let prev: Buffer = Buffer.alloc(32);
  let seq = 0;
  for (const r of rows) {
    seq++;
    const h = entryHash(prev, String(seq), r, null);
    await sql`UPDATE audit_log SET seq = ${seq}, prev_hash = ${prev}, hash = ${h} WHERE id = ${r.id}`.execute(
      ctx.core.db,
    );
    prev = h;
  }
}

/** `npm run cli -- audit verify` as an admin runs it, in its own process, against the test database. */
async function cliVerify(ctx: TestContext, ...extra: string[]) {
  const env = {
    ...process.env,
    DATABASE_URL: ctx.dbUrl,
    WHITEFLAG_MASTER_KEY: (ctx.keyring.masterKeys.get(ctx.keyring.activeMasterKeyId) as Buffer).toString(
      'base64',
    ),
    WHITEFLAG_INDEX_KEY: ctx.keyring.indexKey.toString('base64'),
    WHITEFLAG_AUDIT_KEY: ctx.keyring.auditKey.toString('base64'),
  };
  return run('npx', ['tsx', 'src/cli.ts', 'audit', 'verify', ...extra], { env }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
}

describe('audit log', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx.close());

  it('chains entries in order and verifies', async () => {
    await appendMany(ctx, 25);
    const r = await ctx.core.audit.verify();
    expect(r).toMatchObject({ ok: true, problems: [], keyedFrom: '1' });
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
          .record({ actorType: 'system', action: 'test.concurrent', details: { i } })
          .then(() => ctx.core.audit.chain()),
      ),
    );
    const r = await ctx.core.audit.verify();
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(before + 40);
  });

  it('verify chains nothing: a fresh entry is reported as pending, not chained', async () => {
    // As the write path leaves an entry before its chainer runs (record() would chain it at once).
    await ctx.core.db
      .insertInto('audit_log')
      .values({ at: ctx.clock.now(), actor_type: 'system', action: 'test.pending', details: '{}' })
      .execute();
    const r = await ctx.core.audit.verify();
    expect(r).toMatchObject({ ok: true, pending: 1 });
    const row = await ctx.core.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'test.pending')
      .executeTakeFirstOrThrow();
    expect(row.seq).toBeNull();
    await ctx.core.audit.chain();
  });
});

describe('audit forgery by a database writer (no audit key)', () => {
  let ctx: TestContext;
  beforeEach(async () => {
    // An hour ago: by the time the CLI (system clock) verifies, the entries are past the grace window.
    ctx = await createTestContext({ start: new Date(Date.now() - 3_600_000) });
    await appendMany(ctx, 10);
    // Start-up wrote one entry too: seq 1..11.
    expect((await ctx.core.audit.verify()).checked).toBe(11);
  });
  afterEach(async () => ctx.close());

  it('an edited entry, re-linked with SHA-256 to look consistent, is detected and named', async () => {
    const victim = await ctx.core.db
      .selectFrom('audit_log')
      .select(['id', 'seq'])
      .where('seq', '=', '5')
      .executeTakeFirstOrThrow();
    await sql`UPDATE audit_log SET details = '{"i": 999}'::jsonb WHERE id = ${victim.id}`.execute(
      ctx.core.db,
    );
    await relinkUnkeyed(ctx);
    const r = await ctx.core.audit.verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual({
      id: victim.id,
      seq: '5',
      problem: 'entry does not match its hash (edited)',
    });
  });

  it('a deleted middle entry, renumbered and re-linked, is detected', async () => {
    await sql`DELETE FROM audit_log WHERE seq = 4`.execute(ctx.core.db);
    await relinkUnkeyed(ctx);
    const r = await ctx.core.audit.verify();
    expect(r.ok).toBe(false);
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.every((p) => p.problem === 'entry does not match its hash (edited)')).toBe(true);
  });

  it('a deleted middle entry (no re-link) leaves a named gap', async () => {
    await sql`DELETE FROM audit_log WHERE seq = 4`.execute(ctx.core.db);
    const r = await ctx.core.audit.verify();
    expect(r.problems[0]?.problem).toBe('entries 4..4 are missing (deleted)');
  });

  it('edit + clear the chain columns from there on: `audit verify` (CLI) reports it and re-chains nothing', async () => {
    await sql`UPDATE audit_log SET details = '{"i": 999}'::jsonb WHERE seq = 6`.execute(ctx.core.db);
    await sql`UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq >= 6`.execute(
      ctx.core.db,
    );
    // Even the server's own chainer, running later, leaves the old entries alone.
    ctx.clock.advance(CHAIN_GRACE_MS + 1000);
    await ctx.core.audit.chain();
    const res = await cliVerify(ctx);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('Audit log BROKEN');
    expect(res.stdout).toContain(
      '6 entries older than 5 minutes are not chained (cleared or forged; verify never re-chains)',
    );
    const unchained = await ctx.core.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('seq', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(unchained.n)).toBe(6);
  });

  it('truncating the newest entries is caught by `audit verify --checkpoint FILE`', async () => {
    const file = path.join(tmp, `truncate-${Date.now()}.jsonl`);
    const audit = createAuditLog({
      db: ctx.core.db,
      clock: ctx.clock,
      auditKey: ctx.keyring.auditKey,
      checkpointFile: file,
    });
    const c = await audit.checkpoint();
    expect(c?.seq).toBe('11');
    const ok = await cliVerify(ctx, '--checkpoint', file);
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('Audit log OK: 11 entries, chain intact, 1 checkpoint(s) match.');

    await sql`DELETE FROM audit_log WHERE seq > 7`.execute(ctx.core.db);
    const res = await cliVerify(ctx, '--checkpoint', file);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /seq=7: checkpoint of \S+ \(seq 11\) is beyond the head 7: newest entries were deleted \(truncated\)/,
    );
  });

  it('a tail rewritten after a checkpoint (cleared, re-dated, re-chained by the server) is caught by the checkpoint', async () => {
    const file = path.join(tmp, `rewrite-${Date.now()}.jsonl`);
    const audit = createAuditLog({
      db: ctx.core.db,
      clock: ctx.clock,
      auditKey: ctx.keyring.auditKey,
      checkpointFile: file,
    });
    await audit.checkpoint();
    // The forger makes the tail look fresh so that the server's chainer re-chains it with the key.
    await sql`UPDATE audit_log SET details = '{"i": 999}'::jsonb WHERE seq = 9`.execute(ctx.core.db);
    await sql`UPDATE audit_log SET seq = NULL, prev_hash = NULL, hash = NULL, at = ${ctx.clock.now()}
      WHERE seq >= 8`.execute(ctx.core.db);
    await ctx.core.audit.chain();
    const { checkpoints } = parseCheckpoints(readFileSync(file, 'utf8'));
    const withoutFile = await ctx.core.audit.verify();
    expect(withoutFile.ok).toBe(true);
    const r = await ctx.core.audit.verify({ checkpoints });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.problem)).toEqual([
      expect.stringMatching(/\(seq 11\): the chain differs at this seq \(rewritten\)$/),
    ]);
  });

  it('history from before the keyed chain keeps verifying with SHA-256 up to the recorded boundary; moving it is caught', async () => {
    // As migration 0010 leaves an existing log: seq 1..11 unkeyed, keyed from 12 on.
    await relinkUnkeyed(ctx);
    await sql`UPDATE audit_chain SET keyed_from_seq = 12`.execute(ctx.core.db);
    await appendMany(ctx, 3);
    const file = path.join(tmp, `boundary-${Date.now()}.jsonl`);
    const audit = createAuditLog({
      db: ctx.core.db,
      clock: ctx.clock,
      auditKey: ctx.keyring.auditKey,
      checkpointFile: file,
    });
    await audit.checkpoint();
    const { checkpoints } = parseCheckpoints(readFileSync(file, 'utf8'));
    expect(await ctx.core.audit.verify({ checkpoints })).toMatchObject({
      ok: true,
      checked: 14,
      keyedFrom: '12',
    });
    // The forger declares the whole log "old history" and re-links it without the key.
    await sql`UPDATE audit_chain SET keyed_from_seq = 15`.execute(ctx.core.db);
    await relinkUnkeyed(ctx);
    const r = await ctx.core.audit.verify({ checkpoints });
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.problem)).toEqual([
      expect.stringMatching(/keyed chain starts at seq 12, the database says 15 \(boundary moved\)$/),
      expect.stringMatching(/the chain differs at this seq \(rewritten\)$/),
    ]);
  });

  it('a checkpoint not signed by the audit key is refused', async () => {
    const file = path.join(tmp, `forged-${Date.now()}.jsonl`);
    const other = createAuditLog({
      db: ctx.core.db,
      clock: ctx.clock,
      auditKey: Buffer.alloc(32, 7),
      checkpointFile: file,
    });
    await other.checkpoint();
    const line = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    writeFileSync(file, `${JSON.stringify({ ...line, seq: '3' })}\n`);
    const res = await cliVerify(ctx, '--checkpoint', file);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('signature invalid (not signed by this audit key)');
  });
});

describe('checkpoints in the console API', () => {
  let ctx: TestContext;
  const file = path.join(tmp, `api-${Date.now()}.jsonl`);
  beforeAll(async () => {
    ctx = await createTestContext({ auditCheckpointFile: file });
  });
  afterAll(async () => ctx.close());

  it('an admin writes a checkpoint on demand, sees it signed, downloads the file, and verify uses it', async () => {
    const admin = await createOperator(ctx, 'admin');
    const s = await login(ctx, admin);
    const made = await ctx.app.inject({ method: 'POST', url: '/api/audit/checkpoints', headers: s.headers });
    expect(made.statusCode).toBe(200);
    const seq = made.json().checkpoint.seq as string;
    expect(Number(seq)).toBeGreaterThan(0);

    const list = await ctx.app.inject({ method: 'GET', url: '/api/audit/checkpoints', headers: s.headers });
    expect(list.json()).toMatchObject({ file, items: [{ seq, valid: true }] });
    expect(list.json().publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);

    const exported = await ctx.app.inject({
      method: 'GET',
      url: '/api/audit/checkpoints/export',
      headers: s.headers,
    });
    expect(exported.headers['content-disposition']).toContain('audit-checkpoints.jsonl');
    expect(exported.body).toBe(readFileSync(file, 'utf8'));

    const ok = await ctx.app.inject({ method: 'GET', url: '/api/audit/verify', headers: s.headers });
    expect(ok.json()).toMatchObject({ ok: true, checkpoints: 1 });
    await sql`DELETE FROM audit_log WHERE seq = ${seq}`.execute(ctx.core.db);
    const broken = await ctx.app.inject({ method: 'GET', url: '/api/audit/verify', headers: s.headers });
    expect(broken.json().ok).toBe(false);
    expect(
      broken
        .json()
        .problems.map((p: { problem: string }) => p.problem)
        .join('\n'),
    ).toContain('newest entries were deleted (truncated)');
  });
});
