import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

/**
 * Append-only, hash-chained audit log.
 *
 * Entries are inserted inside the caller's transaction without any lock (so intake keeps PostgreSQL's
 * group commit), and then *chained*: a single chainer, serialised by an advisory lock, gives each
 * committed entry the next `seq` and `hash = sha256(prev_hash | canonical entry)`. Verification walks
 * the chain by `seq`: an edited entry breaks its hash, a deleted one leaves a gap. The window between
 * commit and chaining is milliseconds (the chainer runs right after each append), and `verify` chains
 * first. See docs/decisions/0003-audit-chain.md.
 */
export interface AuditEntry {
  actorType: 'operator' | 'requester' | 'system' | 'cli';
  actorId?: string | null;
  action: string;
  subjectType?: string | null;
  subjectId?: string | null;
  details?: Record<string, unknown>;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  problems: Array<{ id: string; seq: string | null; problem: string }>;
}

const CHAIN_LOCK = 727002;
const GENESIS = Buffer.alloc(32);

export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

interface Row {
  id: string;
  seq: string | null;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: Record<string, unknown>;
  prev_hash: Buffer | null;
  hash: Buffer | null;
}

export function entryHash(prev: Buffer, seq: string, r: Row): Buffer {
  const body = canonicalJson({
    id: r.id,
    seq,
    at: r.at.toISOString(),
    actor_type: r.actor_type,
    actor_id: r.actor_id,
    action: r.action,
    subject_type: r.subject_type,
    subject_id: r.subject_id,
    details: r.details,
  });
  return createHash('sha256').update(prev).update(body).digest();
}

export function createAuditLog(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  let chaining: Promise<number> | null = null;
  let again = false;

  async function chainPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(trx);
        const last = await sql<{ seq: string; hash: Buffer }>`
          SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1`.execute(trx);
        let prev = last.rows[0]?.hash ?? GENESIS;
        let seq = BigInt(last.rows[0]?.seq ?? '0');
        const pending = await sql<Row>`
          SELECT id, seq, at, actor_type, actor_id, action, subject_type, subject_id, details, prev_hash, hash
          FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT 2000`.execute(trx);
        if (pending.rows.length === 0) return 0;
        const ids: string[] = [];
        const seqs: string[] = [];
        const prevs: Buffer[] = [];
        const hashes: Buffer[] = [];
        for (const r of pending.rows) {
          seq += 1n;
          const h = entryHash(prev, seq.toString(), r);
          ids.push(r.id);
          seqs.push(seq.toString());
          prevs.push(prev);
          hashes.push(h);
          prev = h;
        }
        await sql`
          UPDATE audit_log a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
          FROM unnest(${ids}::bigint[], ${seqs}::bigint[], ${prevs}::bytea[], ${hashes}::bytea[])
            AS v(id, seq, prev_hash, hash)
          WHERE a.id = v.id`.execute(trx);
        return pending.rows.length;
      });
      total += n;
      if (n < 2000) return total;
    }
  }

  /** Runs the chainer now, coalescing concurrent calls into at most one extra run. */
  function chain(): Promise<number> {
    if (chaining) {
      again = true;
      return chaining;
    }
    chaining = (async () => {
      let n = 0;
      do {
        again = false;
        n += await chainPending();
      } while (again);
      return n;
    })().finally(() => {
      chaining = null;
    });
    return chaining;
  }

  return {
    /** Inserts an entry in the given transaction (or on its own). Call `chainSoon()` after commit. */
    async append(entry: AuditEntry, trx?: Transaction<Database>): Promise<void> {
      await (trx ?? db)
        .insertInto('audit_log')
        .values({
          at: clock.now(),
          actor_type: entry.actorType,
          actor_id: entry.actorId ?? null,
          action: entry.action,
          subject_type: entry.subjectType ?? null,
          subject_id: entry.subjectId ?? null,
          details: JSON.stringify(entry.details ?? {}),
        })
        .execute();
    },

    chain,

    /** Fire-and-forget chaining after a commit; errors are retried by the next call or by verify. */
    chainSoon(): void {
      chain().catch(() => {});
    },

    /** Newest first, keyset-paged by id, for the admin's audit viewer. */
    async list(f: {
      action?: string | undefined;
      actorId?: string | undefined;
      subjectId?: string | undefined;
      limit: number;
      cursor?: string | undefined;
    }) {
      let q = db
        .selectFrom('audit_log')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(f.limit + 1);
      if (f.action) q = q.where('action', '=', f.action);
      if (f.actorId) q = q.where('actor_id', '=', f.actorId);
      if (f.subjectId) q = q.where('subject_id', '=', f.subjectId);
      if (f.cursor) q = q.where('id', '<', f.cursor);
      const rows = await q.execute();
      const page = rows.slice(0, f.limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          seq: r.seq,
          at: new Date(r.at).toISOString(),
          actorType: r.actor_type,
          actorId: r.actor_id,
          action: r.action,
          subjectType: r.subject_type,
          subjectId: r.subject_id,
          details: r.details,
        })),
        nextCursor: rows.length > f.limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },

    async verify(): Promise<VerifyResult> {
      await chain();
      const problems: VerifyResult['problems'] = [];
      let prev: Buffer = GENESIS;
      let expected = 1n;
      let checked = 0;
      let after = 0n;
      for (;;) {
        const rows = (
          await sql<Row>`
          SELECT id, seq, at, actor_type, actor_id, action, subject_type, subject_id, details, prev_hash, hash
          FROM audit_log WHERE seq > ${after.toString()} ORDER BY seq LIMIT 5000`.execute(db)
        ).rows;
        if (rows.length === 0) break;
        for (const r of rows) {
          const seq = BigInt(r.seq as string);
          if (seq !== expected) {
            problems.push({
              id: r.id,
              seq: r.seq,
              problem: `entries ${expected}..${seq - 1n} are missing (deleted)`,
            });
            expected = seq;
          }
          const h = entryHash(prev, r.seq as string, r);
          if (!r.prev_hash?.equals(prev) || !r.hash?.equals(h)) {
            problems.push({ id: r.id, seq: r.seq, problem: 'entry does not match its hash (edited)' });
          }
          // Continue from the stored hash so one edit is reported once, not for every later entry.
          prev = r.hash ?? h;
          expected = seq + 1n;
          after = seq;
          checked++;
        }
      }
      const unchained = await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM audit_log WHERE seq IS NULL`.execute(db);
      if (unchained.rows[0] && unchained.rows[0].n !== '0') {
        problems.push({ id: '-', seq: null, problem: `${unchained.rows[0].n} entries could not be chained` });
      }
      return { ok: problems.length === 0, checked, problems };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
