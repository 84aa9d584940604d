import { sql } from 'kysely';
import { deadlineState, healthReportDue, notificationState, previousMonth } from './deadlines.ts';
import type { FacilityView, RegistryKit } from './registry.kit.ts';

/** The registrar's dashboard and the hourly deadline alarms. */
export function createRegistryDashboard(
  kit: RegistryKit,
  facilityList: { listFacilities(): Promise<FacilityView[]> },
) {
  const { db, clock } = kit.deps;
  const { today } = kit;
  return {
    /**
     * The daily alarm: when capture cards, health reports or notifications are overdue, every
     * registrar, liaison and admin gets one notice (at most one a day each; counts, no names).
     */
    async raiseAlarms(): Promise<number> {
      const d = await this.dashboard();
      const counts = {
        captureCards: d.captureCards.filter((c) => c.state === 'overdue').length,
        healthReports: d.healthReports.filter((h) => h.state === 'overdue').length,
        notificationsOverdue: d.notifications.state === 'overdue',
      };
      if (!counts.captureCards && !counts.healthReports && !counts.notificationsOverdue) return 0;
      const dayStart = new Date(`${d.today}T00:00:00Z`);
      const r = await sql`
        INSERT INTO notifications (user_id, kind, details, created_at)
        SELECT u.id, 'registry_overdue', ${JSON.stringify(counts)}::jsonb, ${clock.now()}
        FROM users u
        WHERE u.role IN ('registrar', 'liaison', 'admin') AND u.disabled_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.kind = 'registry_overdue'
                          AND n.created_at >= ${dayStart})`.execute(db);
      return Number(r.numAffectedRows ?? 0n);
    },

    async dashboard() {
      const now = clock.now();
      const day = today();
      const month = day.slice(0, 7);
      const prev = previousMonth(month);
      const [duties, ill, pending, corr, facilities, totals] = await Promise.all([
        db
          .selectFrom('pow_card_duties as d')
          .innerJoin('pow_records as r', 'r.id', 'd.record_id')
          .select(['d.id', 'd.record_id', 'd.reason', 'd.event_on', 'd.due_on', 'r.ref'])
          .where('d.sent_on', 'is', null)
          // Once internment ends (release, death, escape…) no card is owed any more.
          .where('r.status', 'in', ['held', 'in_hospital'])
          .orderBy('d.due_on')
          .limit(500)
          .execute(),
        sql<{ id: string; ref: string; last: string | null; since: string }>`
          SELECT r.id, r.ref,
            (SELECT max(occurred_on)::text FROM pow_events e WHERE e.record_id = r.id AND e.type = 'health_report') AS last,
            coalesce((SELECT min(occurred_on)::text FROM pow_events e WHERE e.record_id = r.id AND e.type = 'health_report'), (r.created_at AT TIME ZONE 'UTC')::date::text) AS since
          FROM pow_records r WHERE r.seriously_ill AND r.status IN ('held', 'in_hospital') LIMIT 500`.execute(
          db,
        ),
        // Not in a delivered batch: pending (partial index) plus those in built, undelivered batches.
        sql<{ n: number; oldest: Date | null }>`
          SELECT coalesce(sum(n), 0)::int AS n, min(oldest) AS oldest FROM (
            SELECT count(*) AS n, min(at) AS oldest FROM pow_changes WHERE batch_id IS NULL
            UNION ALL
            SELECT count(*), min(c.at) FROM notification_batches b JOIN pow_changes c ON c.batch_id = b.id
            WHERE b.status = 'built') x`.execute(db),
        sql<{ id: string; ref: string; letters: number; cards: number }>`
          SELECT r.id, r.ref,
            coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'letter_sent'), 0)::int AS letters,
            coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'card_sent'), 0)::int AS cards
          FROM pow_records r
          LEFT JOIN pow_welfare w ON w.record_id = r.id AND w.occurred_on >= ${`${prev}-01`}::date
            AND w.occurred_on < ${`${month}-01`}::date
                    WHERE r.status IN ('held', 'in_hospital')
            AND (SELECT min(e.occurred_on) FROM pow_events e WHERE e.record_id = r.id AND e.type = 'capture') < ${`${prev}-01`}::date
          GROUP BY r.id, r.ref
          HAVING coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'letter_sent'), 0) < 2
              OR coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'card_sent'), 0) < 4
          ORDER BY r.ref LIMIT 200`.execute(db),
        facilityList.listFacilities(),
        sql<{
          status: string;
          n: number;
        }>`SELECT status, count(*)::int AS n FROM pow_records GROUP BY status`.execute(db),
      ]);
      const p = pending.rows[0] ?? { n: 0, oldest: null };
      return {
        today: day,
        totals: Object.fromEntries(totals.rows.map((t) => [t.status, t.n])) as Record<string, number>,
        captureCards: duties.map((d) => ({
          dutyId: d.id,
          recordId: d.record_id,
          ref: d.ref,
          reason: d.reason,
          eventOn: d.event_on,
          dueOn: d.due_on,
          state: deadlineState(d.due_on, null, day),
        })),
        healthReports: ill.rows
          .map((r) => {
            const dueOn = healthReportDue(r.last, r.since);
            return {
              recordId: r.id,
              ref: r.ref,
              lastOn: r.last,
              dueOn,
              state: deadlineState(dueOn, null, day),
            };
          })
          .sort((a, b) => a.dueOn.localeCompare(b.dueOn)),
        notifications: {
          pending: p.n,
          oldest: p.oldest ? new Date(p.oldest).toISOString() : null,
          state: p.oldest ? notificationState(new Date(p.oldest), now) : ('none' as const),
        },
        correspondenceBelowMinimum: corr.rows.map((r) => ({ ...r, month: prev })),
        facilities,
      };
    },
  };
}

export type RegistryDashboard = ReturnType<typeof createRegistryDashboard>;
