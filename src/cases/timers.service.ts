import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Db } from '../db/database.ts';
import { EVENTS_CHANNEL, eventPayload } from '../realtime/events.ts';

/**
 * Case timers, driven by the job queue every minute but written as plain functions of "now" so tests
 * move a manual clock instead of waiting:
 * - a meeting window that opens soon notifies the assignee (reminders come from protocol answers);
 * - a case silent for N days moves to `unreachable`, with a notice to the assignee.
 */
export const SILENT_STATES = ['screening', 'verified', 'awaiting_front_contact', 'meeting_agreed'] as const;

export function createTimersService(deps: {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  /** Due times are routing tier: while locked, reminders wait (they are late, never lost). */
  routing: RoutingVault;
  silentDays: number;
}) {
  const { db, audit, clock } = deps;

  /**
   * Sends due meeting-window reminders, each once, then deletes the reminder. Due times are stored
   * encrypted (a meeting time in clear would be a gift to whoever steals the database), so the few
   * pending reminders are read and compared here rather than filtered in SQL.
   */
  async function runReminders(): Promise<number> {
    const now = clock.now();
    if (!deps.routing.isUnlocked()) return 0;
    return db.transaction().execute(async (trx) => {
      const pending = await trx
        .selectFrom('case_reminders')
        .select(['thread_id', 'kind', 'due_enc'])
        .where('sent_at', 'is', null)
        .forUpdate()
        .skipLocked()
        .execute();
      const due = pending.filter(
        (r) => r.due_enc && new Date(deps.routing.decrypt(r.due_enc, 'case_reminders.due')) <= now,
      );
      for (const r of due) {
        await trx
          .deleteFrom('case_reminders')
          .where('thread_id', '=', r.thread_id)
          .where('kind', '=', r.kind)
          .execute();
        const t = await trx
          .selectFrom('request_threads')
          .select(['assignee_id', 'status'])
          .where('id', '=', r.thread_id)
          .executeTakeFirst();
        if (!t?.assignee_id) continue;
        await trx
          .insertInto('notifications')
          .values({
            user_id: t.assignee_id,
            request_id: r.thread_id,
            kind: 'meeting_window_soon',
            details: JSON.stringify({ reminder: r.kind }),
            created_at: now,
          })
          .execute();
        await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', r.thread_id)})`.execute(trx);
      }
      return due.length;
    });
  }

  /** Cases whose requester has been silent too long become unreachable (audited as the system). */
  async function runSilence(): Promise<number> {
    const now = clock.now();
    const cutoff = new Date(now.getTime() - deps.silentDays * 86_400_000);
    const moved = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable('request_threads')
        .set({ status: 'unreachable', closed_at: now, updated_at: now, awaiting_reply: false })
        .where('status', 'in', [...SILENT_STATES])
        .where('last_requester_at', '<', cutoff)
        .where('merged_into', 'is', null)
        .returning(['id', 'assignee_id'])
        .execute();
      for (const r of rows) {
        await audit.append(
          {
            actorType: 'system',
            action: 'request.status',
            subjectType: 'request',
            subjectId: r.id,
            details: { to: 'unreachable', reason: 'silent', days: deps.silentDays },
          },
          trx,
        );
        if (r.assignee_id) {
          await trx
            .insertInto('notifications')
            .values({
              user_id: r.assignee_id,
              request_id: r.id,
              kind: 'moved_unreachable',
              details: JSON.stringify({ days: deps.silentDays }),
              created_at: now,
            })
            .execute();
        }
        await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', r.id)})`.execute(trx);
      }
      return rows.length;
    });
    if (moved) audit.chainSoon();
    return moved;
  }

  return { runReminders, runSilence };
}

export type TimersService = ReturnType<typeof createTimersService>;
