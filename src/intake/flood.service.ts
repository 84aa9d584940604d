import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { SINK_THRESHOLD } from '../triage/scoring.ts';

/**
 * What a flood may cost in storage (issue #13, decision 0010): requests scored at the sink level that
 * no operator touched in `purgeAfterHours` — not assigned, tagged, answered, noted, triaged, merged,
 * and no second message from the requester — are deleted with their messages and text sketches (the
 * foreign keys cascade). What a flood can hold is therefore about its admitted rate × the period, and
 * the supervisor sees it (floodReport). A genuine request sunk by mistake survives if anyone on shift
 * opens the sunk view and marks it genuine, or if its writer comes back: both take it out of the set.
 * The audit log keeps one `request.create` entry per request (the chain is never cut) and one
 * `flood.purge` entry per batch.
 */
export function createFloodService(deps: { db: Db; audit: AuditLog; clock: Clock; purgeAfterHours: number }) {
  const { db, audit, clock } = deps;

  function untouched(cutoff: Date) {
    return sql`
      t.sunk AND t.triage_verdict IS NULL AND t.status = 'new' AND t.created_at < ${cutoff}
      AND t.assignee_id IS NULL AND t.last_operator_at IS NULL AND t.merged_into IS NULL
      AND t.message_count <= 1 AND cardinality(t.tags) = 0
      AND NOT EXISTS (SELECT 1 FROM request_threads m WHERE m.merged_into = t.id)
      AND NOT EXISTS (SELECT 1 FROM thread_messages x WHERE x.thread_id = t.id AND x.direction <> 'in')`;
  }

  /** Deletes untouched sunk requests older than the period, in batches; returns how many went. */
  async function purgeSunk(opts: { batch?: number } = {}): Promise<number> {
    const batch = opts.batch ?? 2000;
    const cutoff = new Date(clock.now().getTime() - deps.purgeAfterHours * 3_600_000);
    let total = 0;
    for (;;) {
      const n = await audit.write(async (trx) => {
        const r = await sql`
          DELETE FROM request_threads WHERE id IN (
            SELECT t.id FROM request_threads t WHERE ${untouched(cutoff)}
            ORDER BY t.created_at LIMIT ${batch} FOR UPDATE SKIP LOCKED)`.execute(trx);
        const deleted = Number(r.numAffectedRows ?? 0n);
        if (deleted > 0)
          await audit.append(
            {
              actorType: 'system',
              action: 'flood.purge',
              details: { count: deleted, olderThanHours: deps.purgeAfterHours },
            },
            trx,
          );
        return deleted;
      });
      total += n;
      if (n < batch) break;
    }
    return total;
  }

  /** For the supervisor: what sunk requests hold now, and how much the intake tables weigh. */
  async function floodReport() {
    const since = new Date(clock.now().getTime() - 86_400_000);
    const r = await sql<{
      held: string;
      oldest: Date | null;
      purged: string | null;
      bytes: string;
    }>`
      SELECT
        (SELECT count(*) FROM request_threads t WHERE t.sunk AND t.triage_verdict IS NULL AND t.status = 'new') AS held,
        (SELECT min(created_at) FROM request_threads t WHERE t.sunk AND t.triage_verdict IS NULL AND t.status = 'new') AS oldest,
        (SELECT sum((details->>'count')::int) FROM audit_log WHERE action = 'flood.purge' AND at > ${since}) AS purged,
        (SELECT sum(pg_total_relation_size(c))::bigint FROM unnest(ARRAY['request_threads', 'thread_messages',
          'text_bands', 'audit_log']::regclass[]) AS c) AS bytes`.execute(db);
    const row = r.rows[0];
    return {
      sinkThreshold: SINK_THRESHOLD,
      purgeAfterHours: deps.purgeAfterHours,
      sunkHeld: Number(row?.held ?? 0),
      sunkOldestAt: row?.oldest ? new Date(row.oldest).toISOString() : null,
      purgedLast24h: Number(row?.purged ?? 0),
      intakeTablesBytes: Number(row?.bytes ?? 0),
    };
  }

  return { purgeSunk, floodReport };
}

export type FloodService = ReturnType<typeof createFloodService>;
