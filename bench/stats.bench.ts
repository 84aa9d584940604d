import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { type CompiledQuery, Kysely, type LogEvent, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { totpCode } from '../src/auth/totp.ts';
import { CASE_STATES, type CaseState, CLOSED_STATES } from '../src/cases/case-state.ts';
import { CALLER_CATEGORIES, type CallerCategory, CHANNELS, type Channel } from '../src/cases/categories.ts';
import { systemClock } from '../src/clock.ts';
import { type Core, createCore } from '../src/core.ts';
import { memoryKeyring } from '../src/crypto/keyring.ts';
import { connectDatabase } from '../src/db/database.ts';
import type { Database } from '../src/db/schema.ts';
import { LANGUAGES, type Language } from '../src/i18n/i18n.ts';
import { createLogger } from '../src/log.ts';
import { detectSpikes } from '../src/stats/spikes.ts';
import { createStatsService, type StatsService } from '../src/stats/stats.service.ts';
import { numberFlag, UsageError } from './lib/args.ts';
import { type BenchContext, type Benchmark, note, once } from './lib/benchmark.ts';
import { type BenchDatabase, openBenchDatabase } from './lib/database.ts';
import { type LatencySummary, summarize } from './lib/load.ts';
import { fmt, roundNumbers, table } from './lib/report.ts';

/**
 * Statistics at scale: with N (default 1,000,000) requests over two years, how long does the rollup
 * refresh take, and how fast are the dashboard and the public page that read it?
 *
 * Seeding is set-based SQL (INSERT … SELECT FROM unnest(days) × generate_series), in time order:
 * a daily volume with a growth trend, a weekly rhythm, noise and a few spike days (mobilisation waves,
 * floods of fakes: most of a flood day's requests are likely fakes); a mix of channels, categories and
 * languages; statuses by age; first responses. The audit log gets what the rollup and the dashboard
 * read: `request.status` entries ({from, to}) for a share of the requests (their path through the
 * funnel: screening → verified → meeting agreed → in custody, or off to a closed state) and
 * `request.reply` entries by the operators (workload), in time order, already chained (seq set).
 *
 * Then, in order:
 *   1. refresh: the service's refresh() (src/stats/stats.service.ts, unchanged) for the last two days
 *      (what the ten-minute job does) and for the whole range, each under a statement timeout, with
 *      the plan of its INSERT … SELECT;
 *   2. the proposed fix for refresh, verified here (never in src/): an index for its per-request
 *      look-up of status changes, and a rewritten statement (one aggregate over the status entries,
 *      hash-joined) checked to give exactly the rows refresh() gives;
 *   3. dashboard: the service's dashboard() in-process (30, 90, 365 and 730 days up to today),
 *      `--warmup` calls then `--runs` sequential calls, with the time per SQL statement; the same over
 *      HTTP (GET /api/stats/dashboard via app.inject, logged in as the admin: routing, session,
 *      serialisation); publicWeekly(12) and GET /stats. EXPLAIN (ANALYZE, BUFFERS) of every statement
 *      of any case over target;
 *   4. proposals for the dashboard (`--try-sql`, repeatable; by default an index for the workload
 *      query), then every case measured again.
 */

const TARGET_MS = 100;

interface StatsArgs {
  rows: number;
  days: number;
  /** Share of requests whose status changes are in the audit log. */
  statusShare: number;
  /** request.reply audit entries (operator workload). */
  replies: number;
  operators: number;
  warmup: number;
  runs: number;
  refreshTimeoutS: number;
  /** Run the original refresh() on the whole range even when the per-day estimate exceeds the timeout. */
  forceFullRefresh: boolean;
  trySql: string[];
  hold: boolean;
}

const USAGE = `  --rows N            request_threads rows to seed (default 1000000)
  --days N            days of history they spread over, up to today (default 730)
  --status-share F    share of requests with their status changes in the audit log (default 0.2)
  --replies N         request.reply audit entries (default 1000000)
  --operators N       operators the replies come from (default 12)
  --warmup N          unmeasured calls per dashboard case (default 10)
  --runs N            measured sequential calls per dashboard case (default 100)
  --refresh-timeout S statement timeout for each refresh (default 120)
  --force-full-refresh  run the unchanged refresh() over the whole range even if its estimate is over
                      the timeout (it then runs until the timeout)
  --try-sql SQL       after the first dashboard measurement, run this statement (e.g. CREATE INDEX …),
                      ANALYZE and measure again; repeatable. Default: the workload index below
  --hold              keep the seeded database up after the report (its URL goes to stderr) until Ctrl-C`;

function parseStatsArgs(argv: string[]): StatsArgs {
  let v: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        rows: { type: 'string' },
        days: { type: 'string' },
        'status-share': { type: 'string' },
        replies: { type: 'string' },
        operators: { type: 'string' },
        warmup: { type: 'string' },
        runs: { type: 'string' },
        'refresh-timeout': { type: 'string' },
        'force-full-refresh': { type: 'boolean' },
        'try-sql': { type: 'string', multiple: true },
        hold: { type: 'boolean' },
      },
    }).values;
  }
  try {
    v = parse();
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const share = numberFlag('status-share', v['status-share'], 0.2, { integer: false, min: 0 });
  if (share > 1) throw new UsageError('--status-share must be ≤ 1');
  return {
    rows: numberFlag('rows', v.rows, 1_000_000, { integer: true, min: 1000 }),
    days: numberFlag('days', v.days, 730, { integer: true, min: 60 }),
    statusShare: share,
    replies: numberFlag('replies', v.replies, 1_000_000, { integer: true, min: 0 }),
    operators: numberFlag('operators', v.operators, 12, { integer: true, min: 1 }),
    warmup: numberFlag('warmup', v.warmup, 10, { integer: true, min: 0 }),
    runs: numberFlag('runs', v.runs, 100, { integer: true, min: 1 }),
    refreshTimeoutS: numberFlag('refresh-timeout', v['refresh-timeout'], 120, { integer: false, min: 1 }),
    forceFullRefresh: v['force-full-refresh'] ?? false,
    trySql: v['try-sql'] ?? [DEFAULT_WORKLOAD_INDEX],
    hold: v.hold ?? false,
  };
}

/**
 * The dashboard's workload query filters audit_log by action and time. Shipped since migration 0009
 * (found by this benchmark); IF NOT EXISTS keeps the "with the index" phases meaningful on older schemas.
 */
const DEFAULT_WORKLOAD_INDEX =
  'CREATE INDEX IF NOT EXISTS audit_log_action_at ON audit_log (action, at) INCLUDE (actor_id)';

/** refresh() looks up each request's status changes by subject_id (shipped since migration 0009). */
const REFRESH_INDEX =
  "CREATE INDEX IF NOT EXISTS audit_log_status_subject ON audit_log (subject_id) WHERE action = 'request.status'";

/**
 * The refresh statement rewritten: the status changes aggregated once per subject (only those at or
 * after `from`: a request's status changes come after its creation) and hash-joined, instead of one
 * look-up per request. $1 = from, $2 = to (dates). Writes into `target` (same columns as stats_daily).
 */
function rewrittenRefresh(target: string): string {
  return `
INSERT INTO ${target} (day, channel, category, language, requests, likely_fake, verified, meeting_agreed,
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
LEFT JOIN (
  SELECT a.subject_id,
         bool_or(a.details->>'to' = 'verified') AS verified,
         bool_or(a.details->>'to' = 'meeting_agreed') AS meeting_agreed,
         bool_or(a.details->>'to' = 'in_custody') AS in_custody
  FROM audit_log a
  WHERE a.action = 'request.status' AND a.at >= $1::date
  GROUP BY a.subject_id
) reached ON reached.subject_id = t.id::text
WHERE t.created_at >= $1::date AND t.created_at < ($2::date + 1) AND t.merged_into IS NULL
GROUP BY 1, 2, 3, 4`;
}

/** The commit the measured code comes from (other sessions commit while benchmarks run). */
function sourceRevision(): string {
  const git = (...a: string[]) =>
    execFileSync('git', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' + uncommitted src/ changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// Seeding

const CHANNEL_WEIGHTS: Record<Channel, number> = { web: 45, telegram: 35, whatsapp: 12, sms: 5, voice: 3 };
const CATEGORY_WEIGHTS: Record<CallerCategory, number> = {
  serviceman_war_zone: 35,
  mobilized_home: 15,
  relative: 20,
  just_checking: 15,
  occupied_resident: 8,
  other: 7,
};
const LANGUAGE_WEIGHTS: Record<Language, number> = { ru: 74, uk: 15, en: 10, ko: 1 };
/** Closed outcomes, in shares of the closed requests. */
const CLOSED_WEIGHTS: Partial<Record<CaseState, number>> = {
  in_custody: 8,
  unreachable: 26,
  withdrawn: 11,
  rejected_probe: 18,
  closed_info_given: 37,
};
/** Open states by age: percent of the requests of that age band; the rest are closed. */
const OPEN_BY_AGE: Array<{ maxDays: number; open: Partial<Record<CaseState, number>> }> = [
  { maxDays: 3, open: { new: 60, screening: 25 } },
  {
    maxDays: 30,
    open: {
      new: 2,
      screening: 25,
      verified: 10,
      awaiting_front_contact: 5,
      meeting_agreed: 3,
      in_progress: 3,
    },
  },
  {
    maxDays: 120,
    open: { screening: 5, verified: 6, awaiting_front_contact: 5, meeting_agreed: 3, in_progress: 4 },
  },
  {
    maxDays: Number.POSITIVE_INFINITY,
    open: { verified: 0.1, awaiting_front_contact: 0.2, in_progress: 0.2 },
  },
];
/** The states a request went through to reach its status (request.status entries, in order). */
const PATHS: Record<CaseState, CaseState[]> = {
  new: [],
  screening: ['screening'],
  verified: ['screening', 'verified'],
  awaiting_front_contact: ['screening', 'verified', 'awaiting_front_contact'],
  meeting_agreed: ['screening', 'verified', 'meeting_agreed'],
  in_progress: ['screening', 'verified', 'meeting_agreed', 'in_progress'],
  in_custody: ['screening', 'verified', 'meeting_agreed', 'in_progress', 'in_custody'],
  unreachable: ['screening', 'verified', 'unreachable'],
  withdrawn: ['screening', 'withdrawn'],
  rejected_probe: ['rejected_probe'],
  closed_info_given: ['screening', 'closed_info_given'],
};

function literal(v: string): string {
  if (!/^[a-z_]+$/.test(v)) throw new Error(`unexpected seed literal ${v}`);
  return `'${v}'`;
}

/** CASE expression picking a key by the uniform random column `r`. */
function pick<K extends string>(r: string, keys: readonly K[], weights: Partial<Record<K, number>>): string {
  const entries = keys.filter((k) => (weights[k] ?? 0) > 0).map((k) => [k, weights[k] as number] as const);
  const total = entries.reduce((a, [, w]) => a + w, 0);
  let acc = 0;
  const arms = entries.map(([k, w], i) => {
    acc += w;
    return i === entries.length - 1
      ? `ELSE ${literal(k)}`
      : `WHEN ${r} < ${(acc / total).toFixed(6)} THEN ${literal(k)}`;
  });
  return `CASE ${arms.join(' ')} END`;
}

function statusByAge(): string {
  const closedTotal = Object.values(CLOSED_WEIGHTS).reduce((a, b) => a + b, 0);
  const arms = OPEN_BY_AGE.map(({ maxDays, open }) => {
    const openTotal = Object.values(open).reduce((a, b) => a + b, 0);
    const weights = Object.fromEntries(
      CASE_STATES.map((s) => [
        s,
        (open[s] ?? 0) + ((CLOSED_WEIGHTS[s] ?? 0) * (100 - openTotal)) / closedTotal,
      ]),
    ) as Record<CaseState, number>;
    const expr = pick('r_status', CASE_STATES, weights);
    return Number.isFinite(maxDays) ? `WHEN age_days < ${maxDays} THEN ${expr}` : `ELSE ${expr}`;
  });
  return `CASE ${arms.join(' ')} END`;
}

function randomBytea(n: number): string {
  const parts = Array.from({ length: Math.ceil(n / 16) }, () => 'uuid_send(gen_random_uuid())');
  return `substring(${parts.join(' || ')} FROM 1 FOR ${n})`;
}

const CLOSED_LIST = CLOSED_STATES.map(literal).join(', ');

/**
 * $1 days (date[]), $2 counts (int[]), $3 flood flags (bool[]), $4 "now", $5 first ref number.
 * Every request of a flood day is a likely fake with probability 0.7, otherwise 0.03; likely fakes are
 * mostly closed as probes or left new.
 */
const SEED_THREADS = `
INSERT INTO request_threads (id, ref, channel, category, language, urgency, status, public_key, sk_for_org,
  sk_for_receipt, receipt_salt, receipt_lookup, message_count, awaiting_reply, created_at, updated_at,
  last_requester_at, last_operator_at, closed_at, first_response_at, spam_score, spam_reasons, detected_language)
SELECT gen_random_uuid(), 'WF-' || lpad(($5::bigint + row_number() OVER ())::text, 10, '0'),
  channel, category, language, urgency, status,
  ${randomBytea(32)}, ${randomBytea(80)},
  CASE WHEN channel = 'web' THEN ${randomBytea(60)} END,
  CASE WHEN channel = 'web' THEN ${randomBytea(16)} END,
  CASE WHEN channel = 'web' THEN ${randomBytea(32)} END,
  1 + floor(r_msg ^ 2 * 20)::int, status = 'new' OR r_msg < 0.2,
  created_at, coalesce(closed_at, first_response_at, created_at), created_at, first_response_at, closed_at,
  first_response_at, spam_score,
  CASE WHEN spam_score >= 60 THEN ARRAY['template-text'] ELSE '{}'::text[] END, language
FROM (
  SELECT *,
    CASE WHEN status IN (${CLOSED_LIST}) THEN least($4::timestamptz, created_at + (1 + r_close * 20) * interval '1 day') END AS closed_at,
    CASE WHEN status = 'new' OR (status = 'rejected_probe' AND r_close < 0.5) THEN NULL
         ELSE least($4::timestamptz, created_at + (5 + r_resp ^ 2 * 600) * interval '1 minute') END AS first_response_at
  FROM (
    SELECT *,
      CASE WHEN sunk_draw THEN (CASE WHEN age_days < 3 OR r_close < 0.3 THEN 'new' ELSE 'rejected_probe' END)
           ELSE ${statusByAge()} END AS status,
      CASE WHEN sunk_draw THEN 60 + floor(r_spam * 40)::int WHEN r_spam < 0.15 THEN floor(r_spam * 300)::int ELSE 0 END AS spam_score,
      CASE WHEN category = 'serviceman_war_zone' THEN 2 + (r_urg < 0.4)::int ELSE floor(r_urg * 3)::int END AS urgency
    FROM (
      SELECT *, r_sunk < CASE WHEN flood THEN 0.7 ELSE 0.03 END AS sunk_draw,
        extract(epoch FROM $4::timestamptz - created_at) / 86400 AS age_days,
        ${pick('r_cat', CALLER_CATEGORIES, CATEGORY_WEIGHTS)} AS category,
        ${pick('r_chan', CHANNELS, CHANNEL_WEIGHTS)} AS channel,
        ${pick('r_lang', LANGUAGES, LANGUAGE_WEIGHTS)} AS language
      FROM (
        SELECT d.day::timestamptz + ((g - 1 + random()) / d.n) * interval '1 day' AS created_at, d.flood,
          random() AS r_status, random() AS r_cat, random() AS r_chan, random() AS r_lang, random() AS r_urg,
          random() AS r_msg, random() AS r_close, random() AS r_resp, random() AS r_spam, random() AS r_sunk
        FROM unnest($1::date[], $2::int[], $3::bool[]) AS d(day, n, flood), generate_series(1, d.n) AS g
      ) draws
    ) picked
  ) statused
) timed
WHERE created_at <= $4::timestamptz
ORDER BY created_at`;

function pathCase(): string {
  const arms = CASE_STATES.filter((s) => PATHS[s].length > 0).map(
    (s) => `WHEN ${literal(s)} THEN ARRAY[${PATHS[s].map(literal).join(', ')}]`,
  );
  return `CASE t.status ${arms.join(' ')} END`;
}

/**
 * Audit entries, in time order, chained numbers continuing the existing ones: status paths for a share
 * ($1) of the requests, and ~$2 replies spread over the answered requests by the operators ($3 uuid[]).
 * $4 = now (nothing is dated after it).
 */
export const SEED_AUDIT = `
INSERT INTO audit_log (seq, at, actor_type, actor_id, action, subject_type, subject_id, details)
SELECT (SELECT coalesce(max(seq), 0) FROM audit_log) + row_number() OVER (ORDER BY at), at, 'operator',
  actor_id, action, 'request', subject_id, details
FROM (
  SELECT least($4::timestamptz, t.first_response_at + p.k * (0.5 + random()) * interval '1 day') AS at,
    ($3::uuid[])[1 + floor(random() * cardinality($3::uuid[]))::int] AS actor_id,
    'request.status' AS action, t.id::text AS subject_id,
    jsonb_build_object('from', (ARRAY['new'] || p.path)[p.k], 'to', p.path[p.k]) AS details
  FROM request_threads t
  CROSS JOIN LATERAL (SELECT ${pathCase()} AS path) pp
  CROSS JOIN LATERAL (SELECT pp.path, generate_subscripts(pp.path, 1) AS k) p
  WHERE t.first_response_at IS NOT NULL AND random() < $1::float8
  UNION ALL
  SELECT least($4::timestamptz, t.first_response_at + (r.k - 1) * random() * interval '2 days'),
    ($3::uuid[])[1 + floor(random() * cardinality($3::uuid[]))::int],
    'request.reply', t.id::text, '{}'::jsonb
  -- replies per answered request: exponential with mean $2, drawn per request (a volatile target list
  -- keeps the subquery from being flattened; a LATERAL call not referencing t would be run only once)
  FROM (SELECT id, first_response_at, floor(-ln(1 - random()) * $2::float8 + random())::int AS n
        FROM request_threads WHERE first_response_at IS NOT NULL) t
  CROSS JOIN LATERAL generate_series(1, t.n) AS r(k)
) e
ORDER BY at`;

interface DayPlan {
  days: string[];
  counts: number[];
  floods: boolean[];
  spikeDays: string[];
}

/** Daily volumes: growth trend, weekly rhythm, noise, and spikes (some of them floods of fakes). */
function planDays(rows: number, days: number, now: Date): DayPlan {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const weights: number[] = [];
  const dayList: string[] = [];
  const floods: boolean[] = [];
  const spikeDays: string[] = [];
  // Spikes: a mobilisation wave every ~90 days (3 days at ×6, ×4, ×2), a flood of fakes every ~70 days.
  for (let i = 0; i < days; i++) {
    const t = today - (days - 1 - i) * 86_400_000;
    const day = new Date(t).toISOString().slice(0, 10);
    const dow = new Date(t).getUTCDay();
    let w = (0.6 + (0.8 * i) / days) * (dow === 0 || dow === 6 ? 0.8 : 1.05) * (0.85 + 0.3 * rand());
    let flood = false;
    const m = (i + 17) % 90;
    if (m < 3) w *= [6, 4, 2][m] as number;
    if ((i + 5) % 70 === 0) {
      w *= 10;
      flood = true;
    }
    if (m === 0 || flood) spikeDays.push(day);
    weights.push(w);
    dayList.push(day);
    floods.push(flood);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((w / total) * rows));
  let rest = rows - counts.reduce((a, b) => a + b, 0);
  for (let i = counts.length - 1; rest > 0; i = (i - 1 + counts.length) % counts.length, rest--)
    counts[i] = (counts[i] as number) + 1;
  return { days: dayList, counts, floods, spikeDays };
}

interface SeedResult {
  threadsMs: number;
  indexMs: number;
  auditMs: number;
  vacuumMs: number;
  auditRows: Record<string, number>;
  threadBytes: number;
  auditBytes: number;
  spikeDays: number;
}

async function seed(
  url: string,
  args: StatsArgs,
  operators: string[],
  now: Date,
  signal: AbortSignal,
): Promise<SeedResult> {
  const c = new pg.Client({ connectionString: url, application_name: 'whiteflag-bench-seed' });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = 'off'");
    await c.query("SET maintenance_work_mem = '256MB'");
    await c.query("SET work_mem = '128MB'");
    const plan = planDays(args.rows, args.days, now);
    // Secondary indexes are dropped for the bulk load and rebuilt from their own definitions.
    const secondary = await c.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
       WHERE schemaname = current_schema() AND tablename = 'request_threads'
         AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'request_threads'::regclass)`,
    );
    for (const ix of secondary.rows) await c.query(`DROP INDEX ${ix.indexname}`);
    const t0 = performance.now();
    const chunk = 60;
    let ref = 0;
    for (let i = 0; i < plan.days.length; i += chunk) {
      if (signal.aborted) throw new Error('interrupted');
      const counts = plan.counts.slice(i, i + chunk);
      await c.query(SEED_THREADS, [
        plan.days.slice(i, i + chunk),
        counts,
        plan.floods.slice(i, i + chunk),
        now,
        ref,
      ]);
      ref += counts.reduce((a, b) => a + b, 0);
      if ((i / chunk) % 4 === 3 || i + chunk >= plan.days.length)
        note(`seeded ${ref} requests (${plan.days[Math.min(i + chunk, plan.days.length) - 1]})`);
    }
    const threadsMs = performance.now() - t0;
    const ti = performance.now();
    for (const ix of secondary.rows) {
      if (signal.aborted) throw new Error('interrupted');
      await c.query(ix.indexdef);
    }
    const indexMs = performance.now() - ti;
    await c.query('ANALYZE request_threads');
    const answered = await c.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM request_threads WHERE first_response_at IS NOT NULL',
    );
    const perThread = args.replies / Math.max(1, Number(answered.rows[0]?.n ?? 1));
    const ta = performance.now();
    await c.query(SEED_AUDIT, [args.statusShare, perThread, operators, now]);
    const auditMs = performance.now() - ta;
    note(`seeded audit entries in ${(auditMs / 1000).toFixed(1)} s`);
    const tv = performance.now();
    await c.query('VACUUM (ANALYZE) request_threads');
    await c.query('VACUUM (ANALYZE) audit_log');
    const vacuumMs = performance.now() - tv;
    const counts = await c.query<{ action: string; n: string }>(
      'SELECT action, count(*)::text AS n FROM audit_log GROUP BY action ORDER BY 2 DESC',
    );
    const sizes = await c.query<{ t: string; a: string }>(
      `SELECT pg_total_relation_size('request_threads')::text AS t, pg_total_relation_size('audit_log')::text AS a`,
    );
    return {
      threadsMs,
      indexMs,
      auditMs,
      vacuumMs,
      auditRows: Object.fromEntries(counts.rows.map((r) => [r.action, Number(r.n)])),
      threadBytes: Number(sizes.rows[0]?.t),
      auditBytes: Number(sizes.rows[0]?.a),
      spikeDays: plan.spikeDays.length,
    };
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** Records the SQL Kysely runs and how long each statement took. */
class QueryRecorder {
  last: CompiledQuery[] = [];
  perStatement: number[] = [];

  readonly log = (event: LogEvent): void => {
    this.last.push(event.query);
    this.perStatement.push(event.queryDurationMillis);
  };

  reset(): void {
    this.last = [];
    this.perStatement = [];
  }
}

/** A stats service on its own pool, its SQL recorded; optionally with a statement timeout. */
function instrumentedStats(url: string, core: Core, rec: QueryRecorder, timeoutS?: number) {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'whiteflag-bench-stats' });
  pool.on('error', () => {});
  if (timeoutS !== undefined)
    pool.on('connect', (client) => {
      client.query(`SET statement_timeout = ${Math.round(timeoutS * 1000)}`).catch(() => {});
    });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: rec.log });
  const stats = createStatsService({ db, audit: core.audit, clock: core.clock, vault: core.vault });
  return { stats, pool, close: once(() => db.destroy()) };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  'Plan Rows'?: number;
  'Total Cost'?: number;
  'Rows Removed by Filter'?: number;
  'Sort Method'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Heap Fetches'?: number;
  Plans?: PlanNode[];
}

function planLines(root: { Plan: PlanNode; 'Execution Time'?: number }): string[] {
  const lines: string[] = [];
  const walk = (n: PlanNode, depth: number) => {
    const loops = n['Actual Loops'] ?? 1;
    const parts = [`${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`];
    if (n['Relation Name'] && !n['Index Name']) parts[0] += ` on ${n['Relation Name']}`;
    if (n['Actual Rows'] !== undefined) {
      parts.push(`rows=${n['Actual Rows']}${loops > 1 ? `×${loops}` : ''}`);
      parts.push(`time=${fmt(n['Actual Total Time'], 1)} ms`);
    } else parts.push(`est. rows=${n['Plan Rows']} cost=${fmt(n['Total Cost'], 0)}`);
    if (n['Rows Removed by Filter']) parts.push(`removed by filter=${n['Rows Removed by Filter']}`);
    if (n['Heap Fetches'] !== undefined) parts.push(`heap fetches=${n['Heap Fetches']}`);
    if (n['Sort Method']) parts.push(`sort=${n['Sort Method']}`);
    if (n['Shared Hit Blocks'] !== undefined)
      parts.push(`buffers hit=${n['Shared Hit Blocks']} read=${n['Shared Read Blocks'] ?? 0}`);
    lines.push(`${'  '.repeat(depth)}${parts.join(' ')}`);
    for (const child of n.Plans ?? []) walk(child, depth + 1);
  };
  walk(root.Plan, 0);
  if (root['Execution Time'] !== undefined) lines.push(`execution ${fmt(root['Execution Time'], 1)} ms`);
  return lines;
}

async function explain(pool: pg.Pool, q: CompiledQuery, analyze: boolean): Promise<string[]> {
  const r = await pool.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time'?: number }> }>(
    `EXPLAIN (${analyze ? 'ANALYZE, BUFFERS, ' : ''}FORMAT JSON) ${q.sql}`,
    q.parameters as unknown[],
  );
  const root = r.rows[0]?.['QUERY PLAN'][0];
  return root ? planLines(root) : ['(no plan)'];
}

function shortSql(q: CompiledQuery): string {
  return q.sql.replace(/\s+/g, ' ').trim().slice(0, 110);
}

interface RefreshRun {
  label: string;
  days: number;
  ms: number;
  rows: number | null;
  timedOut: boolean;
  error: string | null;
  /** Estimated time when not run (from the per-day rate). */
  estimateMs: number | null;
}

async function timeRefresh(
  stats: StatsService,
  label: string,
  from: string,
  to: string,
  rec: QueryRecorder,
): Promise<RefreshRun> {
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  rec.reset();
  const t0 = performance.now();
  try {
    const rows = await stats.refresh(from, to);
    return { label, days, ms: performance.now() - t0, rows, timedOut: false, error: null, estimateMs: null };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return {
      label,
      days,
      ms: performance.now() - t0,
      rows: null,
      timedOut: /statement timeout/.test(msg),
      error: msg,
      estimateMs: null,
    };
  }
}

interface DashCase {
  name: string;
  kind: 'dashboard' | 'dashboard HTTP' | 'public' | 'public HTTP';
  op: () => Promise<unknown>;
}

interface CaseResult {
  name: string;
  kind: DashCase['kind'];
  runs: number;
  totalMs: LatencySummary;
  /** Per statement (in call order): median ms, and its SQL. */
  statements: Array<{ sql: string; p50: number; p95: number }>;
  sqlP50: number;
  pass: boolean;
  plans: string[][];
  statementsSql: CompiledQuery[];
}

async function measureCase(
  c: DashCase,
  rec: QueryRecorder,
  args: StatsArgs,
  signal: AbortSignal,
): Promise<CaseResult> {
  for (let i = 0; i < args.warmup && !signal.aborted; i++) await c.op();
  const total: number[] = [];
  const per: number[][] = [];
  const sqlTotals: number[] = [];
  for (let i = 0; i < args.runs && !signal.aborted; i++) {
    rec.reset();
    const t0 = performance.now();
    await c.op();
    total.push(performance.now() - t0);
    rec.perStatement.forEach((ms, k) => {
      const xs = per[k] ?? [];
      per[k] = xs;
      xs.push(ms);
    });
    sqlTotals.push(rec.perStatement.reduce((a, b) => a + b, 0));
  }
  const totalMs = summarize(total);
  return {
    name: c.name,
    kind: c.kind,
    runs: total.length,
    totalMs,
    statements: per.map((xs, k) => {
      const s = summarize(xs);
      const q = rec.last[k];
      return { sql: q ? shortSql(q) : '?', p50: s.p50, p95: s.p95 };
    }),
    sqlP50: summarize(sqlTotals).p50,
    pass: totalMs.p95 <= TARGET_MS,
    plans: [],
    statementsSql: [...rec.last],
  };
}

/** Logs the admin in over the API (password + TOTP), for the HTTP cases. */
async function login(app: FastifyInstance, email: string, password: string, totpUri: string) {
  const secret = new URL(totpUri).searchParams.get('secret');
  if (!secret) throw new Error('no TOTP secret');
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password, totp: totpCode(secret, new Date()) },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body.slice(0, 200)}`);
  const cookie = res.cookies.find((x) => x.name === 'wf_session');
  if (!cookie) throw new Error('no session cookie');
  return { cookie: `wf_session=${cookie.value}` };
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function daysBefore(day: string, n: number): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000));
}

/**
 * Query-side alternatives, timed directly on the bench database (the service is unchanged): the
 * workload from a daily per-operator rollup instead of the audit log, and the rollup summed per day
 * and dimension in SQL (GROUPING SETS) instead of every (day, channel, category, language) row
 * shipped to Node and summed there.
 */
const WORKLOAD_ROLLUP_SETUP = [
  `CREATE TABLE bench_workload_daily AS
     SELECT (at AT TIME ZONE 'UTC')::date AS day, actor_id, count(*)::int AS replies FROM audit_log
     WHERE action = 'request.reply' AND actor_id IS NOT NULL GROUP BY 1, 2`,
  'ALTER TABLE bench_workload_daily ADD PRIMARY KEY (day, actor_id)',
  'ANALYZE bench_workload_daily',
];
const WORKLOAD_FROM_ROLLUP = `SELECT actor_id, sum(replies)::text AS replies FROM bench_workload_daily
  WHERE day >= $1::date AND day <= $2::date GROUP BY actor_id ORDER BY sum(replies) DESC LIMIT 50`;
const ROLLUP_GROUPED = `SELECT day, channel, category, language, GROUPING(channel, category, language) AS g,
  sum(requests)::int AS requests, sum(likely_fake)::int AS likely_fake, sum(verified)::int AS verified,
  sum(meeting_agreed)::int AS meeting_agreed, sum(in_custody)::int AS in_custody, sum(info_given)::int AS info_given,
  sum(probes)::int AS probes, sum(first_response_count)::int AS first_response_count,
  sum(first_response_seconds)::text AS first_response_seconds
FROM stats_daily WHERE day >= $1::date AND day <= $2::date
GROUP BY GROUPING SETS ((day), (day, channel), (day, category), (day, language))`;

/**
 * dashboard() as proposed, bench-local: the rollup summed per day and dimension in SQL (GROUPING
 * SETS: ~15 rows a day instead of one per channel × category × language) and the workload from
 * bench_workload_daily; everything else as the service does it. Checked against the service's output.
 */
async function proposedDashboard(pool: pg.Pool, core: Core, q: { from: string; to: string }) {
  type Grouped = {
    day: string;
    channel: string | null;
    category: string | null;
    language: string | null;
    g: number;
    requests: number;
    likely_fake: number;
    verified: number;
    meeting_agreed: number;
    in_custody: number;
    info_given: number;
    probes: number;
    first_response_count: number;
    first_response_seconds: string;
  };
  // Spikes are judged with the 28 days before the range too (as dashboard() does).
  const lookbackFrom = new Date(Date.parse(`${q.from}T00:00:00Z`) - 28 * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const [grouped, before, annotations, workload, users] = await Promise.all([
    pool.query<Grouped>(ROLLUP_GROUPED, [q.from, q.to]),
    pool.query<{ day: string; n: string }>(
      'SELECT day::text AS day, sum(requests)::text AS n FROM stats_daily WHERE day >= $1::date AND day < $2::date GROUP BY day',
      [lookbackFrom, q.from],
    ),
    pool.query<{ id: string; day: string; label: string }>(
      'SELECT id, day, label FROM stats_annotations WHERE day >= $1::date AND day <= $2::date ORDER BY day',
      [q.from, q.to],
    ),
    pool.query<{ actor_id: string; replies: string }>(WORKLOAD_FROM_ROLLUP, [q.from, q.to]),
    pool.query<{ id: string; email_enc: string }>('SELECT id, email_enc FROM users'),
  ]);
  const dims = ['channel', 'category', 'language'] as const;
  // GROUPING(channel, category, language): a bit is set for each column summed over.
  const setOf: Record<number, (typeof dims)[number] | 'day'> = {
    7: 'day',
    3: 'channel',
    5: 'category',
    6: 'language',
  };
  const byDay = new Map<string, number>();
  const totals = new Map<string, Map<string, number>>(dims.map((d) => [d, new Map()]));
  const perDay = new Map<string, Map<string, Map<string, number>>>(dims.map((d) => [d, new Map()]));
  const t = {
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
    const set = setOf[r.g];
    if (set === 'day') {
      byDay.set(r.day, r.requests);
      t.requests += r.requests;
      t.likelyFake += r.likely_fake;
      t.verified += r.verified;
      t.meetingAgreed += r.meeting_agreed;
      t.inCustody += r.in_custody;
      t.infoGiven += r.info_given;
      t.probes += r.probes;
      t.frCount += r.first_response_count;
      t.frSeconds += Number(r.first_response_seconds);
    } else if (set) {
      const key = r[set] as string;
      const tot = totals.get(set) as Map<string, number>;
      tot.set(key, (tot.get(key) ?? 0) + r.requests);
      const pd = perDay.get(set) as Map<string, Map<string, number>>;
      const m = pd.get(r.day) ?? new Map<string, number>();
      m.set(key, r.requests);
      pd.set(r.day, m);
    }
  }
  const days: string[] = [];
  for (
    let d = new Date(`${q.from}T00:00:00Z`);
    d <= new Date(`${q.to}T00:00:00Z`);
    d = new Date(d.getTime() + 86_400_000)
  )
    days.push(d.toISOString().slice(0, 10));
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
  const names = new Map(users.rows.map((u) => [u.id, core.vault.decrypt(u.email_enc, 'users.email')]));
  const breakdown = (d: (typeof dims)[number]) => ({
    totals: Object.fromEntries(totals.get(d) ?? []),
    perDay: days.map((day) => ({ day, ...Object.fromEntries(perDay.get(d)?.get(day) ?? new Map()) })),
  });
  return {
    from: q.from,
    to: q.to,
    series,
    byChannel: breakdown('channel'),
    byCategory: breakdown('category'),
    byLanguage: breakdown('language'),
    outcomes: { inCustody: t.inCustody, infoGiven: t.infoGiven, probes: t.probes, likelyFake: t.likelyFake },
    funnel: {
      contacted: t.requests - t.likelyFake,
      verified: t.verified,
      meetingAgreed: t.meetingAgreed,
      inCustody: t.inCustody,
    },
    firstResponse: {
      answered: t.frCount,
      meanMinutes: t.frCount ? Math.round(t.frSeconds / t.frCount / 6) / 10 : null,
    },
    workload: workload.rows.map((w) => ({
      operatorId: w.actor_id,
      operator: names.get(w.actor_id) ?? w.actor_id,
      replies: Number(w.replies),
    })),
    spikes: detectSpikes([...history, ...series]).filter((sp) => sp.day >= q.from),
    annotations: annotations.rows.map((a) => ({ id: a.id, day: String(a.day).slice(0, 10), label: a.label })),
  };
}

/** Workload order is by count; ties may come in any order: compare sorted. */
function comparable(d: { workload: Array<{ operatorId: string; replies: number }> }) {
  return {
    ...d,
    workload: [...d.workload].sort(
      (a, b) => b.replies - a.replies || a.operatorId.localeCompare(b.operatorId),
    ),
  };
}

interface Alternative {
  name: string;
  rows: number;
  ms: LatencySummary;
}

async function timeSql(
  pool: pg.Pool,
  text: string,
  params: unknown[],
  args: StatsArgs,
  signal: AbortSignal,
): Promise<{ rows: number; ms: LatencySummary }> {
  let rows = 0;
  for (let i = 0; i < args.warmup && !signal.aborted; i++) await pool.query(text, params);
  const xs: number[] = [];
  for (let i = 0; i < args.runs && !signal.aborted; i++) {
    const t0 = performance.now();
    rows = (await pool.query(text, params)).rowCount ?? 0;
    xs.push(performance.now() - t0);
  }
  return { rows, ms: summarize(xs) };
}

// ---------------------------------------------------------------------------------------------

interface RefreshFix {
  indexMs: number;
  recent: RefreshRun;
  full: RefreshRun;
  plan: string[];
  rewritten: { ms: number; rows: number; identical: boolean; diff: number; recentMs: number; plan: string[] };
}

const stats: Benchmark = {
  usage: USAGE,
  async run(ctx: BenchContext) {
    const args = parseStatsArgs(ctx.argv);
    note(process.env.DATABASE_URL ? 'creating a database on DATABASE_URL' : 'starting embedded PostgreSQL');
    const db = await openBenchDatabase(ctx.teardown);
    const handle = connectDatabase(db.url, 10);
    ctx.teardown.add(
      'close the app database pool',
      once(() => handle.close()),
    );
    const core = await createCore({
      db: handle.db,
      keyring: memoryKeyring(),
      clock: systemClock,
      log: createLogger('warn'),
      settings: { session: { idleMs: 15 * 60_000, maxMs: 10 * 3_600_000 } },
    });
    const adminEmail = 'bench-admin@example.org';
    const adminPassword = randomBytes(18).toString('base64url');
    const admin = await core.users.createUser(
      { email: adminEmail, role: 'admin', password: adminPassword },
      { type: 'cli', id: null },
    );
    note(`creating ${args.operators} operators`);
    const operators: string[] = [];
    for (let i = 0; i < args.operators; i++) {
      const u = await core.users.createUser(
        {
          email: `operator${i}@example.org`,
          role: 'operator',
          password: randomBytes(18).toString('base64url'),
        },
        { type: 'cli', id: null },
      );
      operators.push(u.id);
    }
    await core.audit.chain();
    const now = new Date();
    const today = isoDay(now);
    note(`seeding ${args.rows} requests over ${args.days} days`);
    const seeded = await seed(db.url, args, operators, now, ctx.signal);
    if (ctx.signal.aborted) return;

    const probePool = new pg.Pool({
      connectionString: db.url,
      max: 2,
      application_name: 'whiteflag-bench-explain',
    });
    probePool.on('error', () => {});
    ctx.teardown.add(
      'close the explain pool',
      once(() => probePool.end()),
    );
    const first = isoDay(new Date(Date.parse(`${today}T00:00:00Z`) - (args.days - 1) * 86_400_000));
    const yesterday = daysBefore(today, 1);

    // 1. refresh(), unchanged, under a statement timeout.
    const rrec = new QueryRecorder();
    const refresher = instrumentedStats(db.url, core, rrec, args.refreshTimeoutS);
    ctx.teardown.add('close the refresh pool', refresher.close);
    // What one request's look-up of its status changes costs in the shipped statement (its LATERAL
    // subquery, run for 20 requests of yesterday): the basis of the estimates when a refresh times out.
    const lateral = `SELECT count(reached.verified) FROM (
        SELECT id FROM request_threads WHERE created_at >= $1::date ORDER BY created_at LIMIT 20) t
      LEFT JOIN LATERAL (
        SELECT bool_or(a.details->>'to' = 'verified') AS verified FROM audit_log a
        WHERE a.subject_id = t.id::text AND a.action = 'request.status') reached ON true`;
    await probePool.query(lateral, [daysBefore(today, 3)]);
    const tl = performance.now();
    await probePool.query(lateral, [yesterday]);
    const perRequestMs = (performance.now() - tl) / 20;
    const counts = await probePool.query<{ recent: string; all: string }>(
      `SELECT count(*) FILTER (WHERE created_at >= $1::date)::text AS recent, count(*)::text AS all
       FROM request_threads WHERE merged_into IS NULL`,
      [yesterday],
    );
    const recentRequests = Number(counts.rows[0]?.recent ?? 0);
    const allRequests = Number(counts.rows[0]?.all ?? 0);
    note(
      `shipped refresh: ${perRequestMs.toFixed(1)} ms per request's status look-up → last 2 days (${recentRequests} requests) ~${((perRequestMs * recentRequests) / 1000).toFixed(0)} s, whole range ~${((perRequestMs * allRequests) / 1000).toFixed(0)} s`,
    );
    note(`refresh(): last two days (timeout ${args.refreshTimeoutS} s)`);
    const recent = await timeRefresh(refresher.stats, 'last 2 days (the 10-min job)', yesterday, today, rrec);
    const refreshSql = rrec.last.find((q) => q.sql.includes('INSERT INTO stats_daily'));
    const originalPlan = refreshSql ? await explain(probePool, refreshSql, false) : [];
    const full: RefreshRun = {
      label: `whole range (${args.days} days)`,
      days: args.days,
      ms: 0,
      rows: null,
      timedOut: false,
      error: null,
      estimateMs: null,
    };
    if (recent.error) recent.estimateMs = perRequestMs * recentRequests;
    const estimate = recent.error ? perRequestMs * allRequests : (recent.ms / recentRequests) * allRequests;
    if (args.forceFullRefresh || estimate < args.refreshTimeoutS * 1000) {
      note(`refresh(): whole range (timeout ${args.refreshTimeoutS} s)`);
      Object.assign(full, await timeRefresh(refresher.stats, full.label, first, today, rrec));
    } else {
      full.estimateMs = estimate;
      note(`refresh(): whole range not run: ~${(estimate / 1000).toFixed(0)} s estimated`);
    }
    const fullPlan = refreshSql
      ? await explain(probePool, { ...refreshSql, parameters: [first, today] } as CompiledQuery, false)
      : [];
    if (ctx.signal.aborted) return;

    // 2. The fix, verified here: an index for refresh's per-request look-up, and a rewritten statement.
    note(`fix: ${REFRESH_INDEX}`);
    const ti = performance.now();
    await probePool.query(REFRESH_INDEX);
    await probePool.query('ANALYZE audit_log');
    const indexMs = performance.now() - ti;
    const fixedRecent = await timeRefresh(
      refresher.stats,
      'last 2 days (the 10-min job)',
      yesterday,
      today,
      rrec,
    );
    note('refresh() with the index: whole range');
    const fixedFull = await timeRefresh(
      refresher.stats,
      `whole range (${args.days} days)`,
      first,
      today,
      rrec,
    );
    const fixedSql = rrec.last.find((q) => q.sql.includes('INSERT INTO stats_daily'));
    const fixedPlan = fixedSql ? await explain(probePool, fixedSql, false) : [];
    if (fixedFull.error) throw new Error(`refresh() with the index failed: ${fixedFull.error}`);
    note('rewritten refresh statement: whole range, compared with refresh()');
    await probePool.query('DROP TABLE IF EXISTS bench_stats_daily');
    await probePool.query('CREATE TABLE bench_stats_daily (LIKE stats_daily INCLUDING ALL)');
    const tr = performance.now();
    const rw = await probePool.query(rewrittenRefresh('bench_stats_daily'), [first, today]);
    const rewrittenMs = performance.now() - tr;
    const diff = await probePool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM (
         (SELECT * FROM stats_daily EXCEPT ALL SELECT * FROM bench_stats_daily)
         UNION ALL (SELECT * FROM bench_stats_daily EXCEPT ALL SELECT * FROM stats_daily)) d`,
    );
    const trr = performance.now();
    await probePool.query('DELETE FROM bench_stats_daily WHERE day >= $1', [yesterday]);
    await probePool.query(rewrittenRefresh('bench_stats_daily'), [yesterday, today]);
    const rewrittenRecentMs = performance.now() - trr;
    const rwPlan = await explain(
      probePool,
      { sql: rewrittenRefresh('bench_stats_daily'), parameters: [first, today] } as unknown as CompiledQuery,
      false,
    );
    const fix: RefreshFix = {
      indexMs,
      recent: fixedRecent,
      full: fixedFull,
      plan: fixedPlan,
      rewritten: {
        ms: rewrittenMs,
        rows: rw.rowCount ?? 0,
        identical: Number(diff.rows[0]?.n) === 0,
        diff: Number(diff.rows[0]?.n),
        recentMs: rewrittenRecentMs,
        plan: rwPlan,
      },
    };
    // The index stays: the dashboard is measured on a rollup refresh() filled.
    if (ctx.signal.aborted) return;

    // 3. Dashboard and public page.
    const drec = new QueryRecorder();
    const reader = instrumentedStats(db.url, core, drec);
    ctx.teardown.add('close the dashboard pool', reader.close);
    const app = await buildApp(core, { intakePerMinute: 6000, secureCookies: true });
    ctx.teardown.add(
      'close the app',
      once(() => app.close()),
    );
    await app.ready();
    const session = await login(app, adminEmail, adminPassword, admin.totpUri);
    const ranges = [30, 90, 365, args.days];
    const cases: DashCase[] = [];
    for (const n of ranges) {
      const from = daysBefore(today, n - 1);
      cases.push({
        name: `dashboard ${n} days`,
        kind: 'dashboard',
        op: () => reader.stats.dashboard({ from, to: today }),
      });
    }
    for (const n of ranges) {
      const from = daysBefore(today, n - 1);
      cases.push({
        name: `GET /api/stats/dashboard ${n} days`,
        kind: 'dashboard HTTP',
        op: async () => {
          const res = await app.inject({
            method: 'GET',
            url: `/api/stats/dashboard?from=${from}&to=${today}`,
            headers: { cookie: session.cookie },
          });
          if (res.statusCode !== 200)
            throw new Error(`dashboard answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
          return res.body.length;
        },
      });
    }
    cases.push(
      { name: 'publicWeekly(12)', kind: 'public', op: () => reader.stats.publicWeekly(12) },
      {
        name: 'GET /stats (public page)',
        kind: 'public HTTP',
        op: async () => {
          const res = await app.inject({ method: 'GET', url: '/stats?lang=ru' });
          if (res.statusCode !== 200) throw new Error(`/stats answered ${res.statusCode}`);
          return res.body.length;
        },
      },
    );
    const sizes: Record<string, number> = {};
    for (const n of ranges) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/stats/dashboard?from=${daysBefore(today, n - 1)}&to=${today}`,
        headers: { cookie: session.cookie },
      });
      sizes[`${n}`] = res.body.length;
    }
    const rollupRows = await probePool.query<{ n: string }>('SELECT count(*)::text AS n FROM stats_daily');

    const measureAll = async (label: string): Promise<CaseResult[]> => {
      const out: CaseResult[] = [];
      for (const c of cases) {
        if (ctx.signal.aborted) break;
        note(`${label}: ${c.name}`);
        const r = await measureCase(c, drec, args, ctx.signal);
        if (!r.pass && (c.kind === 'dashboard' || c.kind === 'public')) {
          for (const q of r.statementsSql)
            r.plans.push([shortSql(q), ...(await explain(probePool, q, true))]);
        }
        out.push(r);
      }
      return out;
    };
    const before = await measureAll('measure');
    const tries: Array<{ sql: string; ms: number; error: string | null }> = [];
    for (const s of args.trySql) {
      const t0 = performance.now();
      try {
        await probePool.query(s);
        tries.push({ sql: s, ms: performance.now() - t0, error: null });
      } catch (e) {
        tries.push({ sql: s, ms: performance.now() - t0, error: e instanceof Error ? e.message : String(e) });
      }
    }
    await probePool.query('ANALYZE');
    const after = tries.length ? await measureAll('after --try-sql') : [];
    if (ctx.signal.aborted) return;

    note('alternatives: workload from a daily rollup, the rollup summed in SQL, the proposed dashboard()');
    const tw = performance.now();
    for (const q of WORKLOAD_ROLLUP_SETUP) await probePool.query(q);
    const workloadRollupMs = performance.now() - tw;
    const alternatives: Alternative[] = [];
    for (const n of [365, args.days]) {
      const range = [daysBefore(today, n - 1), today];
      alternatives.push({
        name: `workload from bench_workload_daily, ${n} days`,
        ...(await timeSql(probePool, WORKLOAD_FROM_ROLLUP, range, args, ctx.signal)),
      });
      alternatives.push({
        name: `stats_daily GROUPING SETS per day × dimension, ${n} days`,
        ...(await timeSql(probePool, ROLLUP_GROUPED, range, args, ctx.signal)),
      });
      alternatives.push({
        name: `stats_daily select * (as dashboard() reads it), ${n} days`,
        ...(await timeSql(
          probePool,
          'SELECT * FROM stats_daily WHERE day >= $1::date AND day <= $2::date',
          range,
          args,
          ctx.signal,
        )),
      });
    }
    const proposed: CaseResult[] = [];
    const identical: Record<string, string> = {};
    for (const n of ranges) {
      const q = { from: daysBefore(today, n - 1), to: today };
      const mine = comparable(await proposedDashboard(probePool, core, q));
      const theirs = comparable(await reader.stats.dashboard(q));
      const differ = Object.keys(theirs).filter(
        (k) => !isDeepStrictEqual(mine[k as keyof typeof mine], theirs[k as keyof typeof theirs]),
      );
      identical[String(n)] = differ.length ? `NO: ${differ.join(', ')}` : 'yes';
      if (differ.length)
        note(
          `proposed dashboard ${n} days differs in ${differ
            .map(
              (k) =>
                `${k}: ${JSON.stringify(mine[k as keyof typeof mine]).slice(0, 300)} vs ${JSON.stringify(theirs[k as keyof typeof theirs]).slice(0, 300)}`,
            )
            .join(' | ')}`,
        );
      proposed.push(
        await measureCase(
          {
            name: `proposed dashboard ${n} days`,
            kind: 'dashboard',
            op: () => proposedDashboard(probePool, core, q),
          },
          drec,
          args,
          ctx.signal,
        ),
      );
    }

    report({
      db,
      args,
      seeded,
      rollupRows: Number(rollupRows.rows[0]?.n),
      refresh: { recent, full, originalPlan, fullPlan },
      fix,
      before,
      after,
      tries,
      sizes,
      alternatives,
      workloadRollupMs,
      proposed,
      identical,
    });
    if (args.hold) {
      process.stderr.write(`holding ${db.url} until Ctrl-C\n`);
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Report

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Long estimates in the unit that reads best. */
function hours(ms: number): string {
  if (ms < 120_000) return secs(ms);
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(0)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function refreshValue(r: RefreshRun): string {
  const est = r.estimateMs !== null ? `~${hours(r.estimateMs)} estimated` : '';
  if (r.timedOut) return `timed out after ${secs(r.ms)}${est ? `; ${est}` : ''}`;
  if (r.estimateMs !== null && !r.error) return `not run: ${est}`;
  if (r.error) return `failed: ${r.error.slice(0, 80)}`;
  return `${secs(r.ms)} (${r.rows} rollup rows)`;
}

function report(r: {
  db: BenchDatabase;
  args: StatsArgs;
  seeded: SeedResult;
  rollupRows: number;
  refresh: { recent: RefreshRun; full: RefreshRun; originalPlan: string[]; fullPlan: string[] };
  fix: RefreshFix;
  before: CaseResult[];
  after: CaseResult[];
  tries: Array<{ sql: string; ms: number; error: string | null }>;
  sizes: Record<string, number>;
  alternatives: Alternative[];
  workloadRollupMs: number;
  proposed: CaseResult[];
  identical: Record<string, string>;
}): void {
  const { db, args, seeded } = r;
  const cpus = os.cpus().length;
  const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
  const out: string[] = [
    '',
    `Whiteflag benchmark: stats (${new Date().toISOString()})`,
    `source ${sourceRevision()} · node ${process.version} · PostgreSQL ${db.serverVersion} (${db.mode === 'server' ? 'DATABASE_URL server' : 'embedded'}, database ${db.name}) · ${cpus} CPUs · load avg ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `seeded ${args.rows} requests over ${args.days} days (${seeded.spikeDays} spike days) in ${secs(seeded.threadsMs)} + indexes ${secs(seeded.indexMs)}; ` +
      `audit entries ${Object.entries(seeded.auditRows)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ')} in ${secs(seeded.auditMs)}; VACUUM ANALYZE ${secs(seeded.vacuumMs)}`,
    `request_threads ${mb(seeded.threadBytes)}, audit_log ${mb(seeded.auditBytes)} (with indexes) · stats_daily ${r.rollupRows} rows`,
    '',
    `rollup refresh (a background job; statement timeout ${args.refreshTimeoutS} s)`,
    table([
      ['refresh', 'refresh() as shipped', `+ index`, 'rewritten statement'],
      [
        r.refresh.recent.label,
        refreshValue(r.refresh.recent),
        refreshValue(r.fix.recent),
        secs(r.fix.rewritten.recentMs),
      ],
      [
        r.refresh.full.label,
        refreshValue(r.refresh.full),
        refreshValue(r.fix.full),
        secs(r.fix.rewritten.ms),
      ],
    ]),
    `  index: ${REFRESH_INDEX} (built in ${secs(r.fix.indexMs)})`,
    `  rewritten statement gives ${r.fix.rewritten.identical ? 'exactly the same rows as' : `${r.fix.rewritten.diff} rows different from`} refresh() over the whole range`,
    '',
    'plan of refresh() as shipped, two days (EXPLAIN, not run):',
    ...r.refresh.originalPlan.map((l) => `  ${l}`),
    'plan of refresh() as shipped, whole range:',
    ...r.refresh.fullPlan.map((l) => `  ${l}`),
    'plan of refresh() with the index, whole range:',
    ...r.fix.plan.map((l) => `  ${l}`),
    'plan of the rewritten statement, whole range:',
    ...r.fix.rewritten.plan.map((l) => `  ${l}`),
    '',
  ];
  const caseTable = (label: string, rs: CaseResult[]) => [
    label,
    table([
      ['case', 'runs', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'SQL p50 ms', 'result'],
      ...rs.map((c) => [
        c.name,
        String(c.runs),
        fmt(c.totalMs.p50),
        fmt(c.totalMs.p95),
        fmt(c.totalMs.p99),
        fmt(c.totalMs.max),
        c.kind.endsWith('HTTP') ? '-' : fmt(c.sqlP50),
        c.pass ? 'PASS' : 'MISS',
      ]),
    ]),
    '',
  ];
  out.push(
    ...caseTable(
      `dashboard reads (target p95 ≤ ${TARGET_MS} ms; in-process service calls and app.inject, sequential; JSON ${Object.entries(
        r.sizes,
      )
        .map(([d, n]) => `${d} d ${(n / 1024).toFixed(0)} KB`)
        .join(', ')})`,
      r.before,
    ),
  );
  out.push('time per SQL statement (p50 / p95 ms), in-process cases');
  out.push(
    table([
      ['case', 'statement', 'p50', 'p95'],
      ...r.before
        .filter((c) => !c.kind.endsWith('HTTP'))
        .flatMap((c) => c.statements.map((s, i) => [i === 0 ? c.name : '', s.sql, fmt(s.p50), fmt(s.p95)])),
    ]),
    '',
  );
  for (const c of r.before.filter((x) => x.plans.length)) {
    out.push(`EXPLAIN (ANALYZE, BUFFERS) for ${c.name} (over target), statements in call order:`);
    for (const p of c.plans) out.push(...p.map((l, i) => (i === 0 ? `  ${l}` : `    ${l}`)));
    out.push('');
  }
  if (r.tries.length) {
    out.push('proposals applied to the bench database (--try-sql), then ANALYZE:');
    for (const t of r.tries) out.push(`  ${t.sql} — ${t.error ? `failed: ${t.error}` : secs(t.ms)}`);
    out.push('');
    out.push(...caseTable('dashboard reads after the proposals', r.after));
    out.push(
      table([
        ['case', 'statement', 'p50', 'p95'],
        ...r.after
          .filter((c) => !c.kind.endsWith('HTTP'))
          .flatMap((c) => c.statements.map((s, i) => [i === 0 ? c.name : '', s.sql, fmt(s.p50), fmt(s.p95)])),
      ]),
      '',
    );
    for (const c of r.after.filter((x) => x.plans.length)) {
      out.push(`EXPLAIN (ANALYZE, BUFFERS) for ${c.name} after --try-sql (over target):`);
      for (const p of c.plans) out.push(...p.map((l, i) => (i === 0 ? `  ${l}` : `    ${l}`)));
      out.push('');
    }
  }
  out.push(
    `alternatives, timed directly with pg (a pool connection, sequential; bench_workload_daily built in ${secs(r.workloadRollupMs)})`,
    table([
      ['query', 'rows', 'p50 ms', 'p95 ms', 'p99 ms'],
      ...r.alternatives.map((a) => [a.name, String(a.rows), fmt(a.ms.p50), fmt(a.ms.p95), fmt(a.ms.p99)]),
    ]),
    '',
  );
  out.push(
    'proposed dashboard() (bench-local: GROUPING SETS over stats_daily + workload from bench_workload_daily, statements in parallel on one pool)',
    table([
      ['case', 'runs', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'same output as dashboard()', 'result'],
      ...r.proposed.map((c) => [
        c.name,
        String(c.runs),
        fmt(c.totalMs.p50),
        fmt(c.totalMs.p95),
        fmt(c.totalMs.p99),
        fmt(c.totalMs.max),
        r.identical[c.name.replace(/\D+/g, '')] ?? '?',
        c.pass ? 'PASS' : 'MISS',
      ]),
    ]),
    '',
  );
  const refreshOk = (x: RefreshRun) => x.error === null && x.estimateMs === null;
  const checks = [
    ...r.before.map((c) => ({ check: `${c.name} p95`, value: fmt(c.totalMs.p95), ok: c.pass })),
    ...r.after.map((c) => ({
      check: `${c.name} p95 (after --try-sql)`,
      value: fmt(c.totalMs.p95),
      ok: c.pass,
    })),
    ...r.proposed.map((c) => ({ check: `${c.name} p95`, value: fmt(c.totalMs.p95), ok: c.pass })),
    {
      check: 'refresh() as shipped, last 2 days, within the timeout',
      value: refreshValue(r.refresh.recent),
      ok: refreshOk(r.refresh.recent),
    },
    {
      check: 'refresh() as shipped, whole range, within the timeout',
      value: refreshValue(r.refresh.full),
      ok: refreshOk(r.refresh.full),
    },
  ];
  out.push(
    table([['check', 'value', 'result'], ...checks.map((c) => [c.check, c.value, c.ok ? 'PASS' : 'MISS'])]),
    '',
  );
  process.stdout.write(`${out.join('\n')}\n`);

  const strip = (c: CaseResult) => ({
    name: c.name,
    kind: c.kind,
    runs: c.runs,
    totalMs: c.totalMs,
    sqlP50: c.sqlP50,
    statements: c.statements,
    pass: c.pass,
  });
  const json = {
    bench: 'stats',
    at: new Date().toISOString(),
    source: sourceRevision(),
    node: process.version,
    postgres: db.serverVersion,
    dbMode: db.mode,
    cpus,
    loadavg: os.loadavg(),
    args,
    seeded,
    rollupRows: r.rollupRows,
    refresh: {
      shipped: { recent: r.refresh.recent, full: r.refresh.full },
      withIndex: { index: REFRESH_INDEX, indexMs: r.fix.indexMs, recent: r.fix.recent, full: r.fix.full },
      rewritten: {
        ms: r.fix.rewritten.ms,
        recentMs: r.fix.rewritten.recentMs,
        rows: r.fix.rewritten.rows,
        identical: r.fix.rewritten.identical,
      },
    },
    dashboard: r.before.map(strip),
    tries: r.tries,
    dashboardAfter: r.after.map(strip),
    jsonBytes: r.sizes,
    alternatives: r.alternatives,
    proposed: r.proposed.map(strip),
    proposedIdentical: r.identical,
    workloadRollupMs: r.workloadRollupMs,
    targetMs: TARGET_MS,
    checks,
    pass: checks.every((c) => c.ok),
  };
  process.stdout.write(`${JSON.stringify(roundNumbers(json))}\n`);
}

export default stats;
