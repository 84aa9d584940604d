import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Db } from '../db/database.ts';
import type { NotificationKind } from '../notifications/notification-kinds.ts';
import { EVENTS_CHANNEL, eventPayload } from '../realtime/events.ts';
import type { CaseState } from './case-state.ts';
import { type CaseTimeouts, defaultCaseTimeouts, waitReminderOffsetDays } from './case-timeouts.ts';
import { openTimerField } from './timer-fields.ts';

/**
 * Case timers, driven by the job queue every minute but written as plain functions of "now" so tests
 * move a manual clock instead of waiting:
 * - a meeting window that opens soon notifies the assignee (reminders come from protocol answers);
 * - a case silent longer than its state's timeout (`case-timeouts.ts`, data) moves to `unreachable`,
 *   with a notice to the assignee; a case waiting for the front never does;
 * - a waiting case whose expected front date has passed reminds its assignee (or the supervisors).
 */
export function createTimersService(deps: {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  /** Due times are routing tier: while locked, reminders wait (they are late, never lost). */
  routing: RoutingVault;
  silentDays: number;
  /** Per-state timeouts and waiting reminders (settings); defaults from `silentDays`. */
  timeouts?: () => Promise<CaseTimeouts>;
}) {
  const timeouts = deps.timeouts ?? (async () => defaultCaseTimeouts(deps.silentDays));
  const { db, audit, clock } = deps;

  /**
   * Sends due meeting-window reminders, each once, then deletes the reminder. Due times are stored
   * encrypted (a meeting time in clear would be a gift to whoever steals the database), so the few
   * pending reminders are read and compared here rather than filtered in SQL.
   */
  async function runReminders(): Promise<number> {
    const now = clock.now();
    if (!deps.routing.isUnlocked()) return 0;
    return audit.write(async (trx) => {
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
            kind: 'meeting_window_soon' satisfies NotificationKind,
            details: JSON.stringify({ reminder: r.kind }),
            created_at: now,
          })
          .execute();
        await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', r.thread_id)})`.execute(trx);
      }
      return due.length;
    });
  }

  /** Cases whose requester has been silent longer than their state allows become unreachable. */
  async function runSilence(): Promise<number> {
    const now = clock.now();
    const perState = Object.entries((await timeouts()).silenceDays).filter(
      (e): e is [CaseState, number] => typeof e[1] === 'number' && e[1] > 0,
    );
    let moved = 0;
    for (const [state, days] of perState) {
      const cutoff = new Date(now.getTime() - days * 86_400_000);
      moved += await audit.write(async (trx) => {
        const rows = await trx
          .updateTable('request_threads')
          .set({ status: 'unreachable', closed_at: now, updated_at: now, awaiting_reply: false })
          .where('status', '=', state)
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
              details: { from: state, to: 'unreachable', reason: 'silent', days },
            },
            trx,
          );
          if (r.assignee_id) {
            await trx
              .insertInto('notifications')
              .values({
                user_id: r.assignee_id,
                request_id: r.id,
                kind: 'moved_unreachable' satisfies NotificationKind,
                details: JSON.stringify({ days }),
                created_at: now,
              })
              .execute();
          }
          await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', r.id)})`.execute(trx);
        }
        return rows.length;
      });
    }
    return moved;
  }

  /**
   * Waiting for the front: once the expected date has passed, the assignee is reminded (nobody holds
   * the case: the supervisors, who run the queue), then again at the configured intervals. The date is
   * a timer field, so the few waiting cases are opened and compared here, not filtered in SQL; only a
   * count of reminders sent is stored (a "reminded at" in clear would give the date away).
   */
  async function runWaiting(): Promise<number> {
    const now = clock.now();
    const t = await timeouts();
    const waiting = await db
      .selectFrom('request_threads')
      .select(['id', 'assignee_id', 'expected_front_enc', 'wait_reminders_sent'])
      .where('status', '=', 'awaiting_front_contact')
      .where('merged_into', 'is', null)
      .where('expected_front_enc', 'is not', null)
      .execute();
    let sent = 0;
    // Locked (after a restart, before a granted login): expected dates cannot be read; reminders wait.
    if (!deps.routing.isUnlocked()) return 0;
    for (const w of waiting) {
      const opened = openTimerField(deps.routing, 'expected_front', w.expected_front_enc as string);
      if (opened === null) continue;
      const expected = new Date(opened);
      if (Number.isNaN(expected.getTime())) continue;
      // Every reminder already due counts as sent: after downtime, one notice, not a burst.
      let n = w.wait_reminders_sent;
      while (expected.getTime() + waitReminderOffsetDays(t, n) * 86_400_000 <= now.getTime()) n++;
      if (n === w.wait_reminders_sent) continue;
      const overdueDays = Math.floor((now.getTime() - expected.getTime()) / 86_400_000);
      await audit.write(async (trx) => {
        const updated = await trx
          .updateTable('request_threads')
          .set({ wait_reminders_sent: n })
          .where('id', '=', w.id)
          .where('wait_reminders_sent', '=', w.wait_reminders_sent)
          .where('status', '=', 'awaiting_front_contact')
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return;
        const to = w.assignee_id
          ? [w.assignee_id]
          : (
              await trx
                .selectFrom('users')
                .select('id')
                .where('role', '=', 'supervisor')
                .where('disabled_at', 'is', null)
                .execute()
            ).map((u) => u.id);
        if (to.length)
          await trx
            .insertInto('notifications')
            .values(
              to.map((user_id) => ({
                user_id,
                request_id: w.id,
                kind: 'front_date_passed' satisfies NotificationKind,
                details: JSON.stringify({ reminder: n, overdueDays }),
                created_at: now,
              })),
            )
            .execute();
        await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', w.id)})`.execute(trx);
        sent++;
      });
    }
    return sent;
  }

  return { runReminders, runSilence, runWaiting };
}

export type TimersService = ReturnType<typeof createTimersService>;
