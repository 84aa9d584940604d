import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import { CLOSED_STATES } from '../cases/case-state.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';

/**
 * Retention: closed requests older than the retention period are purged (rules in
 * docs/decisions/0014-long-journey.md): only cases in a closed state, counted from the closing; a
 * case that reopens starts over; a chat attached to a case or a duplicate merged into it goes with it. Content is crypto-shredded —
 * messages and answers are deleted, and the thread's key material (the only way to open anything left
 * in old WAL segments or backups) is wiped — then the tables are vacuumed so the deleted rows leave
 * the data files. What remains is an anonymous stub (category, channel, language, state, dates) for
 * statistics.
 */
export function createRetentionService(deps: {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  retentionDays: number;
}) {
  const { db, audit, clock } = deps;

  async function run(opts: { vacuum?: 'none' | 'plain' | 'full' } = {}): Promise<{ purged: number }> {
    const now = clock.now();
    const cutoff = new Date(now.getTime() - deps.retentionDays * 86_400_000);
    let purged = 0;
    let lastXid = '0';
    for (;;) {
      const n = await audit.write(async (trx) => {
        lastXid =
          (await sql<{ x: string }>`SELECT pg_current_xact_id()::text AS x`.execute(trx)).rows[0]?.x ??
          lastXid;
        const ids = (
          await trx
            .selectFrom('request_threads')
            .select('id')
            .where('closed_at', '<', cutoff)
            // Only closed cases: an open or waiting one is never purged, however old. closed_at is
            // cleared when a case reopens, so the clock restarts at its next closing.
            .where('status', 'in', [...CLOSED_STATES])
            .where('merged_into', 'is', null)
            .where('purged_at', 'is', null)
            .limit(500)
            .forUpdate()
            .skipLocked()
            .execute()
        ).map((r) => r.id);
        // A duplicate merged into a purged request goes with it.
        const merged = ids.length
          ? (
              await trx
                .selectFrom('request_threads')
                .select('id')
                .where('merged_into', 'in', ids)
                .where('purged_at', 'is', null)
                .execute()
            ).map((r) => r.id)
          : [];
        const all = [...ids, ...merged];
        if (all.length === 0) return 0;
        await trx.deleteFrom('thread_messages').where('thread_id', 'in', all).execute();
        await trx.deleteFrom('case_answers').where('thread_id', 'in', all).execute();
        await trx.deleteFrom('case_steps').where('thread_id', 'in', all).execute();
        await trx.deleteFrom('case_reminders').where('thread_id', 'in', all).execute();
        await trx.deleteFrom('notifications').where('request_id', 'in', all).execute();
        await trx.deleteFrom('outbox').where('thread_id', 'in', all).execute();
        await trx.deleteFrom('text_bands').where('thread_id', 'in', all).execute();
        await trx.deleteFrom('link_codes').where('thread_id', 'in', all).execute();
        await trx
          .updateTable('request_threads')
          .set({
            public_key: Buffer.alloc(0),
            sk_for_org: Buffer.alloc(0),
            sk_for_receipt: null,
            receipt_salt: null,
            receipt_lookup: null,
            identity_index: null,
            identity_enc: null,
            text_fingerprint: null,
            assignee_id: null,
            tags: [],
            message_count: 0,
            awaiting_reply: false,
            purged_at: now,
          })
          .where('id', 'in', all)
          .execute();
        await audit.append(
          {
            actorType: 'system',
            action: 'retention.purge',
            details: { count: all.length, olderThanDays: deps.retentionDays },
          },
          trx,
        );
        return all.length;
      });
      purged += n;
      if (n === 0) break;
    }
    // Conversation state of people who stopped writing, and raw provider updates, go too.
    await db.deleteFrom('bot_conversations').where('updated_at', '<', cutoff).execute();
    await db.deleteFrom('inbound_updates').where('received_at', '<', cutoff).execute();
    // Relatives' inquiries (who asked, how to reach them) go once answered and quiet for the period;
    // letters stay in the prisoner's welfare log without the link to the relative.
    const inquiries = await audit.write(async (trx, w) => {
      const r = await sql`
        DELETE FROM relative_inquiries i WHERE i.status = 'answered' AND i.answered_at < ${cutoff}
          AND NOT EXISTS (SELECT 1 FROM pow_letters l WHERE l.inquiry_id = i.id AND l.created_at >= ${cutoff})`.execute(
        trx,
      );
      if (Number(r.numAffectedRows ?? 0n) > 0) {
        await w.audit({
          actorType: 'system',
          action: 'retention.inquiries',
          details: { count: Number(r.numAffectedRows), olderThanDays: deps.retentionDays },
        });
      }
      return r;
    });
    const vacuum = opts.vacuum ?? 'plain';
    const forgotten = Number(inquiries.numAffectedRows ?? 0n);
    if ((purged > 0 || forgotten > 0) && vacuum !== 'none') {
      // A transaction that started before the purge may still see the old rows, and VACUUM must keep
      // them for it: wait (up to 30 s) until every such transaction has ended.
      for (let i = 0; i < 300; i++) {
        const r = await sql<{ done: boolean }>`
          SELECT pg_snapshot_xmin(pg_current_snapshot()) > ${lastXid}::xid8 AS done`.execute(db);
        if (r.rows[0]?.done) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      // Deleted tuples stay in the heap until vacuumed. Plain VACUUM frees them for reuse (their bytes
      // may linger until overwritten, but the keys that opened them are gone: crypto-shredding); FULL
      // rewrites the tables so no byte of them is left in the database files, at the cost of a lock —
      // for a maintenance window (`retention run --full`).
      for (const table of ['thread_messages', 'case_answers', 'request_threads', 'relative_inquiries']) {
        await (vacuum === 'full'
          ? sql`VACUUM FULL ${sql.table(table)}`
          : sql`VACUUM ${sql.table(table)}`
        ).execute(db);
      }
    }
    await audit.chain();
    return { purged };
  }

  return { run };
}

export type RetentionService = ReturnType<typeof createRetentionService>;
