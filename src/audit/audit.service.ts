import { createHash, createHmac } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { RequestEventType } from '../realtime/events.ts';
import {
  appendCheckpoint,
  auditSubkey,
  type Checkpoint,
  checkpointSigner,
  readCheckpointFile,
} from './checkpoints.ts';
import { createWritePath } from './write.ts';

/**
 * Append-only, keyed hash chain.
 *
 * Entries are inserted inside the caller's transaction without any lock (so intake keeps PostgreSQL's
 * group commit), and then *chained*: a single chainer, serialised by an advisory lock, gives each
 * committed entry the next `seq` and `hash = HMAC(audit key, prev_hash | canonical entry)`. The audit key
 * is never in the database, so a database writer cannot recompute a link. The chainer only chains entries
 * younger than a grace window; `verify` never chains: an older unchained entry is an error (otherwise
 * "clear the chain columns and let it re-chain" would launder an edit). Signed checkpoints of the head,
 * kept outside the database, catch truncation and a re-chained tail. See
 * docs/decisions/0003-audit-chain.md and 0007-audit-keyed-chain.md.
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
  /** Entries younger than the grace window, not chained yet (normal; not a problem). */
  pending: number;
  /** First keyed `seq`; entries before it are history from before the keyed chain (SHA-256 links). */
  keyedFrom: string;
  /** How many checkpoints were compared with the chain. */
  checkpoints: number;
}

const CHAIN_LOCK = 727002;
const GENESIS = Buffer.alloc(32);
/** Only entries younger than this are chained; older unchained entries are a verification error. */
export const CHAIN_GRACE_MS = 5 * 60_000;

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

/**
 * The link of entry `seq`. Keyed (HMAC-SHA256 under a subkey of the audit key) from `keyed_from_seq` on;
 * plain SHA-256 for history chained before the keyed chain existed.
 */
export function entryHash(prev: Buffer, seq: string, r: Row, chainKey: Buffer | null): Buffer {
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
  const h = chainKey ? createHmac('sha256', chainKey) : createHash('sha256');
  return h.update(prev).update(body).digest();
}

export function createAuditLog(deps: {
  db: Db;
  clock: Clock;
  auditKey: Buffer;
  /** Where signed checkpoints are appended (outside the database); none: checkpoints are off. */
  checkpointFile?: string | undefined;
  /** The coalescing live-event notifier for `notifyAfterCommit` (realtime/events.ts). */
  notifyLater?: ((type: RequestEventType, id: string) => void) | undefined;
}) {
  const { db, clock } = deps;
  const chainKey = auditSubkey(deps.auditKey, 'chain');
  const signer = checkpointSigner(deps.auditKey);
  let chaining: Promise<number> | null = null;
  let again = false;
  let lastCheckpointSeq: string | null = null;

  async function keyedFrom(q: Db | Transaction<Database> = db): Promise<bigint> {
    const row = await q.selectFrom('audit_chain').select('keyed_from_seq').executeTakeFirst();
    return BigInt(row?.keyed_from_seq ?? '1');
  }

  async function chainPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await db.transaction().execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(trx);
        const keyedFromSeq = await keyedFrom(trx);
        const last = await sql<{ seq: string; hash: Buffer }>`
          SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1`.execute(trx);
        let prev = last.rows[0]?.hash ?? GENESIS;
        let seq = BigInt(last.rows[0]?.seq ?? '0');
        // Entries past the grace window are left for verify to report: they may be forged history.
        const cutoff = new Date(clock.now().getTime() - CHAIN_GRACE_MS);
        const pending = await sql<Row>`
          SELECT id, seq, at, actor_type, actor_id, action, subject_type, subject_id, details, prev_hash, hash
          FROM audit_log WHERE seq IS NULL AND at >= ${cutoff} ORDER BY id LIMIT 2000`.execute(trx);
        if (pending.rows.length === 0) return 0;
        const ids: string[] = [];
        const seqs: string[] = [];
        const prevs: Buffer[] = [];
        const hashes: Buffer[] = [];
        for (const r of pending.rows) {
          seq += 1n;
          const h = entryHash(prev, seq.toString(), r, seq >= keyedFromSeq ? chainKey : null);
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

  /** Signs the current head; null when the log is empty. */
  async function signHead(): Promise<Checkpoint | null> {
    const head = await db
      .selectFrom('audit_log')
      .select(['seq', 'hash'])
      .where('seq', 'is not', null)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!head?.seq || !head.hash) return null;
    return signer.sign({
      v: 1,
      seq: head.seq,
      hash: head.hash.toString('hex'),
      at: clock.now().toISOString(),
      keyedFrom: (await keyedFrom()).toString(),
    });
  }

  async function insert(q: Db | Transaction<Database>, entry: AuditEntry): Promise<void> {
    await q
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
  }

  // Fire-and-forget chaining after a commit; errors are retried by the next call (every minute).
  // Private: only the write path (write.ts) calls it, after its transaction committed.
  const writePath = createWritePath({
    db,
    insert,
    chainSoon: () => void chain().catch(() => {}),
    notifyLater: deps.notifyLater,
  });

  return {
    ...writePath,

    chain,

    /** Who signs checkpoints (public half only) and where they go. */
    checkpointInfo() {
      return { keyId: signer.keyId, publicKey: signer.publicKey, file: deps.checkpointFile ?? null };
    },

    /**
     * Chains, then appends a signed checkpoint of the head to the checkpoint file — unless the head is
     * the one this process checkpointed last (`force` writes anyway). Every minute and on demand.
     */
    async checkpoint(opts: { force?: boolean } = {}): Promise<Checkpoint | null> {
      if (!deps.checkpointFile) return null;
      await chain();
      const c = await signHead();
      if (!c || (!opts.force && c.seq === lastCheckpointSeq)) return null;
      await appendCheckpoint(deps.checkpointFile, c);
      lastCheckpointSeq = c.seq;
      return c;
    },

    /** Every checkpoint of the configured file, in file order. */
    async listCheckpointFile() {
      if (!deps.checkpointFile) return { checkpoints: [], malformed: [] };
      return readCheckpointFile(deps.checkpointFile);
    },

    /** The newest checkpoints of the configured file, newest first, with their signature checked. */
    async listCheckpoints(limit: number) {
      if (!deps.checkpointFile) return [];
      const { checkpoints } = await readCheckpointFile(deps.checkpointFile);
      return checkpoints
        .slice(-limit)
        .reverse()
        .map((c) => ({ ...c, valid: signer.verify(c) }));
    },

    /** Newest first, keyset-paged by id, for the admin's audit viewer. */
    async list(f: {
      action?: string | undefined;
      actorId?: string | undefined;
      subjectId?: string | undefined;
      from?: string | undefined;
      to?: string | undefined;
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
      if (f.from) q = q.where('at', '>=', new Date(`${f.from}T00:00:00Z`));
      // Up to the end of that day: the next day's midnight, exclusive.
      if (f.to) q = q.where('at', '<', new Date(Date.parse(`${f.to}T00:00:00Z`) + 86_400_000));
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

    /**
     * Walks the chain by `seq` without changing anything. With checkpoints (from the file kept outside
     * the database), also compares the head each one signed: beyond the head is truncation, another hash
     * at that `seq` is a rewrite.
     */
    async verify(opts: { checkpoints?: Checkpoint[] } = {}): Promise<VerifyResult> {
      const problems: VerifyResult['problems'] = [];
      const keyedFromSeq = await keyedFrom();
      const cps = opts.checkpoints ?? [];
      const wanted = new Map<string, Buffer | null>(cps.map((c) => [c.seq, null]));
      let prev: Buffer = GENESIS;
      let expected = 1n;
      let checked = 0;
      let after = 0n;
      let headSeq = 0n;
      let headId = '-';
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
          const h = entryHash(prev, r.seq as string, r, seq >= keyedFromSeq ? chainKey : null);
          if (!r.prev_hash?.equals(prev) || !r.hash?.equals(h)) {
            problems.push({ id: r.id, seq: r.seq, problem: 'entry does not match its hash (edited)' });
          }
          if (wanted.has(r.seq as string)) wanted.set(r.seq as string, r.hash);
          // Continue from the stored hash so one edit is reported once, not for every later entry.
          prev = r.hash ?? h;
          expected = seq + 1n;
          after = seq;
          headSeq = seq;
          headId = r.id;
          checked++;
        }
      }
      const cutoff = new Date(clock.now().getTime() - CHAIN_GRACE_MS);
      const unchained = (
        await sql<{ old: string; young: string }>`
          SELECT count(*) FILTER (WHERE at < ${cutoff})::text AS old,
                 count(*) FILTER (WHERE at >= ${cutoff})::text AS young
          FROM audit_log WHERE seq IS NULL`.execute(db)
      ).rows[0];
      if (unchained && unchained.old !== '0') {
        problems.push({
          id: '-',
          seq: null,
          problem: `${unchained.old} entries older than ${CHAIN_GRACE_MS / 60_000} minutes are not chained (cleared or forged; verify never re-chains)`,
        });
      }
      for (const c of cps) {
        const where = `checkpoint of ${c.at} (seq ${c.seq})`;
        if (!signer.verify(c)) {
          problems.push({
            id: '-',
            seq: c.seq,
            problem: `${where}: signature invalid (not signed by this audit key)`,
          });
          continue;
        }
        if (c.keyedFrom !== keyedFromSeq.toString()) {
          problems.push({
            id: '-',
            seq: c.seq,
            problem: `${where}: keyed chain starts at seq ${c.keyedFrom}, the database says ${keyedFromSeq} (boundary moved)`,
          });
        }
        if (BigInt(c.seq) > headSeq) {
          problems.push({
            id: headId,
            seq: headSeq.toString(),
            problem: `${where} is beyond the head ${headSeq}: newest entries were deleted (truncated)`,
          });
          continue;
        }
        const stored = wanted.get(c.seq);
        if (stored && stored.toString('hex') !== c.hash) {
          problems.push({
            id: '-',
            seq: c.seq,
            problem: `${where}: the chain differs at this seq (rewritten)`,
          });
        }
      }
      return {
        ok: problems.length === 0,
        checked,
        problems,
        pending: Number(unchained?.young ?? '0'),
        keyedFrom: keyedFromSeq.toString(),
        checkpoints: cps.length,
      };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
