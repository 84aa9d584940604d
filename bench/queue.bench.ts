import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type CompiledQuery, Kysely, type LogEvent, PostgresDialect } from 'kysely';
import pg from 'pg';
import { createAuditLog } from '../src/audit/audit.service.ts';
import { totpCode } from '../src/auth/totp.ts';
import { CASE_STATES, type CaseState, CLOSED_STATES } from '../src/cases/case-state.ts';
import { createCasesService, type QueueFilters, type QueueItem } from '../src/cases/cases.service.ts';
import { CALLER_CATEGORIES, type CallerCategory, CHANNELS, type Channel } from '../src/cases/categories.ts';
import { systemClock } from '../src/clock.ts';
import { type Core, createCore } from '../src/core.ts';
import { memoryKeyring } from '../src/crypto/keyring.ts';
import { createSealer } from '../src/crypto/sealed.ts';
import { connectDatabase } from '../src/db/database.ts';
import type { Database } from '../src/db/schema.ts';
import { LANGUAGES, type Language } from '../src/i18n/i18n.ts';
import { createLogger } from '../src/log.ts';
import { createStatsService } from '../src/stats/stats.service.ts';
import { SINK_THRESHOLD } from '../src/triage/scoring.ts';
import { apiLogin, startServerProcess } from '../test/server-process.ts';
import { numberFlag, UsageError } from './lib/args.ts';
import { type BenchContext, type Benchmark, note, once } from './lib/benchmark.ts';
import { type BenchDatabase, openBenchDatabase } from './lib/database.ts';
import { type LatencySummary, summarize } from './lib/load.ts';
import { fmt, roundNumbers, table } from './lib/report.ts';
import { SEED_AUDIT } from './stats.bench.ts';

/**
 * The console at scale (issue #13 item 6, decision 0017): with N (default 1,000,000) requests, how
 * long do the queue pages, the tab counts and the statistics dashboard take?
 *
 * The table is seeded with set-based SQL (INSERT … SELECT FROM generate_series, in batches), not
 * through the app: rows in time order over two years (as a grown table lies on disk), a realistic mix
 * of categories, channels, languages, skewed urgency, ~14 % open cases (more of the recent ones, a long
 * tail of old ones: unanswered copies of fakes, people who went quiet), half of the open ones assigned,
 * most closed ones assigned (changeStatus assigns whoever closes) and some still flagged awaiting_reply
 * (closing does not clear it), ~1/7 likely fakes by triage score (sunk: most closed probes and floods
 * of unanswered new ones), ~10 % tagged, random bytea keys and fingerprints of the app's sizes. The
 * users are created through the service (real TOTP secrets and encrypted e-mails).
 * Secondary indexes and the queue counts' triggers are off for the load; the indexes are rebuilt from
 * their definitions and the counts recounted (queue_counts_rebuild()), then VACUUM ANALYZE, as
 * autovacuum would have done.
 *
 * --mode http (default): black-box. The audit log gets replies and status changes (stats.bench.ts's
 * SEED_AUDIT), the statistics rollup is refreshed over the whole range, then the real server process
 * (node --import tsx src/main.ts, test/server-process.ts) starts on the seeded database with the keys
 * in its environment; the bench logs in over the API as the operator holding the most open cases and
 * as the admin and times every query the console's queue page and statistics page send, in rounds.
 * Each list's and count's SQL is captured from the same call in-process and shown with its plan.
 *
 * --mode inprocess: "server time", the in-process call of the real service (listQueue / countQueue),
 * without HTTP; warm-up runs, then measured runs one after another; EXPLAIN (ANALYZE, BUFFERS) of the
 * last call. --try-index "CREATE INDEX …" (repeatable) verifies a proposed index there: after the
 * baseline the statements run on the bench database, then ANALYZE, and every case is measured again.
 */

const P95_TARGET_MS = 20;
const TAG_POOL = [
  'group',
  'injured',
  'officer',
  'callback',
  'medic',
  'journalist',
  'translator',
  'duplicate-suspect',
  'relative-abroad',
  'docs-lost',
] as const;
/** The tag the benchmark filters by: the most frequent one (the seed skews towards the start of TAG_POOL). */
const BENCH_TAG: string = TAG_POOL[0];
/** …and the rarest one, where the tags GIN index pays off. */
const RARE_TAG: string = TAG_POOL.at(-1) ?? TAG_POOL[0];

// ---------------------------------------------------------------------------------------------
// Arguments

interface QueueArgs {
  /** http (default): the real server process over HTTP; inprocess: the service called directly. */
  mode: 'http' | 'inprocess';
  /** http mode: measured calls per console query (issue #13: 40). */
  httpRuns: number;
  /** http mode: request.reply audit entries for the dashboard's workload. */
  replies: number;
  rows: number;
  batch: number;
  warmup: number;
  runs: number;
  countRuns: number;
  limit: number;
  deepPages: number;
  /** Measuring stops after this many seconds per case, even before `runs` calls (slow cases). */
  caseBudgetS: number;
  tryIndex: string[];
  /** After the report, keep the database up for manual EXPLAINs until Ctrl-C. */
  hold: boolean;
}

const USAGE = `  --mode M          http (default): start the real server process (node --import tsx src/main.ts)
                    on the seeded database, log in as an operator and an admin, time every query the
                    console's queue page and statistics page issue over HTTP; inprocess: call
                    createCasesService() directly (no HTTP, no dashboard)
  --http-runs N     http mode: measured calls per console query (default 40)
  --replies N       http mode: request.reply audit entries for the dashboard (default 1000000)
  --rows N          request_threads rows to seed (default 1000000)
  --batch N         rows per seeding INSERT (default 250000)
  --warmup N        unmeasured calls per case (default 20)
  --runs N          measured calls per case, sequential (default 200)
  --count-runs N    measured calls per countQueue case (default: --runs)
  --limit N         page size (default 50, what the console asks for)
  --deep-pages N    pages followed by nextCursor before the "deep page" cases (default 20)
  --case-budget S   stop measuring a case after S seconds even if fewer calls ran (default 30)
  --try-index SQL   after the baseline, run this statement (e.g. CREATE INDEX …), ANALYZE and measure
                    every case again; repeatable
  --hold            after the report, keep the seeded database up (its URL goes to stderr) until Ctrl-C`;

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rows: { type: 'string' },
      batch: { type: 'string' },
      warmup: { type: 'string' },
      runs: { type: 'string' },
      'count-runs': { type: 'string' },
      limit: { type: 'string' },
      'deep-pages': { type: 'string' },
      'case-budget': { type: 'string' },
      'try-index': { type: 'string', multiple: true },
      hold: { type: 'boolean' },
      mode: { type: 'string' },
      'http-runs': { type: 'string' },
      replies: { type: 'string' },
    },
  }).values;
}

function parseQueueArgs(argv: string[]): QueueArgs {
  let values: ReturnType<typeof parseFlags>;
  try {
    values = parseFlags(argv);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const int = { integer: true, min: 1 };
  const runs = numberFlag('runs', values.runs, 200, int);
  const mode = values.mode ?? 'http';
  if (mode !== 'http' && mode !== 'inprocess') throw new UsageError('--mode must be http or inprocess');
  return {
    mode,
    httpRuns: numberFlag('http-runs', values['http-runs'], 40, int),
    replies: numberFlag('replies', values.replies, 1_000_000, { integer: true, min: 0 }),
    rows: numberFlag('rows', values.rows, 1_000_000, { integer: true, min: 1000 }),
    batch: numberFlag('batch', values.batch, 250_000, int),
    warmup: numberFlag('warmup', values.warmup, 20, { integer: true, min: 0 }),
    runs,
    countRuns: numberFlag('count-runs', values['count-runs'], runs, int),
    limit: numberFlag('limit', values.limit, 50, int),
    deepPages: numberFlag('deep-pages', values['deep-pages'], 20, int),
    caseBudgetS: numberFlag('case-budget', values['case-budget'], 30, { integer: false, min: 0.1 }),
    tryIndex: values['try-index'] ?? [],
    hold: values.hold ?? false,
  };
}

// ---------------------------------------------------------------------------------------------
// Seeding

/** How closed cases ended, in shares of the closed ones. */
const CLOSED_WEIGHTS: Partial<Record<CaseState, number>> = {
  in_custody: 8,
  unreachable: 26,
  withdrawn: 11,
  rejected_probe: 18,
  closed_info_given: 37,
};
/**
 * Rows are created in time order over two years (like a table that grew: recent rows sit at the end
 * of the heap). Whether a case is still open depends on its age: percent of the rows of each age
 * band per open state, the rest closed. Over all rows this gives the mix of issue #13 item 6: ~14 %
 * open (a hotline under a flood keeps a long tail of cases it never closed: unanswered copies of
 * fakes, people who went quiet mid-way), ~3 % new.
 */
const OPEN_PERCENT_BY_AGE: Array<{ maxDays: number; open: Partial<Record<CaseState, number>> }> = [
  { maxDays: 3, open: { new: 55, screening: 30, verified: 5 } },
  {
    maxDays: 30,
    open: {
      new: 15,
      screening: 20,
      verified: 10,
      awaiting_front_contact: 6,
      meeting_agreed: 4,
      in_progress: 5,
    },
  },
  {
    maxDays: 120,
    open: { new: 6, screening: 8, verified: 8, awaiting_front_contact: 6, meeting_agreed: 3, in_progress: 4 },
  },
  {
    maxDays: Number.POSITIVE_INFINITY,
    open: { new: 2, screening: 1.5, verified: 1.5, awaiting_front_contact: 1.5, in_progress: 1.5 },
  },
];
const HISTORY_DAYS = 730;

/** The weights of every state in one age band. */
function statusWeights(open: Partial<Record<CaseState, number>>): Record<CaseState, number> {
  const openTotal = Object.values(open).reduce((a, b) => a + b, 0);
  const closedTotal = Object.values(CLOSED_WEIGHTS).reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    CASE_STATES.map((st) => [
      st,
      (open[st] ?? 0) + ((CLOSED_WEIGHTS[st] ?? 0) * (100 - openTotal)) / closedTotal,
    ]),
  ) as Record<CaseState, number>;
}

/** The status CASE expression: by age band (column age_days), then by the random column r_status. */
function statusByAge(): string {
  const arms = OPEN_PERCENT_BY_AGE.map(({ maxDays, open }) => {
    const expr = pickLiteral('r_status', CASE_STATES, statusWeights(open));
    return Number.isFinite(maxDays) ? `WHEN age_days < ${maxDays} THEN ${expr}` : `ELSE ${expr}`;
  });
  return `CASE ${arms.join(' ')} END`;
}

/**
 * Share of rows per state with an assignee (the app assigns whoever replies or changes the status).
 * About half of the open cases are assigned (issue #13 item 6).
 */
const ASSIGNED_SHARE: Record<CaseState, number> = {
  new: 0.1,
  screening: 0.4,
  verified: 0.7,
  awaiting_front_contact: 0.75,
  meeting_agreed: 0.9,
  in_progress: 0.8,
  in_custody: 0.98,
  unreachable: 0.9,
  withdrawn: 0.95,
  rejected_probe: 0.7,
  closed_info_given: 0.98,
};
/** Share of rows per state waiting for an operator's reply (closing does not clear the flag). */
const AWAITING_SHARE: Record<CaseState, number> = {
  new: 1,
  screening: 0.4,
  verified: 0.4,
  awaiting_front_contact: 0.4,
  meeting_agreed: 0.4,
  in_progress: 0.4,
  in_custody: 0.01,
  unreachable: 0.02,
  withdrawn: 0.02,
  rejected_probe: 0.5,
  closed_info_given: 0.02,
};
const CATEGORY_WEIGHTS: Record<CallerCategory, number> = {
  serviceman_war_zone: 35,
  mobilized_home: 15,
  relative: 20,
  just_checking: 15,
  occupied_resident: 8,
  other: 7,
};
const CHANNEL_WEIGHTS: Record<Channel, number> = { web: 45, telegram: 35, whatsapp: 12, sms: 5, voice: 3 };
const LANGUAGE_WEIGHTS: Record<Language, number> = { ru: 74, uk: 15, en: 10, ko: 1 };
/** Urgency 0..3, skewed low; servicemen in the war zone skew higher. */
const URGENCY_WEIGHTS = [45, 35, 15, 5];
const URGENCY_WEIGHTS_WAR_ZONE = [25, 35, 25, 15];
/**
 * Share of rows per state that triage scored as likely fakes (score ≥ SINK_THRESHOLD, they sink in the
 * "urgent" order): most closed probes, and floods of unanswered new ones. About 1/7 of all rows.
 */
const SUNK_SHARE: Record<CaseState, number> = {
  new: 0.55,
  screening: 0.05,
  verified: 0.01,
  awaiting_front_contact: 0.01,
  meeting_agreed: 0,
  in_progress: 0,
  in_custody: 0,
  unreachable: 0.1,
  withdrawn: 0.05,
  rejected_probe: 0.6,
  closed_info_given: 0.02,
};
const SPAM_REASON_POOL = [
  'template-text',
  'near-duplicate-text',
  'gibberish',
  'identity-flood',
  'flagged-template',
];
const SPAM_REASONS = `(ARRAY[${SPAM_REASON_POOL.map((r) => `'${r}'`).join(', ')}]::text[])`;
/** Share of rows with tags: operators tag while working a case (about 10 % of all rows). */
const TAGGED_OPEN = 0.2;
const TAGGED_CLOSED = 0.085;

function literal(v: string): string {
  if (!/^[a-z_]+$/.test(v)) throw new Error(`unexpected seed literal ${v}`);
  return `'${v}'`;
}

/** CASE expression picking a value from `weights` by the uniform random column `r`. */
function pick(r: string, weights: ReadonlyArray<readonly [string, number]>): string {
  const total = weights.reduce((a, [, w]) => a + w, 0);
  let acc = 0;
  const arms = weights.map(([v, w], i) => {
    acc += w;
    return i === weights.length - 1 ? `ELSE ${v}` : `WHEN ${r} < ${(acc / total).toFixed(6)} THEN ${v}`;
  });
  return `CASE ${arms.join(' ')} END`;
}

function pickLiteral<K extends string>(r: string, keys: readonly K[], weights: Record<K, number>): string {
  return pick(
    r,
    keys.map((k) => [literal(k), weights[k]] as const),
  );
}

/** `CASE status WHEN … THEN n … END` from a per-state table. */
function byStatus(values: Partial<Record<CaseState, number>>, fallback: number): string {
  const arms = CASE_STATES.filter((s) => values[s] !== undefined).map(
    (s) => `WHEN ${literal(s)} THEN ${values[s]}`,
  );
  return `CASE status ${arms.join(' ')} ELSE ${fallback} END`;
}

/** n random bytes (multiple of 16 rounded up, then cut): cheap, no pgcrypto needed. */
function randomBytea(n: number): string {
  const parts = Array.from({ length: Math.ceil(n / 16) }, () => 'uuid_send(gen_random_uuid())');
  return `substring(${parts.join(' || ')} FROM 1 FOR ${n})`;
}

const CLOSED_LIST = CLOSED_STATES.map(literal).join(', ');
const TAGS_ARRAY = `(ARRAY[${TAG_POOL.map((t) => `'${t}'`).join(', ')}]::text[])`;

/**
 * One batch: rows $1..$2 of $5, "now" = $3, assignees drawn from $4 (uuid[]). Random draws happen once
 * per row in the innermost subquery (volatile target lists keep it from being flattened); the outer
 * levels derive dependent columns from them.
 */
const SEED_THREADS = `
INSERT INTO request_threads (id, ref, channel, category, language, urgency, status, public_key, sk_for_org,
  sk_for_receipt, receipt_salt, receipt_lookup, identity_index, identity_enc, assignee_id, protocol_version,
  message_count, awaiting_reply, created_at, updated_at, last_requester_at, last_operator_at, closed_at,
  tags, merged_into, first_response_at, last_inbound_at, callback_requested_at, callback_done_at,
  spam_score, spam_reasons, triage_verdict, detected_language, text_fingerprint)
SELECT gen_random_uuid(), 'WF-' || lpad(g::text, 10, '0'), channel, category, language, urgency, status,
  ${randomBytea(32)}, ${randomBytea(80)},
  CASE WHEN channel = 'web' THEN ${randomBytea(60)} END,
  CASE WHEN channel = 'web' THEN ${randomBytea(16)} END,
  CASE WHEN channel = 'web' THEN ${randomBytea(32)} END,
  -- the same person writes again now and then: ~30 % of channel identities repeat
  CASE WHEN channel <> 'web' THEN decode(md5('id' || (g % 700000)) || md5('ix' || (g % 700000)), 'hex') END,
  CASE WHEN channel <> 'web' THEN 'v1:' || encode(${randomBytea(48)}, 'base64') END,
  assignee_id, CASE WHEN created_at > $3::timestamptz - interval '1 year' THEN 'v1' END,
  message_count, awaiting_reply, created_at,
  greatest(last_requester_at, last_operator_at, closed_at), last_requester_at, last_operator_at, closed_at,
  tags, NULL, first_response_at,
  CASE WHEN channel <> 'web' THEN last_requester_at END,
  CASE WHEN channel = 'voice' AND r_misc < 0.4 THEN created_at END,
  CASE WHEN channel = 'voice' AND r_misc < 0.4 AND (closed OR r_misc < 0.3) THEN created_at + interval '1 hour' END,
  spam_score,
  CASE WHEN spam_score >= ${SINK_THRESHOLD} THEN ARRAY[${SPAM_REASONS}[1 + floor(r_spam2 * ${SPAM_REASON_POOL.length})::int]]
       WHEN spam_score > 0 THEN ARRAY['near-duplicate-text'] ELSE '{}'::text[] END,
  CASE WHEN status = 'rejected_probe' AND spam_score >= ${SINK_THRESHOLD} AND r_close < 0.8 THEN 'spam'
       WHEN closed AND spam_score > 0 AND spam_score < ${SINK_THRESHOLD} THEN 'genuine' END,
  CASE WHEN r_misc < 0.9 THEN language END,
  -- likely fakes are mostly copies of a few templates; the rest have their own text
  CASE WHEN spam_score >= ${SINK_THRESHOLD} THEN decode(md5('tpl' || (g % 40)) || md5('tpl+' || (g % 40)), 'hex')
       WHEN r_misc < 0.95 THEN ${randomBytea(32)} END
FROM (
  SELECT *,
    CASE WHEN closed THEN least($3::timestamptz, greatest(last_requester_at, last_operator_at)
      + interval '1 hour' + r_close * interval '10 days') END AS closed_at
  FROM (
    SELECT *,
      CASE WHEN first_response_at IS NULL THEN NULL
           WHEN awaiting_reply THEN greatest(first_response_at, last_requester_at - r_resp * interval '2 hours')
           ELSE least($3::timestamptz, greatest(first_response_at, last_requester_at + r_resp * interval '30 minutes'))
      END AS last_operator_at
    FROM (
      SELECT *,
        CASE WHEN status = 'new' OR (status = 'rejected_probe' AND awaiting_reply) THEN NULL
             WHEN awaiting_reply THEN least(created_at + (5 + r_resp * 175) * interval '1 minute',
                                            greatest(created_at, last_requester_at - interval '1 minute'))
             ELSE least($3::timestamptz, created_at + (5 + r_resp * 175) * interval '1 minute')
        END AS first_response_at
      FROM (
        SELECT *,
          CASE WHEN closed
               THEN greatest(created_at,
                             least($3::timestamptz - interval '1 hour', created_at + r_span ^ 3 * interval '14 days'))
               ELSE created_at + sqrt(r_span) * ($3::timestamptz - created_at)
          END AS last_requester_at
        FROM (
          SELECT *,
            $3::timestamptz - age_days * interval '1 day' AS created_at,
            r_await < ${byStatus(AWAITING_SHARE, 0)} AS awaiting_reply,
            CASE WHEN r_assign < ${byStatus(ASSIGNED_SHARE, 0)}
                 THEN ($4::uuid[])[1 + floor(r_user * cardinality($4::uuid[]))::int] END AS assignee_id,
            CASE WHEN r_tag >= CASE WHEN closed THEN ${TAGGED_CLOSED} ELSE ${TAGGED_OPEN} END THEN '{}'::text[]
                 WHEN r_tag < CASE WHEN closed THEN ${TAGGED_CLOSED / 5} ELSE ${TAGGED_OPEN / 5} END
                 THEN (SELECT array_agg(DISTINCT t ORDER BY t) FROM unnest(ARRAY[
                        ${TAGS_ARRAY}[1 + floor(r_tag2 ^ 2 * ${TAG_POOL.length})::int],
                        ${TAGS_ARRAY}[1 + floor(r_msg * ${TAG_POOL.length})::int]]) AS t)
                 ELSE ARRAY[${TAGS_ARRAY}[1 + floor(r_tag2 ^ 2 * ${TAG_POOL.length})::int]]
            END AS tags,
            1 + floor(r_msg ^ 2 * CASE WHEN closed THEN 40 ELSE 15 END)::int AS message_count,
            CASE WHEN r_spam < ${byStatus(SUNK_SHARE, 0)} THEN ${SINK_THRESHOLD} + floor(r_spam2 * ${101 - SINK_THRESHOLD})::int
                 WHEN r_spam2 < 0.2 THEN 10 + floor(r_spam2 * 200)::int ELSE 0 END AS spam_score
          FROM (
            SELECT *, status IN (${CLOSED_LIST}) AS closed,
              CASE WHEN category = 'serviceman_war_zone'
                   THEN ${pick(
                     'r_urg',
                     URGENCY_WEIGHTS_WAR_ZONE.map((w, u) => [String(u), w] as const),
                   )}
                   ELSE ${pick(
                     'r_urg',
                     URGENCY_WEIGHTS.map((w, u) => [String(u), w] as const),
                   )}
              END AS urgency
            FROM (
              SELECT *,
                ${statusByAge()} AS status,
                ${pickLiteral('r_cat', CALLER_CATEGORIES, CATEGORY_WEIGHTS)} AS category,
                ${pickLiteral('r_chan', CHANNELS, CHANNEL_WEIGHTS)} AS channel,
                ${pickLiteral('r_lang', LANGUAGES, LANGUAGE_WEIGHTS)} AS language
              FROM (
                -- row g of $5 is created (N - g + jitter) / N of the history ago: time order = insert order
                SELECT g, ${HISTORY_DAYS} * ($5::int - g + random()) / $5::int AS age_days,
                  random() AS r_status, random() AS r_cat, random() AS r_chan, random() AS r_lang,
                  random() AS r_urg, random() AS r_span, random() AS r_assign,
                  random() AS r_user, random() AS r_await, random() AS r_tag, random() AS r_tag2,
                  random() AS r_msg, random() AS r_resp, random() AS r_close, random() AS r_spam,
                  random() AS r_spam2, random() AS r_misc
                FROM generate_series($1::int, $2::int) AS g
              ) draws
            ) picked
          ) urgent
        ) created
      ) requester
    ) responded
  ) operator
) closing`;

interface SeedResult {
  insertMs: number;
  /** Rebuilding the secondary indexes dropped for the bulk load. */
  indexMs: number;
  vacuumAnalyzeMs: number;
  tableBytes: number;
  indexBytes: number;
  /** Rows per interesting slice, to read the latencies against. */
  shape: Record<string, number>;
}

/** Seeds request_threads; `assignees` are real users (created through the service beforehand). */
async function seed(
  url: string,
  args: QueueArgs,
  assignees: string[],
  signal: AbortSignal,
): Promise<SeedResult> {
  const c = new pg.Client({ connectionString: url, application_name: 'whiteflag-bench-seed' });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = 'off'");
    await c.query("SET maintenance_work_mem = '256MB'");
    await c.query("SET work_mem = '64MB'");
    const t0 = performance.now();
    // Secondary indexes (not those behind PRIMARY KEY / UNIQUE constraints) are dropped for the bulk
    // load and rebuilt from their own definitions afterwards: several times faster than maintaining
    // them row by row, and the result is the same set of indexes the migrations created.
    const secondary = await c.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
       WHERE schemaname = current_schema() AND tablename = 'request_threads'
         AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'request_threads'::regclass)
       ORDER BY indexname`,
    );
    for (const ix of secondary.rows) await c.query(`DROP INDEX ${c.escapeIdentifier(ix.indexname)}`);
    // The queue counts' triggers (migration 0017) are off for the bulk load; the counts are rebuilt
    // from the loaded rows afterwards, as they would stand had every row come in through the app.
    const counted =
      ((await c.query("SELECT 1 FROM pg_proc WHERE proname = 'queue_counts_rebuild'")).rowCount ?? 0) > 0;
    if (counted) await c.query('ALTER TABLE request_threads DISABLE TRIGGER USER');
    const now = new Date();
    for (let lo = 1; lo <= args.rows; lo += args.batch) {
      if (signal.aborted) throw new Error('interrupted');
      const hi = Math.min(args.rows, lo + args.batch - 1);
      const tb = performance.now();
      await c.query(SEED_THREADS, [lo, hi, now, assignees, args.rows]);
      note(`seeded rows ${lo}…${hi} in ${((performance.now() - tb) / 1000).toFixed(1)} s`);
    }
    const insertMs = performance.now() - t0;
    const ti = performance.now();
    for (const ix of secondary.rows) {
      if (signal.aborted) throw new Error('interrupted');
      await c.query(ix.indexdef);
    }
    if (counted) {
      await c.query('ALTER TABLE request_threads ENABLE TRIGGER USER');
      await c.query('SELECT queue_counts_rebuild()');
      await c.query('VACUUM (ANALYZE) queue_counts');
    }
    const indexMs = performance.now() - ti;
    note(`rebuilt ${secondary.rows.length} secondary indexes in ${(indexMs / 1000).toFixed(1)} s`);
    const tv = performance.now();
    await c.query('VACUUM (ANALYZE) request_threads');
    const vacuumAnalyzeMs = performance.now() - tv;
    const sizes = await c.query<{ table_bytes: string; index_bytes: string }>(
      `SELECT pg_table_size('request_threads')::text AS table_bytes,
              pg_indexes_size('request_threads')::text AS index_bytes`,
    );
    const closed = CLOSED_STATES.map((s) => `'${s}'`).join(', ');
    const shape = await c.query<Record<string, string>>(
      `SELECT count(*)::text AS total,
         count(*) FILTER (WHERE status NOT IN (${closed}))::text AS open,
         count(*) FILTER (WHERE awaiting_reply)::text AS awaiting,
         count(*) FILTER (WHERE awaiting_reply AND status NOT IN (${closed}))::text AS awaiting_open,
         count(*) FILTER (WHERE assignee_id IS NULL AND status NOT IN (${closed}))::text AS unassigned_open,
         count(*) FILTER (WHERE status = 'new')::text AS status_new,
         count(*) FILTER (WHERE category = 'serviceman_war_zone' AND status NOT IN (${closed}))::text
           AS war_zone_open,
         count(*) FILTER (WHERE language = 'uk' AND status NOT IN (${closed}))::text AS uk_open,
         count(*) FILTER (WHERE tags @> ARRAY['${BENCH_TAG}'])::text AS tag,
         count(*) FILTER (WHERE cardinality(tags) > 0)::text AS tagged,
         count(*) FILTER (WHERE tags @> ARRAY['${RARE_TAG}'] AND status NOT IN (${closed}))::text AS rare_tag_open,
         count(*) FILTER (WHERE sunk)::text AS sunk,
         count(*) FILTER (WHERE sunk AND status NOT IN (${closed}))::text AS sunk_open
       FROM request_threads`,
    );
    return {
      insertMs,
      indexMs,
      vacuumAnalyzeMs,
      tableBytes: Number(sizes.rows[0]?.table_bytes),
      indexBytes: Number(sizes.rows[0]?.index_bytes),
      shape: Object.fromEntries(Object.entries(shape.rows[0] ?? {}).map(([k, v]) => [k, Number(v)])),
    };
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Sort Method'?: string;
  'Exact Heap Blocks'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

interface ExplainRoot {
  Plan: PlanNode;
  'Planning Time': number;
  'Execution Time': number;
}

interface PlanSummary {
  /** Short label: access paths and sorts, e.g. "request_threads_queue" or "bitmap(awaiting)+sort". */
  access: string;
  executionMs: number;
  planningMs: number;
  sharedHit: number;
  sharedRead: number;
  /** One line per plan node, indented. */
  lines: string[];
}

function summarizePlan(root: ExplainRoot): PlanSummary {
  const lines: string[] = [];
  const access: string[] = [];
  const walk = (n: PlanNode, depth: number) => {
    const loops = n['Actual Loops'] ?? 1;
    const parts = [`${n['Node Type']}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`];
    if (n['Relation Name'] && !n['Index Name']) parts[0] += ` on ${n['Relation Name']}`;
    parts.push(`rows=${n['Actual Rows'] ?? '?'}${loops > 1 ? `×${loops}` : ''}`);
    if (n['Rows Removed by Filter']) parts.push(`removed by filter=${n['Rows Removed by Filter']}`);
    if (n['Rows Removed by Index Recheck'])
      parts.push(`recheck removed=${n['Rows Removed by Index Recheck']}`);
    if (n['Exact Heap Blocks']) parts.push(`heap blocks=${n['Exact Heap Blocks']}`);
    if (n['Sort Method']) parts.push(`sort=${n['Sort Method']}`);
    parts.push(`buffers hit=${n['Shared Hit Blocks'] ?? 0} read=${n['Shared Read Blocks'] ?? 0}`);
    lines.push(`${'  '.repeat(depth)}${parts.join(' ')}`);
    const type = n['Node Type'];
    if (type === 'Seq Scan') access.push(`seq(${n['Relation Name'] ?? '?'})`);
    else if (type === 'Bitmap Index Scan') access.push(`bitmap(${n['Index Name'] ?? '?'})`);
    else if (n['Index Name']) access.push(`${type === 'Index Only Scan' ? 'ios ' : ''}${n['Index Name']}`);
    else if (type === 'Sort' || type === 'Incremental Sort') access.push(type.toLowerCase());
    for (const child of n.Plans ?? []) walk(child, depth + 1);
  };
  walk(root.Plan, 0);
  return {
    access: [...new Set(access)].join('+').replaceAll('request_threads_', ''),
    executionMs: root['Execution Time'],
    planningMs: root['Planning Time'],
    sharedHit: root.Plan['Shared Hit Blocks'] ?? 0,
    sharedRead: root.Plan['Shared Read Blocks'] ?? 0,
    lines,
  };
}

/** Records the SQL Kysely runs and how long each statement took (from send to last row). */
class QueryRecorder {
  last: CompiledQuery[] = [];
  sqlMs = 0;

  readonly log = (event: LogEvent): void => {
    this.last.push(event.query);
    this.sqlMs += event.queryDurationMillis;
  };

  reset(): void {
    this.last = [];
    this.sqlMs = 0;
  }
}

type Op = () => Promise<number>;

interface Case {
  name: string;
  /** Where it comes from: the brief's list, or the query the console actually sends for a view. */
  kind: 'first page' | 'console' | 'deep page' | 'stress' | 'counts';
  describe: string;
  /** Prepares the operation (e.g. follows cursors for a deep page); the op returns the rows it got. */
  prepare: () => Promise<Op>;
}

interface CaseResult {
  name: string;
  kind: Case['kind'];
  describe: string;
  rows: number;
  /** Measured calls (fewer than asked when the case ran out of its time budget). */
  runs: number;
  totalMs: LatencySummary;
  sqlMs: LatencySummary;
  plans: PlanSummary[];
  pass: boolean | null;
}

async function explain(pool: pg.Pool, q: CompiledQuery): Promise<PlanSummary> {
  const r = await pool.query<{ 'QUERY PLAN': ExplainRoot[] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`,
    q.parameters as unknown[],
  );
  const root = r.rows[0]?.['QUERY PLAN'][0];
  if (!root) throw new Error('EXPLAIN returned no plan');
  return summarizePlan(root);
}

async function measure(
  c: Case,
  rec: QueryRecorder,
  pool: pg.Pool,
  opts: { warmup: number; runs: number; budgetMs: number },
  signal: AbortSignal,
): Promise<CaseResult> {
  const op = await c.prepare();
  let rows = 0;
  const warmupEnd = performance.now() + opts.budgetMs / 4;
  for (let i = 0; i < opts.warmup && !signal.aborted && performance.now() < warmupEnd; i++) rows = await op();
  const total: number[] = [];
  const sqlTimes: number[] = [];
  const end = performance.now() + opts.budgetMs;
  for (let i = 0; i < opts.runs && !signal.aborted && performance.now() < end; i++) {
    rec.reset();
    const t0 = performance.now();
    rows = await op();
    total.push(performance.now() - t0);
    sqlTimes.push(rec.sqlMs);
  }
  const plans: PlanSummary[] = [];
  for (const q of rec.last) plans.push(await explain(pool, q));
  const totalMs = summarize(total);
  return {
    name: c.name,
    kind: c.kind,
    describe: c.describe,
    rows,
    runs: total.length,
    totalMs,
    sqlMs: summarize(sqlTimes),
    plans,
    pass: c.kind === 'counts' ? null : totalMs.p95 <= P95_TARGET_MS,
  };
}

/** The console's views (console/src/lib/queue-state.tsx buildQueueQuery): open=true unless a status is picked. */
const CONSOLE_VIEWS: Array<[string, Partial<QueueFilters>]> = [
  ['Waiting', { open: true, awaitingReply: true }],
  ['Mine', { open: true, assignee: 'me' }],
  ['open', { open: true }],
];
const SORTS: QueueFilters['sort'][] = ['urgent', 'newest', 'waiting'];

function buildCases(
  cases: ReturnType<typeof createCasesService>,
  me: { id: string },
  args: QueueArgs,
): Case[] {
  const base = { sort: 'urgent', limit: args.limit } as const;
  const page = (name: string, kind: Case['kind'], f: Partial<QueueFilters>): Case => {
    const filters: QueueFilters = { ...base, ...f };
    const { limit: _l, ...shown } = filters;
    return {
      name,
      kind,
      describe: JSON.stringify(shown).replaceAll('"', ''),
      prepare: async () => async () => (await cases.listQueue(me, filters)).items.length,
    };
  };
  /**
   * A later page: follows nextCursor from the first page, `pages` times or, with `until`, up to the
   * first page whose items satisfy it; that page is then measured.
   */
  const deep = (
    name: string,
    f: Partial<QueueFilters>,
    opts: { pages: number; until?: { what: string; test: (items: QueueItem[]) => boolean } },
  ): Case => {
    const filters: QueueFilters = { ...base, ...f };
    const shown = JSON.stringify({ ...f, sort: filters.sort }).replaceAll('"', '');
    return {
      name,
      kind: 'deep page',
      describe: `${shown} ${opts.until ? `first page with ${opts.until.what}` : `page ${opts.pages + 1}`}`,
      prepare: async () => {
        let cursor: string | undefined;
        for (let i = 0; i < opts.pages; i++) {
          const r = await cases.listQueue(me, { ...filters, cursor });
          if (opts.until?.test(r.items)) break;
          if (!r.nextCursor) throw new Error(`${name}: only ${i + 1} pages`);
          cursor = r.nextCursor;
        }
        const at = { ...filters, cursor };
        return async () => (await cases.listQueue(me, at)).items.length;
      },
    };
  };
  const counts = (name: string, f: { open?: boolean }): Case => ({
    name,
    kind: 'counts',
    describe: `countQueue ${JSON.stringify(f).replaceAll('"', '')}`,
    prepare: async () => async () => {
      const r = await cases.countQueue(me, f);
      return r.total;
    },
  });
  return [
    page('default', 'first page', {}),
    page('open', 'first page', { open: true }),
    page('waiting tab (brief)', 'first page', { awaitingReply: true }),
    page('assignee=me', 'first page', { assignee: 'me' }),
    page('assignee=none+open', 'first page', { assignee: 'none', open: true }),
    page('status=new', 'first page', { status: ['new'] }),
    page('war zone+open', 'first page', { category: ['serviceman_war_zone'], open: true }),
    page('language=uk+open', 'first page', { language: ['uk'], open: true }),
    page(`tag=${BENCH_TAG}`, 'first page', { tag: BENCH_TAG }),
    page('sort=newest', 'first page', { sort: 'newest' }),
    page('sort=waiting+awaiting', 'first page', { sort: 'waiting', awaitingReply: true }),
    // What the console sends (console/src/lib/queue-state.tsx): open=true unless a status is picked.
    ...CONSOLE_VIEWS.flatMap(([view, vf]) =>
      SORTS.map((sort) => page(`console: ${view}/${sort}`, 'console', { ...vf, sort })),
    ),
    page(`console: open/urgent tag=${BENCH_TAG}`, 'console', { open: true, tag: BENCH_TAG }),
    page(`console: open/urgent tag=${RARE_TAG}`, 'console', { open: true, tag: RARE_TAG }),
    // A rarer combination: few matching rows, so the scan walks far through closed cases.
    page('stress: sms+en+open', 'stress', { open: true, channel: ['sms'], language: ['en'] }),
    deep('deep: default', {}, { pages: args.deepPages }),
    deep('deep: open', { open: true }, { pages: args.deepPages }),
    // Open cases are recent, so within one urgency they come first; the page that runs out of them
    // has to find the few old open cases of that urgency among all its closed ones.
    deep(
      'deep: open, urgency 3→2',
      { open: true },
      { pages: 5000, until: { what: 'urgency < 3', test: (items) => items.some((i) => i.urgency < 3) } },
    ),
    counts('counts default', {}),
    counts('counts open=true', { open: true }),
  ];
}

interface Phase {
  label: string;
  results: CaseResult[];
}

async function runPhase(
  label: string,
  all: Case[],
  rec: QueryRecorder,
  pool: pg.Pool,
  args: QueueArgs,
  signal: AbortSignal,
): Promise<Phase> {
  const results: CaseResult[] = [];
  for (const c of all) {
    if (signal.aborted) break;
    const runs = c.kind === 'counts' ? args.countRuns : args.runs;
    const r = await measure(
      c,
      rec,
      pool,
      { warmup: args.warmup, runs, budgetMs: args.caseBudgetS * 1000 },
      signal,
    );
    note(
      `${label}: ${c.name}: p50 ${fmt(r.totalMs.p50)} p95 ${fmt(r.totalMs.p95)} ms (${r.plans.map((p) => p.access).join(' | ')})`,
    );
    results.push(r);
  }
  return { label, results };
}

// ---------------------------------------------------------------------------------------------
// Report

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

function verdict(r: CaseResult): string {
  if (r.pass === null) return 'info';
  return r.pass ? 'PASS' : 'MISS';
}

function phaseTable(p: Phase): string {
  return table([
    [
      'case',
      'filters',
      'rows',
      'runs',
      'p50',
      'p95',
      'p99',
      'max',
      'sql p95',
      'plan',
      `p95≤${P95_TARGET_MS}`,
    ],
    ...p.results.map((r) => [
      r.name,
      r.describe,
      String(r.rows),
      String(r.runs),
      fmt(r.totalMs.p50),
      fmt(r.totalMs.p95),
      fmt(r.totalMs.p99),
      fmt(r.totalMs.max),
      fmt(r.sqlMs.p95),
      r.plans.map((pl) => pl.access).join(' | '),
      verdict(r),
    ]),
  ]);
}

function planDetails(p: Phase): string[] {
  const out: string[] = [];
  for (const r of p.results) {
    if (r.totalMs.p95 <= P95_TARGET_MS) continue;
    out.push(`${r.name} (${r.describe}): p95 ${fmt(r.totalMs.p95)} ms`);
    r.plans.forEach((pl, i) => {
      out.push(
        `  ${r.plans.length > 1 ? `statement ${i + 1}: ` : ''}EXPLAIN ANALYZE: execution ${fmt(pl.executionMs, 2)} ms, planning ${fmt(pl.planningMs, 2)} ms, buffers hit ${pl.sharedHit} read ${pl.sharedRead}`,
        ...pl.lines.map((l) => `    ${l}`),
      );
    });
  }
  return out;
}

/**
 * The issue's target covers the first page of common filters; the rare combination and the counts are
 * reported but not held to it.
 */
function misses(p: Phase): string[] {
  return p.results.filter((r) => r.kind !== 'counts' && r.kind !== 'stress' && !r.pass).map((r) => r.name);
}

function report(
  db: BenchDatabase,
  args: QueueArgs,
  seeded: SeedResult,
  phases: Phase[],
  tryIndexMs: Array<{ sql: string; ms: number }>,
): void {
  const cpus = os.cpus().length;
  const out: string[] = [
    '',
    `Whiteflag benchmark: queue (${new Date().toISOString()})`,
    `node ${process.version} · PostgreSQL ${db.serverVersion} (${db.mode === 'server' ? 'DATABASE_URL server' : 'embedded'}, database ${db.name}) · ${cpus} CPUs · load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `seeded ${seeded.shape.total} request_threads rows: INSERT ${fmt(seeded.insertMs / 1000)} s + secondary indexes ${fmt(seeded.indexMs / 1000)} s + VACUUM ANALYZE ${fmt(seeded.vacuumAnalyzeMs / 1000)} s = ${fmt((seeded.insertMs + seeded.indexMs + seeded.vacuumAnalyzeMs) / 1000)} s; table ${mb(seeded.tableBytes)}, indexes ${mb(seeded.indexBytes)}`,
    `shape: ${Object.entries(seeded.shape)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · ')}`,
    `in-process createCasesService().listQueue/countQueue, no HTTP; ${args.warmup} warm-up + ${args.runs} sequential calls per case (${args.countRuns} for counts), at most ${args.caseBudgetS} s per case; ms`,
    '"sql" = Kysely-measured statement time (send → rows); the rest is SQL building and mapping rows to QueueItem',
  ];
  for (const p of phases) {
    out.push('', `${p.label}:`, phaseTable(p));
    const details = planDetails(p);
    if (details.length) out.push('', `plans of the cases over ${P95_TARGET_MS} ms (${p.label}):`, ...details);
  }
  if (tryIndexMs.length)
    out.push(
      '',
      'tried:',
      ...tryIndexMs.map((t) => `  ${t.sql.replace(/\s+/g, ' ')}  (built in ${fmt(t.ms / 1000)} s)`),
    );
  if (phases.length === 2) {
    const [before, after] = phases as [Phase, Phase];
    out.push(
      '',
      table([
        ['case', 'p95 before', 'p95 after', 'plan before', 'plan after'],
        ...before.results.map((b) => {
          const a = after.results.find((x) => x.name === b.name);
          return [
            b.name,
            fmt(b.totalMs.p95),
            fmt(a?.totalMs.p95),
            b.plans.map((pl) => pl.access).join(' | '),
            a ? `${a.plans.map((pl) => pl.access).join(' | ')} ${verdict(a)}` : '-',
          ];
        }),
      ]),
    );
  }
  out.push('');
  for (const p of phases) {
    const m = misses(p);
    out.push(
      `target (${p.label}): first page p95 ≤ ${P95_TARGET_MS} ms for every common filter: ${m.length ? `MISS (${m.join(', ')})` : 'PASS'}`,
    );
  }
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    bench: 'queue',
    at: new Date().toISOString(),
    node: process.version,
    postgres: db.serverVersion,
    dbMode: db.mode,
    cpus,
    loadavg: os.loadavg(),
    rows: seeded.shape.total,
    seed: {
      insertMs: seeded.insertMs,
      indexMs: seeded.indexMs,
      vacuumAnalyzeMs: seeded.vacuumAnalyzeMs,
      tableBytes: seeded.tableBytes,
      indexBytes: seeded.indexBytes,
      shape: seeded.shape,
    },
    warmup: args.warmup,
    runs: args.runs,
    countRuns: args.countRuns,
    caseBudgetS: args.caseBudgetS,
    limit: args.limit,
    tried: tryIndexMs,
    phases: phases.map((p) => ({
      label: p.label,
      cases: p.results.map((r) => ({
        name: r.name,
        kind: r.kind,
        filters: r.describe,
        rows: r.rows,
        runs: r.runs,
        ms: r.totalMs,
        sqlMs: r.sqlMs,
        plan: r.plans.map((pl) => ({ access: pl.access, executionMs: pl.executionMs })),
        pass: r.pass,
      })),
      target: { p95Ms: P95_TARGET_MS, ok: misses(p).length === 0, misses: misses(p) },
    })),
  };
  process.stdout.write(`${JSON.stringify(roundNumbers(json))}\n`);
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// HTTP mode: the real server process, the console's own queries

/** Issue #13 item 6: the dashboard's target for any range up to two years. */
const DASHBOARD_TARGET_MS = 100;

interface HttpCase {
  name: string;
  /** floor: what any request costs (no session; a session and nothing else), for reading the rest. */
  kind: 'floor' | 'list' | 'count' | 'dashboard';
  /** Path and query as the console sends it (console/src/api.ts, lib/queue-state.tsx). */
  path: string;
  session: 'operator' | 'admin';
  /** The same call in-process, to capture its SQL for EXPLAIN (lists and counts). */
  inProcess?: () => Promise<unknown>;
}

interface HttpResult {
  name: string;
  kind: HttpCase['kind'];
  path: string;
  rows: number;
  runs: number;
  ms: LatencySummary;
  target: number;
  pass: boolean;
  plans: PlanSummary[];
}

function toSearch(q: Record<string, unknown>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, String(x));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

/**
 * What the console's queue page sends: buildQueueQuery (open=true unless a status is picked, sort,
 * limit 50, the view's awaitingReply/assignee) and buildCountsQuery (the filters minus status and
 * assignee) for every filter an operator sets, and the statistics page's dashboard.
 */
function httpCases(
  cases: ReturnType<typeof createCasesService>,
  me: { id: string },
  today: string,
  cursor: string | null,
): HttpCase[] {
  const list = (name: string, f: Partial<QueueFilters>): HttpCase => {
    const filters: QueueFilters = { sort: 'urgent', limit: 50, ...f };
    const { sort, limit, ...rest } = filters;
    return {
      name,
      kind: 'list',
      path: `/api/requests${toSearch({ ...rest, sort, limit })}`,
      session: 'operator',
      inProcess: () => cases.listQueue(me, filters),
    };
  };
  const count = (name: string, f: Parameters<typeof cases.countQueue>[1]): HttpCase => ({
    name,
    kind: 'count',
    path: `/api/requests/counts${toSearch(f)}`,
    session: 'operator',
    inProcess: () => cases.countQueue(me, f),
  });
  const dashboard = (days: number): HttpCase => {
    const from = new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    return {
      name: `dashboard ${days} days`,
      kind: 'dashboard',
      path: `/api/stats/dashboard${toSearch({ from, to: today })}`,
      session: 'admin',
    };
  };
  return [
    { name: 'floor: GET /livez (no session)', kind: 'floor', path: '/livez', session: 'operator' },
    { name: 'floor: GET /api/auth/me', kind: 'floor', path: '/api/auth/me', session: 'operator' },
    list('open, urgent (Open tab)', { open: true }),
    list('waiting, urgent (Waiting tab)', { open: true, awaitingReply: true }),
    list('mine, urgent (Mine tab)', { open: true, assignee: 'me' }),
    list('open, newest', { open: true, sort: 'newest' }),
    list('open, waiting longest', { open: true, sort: 'waiting' }),
    list('waiting tab, waiting longest', { open: true, awaitingReply: true, sort: 'waiting' }),
    list('status=new', { status: ['new'] }),
    list(`open+tag=${BENCH_TAG}`, { open: true, tag: BENCH_TAG }),
    list(`open+tag=${RARE_TAG}`, { open: true, tag: RARE_TAG }),
    list('open+category=war zone', { open: true, category: ['serviceman_war_zone'] }),
    list('open+unassigned', { open: true, assignee: 'none' }),
    list('open+channel=telegram', { open: true, channel: ['telegram'] }),
    list('open+language=uk', { open: true, language: ['uk'] }),
    list('open+urgency≥2', { open: true, urgency: 2 }),
    list('open, fakes hidden', { open: true, likelyFake: false }),
    list('open, fakes only', { open: true, likelyFake: true }),
    list('status=closed_info_given', { status: ['closed_info_given'] }),
    ...(cursor ? [list('open, urgent, page 2', { open: true, cursor })] : []),
    count('counts', {}),
    count('counts category=war zone', { category: ['serviceman_war_zone'] }),
    count('counts channel=telegram', { channel: ['telegram'] }),
    count('counts language=uk', { language: ['uk'] }),
    count('counts urgency≥2', { urgency: 2 }),
    count(`counts tag=${BENCH_TAG}`, { tag: BENCH_TAG }),
    dashboard(30),
    dashboard(90),
    dashboard(365),
    dashboard(730),
  ];
}

type Session = Awaited<ReturnType<typeof apiLogin>>;

/**
 * Every case is called `runs` times, in rounds (one call of each case per round, in order), so that
 * the machine's load, which others share, weighs on all cases alike; then each case's SQL is captured
 * in-process and EXPLAINed.
 */
async function measureHttp(
  all: HttpCase[],
  sessions: Record<HttpCase['session'], Session>,
  rec: QueryRecorder,
  pool: pg.Pool,
  opts: { warmup: number; runs: number },
  signal: AbortSignal,
): Promise<HttpResult[]> {
  const rows = new Map<HttpCase, number>();
  const times = new Map<HttpCase, number[]>(all.map((c) => [c, []]));
  const call = async (c: HttpCase) => {
    const res = await sessions[c.session].get(c.path);
    const body = (await res.json()) as { items?: unknown[]; total?: number; series?: unknown[] };
    if (res.status !== 200)
      throw new Error(`${c.name}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    rows.set(c, body.items?.length ?? body.total ?? body.series?.length ?? 0);
  };
  for (let i = 0; i < opts.warmup && !signal.aborted; i++) for (const c of all) await call(c);
  for (let i = 0; i < opts.runs && !signal.aborted; i++) {
    for (const c of all) {
      const t0 = performance.now();
      await call(c);
      times.get(c)?.push(performance.now() - t0);
    }
    if ((i + 1) % 10 === 0) note(`round ${i + 1} of ${opts.runs}`);
  }
  const results: HttpResult[] = [];
  for (const c of all) {
    const plans: PlanSummary[] = [];
    if (c.inProcess) {
      rec.reset();
      await c.inProcess();
      for (const q of rec.last) plans.push(await explain(pool, q));
    }
    const xs = times.get(c) ?? [];
    const ms = summarize(xs);
    const target = c.kind === 'dashboard' ? DASHBOARD_TARGET_MS : P95_TARGET_MS;
    const pass = c.kind === 'floor' || ms.p95 <= target;
    results.push({
      name: c.name,
      kind: c.kind,
      path: c.path,
      rows: rows.get(c) ?? 0,
      runs: xs.length,
      ms,
      target,
      pass,
      plans,
    });
  }
  return results;
}

function httpReport(
  db: BenchDatabase,
  args: QueueArgs,
  seeded: SeedResult,
  audit: { ms: number; rows: number; refreshMs: number },
  results: HttpResult[],
): void {
  const out: string[] = [
    '',
    `Whiteflag benchmark: queue over HTTP (${new Date().toISOString()})`,
    `node ${process.version} · PostgreSQL ${db.serverVersion} (${db.mode === 'server' ? 'DATABASE_URL server' : 'embedded'}, database ${db.name}) · ${os.cpus().length} CPUs · load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `seeded ${seeded.shape.total} request_threads rows in ${fmt((seeded.insertMs + seeded.indexMs + seeded.vacuumAnalyzeMs) / 1000)} s (table ${mb(seeded.tableBytes)}, indexes ${mb(seeded.indexBytes)}); ${audit.rows} audit entries in ${fmt(audit.ms / 1000)} s; stats refresh of the whole range ${fmt(audit.refreshMs / 1000)} s`,
    `shape: ${Object.entries(seeded.shape)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · ')}`,
    `server process: node --import tsx src/main.ts (test/server-process.ts) on the seeded database; GET over HTTP with the session cookie, ${Math.min(args.warmup, 3)} warm-up rounds + ${args.httpRuns} rounds (one sequential call of every query per round); ms from request to parsed body`,
    '',
    table([
      [
        'query',
        'rows',
        'runs',
        'p50',
        'p95',
        'max',
        'target',
        '',
        'plan (same call in-process, EXPLAIN ANALYZE)',
      ],
      ...results.map((r) => [
        r.name,
        String(r.rows),
        String(r.runs),
        fmt(r.ms.p50),
        fmt(r.ms.p95),
        fmt(r.ms.max),
        r.kind === 'floor' ? '' : `≤${r.target}`,
        r.kind === 'floor' ? 'info' : r.pass ? 'PASS' : 'MISS',
        r.plans.map((p) => `${p.access} ${fmt(p.executionMs, 1)}ms`).join(' | '),
      ]),
    ]),
  ];
  const slow = results.filter((r) => !r.pass && r.plans.length);
  if (slow.length) {
    out.push('', 'plans of the queries over target:');
    for (const r of slow) {
      out.push(`${r.name} (${r.path}): p95 ${fmt(r.ms.p95)} ms`);
      r.plans.forEach((pl, i) => {
        out.push(
          `  ${r.plans.length > 1 ? `statement ${i + 1}: ` : ''}execution ${fmt(pl.executionMs, 2)} ms, planning ${fmt(pl.planningMs, 2)} ms, buffers hit ${pl.sharedHit} read ${pl.sharedRead}`,
          ...pl.lines.map((l) => `    ${l}`),
        );
      });
    }
  }
  const misses = results.filter((r) => !r.pass).map((r) => r.name);
  out.push(
    '',
    `targets (lists and counts p95 ≤ ${P95_TARGET_MS} ms, dashboard ≤ ${DASHBOARD_TARGET_MS} ms): ${misses.length ? `MISS (${misses.join(', ')})` : 'PASS'}`,
    '',
  );
  process.stdout.write(`${out.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify(
      roundNumbers({
        bench: 'queue',
        mode: 'http',
        at: new Date().toISOString(),
        postgres: db.serverVersion,
        dbMode: db.mode,
        loadavg: os.loadavg(),
        shape: seeded.shape,
        runs: args.httpRuns,
        cases: results.map((r) => ({
          name: r.name,
          kind: r.kind,
          path: r.path,
          rows: r.rows,
          ms: r.ms,
          pass: r.pass,
          plan: r.plans.map((p) => ({
            access: p.access,
            executionMs: p.executionMs,
            hit: p.sharedHit,
            read: p.sharedRead,
          })),
        })),
        ok: misses.length === 0,
      }),
    )}\n`,
  );
}

const BENCH_PASSWORD = 'bench password 0123456789';

/** Users through the service (real password hashes, TOTP secrets, e-mails the dashboard decrypts). */
async function createUsers(core: Core) {
  const make = async (email: string, role: 'operator' | 'supervisor' | 'admin') => {
    const u = await core.users.createUser(
      { email, role, password: BENCH_PASSWORD },
      { type: 'cli', id: null },
    );
    const secret = new URL(u.totpUri).searchParams.get('secret');
    if (!secret) throw new Error('no TOTP secret');
    return { id: u.id, email, role, secret };
  };
  const admin = await make('bench-admin@example.org', 'admin');
  const staff = [];
  for (let i = 0; i < 24; i++) staff.push(await make(`operator${i}@example.org`, 'operator'));
  for (let i = 0; i < 4; i++) staff.push(await make(`supervisor${i}@example.org`, 'supervisor'));
  return { admin, staff };
}

const queue: Benchmark = {
  usage: USAGE,
  async run(ctx: BenchContext) {
    const args = parseQueueArgs(ctx.argv);
    note(process.env.DATABASE_URL ? 'creating a database on DATABASE_URL' : 'starting embedded PostgreSQL');
    const db = await openBenchDatabase(ctx.teardown);
    // One keyring for the in-process core (users, seeding) and the server process (its environment).
    const keyring = memoryKeyring();
    const handle = connectDatabase(db.url, 4);
    const closeHandle = once(() => handle.close());
    ctx.teardown.add('close the setup pool', closeHandle);
    const core = await createCore({
      db: handle.db,
      keyring,
      clock: systemClock,
      log: createLogger('warn'),
      settings: { session: { idleMs: 15 * 60_000, maxMs: 10 * 3_600_000 } },
    });
    note('creating 29 users through the service');
    const users = await createUsers(core);
    await core.audit.chain();
    note(`seeding ${args.rows} rows in batches of ${args.batch}`);
    const seeded = await seed(
      db.url,
      args,
      users.staff.map((u) => u.id),
      ctx.signal,
    );
    note(
      `seeded: INSERT ${fmt(seeded.insertMs / 1000)} s, indexes ${fmt(seeded.indexMs / 1000)} s, VACUUM ANALYZE ${fmt(seeded.vacuumAnalyzeMs / 1000)} s`,
    );
    if (ctx.signal.aborted) return;

    // The app's pool (src/db/database.ts connectDatabase) plus a query log to time and EXPLAIN statements.
    const pool = new pg.Pool({
      connectionString: db.url,
      max: 2,
      idleTimeoutMillis: 30_000,
      application_name: 'whiteflag-bench-queue',
    });
    pool.on('error', () => {});
    const rec = new QueryRecorder();
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: rec.log });
    const close = once(() => kysely.destroy());
    ctx.teardown.add('close the queue pool', close);
    const cases = createCasesService({
      db: kysely,
      sealer: createSealer(),
      audit: createAuditLog({ db: kysely, clock: systemClock, auditKey: randomBytes(32) }),
      clock: systemClock,
    });

    // "me": the operator holding the most open cases.
    const closed = CLOSED_STATES.map((s) => `'${s}'`).join(', ');
    const top = await pool.query<{ assignee_id: string; n: string }>(
      `SELECT assignee_id, count(*)::text AS n FROM request_threads
       WHERE assignee_id IS NOT NULL AND status NOT IN (${closed})
       GROUP BY assignee_id ORDER BY count(*) DESC LIMIT 1`,
    );
    const meRow = top.rows[0];
    if (!meRow) throw new Error('no operator holds an open case');
    const me = { id: meRow.assignee_id };
    note(`"me" = ${me.id} with ${meRow.n} open cases`);

    if (args.mode === 'http') {
      const meUser = users.staff.find((u) => u.id === me.id);
      if (!meUser) throw new Error('"me" is not a created user');
      // The dashboard reads the audit log (workload, funnel) and the rollup the ten-minute job fills.
      const now = new Date();
      const today = now.toISOString().slice(0, 10);
      const answered = await pool.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM request_threads WHERE first_response_at IS NOT NULL',
      );
      const perThread = args.replies / Math.max(1, Number(answered.rows[0]?.n ?? 1));
      note(`seeding ~${args.replies} replies and status changes into the audit log`);
      const ta = performance.now();
      const seededAudit = await pool.query(SEED_AUDIT, [0.2, perThread, users.staff.map((u) => u.id), now]);
      await pool.query('VACUUM (ANALYZE) audit_log');
      const auditMs = performance.now() - ta;
      note(
        `audit entries in ${fmt(auditMs / 1000)} s; refreshing the statistics rollup over ${HISTORY_DAYS} days`,
      );
      const stats = createStatsService({
        db: handle.db,
        audit: core.audit,
        clock: systemClock,
        vault: core.vault,
      });
      const tr = performance.now();
      const first = new Date(now.getTime() - (HISTORY_DAYS + 1) * 86_400_000).toISOString().slice(0, 10);
      await stats.refresh(first, today);
      const refreshMs = performance.now() - tr;
      await closeHandle();
      if (ctx.signal.aborted) return;

      note('starting the server process (node --import tsx src/main.ts) on the seeded database');
      const key = (b: Buffer) => b.toString('base64');
      const server = await startServerProcess(
        {
          WHITEFLAG_MASTER_KEY: key(keyring.masterKeys.get(keyring.activeMasterKeyId) as Buffer),
          WHITEFLAG_INDEX_KEY: key(keyring.indexKey),
          WHITEFLAG_AUDIT_KEY: key(keyring.auditKey),
          WHITEFLAG_LOG_LEVEL: 'info',
          // The seeded set stays as seeded while it is measured: no retention purge of two years of
          // closed cases, no closing of silent ones, no purge of the sunk flood.
          WHITEFLAG_RETENTION_DAYS: '3650',
          WHITEFLAG_SILENT_DAYS: '365',
          WHITEFLAG_SINK_PURGE_HOURS: String(24 * 30),
        },
        { databaseUrl: db.url },
      );
      ctx.teardown.add('stop the server process', () => server.cleanup());
      const login = (u: { email: string; secret: string }) =>
        apiLogin(server.url, u.email, BENCH_PASSWORD, totpCode(u.secret, new Date()));
      const sessions = { operator: await login(meUser), admin: await login(users.admin) };
      const firstPage = await cases.listQueue(me, { open: true, sort: 'urgent', limit: 50 });
      const results = await measureHttp(
        httpCases(cases, me, today, firstPage.nextCursor),
        sessions,
        rec,
        pool,
        { warmup: Math.min(args.warmup, 3), runs: args.httpRuns },
        ctx.signal,
      );
      if (ctx.signal.aborted) return;
      for (const r of results)
        note(
          `${r.name}: p50 ${fmt(r.ms.p50)} p95 ${fmt(r.ms.p95)} ms ${r.pass ? 'PASS' : 'MISS'} (${r.plans.map((p) => p.access).join(' | ')})`,
        );
      httpReport(db, args, seeded, { ms: auditMs, rows: seededAudit.rowCount ?? 0, refreshMs }, results);
      await close();
      if (args.hold) {
        note(`holding ${db.url} and ${server.url} for inspection; Ctrl-C tears them down`);
        await new Promise<void>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
      return;
    }
    await closeHandle();

    const all = buildCases(cases, me, args);
    const phases: Phase[] = [await runPhase('baseline', all, rec, pool, args, ctx.signal)];
    const tried: Array<{ sql: string; ms: number }> = [];
    if (args.tryIndex.length && !ctx.signal.aborted) {
      for (const statement of args.tryIndex) {
        note(`trying: ${statement}`);
        const t0 = performance.now();
        await pool.query(statement);
        tried.push({ sql: statement, ms: performance.now() - t0 });
      }
      await pool.query('ANALYZE request_threads');
      phases.push(await runPhase('with the tried indexes', all, rec, pool, args, ctx.signal));
    }
    if (ctx.signal.aborted) return;
    report(db, args, seeded, phases, tried);
    await close();
    if (args.hold) {
      note(`holding ${db.url} for inspection; Ctrl-C tears it down`);
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
  },
};

export default queue;
