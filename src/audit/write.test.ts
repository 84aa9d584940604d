import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, until } from '../../test/helpers.ts';
import { createLogger } from '../log.ts';
import { createEventBus, type RequestEvent } from '../realtime/events.ts';

/** Every shipped TypeScript file under src/ (tests excluded), with its path relative to the repository. */
function sourceFiles(dir = 'src'): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('the write path (audit.write)', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx.close());

  const cannedTitled = (title: string) =>
    ctx.core.db.selectFrom('canned_replies').select('id').where('title', '=', title).execute();
  const auditFor = (subjectId: string) =>
    ctx.core.db.selectFrom('audit_log').select(['seq']).where('subject_id', '=', subjectId).execute();

  it('commits the change and its audit entry together, and chains the entry after commit', async () => {
    const id = crypto.randomUUID();
    await ctx.core.audit.write(async (trx, w) => {
      await trx
        .insertInto('canned_replies')
        .values({
          id,
          language: 'en',
          title: 'kept',
          body: 'b',
          created_at: new Date(),
          updated_at: new Date(),
        })
        .execute();
      await w.audit({
        actorType: 'system',
        action: 'canned.create',
        subjectType: 'canned_reply',
        subjectId: id,
      });
    });
    expect(await cannedTitled('kept')).toHaveLength(1);
    // Chained without anyone calling chain(): the helper did it after commit.
    const rows = await until(async () => {
      const r = await auditFor(id);
      return r.length === 1 && r[0]?.seq !== null ? r : null;
    });
    expect(rows).toHaveLength(1);
    expect((await ctx.core.audit.verify()).ok).toBe(true);
  });

  it('a throw after the audit call rolls back both the change and its audit entry', async () => {
    const id = crypto.randomUUID();
    await expect(
      ctx.core.audit.write(async (trx, w) => {
        await trx
          .insertInto('canned_replies')
          .values({
            id,
            language: 'en',
            title: 'lost',
            body: 'b',
            created_at: new Date(),
            updated_at: new Date(),
          })
          .execute();
        await w.audit({
          actorType: 'system',
          action: 'canned.create',
          subjectType: 'canned_reply',
          subjectId: id,
        });
        // The helper's own spelling for code that only has the transaction: the same entry, same fate.
        await ctx.core.audit.append({ actorType: 'system', action: 'canned.update', subjectId: id }, trx);
        throw new Error('boom after the audit');
      }),
    ).rejects.toThrow('boom after the audit');
    expect(await cannedTitled('lost')).toHaveLength(0);
    expect(await auditFor(id)).toHaveLength(0);
  });

  it('a failed change leaves no audit entry: a service refusing a write audits nothing', async () => {
    const op = crypto.randomUUID();
    const missing = crypto.randomUUID();
    await expect(ctx.core.canned.remove(op, missing)).rejects.toMatchObject({ code: 'not_found' });
    expect(await auditFor(missing)).toHaveLength(0);
  });

  it('refuses an audit entry outside a write (it could outlive or miss its change)', async () => {
    await expect(
      ctx.core.db
        .transaction()
        .execute((trx) => ctx.core.audit.append({ actorType: 'system', action: 'test.stray' }, trx)),
    ).rejects.toThrow(/outside audit\.write/);
    const stray = await ctx.core.db
      .selectFrom('audit_log')
      .select('id')
      .where('action', '=', 'test.stray')
      .execute();
    expect(stray).toHaveLength(0);
  });

  it('delivers a live event on commit, and never for a write that rolled back', async () => {
    const bus = createEventBus(ctx.dbUrl, createLogger('silent'));
    const seen: RequestEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    try {
      const rolledBack = crypto.randomUUID();
      const committed = crypto.randomUUID();
      // The bus connects asynchronously: wait until a probe event arrives.
      const probe = crypto.randomUUID();
      await until(async () => {
        await ctx.core.audit.write((_trx, w) => w.notify('updated', probe));
        return seen.some((e) => e.id === probe);
      });
      await ctx.core.audit
        .write(async (_trx, w) => {
          await w.notify('updated', rolledBack);
          throw new Error('no');
        })
        .catch(() => undefined);
      await ctx.core.audit.write((_trx, w) => w.notify('updated', committed));
      await until(async () => seen.some((e) => e.id === committed));
      expect(seen.some((e) => e.id === rolledBack)).toBe(false);
    } finally {
      await bus.close();
    }
  });
});

describe('one write path in the code', () => {
  const files = sourceFiles().map((f) => ({ f, text: readFileSync(f, 'utf8') }));

  it('only the write helper moves the audit chain on after a commit (chainSoon)', () => {
    const users = files.filter(({ text }) => text.includes('chainSoon')).map(({ f }) => f);
    expect(users.sort()).toEqual(['src/audit/audit.service.ts', 'src/audit/write.ts']);
  });

  it('only the write helper (and the chainer itself) opens a transaction', () => {
    const users = files.filter(({ text }) => /\.transaction\(\)/.test(text)).map(({ f }) => f);
    expect(users.sort()).toEqual(['src/audit/audit.service.ts', 'src/audit/write.ts']);
  });

  it('audit rows are inserted only by the audit log, or by the one intake statement through writeStatement', () => {
    const users = files
      .filter(({ text }) => /insertInto\('audit_log'\)|INSERT INTO audit_log/.test(text))
      .map(({ f }) => f);
    expect(users.sort()).toEqual(['src/audit/audit.service.ts', 'src/intake/intake.service.ts']);
    const intake = files.find(({ f }) => f === 'src/intake/intake.service.ts')?.text ?? '';
    expect(intake).toContain('audit.writeStatement(');
  });
});
