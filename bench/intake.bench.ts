import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { systemClock } from '../src/clock.ts';
import { createCore } from '../src/core.ts';
import { memoryKeyring } from '../src/crypto/keyring.ts';
import { connectDatabase } from '../src/db/database.ts';
import { generateRef } from '../src/intake/intake.service.ts';
import { createLogger } from '../src/log.ts';
import { LOAD_ARGS_USAGE, type LoadArgs, parseLoadArgs } from './lib/args.ts';
import { type BenchContext, type Benchmark, note, once } from './lib/benchmark.ts';
import { type BenchDatabase, openBenchDatabase } from './lib/database.ts';
import { type HttpLoadResult, runHttpLoad } from './lib/http-load.ts';
import { type LoadResult, runClosedLoop } from './lib/load.ts';
import { type WindowCounters, WindowProbe } from './lib/probes.ts';
import { fmt, roundNumbers, table } from './lib/report.ts';

/**
 * Intake throughput: how close does a web request (HTTP, validation, sealing, one CTE statement
 * writing nonce + thread + message + audit entry in one commit) get to what the same PostgreSQL
 * server can do with the simplest durable write?
 *
 *   (a) raw ceiling: single-row autocommit INSERTs (synchronous_commit on) of a row shaped like
 *       request_threads (same columns and indexes, realistic key sizes) plus a 600-byte bytea payload,
 *       through a pg.Pool of the app's size, from `concurrency` concurrent callers.
 *   (b) the real app (createCore + buildApp) on 127.0.0.1, POST /requests over keep-alive HTTP from
 *       `concurrency` concurrent clients. Form tokens come from core.formTokens.issue() in this
 *       process (what GET / would embed): the POST is measured, not the GET. The HTTP client runs
 *       in a child process so that its CPU is not charged to the server's event loop.
 *
 * Both phases use one fresh database on one server, each after a CHECKPOINT and a warm-up.
 */

const RATIO_TARGET = 0.6;
const P99_TARGET_MS = 50;
/** High enough that the global intake budget never refuses during the run. */
const INTAKE_PER_MINUTE = 60_000_000;

const MESSAGE =
  'Здравствуйте. Я военнослужащий, нахожусь в зоне боевых действий под Покровском. Хочу сдаться в плен ' +
  'и прошу помочь с безопасным выходом. Со мной ещё двое сослуживцев, мы готовы выйти вместе. Связь есть ' +
  'только по вечерам, телефон часто отключаем. Подскажите, что нужно делать и куда идти, чтобы нас не ' +
  'тронули по дороге.';

const FORM = {
  lang: 'ru',
  category: 'serviceman_war_zone',
  message: MESSAGE,
  name: 'Алексей',
  contact: 'Telegram @example_contact',
};

const RAW_TABLE = 'bench_raw_threads';
const RAW_INSERT = `INSERT INTO ${RAW_TABLE} (id, ref, channel, category, language, urgency, status, public_key,
  sk_for_org, sk_for_receipt, receipt_salt, receipt_lookup, message_count, awaiting_reply, created_at,
  updated_at, last_requester_at, payload)
  VALUES ($1, $2, 'web', 'serviceman_war_zone', 'ru', 3, 'new', $3, $4, $5, $6, $7, 1, true, $8, $8, $8, $9)`;
/**
 * Random bytea values ($3…$7, $9) sized as the app writes them: public key (X25519), sealed private key
 * (+48), AES-GCM-wrapped private key (+28), salt, HMAC look-up, and the 600-byte payload.
 */
const RAW_BYTEA_SIZES = [32, 80, 60, 16, 32, 600];
const RAW_BYTEA_TOTAL = RAW_BYTEA_SIZES.reduce((a, b) => a + b, 0);

/** Random values for the raw row's bytea columns, cut from one buffer (one call into the CSPRNG). */
function rawByteaValues(): Buffer[] {
  const b = randomBytes(RAW_BYTEA_TOTAL);
  let at = 0;
  return RAW_BYTEA_SIZES.map((n) => {
    at += n;
    return b.subarray(at - n, at);
  });
}

interface PhaseResult {
  load: LoadResult;
  counters: WindowCounters;
}

/** Flushes dirty pages before a phase so that neither phase pays for the other's checkpoint. */
async function checkpoint(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, application_name: 'whiteflag-bench' });
  await c.connect();
  try {
    await c.query('CHECKPOINT');
  } catch (e) {
    note(`CHECKPOINT skipped: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await c.end();
  }
}

async function rawInsertPhase(db: BenchDatabase, args: LoadArgs, ctx: BenchContext): Promise<PhaseResult> {
  const pool = new pg.Pool({
    connectionString: db.url,
    max: args.pool,
    idleTimeoutMillis: 30_000,
    application_name: 'whiteflag-bench-raw',
  });
  pool.on('error', () => {});
  const closePool = once(() => pool.end());
  ctx.teardown.add('close the raw-insert pool', closePool);

  await pool.query(`CREATE TABLE ${RAW_TABLE} (
    LIKE request_threads INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES,
    payload bytea NOT NULL)`);
  await checkpoint(db.url);

  const probe = await WindowProbe.open({ url: db.url, pool });
  ctx.teardown.add(
    'close the raw-phase probe',
    once(() => probe.close()),
  );
  const load = await runClosedLoop({
    concurrency: args.concurrency,
    warmupMs: args.warmupS * 1000,
    durationMs: args.durationS * 1000,
    signal: ctx.signal,
    success: 'ok',
    onWindow: (edge) => probe.mark(edge),
    op: async () => {
      const [publicKey, skForOrg, skForReceipt, salt, lookup, payload] = rawByteaValues();
      await pool.query(RAW_INSERT, [
        randomUUID(),
        generateRef(),
        publicKey,
        skForOrg,
        skForReceipt,
        salt,
        lookup,
        new Date(),
        payload,
      ]);
      return 'ok';
    },
  });
  const counters = await probe.result();
  await probe.close();
  await closePool();
  return { load, counters };
}

interface WebPhaseResult {
  load: HttpLoadResult;
  counters: WindowCounters;
  /** Time the audit chainer needed after the load to chain the entries still pending. */
  chainCatchUpMs: number;
  /** Lines the app logged at warn level or above, and the first few of them. */
  logLines: number;
  logSamples: string[];
}

async function webIntakePhase(db: BenchDatabase, args: LoadArgs, ctx: BenchContext): Promise<WebPhaseResult> {
  const handle = connectDatabase(db.url, args.pool);
  const closeDb = once(() => handle.close());
  ctx.teardown.add('close the app database pool', closeDb);

  const logSamples: string[] = [];
  let logLines = 0;
  const log = createLogger('warn', {
    write: (line: string) => {
      logLines++;
      if (logSamples.length < 3) logSamples.push(line.trim());
    },
  });
  const core = await createCore({
    db: handle.db,
    keyring: memoryKeyring(),
    clock: systemClock,
    log,
    settings: { session: { idleMs: 15 * 60_000, maxMs: 10 * 3_600_000 } },
  });
  // Intake refuses until the organisation key exists, which the bootstrap admin creates.
  await core.users.createUser(
    { email: 'bench-admin@example.org', role: 'admin', password: randomBytes(18).toString('base64url') },
    { type: 'cli', id: null },
  );
  const app = await buildApp(core, { intakePerMinute: INTAKE_PER_MINUTE, secureCookies: true });
  const closeApp = once(async () => {
    await app.close();
    await core.audit.chain().catch(() => 0);
  });
  ctx.teardown.add('close the app', closeApp);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('app is not listening on TCP');
  const url = `http://127.0.0.1:${address.port}/requests`;

  // One request first: a misconfiguration should fail here with its reason, not as 10 s of errors.
  const probeRes = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...FORM, token: core.formTokens.issue() }).toString(),
  });
  const probeBody = await probeRes.text();
  if (probeRes.status !== 200 || !probeBody.includes('id="receipt-code"'))
    throw new Error(`POST /requests preflight answered ${probeRes.status}: ${probeBody.slice(0, 300)}`);
  await core.audit.chain();
  await checkpoint(db.url);

  const probe = await WindowProbe.open({
    url: db.url,
    pool: handle.pool,
    extra: async (c) => {
      const r = await c.query<{ unchained: string }>(
        'SELECT count(*)::text AS unchained FROM audit_log WHERE seq IS NULL',
      );
      return { auditUnchained: Number(r.rows[0]?.unchained ?? Number.NaN) };
    },
  });
  ctx.teardown.add(
    'close the web-phase probe',
    once(() => probe.close()),
  );
  const load = await runHttpLoad(
    {
      url,
      form: FORM,
      tokenField: 'token',
      concurrency: args.concurrency,
      warmupMs: args.warmupS * 1000,
      durationMs: args.durationS * 1000,
    },
    {
      teardown: ctx.teardown,
      issueToken: () => core.formTokens.issue(),
      onWindow: (edge) => probe.mark(edge),
      signal: ctx.signal,
    },
  );
  const counters = await probe.result();
  await probe.close();
  const t0 = performance.now();
  await core.audit.chain();
  const chainCatchUpMs = performance.now() - t0;
  await closeApp();
  await closeDb();
  return { load, counters, chainCatchUpMs, logLines, logSamples };
}

/** The i-th most frequent state of active backends, e.g. "LWLock:WALWrite 78%". */
function topWait(c: WindowCounters, i: number): string {
  const entry = Object.entries(c.waits)[i];
  return entry ? `${entry[0]} ${(entry[1] * 100).toFixed(0)}%` : '-';
}

function notOk(load: LoadResult): number {
  return Object.values(load.outcomes).reduce((a, b) => a + b, 0) - load.successes;
}

function perOp(n: number, load: LoadResult): number {
  return load.successes > 0 ? n / load.successes : Number.NaN;
}

/** CPU milliseconds per successful op, from a % of one core over the window (read from /proc). */
function cpuPerOp(pct: number, c: WindowCounters, load: LoadResult): number {
  return perOp((pct / 100) * c.windowMs, load);
}

function report(db: BenchDatabase, args: LoadArgs, raw: PhaseResult, web: WebPhaseResult): void {
  const ratio = web.load.rate / raw.load.rate;
  const ratioOk = ratio >= RATIO_TARGET;
  const p99Ok = web.load.latencyMs.p99 <= P99_TARGET_MS;
  const cpus = os.cpus().length;
  const out: string[] = [];
  out.push(
    '',
    `Whiteflag benchmark: intake (${new Date().toISOString()})`,
    `node ${process.version} · PostgreSQL ${db.serverVersion} (${db.mode === 'server' ? 'DATABASE_URL server' : 'embedded'}, database ${db.name}) · ${cpus} CPUs`,
    `${args.concurrency} concurrent clients · pool ${args.pool} · warm-up ${args.warmupS} s · measured ${args.durationS} s per phase`,
    '(a) durable single-row autocommit INSERT, request_threads-shaped row + 600-byte bytea, pg.Pool',
    '(b) POST /requests over keep-alive HTTP to the real app; tokens issued in-process (POST measured, not GET)',
    'CPU per op is read from the processes (this one via process.cpuUsage, PostgreSQL via /proc), not wall time;',
    'on a shared machine it is inflated by contention. `npm run bench -- admission` gives GET + POST against npm start.',
    '',
  );
  const row = (label: string, load: LoadResult): string[] => [
    label,
    fmt(load.rate),
    fmt(load.latencyMs.p50),
    fmt(load.latencyMs.p90),
    fmt(load.latencyMs.p99),
    fmt(load.latencyMs.max),
    String(load.successes),
    String(notOk(load)),
  ];
  out.push(
    table([
      ['phase', 'ops/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'ok', 'not ok'],
      row('(a) raw INSERT', raw.load),
      row('(b) POST /requests', web.load),
    ]),
    '',
    table([
      ['check', 'value', 'target', 'result'],
      ['throughput b/a', fmt(ratio, 2), `≥ ${RATIO_TARGET.toFixed(2)}`, ratioOk ? 'PASS' : 'MISS'],
      [
        `p99 (b) at ${args.concurrency} clients`,
        `${fmt(web.load.latencyMs.p99)} ms`,
        `≤ ${P99_TARGET_MS} ms`,
        p99Ok ? 'PASS' : 'MISS',
      ],
    ]),
    '',
  );
  const a = raw.counters;
  const b = web.counters;
  const both = (label: string, f: (c: WindowCounters, l: LoadResult) => number, d = 1): string[] => [
    label,
    fmt(f(a, raw.load), d),
    fmt(f(b, web.load), d),
  ];
  out.push(
    table([
      ['where the time goes (measured window)', '(a) raw', '(b) intake'],
      both('commits per op (approx.)', (c, l) => perOp(c.commits, l), 2),
      both('WAL bytes per op (server-wide)', (c, l) => perOp(c.walBytes, l), 0),
      both('WAL fsyncs per second (server-wide)', (c) => (c.walSyncs * 1000) / c.windowMs, 0),
      both('commits per WAL fsync (group commit)', (c) => c.commits / c.walSyncs, 1),
      both('CPU per op, ms: this process ((b): the server)', (c, l) => cpuPerOp(c.processCpuPct, c, l), 3),
      both('CPU per op, ms: PostgreSQL (backends + bg)', (c, l) => cpuPerOp(c.postgresCpuPct, c, l), 3),
      both('CPU per op, ms: total', (c, l) => cpuPerOp(c.processCpuPct + c.postgresCpuPct, c, l), 3),
      both('bench process CPU, % of one core', (c) => c.processCpuPct, 0),
      both('  main thread event-loop utilisation, %', (c) => c.mainThreadElu * 100, 0),
      ['HTTP client process CPU, % of one core', '-', fmt((web.load.clientCpuMs / b.windowMs) * 100, 0)],
      both('PostgreSQL CPU (this db + bg), % of one core', (c) => c.postgresCpuPct, 0),
      both(`machine CPU busy, % of ${cpus} cores`, (c) => c.machineCpuPct, 0),
      both('pool: connections in use (avg)', (c) => c.poolBusyAvg, 1),
      both('pool: callers waiting (avg)', (c) => c.poolWaitingAvg, 1),
      both('PG backends running a statement (avg)', (c) => c.activeBackendsAvg, 1),
      ...[0, 1, 2].map((i) => [`  top wait #${i + 1} (share of their time)`, topWait(a, i), topWait(b, i)]),
      ['audit entries unchained at window end', '-', fmt(b.extra.auditUnchained, 0)],
      ['audit chain catch-up after load, ms', '-', fmt(web.chainCatchUpMs, 0)],
    ]),
  );
  const problems: string[] = [];
  for (const [status, n] of Object.entries(web.load.outcomes))
    if (status !== '200')
      problems.push(
        `(b) ${n} × ${status}: ${web.load.responseSamples[status] ?? web.load.errorSamples[0] ?? ''}`,
      );
  for (const e of raw.load.errorSamples) problems.push(`(a) error: ${e}`);
  if (web.logLines > 0)
    problems.push(
      `app logged ${web.logLines} warn+ lines, e.g. ${web.logSamples.map((l) => l.slice(0, 240)).join(' | ')}`,
    );
  if (problems.length > 0) out.push('', 'problems:', ...problems.map((p) => `  ${p}`));
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    bench: 'intake',
    at: new Date().toISOString(),
    node: process.version,
    postgres: db.serverVersion,
    dbMode: db.mode,
    cpus,
    concurrency: args.concurrency,
    pool: args.pool,
    warmupS: args.warmupS,
    durationS: args.durationS,
    raw: { ...summaryOf(raw.load), counters: raw.counters },
    web: {
      ...summaryOf(web.load),
      responseSamples: web.load.responseSamples,
      clientCpuMs: web.load.clientCpuMs,
      chainCatchUpMs: web.chainCatchUpMs,
      logLines: web.logLines,
      counters: web.counters,
    },
    ratio,
    targets: {
      ratio: { min: RATIO_TARGET, ok: ratioOk },
      p99Ms: { max: P99_TARGET_MS, ok: p99Ok },
    },
  };
  process.stdout.write(`${JSON.stringify(roundNumbers(json))}\n`);
}

function summaryOf(load: LoadResult) {
  return {
    rate: load.rate,
    latencyMs: load.latencyMs,
    ok: load.successes,
    notOk: notOk(load),
    outcomes: load.outcomes,
    errorSamples: load.errorSamples,
    windowMs: load.windowMs,
  };
}

const intake: Benchmark = {
  usage: LOAD_ARGS_USAGE,
  async run(ctx) {
    const args = parseLoadArgs(ctx.argv);
    note(process.env.DATABASE_URL ? 'creating a database on DATABASE_URL' : 'starting embedded PostgreSQL');
    const db = await openBenchDatabase(ctx.teardown);
    const phaseS = args.warmupS + args.durationS;
    note(`(a) raw INSERTs: ${args.concurrency} clients, pool ${args.pool}, ${phaseS} s`);
    const raw = await rawInsertPhase(db, args, ctx);
    if (ctx.signal.aborted) return;
    note(`(b) POST /requests: ${args.concurrency} clients, pool ${args.pool}, ${phaseS} s`);
    const web = await webIntakePhase(db, args, ctx);
    if (ctx.signal.aborted) return;
    report(db, args, raw, web);
  },
};

export default intake;
