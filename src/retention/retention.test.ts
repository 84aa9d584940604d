import fs from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  type LoggedIn,
  login,
  submitWebRequest,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';

let ctx: TestContext;
let s: LoggedIn;
let admin: TestOperator;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
  s = await login(ctx, admin);
});
afterAll(async () => ctx.close());

async function closedCase(message: string) {
  const { receipt } = await submitWebRequest(ctx, { message, category: 'relative' });
  const id = (await ctx.core.intake.findByReceipt(receipt))?.id as string;
  await ctx.app.inject({
    method: 'PUT',
    url: `/api/requests/${id}/protocol/steps/info_request/answers`,
    headers: s.headers,
    payload: { answers: { details: `${message} подробности` } },
  });
  const r = await ctx.app.inject({
    method: 'POST',
    url: `/api/requests/${id}/status`,
    headers: s.headers,
    payload: { status: 'closed_info_given' },
  });
  expect(r.statusCode).toBe(200);
  return { id, receipt };
}

/** The bytes of a relation's data files (main fork and segments), read straight from disk. */
async function relationBytes(table: string): Promise<Buffer> {
  await sql`CHECKPOINT`.execute(ctx.core.db);
  const dir = (await sql<{ d: string }>`SELECT current_setting('data_directory') AS d`.execute(ctx.core.db))
    .rows[0]?.d as string;
  const rel = (
    await sql<{ p: string }>`SELECT pg_relation_filepath(${table}::regclass) AS p`.execute(ctx.core.db)
  ).rows[0]?.p as string;
  const toast = (
    await sql<{
      p: string | null;
    }>`SELECT pg_relation_filepath(reltoastrelid) AS p FROM pg_class WHERE oid = ${table}::regclass`.execute(
      ctx.core.db,
    )
  ).rows[0]?.p;
  const parts: Buffer[] = [];
  for (const r of [rel, toast].filter((x): x is string => !!x)) {
    const base = path.join(dir, r);
    for (const f of await fs.readdir(path.dirname(base))) {
      if (f === path.basename(base) || f.startsWith(`${path.basename(base)}.`))
        parts.push(await fs.readFile(path.join(path.dirname(base), f)));
    }
  }
  return Buffer.concat(parts);
}

describe('retention', () => {
  it('purges closed requests after the period, keeps open and recent ones, and audits it', async () => {
    const old = await closedCase('старое закрытое');
    const open = await submitWebRequest(ctx, { message: 'открытое' });
    ctx.clock.advance(91 * 86_400_000);
    s = await login(ctx, admin); // the idle session locked itself meanwhile
    const recent = await closedCase('свежее закрытое');
    const { purged } = await ctx.core.retention.run();
    expect(purged).toBe(1);
    const row = await ctx.core.db
      .selectFrom('request_threads')
      .selectAll()
      .where('id', '=', old.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: 'closed_info_given',
      category: 'relative',
      sk_for_receipt: null,
      receipt_lookup: null,
      message_count: 0,
    });
    expect(row.sk_for_org.length).toBe(0);
    expect(row.purged_at).not.toBeNull();
    expect(
      await ctx.core.db.selectFrom('thread_messages').select('id').where('thread_id', '=', old.id).execute(),
    ).toEqual([]);
    expect(
      await ctx.core.db
        .selectFrom('case_answers')
        .select('step_id')
        .where('thread_id', '=', old.id)
        .execute(),
    ).toEqual([]);
    // The receipt opens nothing any more; the others still work.
    const gone = await ctx.app.inject({ method: 'POST', url: '/follow-up', ...form({ code: old.receipt }) });
    expect(gone.statusCode).toBe(404);
    expect(
      (await ctx.app.inject({ method: 'POST', url: '/follow-up', ...form({ code: open.receipt }) }))
        .statusCode,
    ).toBe(200);
    expect(
      (await ctx.app.inject({ method: 'POST', url: '/follow-up', ...form({ code: recent.receipt }) }))
        .statusCode,
    ).toBe(200);
    const entry = await ctx.core.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'retention.purge')
      .executeTakeFirstOrThrow();
    expect(entry.details).toEqual({ count: 1, olderThanDays: 90 });
    expect((await ctx.core.retention.run()).purged).toBe(0);
  });

  it('leaves no byte of purged content or keys in the database files after a full purge', async () => {
    const victim = await closedCase('уничтожить полностью');
    const keyBytes = (
      await ctx.core.db
        .selectFrom('request_threads')
        .select('sk_for_org')
        .where('id', '=', victim.id)
        .executeTakeFirstOrThrow()
    ).sk_for_org;
    const sealed = (
      await ctx.core.db
        .selectFrom('thread_messages')
        .select('sealed')
        .where('thread_id', '=', victim.id)
        .executeTakeFirstOrThrow()
    ).sealed;
    // Control: before the purge, the scan finds them.
    expect((await relationBytes('request_threads')).includes(keyBytes)).toBe(true);
    expect((await relationBytes('thread_messages')).includes(sealed)).toBe(true);
    ctx.clock.advance(91 * 86_400_000);
    s = await login(ctx, admin);
    expect((await ctx.core.retention.run({ vacuum: 'full' })).purged).toBeGreaterThanOrEqual(1);
    expect((await relationBytes('request_threads')).includes(keyBytes)).toBe(false);
    expect((await relationBytes('thread_messages')).includes(sealed)).toBe(false);
  });
});
