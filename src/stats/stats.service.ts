import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { detectSpikes, suppress } from './spikes.ts';

/**
 * Statistics from a daily rollup (`stats_daily`), refreshed by the job queue, so the dashboard reads a
 * few thousand rows however many millions of requests there are. A day's row counts the requests
 * created that day (by channel, category, language) and how far they got: the funnel comes from the
 * audited state changes, so a case that later went unreachable still counts as having been verified.
 */
export interface DashboardQuery {
  from: string;
  to: string;
}

const FUNNEL_STATES = ['verified', 'meeting_agreed', 'in_custody'] as const;

/**
 * One row per day: the day's totals and its requests per channel, category and language as JSON
 * objects, summed from the rollup with GROUPING SETS (decision 0017), for the days `where` selects.
 */
function groupedFill(where: string): string {
  return `WITH g AS (
  SELECT day, GROUPING(channel, category, language) AS g, coalesce(channel, category, language, '') AS value,
    sum(requests) AS requests, sum(likely_fake) AS likely_fake, sum(verified) AS verified,
    sum(meeting_agreed) AS meeting_agreed, sum(in_custody) AS in_custody, sum(info_given) AS info_given,
    sum(probes) AS probes, sum(first_response_count) AS first_response_count,
    sum(first_response_seconds) AS first_response_seconds
  FROM stats_daily ${where}
  GROUP BY GROUPING SETS ((day), (day, channel), (day, category), (day, language))
)
INSERT INTO stats_daily_grouped (day, requests, likely_fake, verified, meeting_agreed, in_custody, info_given, probes,
  first_response_count, first_response_seconds, by_channel, by_category, by_language)
SELECT day, max(requests) FILTER (WHERE g = 7), max(likely_fake) FILTER (WHERE g = 7),
  max(verified) FILTER (WHERE g = 7), max(meeting_agreed) FILTER (WHERE g = 7), max(in_custody) FILTER (WHERE g = 7),
  max(info_given) FILTER (WHERE g = 7), max(probes) FILTER (WHERE g = 7),
  max(first_response_count) FILTER (WHERE g = 7), max(first_response_seconds) FILTER (WHERE g = 7),
  coalesce(jsonb_object_agg(value, requests) FILTER (WHERE g = 3), '{}'),
  coalesce(jsonb_object_agg(value, requests) FILTER (WHERE g = 5), '{}'),
  coalesce(jsonb_object_agg(value, requests) FILTER (WHERE g = 6), '{}')
FROM g GROUP BY day`;
}

/** One row of the rollup summed per day, per day and channel, per day and category, per day and language. */
interface GroupedRow {
  day: string;
  requests: number;
  likely_fake: number;
  verified: number;
  meeting_agreed: number;
  in_custody: number;
  info_given: number;
  probes: number;
  first_response_count: number;
  first_response_seconds: string;
  by_channel: Record<string, number>;
  by_category: Record<string, number>;
  by_language: Record<string, number>;
}

export function createStatsService(deps: { db: Db; audit: AuditLog; clock: Clock; vault: Vault }) {
  const { db, clock } = deps;

  /** Recomputes the rollup for [from, to] (dates, inclusive), replacing those days' rows atomically. */
  async function refresh(from: string, to: string): Promise<number> {
    return deps.audit.write(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(727006)`.execute(trx);
      await trx.deleteFrom('stats_daily').where('day', '>=', from).where('day', '<=', to).execute();
      const r = await sql`
        INSERT INTO stats_daily (day, channel, category, language, requests, likely_fake, verified, meeting_agreed,
          in_custody, info_given, probes, first_response_count, first_response_seconds)
        SELECT (t.created_at AT TIME ZONE 'UTC')::date AS day, t.channel, t.category, t.language,
          count(*),
          count(*) FILTER (WHERE t.sunk),
          count(*) FILTER (WHERE reached.verified),
          count(*) FILTER (WHERE reached.meeting_agreed),
          count(*) FILTER (WHERE reached.in_custody OR t.status = 'in_custody'),
          count(*) FILTER (WHERE t.status = 'closed_info_given'),
          count(*) FILTER (WHERE t.status = 'rejected_probe'),
          count(t.first_response_at),
          coalesce(sum(extract(epoch FROM t.first_response_at - t.created_at))::bigint, 0)
        FROM request_threads t
        LEFT JOIN LATERAL (
          SELECT bool_or(a.details->>'to' = 'verified') AS verified,
                 bool_or(a.details->>'to' = 'meeting_agreed') AS meeting_agreed,
                 bool_or(a.details->>'to' = 'in_custody') AS in_custody
          FROM audit_log a
          WHERE a.subject_id = t.id::text AND a.action = 'request.status'
        ) reached ON true
        WHERE t.created_at >= ${from}::date AND t.created_at < (${to}::date + 1) AND t.merged_into IS NULL
        GROUP BY 1, 2, 3, 4`.execute(trx);
      // The dashboard's sums per day and dimension, and the operators' replies per day (decision 0017).
      await sql`DELETE FROM stats_daily_grouped WHERE day >= ${from}::date AND day <= ${to}::date`.execute(
        trx,
      );
      // Dates only (checked), so the statement can be written out once for the migration and here.
      if (![from, to].every((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)))
        throw new AppError('validation_failed', 'Dates are YYYY-MM-DD');
      await sql.raw(groupedFill(`WHERE day >= '${from}'::date AND day <= '${to}'::date`)).execute(trx);
      await sql`DELETE FROM stats_workload_daily WHERE day >= ${from}::date AND day <= ${to}::date`.execute(
        trx,
      );
      await sql`
        INSERT INTO stats_workload_daily (day, actor_id, replies)
        SELECT (at AT TIME ZONE 'UTC')::date, actor_id, count(*) FROM audit_log
        WHERE action = 'request.reply' AND at >= ${from}::date AND at < (${to}::date + 1) AND actor_id IS NOT NULL
        GROUP BY 1, 2`.execute(trx);
      return Number(r.numAffectedRows ?? 0n);
    });
  }

  /** The last two days (the job runs every ten minutes); older days only change by retention. */
  async function refreshRecent(): Promise<number> {
    const today = clock.now().toISOString().slice(0, 10);
    const yesterday = new Date(clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    return refresh(yesterday, today);
  }

  /**
   * The dashboard. The rollup's sums per day and per dimension are kept by refresh() (GROUPING SETS:
   * ~15 rows a day instead of one per channel × category × language), and the workload comes from the daily
   * per-operator rollup for all but the last two days, which the ten-minute refresh may not have
   * closed yet and are read from the audit log (decision 0017). The statements run in parallel.
   */
  async function dashboard(q: DashboardQuery) {
    // Spikes are judged against the 28 days before each day, also before the range shown, so a day
    // is a spike or not whatever period the dashboard displays.
    const lookbackFrom = new Date(new Date(`${q.from}T00:00:00Z`).getTime() - 28 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    // Days up to the day before yesterday are final in stats_workload_daily; later ones are live.
    const liveFrom = new Date(clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
    const [grouped, before, annotations, workload, users] = await Promise.all([
      sql<GroupedRow>`
        SELECT day::text AS day, requests::int AS requests, likely_fake::int AS likely_fake,
          verified::int AS verified, meeting_agreed::int AS meeting_agreed, in_custody::int AS in_custody,
          info_given::int AS info_given, probes::int AS probes, first_response_count::int AS first_response_count,
          first_response_seconds::text AS first_response_seconds, by_channel, by_category, by_language
        FROM stats_daily_grouped WHERE day >= ${q.from}::date AND day <= ${q.to}::date`.execute(db),
      sql<{ day: string; n: string }>`
        SELECT day::text AS day, requests::text AS n FROM stats_daily_grouped
        WHERE day >= ${lookbackFrom}::date AND day < ${q.from}::date`.execute(db),
      db
        .selectFrom('stats_annotations')
        .selectAll()
        .where('day', '>=', q.from)
        .where('day', '<=', q.to)
        .orderBy('day')
        .execute(),
      sql<{ actor_id: string; replies: string }>`
        SELECT actor_id, sum(replies)::text AS replies FROM (
          SELECT actor_id, replies FROM stats_workload_daily
          WHERE day >= ${q.from}::date AND day <= ${q.to}::date AND day < ${liveFrom}::date
          UNION ALL
          SELECT actor_id, count(*) FROM audit_log
          WHERE action = 'request.reply' AND at >= greatest(${q.from}::date, ${liveFrom}::date)
            AND at < (${q.to}::date + 1) AND actor_id IS NOT NULL
          GROUP BY actor_id
        ) w
        GROUP BY actor_id ORDER BY sum(replies) DESC LIMIT 50`.execute(db),
      db.selectFrom('users').select(['id', 'email_enc']).execute(),
    ]);
    const DIMS = ['channel', 'category', 'language'] as const;
    const byDay = new Map<string, number>();
    const dims = {
      channel: new Map<string, number>(),
      category: new Map<string, number>(),
      language: new Map<string, number>(),
    };
    const perDay: Record<'channel' | 'category' | 'language', Map<string, Map<string, number>>> = {
      channel: new Map(),
      category: new Map(),
      language: new Map(),
    };
    const totals = {
      requests: 0,
      likelyFake: 0,
      verified: 0,
      meetingAgreed: 0,
      inCustody: 0,
      infoGiven: 0,
      probes: 0,
      frCount: 0,
      frSeconds: 0,
    };
    for (const r of grouped.rows) {
      byDay.set(r.day, r.requests);
      totals.requests += r.requests;
      totals.likelyFake += r.likely_fake;
      totals.verified += r.verified;
      totals.meetingAgreed += r.meeting_agreed;
      totals.inCustody += r.in_custody;
      totals.infoGiven += r.info_given;
      totals.probes += r.probes;
      totals.frCount += r.first_response_count;
      totals.frSeconds += Number(r.first_response_seconds);
      for (const d of DIMS) {
        const m = new Map(Object.entries(r[`by_${d}`]));
        for (const [key, n] of m) dims[d].set(key, (dims[d].get(key) ?? 0) + n);
        perDay[d].set(r.day, m);
      }
    }
    // Every day of the range, zeros included, so charts and spike detection see the quiet days too.
    const days: string[] = [];
    for (
      let d = new Date(`${q.from}T00:00:00Z`);
      d <= new Date(`${q.to}T00:00:00Z`);
      d = new Date(d.getTime() + 86_400_000)
    ) {
      days.push(d.toISOString().slice(0, 10));
    }
    const series = days.map((day) => ({ day, count: byDay.get(day) ?? 0 }));
    const beforeMap = new Map(before.rows.map((r) => [r.day, Number(r.n)]));
    const history: Array<{ day: string; count: number }> = [];
    for (
      let d = new Date(`${lookbackFrom}T00:00:00Z`);
      d < new Date(`${q.from}T00:00:00Z`);
      d = new Date(d.getTime() + 86_400_000)
    ) {
      const day = d.toISOString().slice(0, 10);
      history.push({ day, count: beforeMap.get(day) ?? 0 });
    }
    const names = new Map(users.map((u) => [u.id, deps.vault.decrypt(u.email_enc, 'users.email')]));
    const breakdown = (d: 'channel' | 'category' | 'language') => ({
      totals: Object.fromEntries(dims[d]),
      perDay: days.map((day) => ({ day, ...Object.fromEntries(perDay[d].get(day) ?? new Map()) })),
    });
    return {
      from: q.from,
      to: q.to,
      series,
      byChannel: breakdown('channel'),
      byCategory: breakdown('category'),
      byLanguage: breakdown('language'),
      outcomes: {
        inCustody: totals.inCustody,
        infoGiven: totals.infoGiven,
        probes: totals.probes,
        likelyFake: totals.likelyFake,
      },
      funnel: {
        contacted: totals.requests - totals.likelyFake,
        verified: totals.verified,
        meetingAgreed: totals.meetingAgreed,
        inCustody: totals.inCustody,
      },
      firstResponse: {
        answered: totals.frCount,
        meanMinutes: totals.frCount ? Math.round(totals.frSeconds / totals.frCount / 6) / 10 : null,
      },
      workload: workload.rows.map((w) => ({
        operatorId: w.actor_id,
        operator: names.get(w.actor_id) ?? w.actor_id,
        replies: Number(w.replies),
      })),
      spikes: detectSpikes([...history, ...series]).filter((sp) => sp.day >= q.from),
      annotations: annotations.map((a) => ({ id: a.id, day: String(a.day).slice(0, 10), label: a.label })),
    };
  }

  async function csv(q: DashboardQuery): Promise<string> {
    const rows = await db
      .selectFrom('stats_daily')
      .selectAll()
      .where('day', '>=', q.from)
      .where('day', '<=', q.to)
      .orderBy('day')
      .orderBy('channel')
      .orderBy('category')
      .orderBy('language')
      .execute();
    const head =
      'day,channel,category,language,requests,likely_fake,verified,meeting_agreed,in_custody,info_given,probes,first_responses,first_response_mean_minutes';
    const lines = rows.map((r) =>
      [
        String(r.day).slice(0, 10),
        r.channel,
        r.category,
        r.language,
        r.requests,
        r.likely_fake,
        r.verified,
        r.meeting_agreed,
        r.in_custody,
        r.info_given,
        r.probes,
        r.first_response_count,
        r.first_response_count
          ? (Number(r.first_response_seconds) / r.first_response_count / 60).toFixed(1)
          : '',
      ].join(','),
    );
    return `${[head, ...lines].join('\n')}\n`;
  }

  /**
   * Public aggregates for the press: weekly totals by channel and category, likely fakes excluded,
   * every number below 10 shown as "<10" so that no single person's action can be inferred.
   */
  async function publicWeekly(weeks = 12) {
    const from = new Date(clock.now().getTime() - weeks * 7 * 86_400_000).toISOString().slice(0, 10);
    const rows = await sql<{ week: string; channel: string; category: string; n: string; custody: string }>`
      SELECT to_char(date_trunc('week', day), 'YYYY-MM-DD') AS week, channel, category,
        sum(requests - likely_fake)::text AS n, sum(in_custody)::text AS custody
      FROM stats_daily WHERE day >= ${from}::date GROUP BY 1, 2, 3 ORDER BY 1`.execute(db);
    const weeksMap = new Map<
      string,
      { total: number; custody: number; channel: Map<string, number>; category: Map<string, number> }
    >();
    for (const r of rows.rows) {
      const w = weeksMap.get(r.week) ?? { total: 0, custody: 0, channel: new Map(), category: new Map() };
      const n = Number(r.n);
      w.total += n;
      w.custody += Number(r.custody);
      w.channel.set(r.channel, (w.channel.get(r.channel) ?? 0) + n);
      w.category.set(r.category, (w.category.get(r.category) ?? 0) + n);
      weeksMap.set(r.week, w);
    }
    return [...weeksMap.entries()].map(([week, w]) => ({
      week,
      total: suppress(w.total),
      inCustody: suppress(w.custody),
      byChannel: Object.fromEntries([...w.channel].map(([k, v]) => [k, suppress(v)])),
      byCategory: Object.fromEntries([...w.category].map(([k, v]) => [k, suppress(v)])),
    }));
  }

  async function annotate(actorId: string, day: string, label: string) {
    const id = randomUUID();
    await deps.audit.write(async (trx, w) => {
      await trx
        .insertInto('stats_annotations')
        .values({ id, day, label, created_by: actorId, created_at: clock.now() })
        .execute();
      await w.audit({
        actorType: 'operator',
        actorId,
        action: 'stats.annotate',
        subjectType: 'annotation',
        subjectId: id,
        details: { day },
      });
    });
    return { id, day, label };
  }

  async function removeAnnotation(actorId: string, id: string) {
    await deps.audit.write(async (trx, w) => {
      const r = await trx.deleteFrom('stats_annotations').where('id', '=', id).executeTakeFirst();
      if (r.numDeletedRows === 0n) throw new AppError('not_found', 'No such annotation');
      await w.audit({
        actorType: 'operator',
        actorId,
        action: 'stats.annotation_delete',
        subjectType: 'annotation',
        subjectId: id,
      });
    });
  }

  return { refresh, refreshRecent, dashboard, csv, publicWeekly, annotate, removeAnnotation, FUNNEL_STATES };
}

export type StatsService = ReturnType<typeof createStatsService>;
