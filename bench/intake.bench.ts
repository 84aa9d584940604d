import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { generateKeyMaterial } from '../src/crypto/keyring.ts';
import { generateRef } from '../src/intake/intake.service.ts';
import { type ServerProcess, startServerProcess } from '../test/server-process.ts';
import { LOAD_ARGS_USAGE, type LoadArgs, numberFlag, parseLoadArgs, UsageError } from './lib/args.ts';
import { type BenchContext, type Benchmark, note, once } from './lib/benchmark.ts';
import { openBenchDatabase } from './lib/database.ts';
import { type HttpLoadResult, runHttpLoad } from './lib/http-load.ts';
import { type LoadResult, runClosedLoop } from './lib/load.ts';
import { type WindowCounters, WindowProbe } from './lib/probes.ts';
import { loadAverage } from './lib/proc.ts';
import { fmt, roundNumbers, table } from './lib/report.ts';
import { FLOOD_WORDS } from './lib/texts.ts';

/**
 * Intake cost, measured black-box against the hotline as `npm start` runs it (a server process of its
 * own, default configuration, its embedded PostgreSQL or a fresh database on DATABASE_URL's server):
 *
 *   (a) raw ceiling on the same PostgreSQL: single-row autocommit INSERTs (synchronous_commit on) of a
 *       row shaped like request_threads (same columns and indexes, realistic key sizes) plus a
 *       600-byte bytea payload, through a pg.Pool of the app's size, from `concurrency` callers.
 *   (b) what a person does: GET the form (/?lang=ru), then POST /requests with the token it carries,
 *       over keep-alive HTTP from `concurrency` clients in a separate process.
 *
 * CPU is read from the kernel (/proc: utime + stime), before and after the measured window: the
 * server's processes (its process group, PostgreSQL excepted: the node process and any web children)
 * and PostgreSQL's (the database's backends and the server's background processes). Reported per
 * accepted request (GET + POST), Node and PostgreSQL separately, beside PostgreSQL's CPU per raw
 * INSERT. `--profile DIR` writes V8 CPU profiles of the server's processes (node --cpu-prof);
 * `--pg-stat-statements` lists the statements of the measured window per accepted request.
 */

const RATIO_TARGET = 0.6;
const P99_TARGET_MS = 50;
/** Issue #13: CPU per accepted web request (GET + POST, Node + PostgreSQL) on this machine. */
const CPU_TARGET_MS = 1;
/** How long the idle server is watched before the load. */
const IDLE_MS = 5000;

export const INTAKE_USAGE = `${LOAD_ARGS_USAGE}
  --web-processes N       the server's WHITEFLAG_WEB_PROCESSES (default: the server's own default)
  --profile DIR           write V8 CPU profiles of the server's processes into DIR (node --cpu-prof)
  --pg-stat-statements    list PostgreSQL's statements per accepted request (embedded PostgreSQL only)
  --texts fixed|varied    fixed (default): every POST the same message, i.e. a templated flood after
                          the first copies; varied: 12–31 random words each, as the admission bench's flood`;

interface IntakeArgs extends LoadArgs {
  webProcesses: string | undefined;
  profileDir: string | undefined;
  pgStatStatements: boolean;
  texts: 'fixed' | 'varied';
}

function parseIntakeArgs(argv: string[]): IntakeArgs {
  // A bare boolean flag is given a value so that the shared string-flag parser accepts it.
  const pgStat = argv.includes('--pg-stat-statements');
  const args = parseLoadArgs(
    argv.filter((a) => a !== '--pg-stat-statements'),
    ['web-processes', 'profile', 'texts'],
  );
  const web = args.more['web-processes'];
  if (web !== undefined) numberFlag('web-processes', web, 0, { integer: true, min: 0 });
  const texts = args.more.texts ?? 'fixed';
  if (texts !== 'fixed' && texts !== 'varied') throw new UsageError('--texts must be fixed or varied');
  return { ...args, webProcesses: web, profileDir: args.more.profile, pgStatStatements: pgStat, texts };
}

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

async function rawInsertPhase(dbUrl: string, args: LoadArgs, ctx: BenchContext): Promise<PhaseResult> {
  const pool = new pg.Pool({
    connectionString: dbUrl,
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
  await checkpoint(dbUrl);

  const probe = await WindowProbe.open({ url: dbUrl, pool, waitSampleMs: 500 });
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
  // The server under test shares this database: its queries must not see the raw table's bloat.
  await pool.query(`DROP TABLE ${RAW_TABLE}`);
  await closePool();
  return { load, counters };
}

interface WebPhaseResult {
  load: HttpLoadResult;
  counters: WindowCounters;
  /** With --pg-stat-statements: the statements PostgreSQL ran in the window, per accepted request. */
  statements: StatementRow[];
  /** What the server printed from the preflight request on. */
  output: string;
  /** The same server idle just before the load: its own background work (timers, job polling). */
  idle: WindowCounters;
}

interface StatementRow {
  calls: number;
  planMs: number;
  execMs: number;
  rows: number;
  query: string;
}

/** What the server under test is, and how to reach its database. */
interface ServerUnderTest {
  server: ServerProcess;
  /** The server's own database (embedded: its "postgres" database; DATABASE_URL: the bench database). */
  dbUrl: string;
  mode: 'embedded' | 'server';
  serverVersion: string;
  webProcesses: string;
}

const ADMIN_PASSWORD = 'bench-password-1234567890';

/**
 * The hotline as `npm start` runs it (`node --import tsx src/main.ts`, default configuration): on its
 * own embedded PostgreSQL in a fresh data folder, or on a fresh database of DATABASE_URL's server.
 * With `pgStatStatements` (embedded only), the PostgreSQL is initialised first with the extension
 * preloaded, so that the statements of the measured window can be listed.
 */
async function startServer(args: IntakeArgs, ctx: BenchContext): Promise<ServerUnderTest> {
  const env: Record<string, string> = {
    WHITEFLAG_LOG_LEVEL: 'info',
    WHITEFLAG_DB_POOL: String(args.pool),
  };
  if (args.webProcesses !== undefined) env.WHITEFLAG_WEB_PROCESSES = args.webProcesses;
  const nodeArgs = args.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profileDir)}`] : [];
  let server: ServerProcess;
  let dbUrl: string;
  let mode: ServerUnderTest['mode'];
  if (process.env.DATABASE_URL) {
    if (args.pgStatStatements) throw new UsageError('--pg-stat-statements needs the embedded PostgreSQL');
    const db = await openBenchDatabase(ctx.teardown);
    server = await startServerProcess(
      {
        ...env,
        WHITEFLAG_MASTER_KEY: generateKeyMaterial(),
        WHITEFLAG_INDEX_KEY: generateKeyMaterial(),
        WHITEFLAG_AUDIT_KEY: generateKeyMaterial(),
      },
      { databaseUrl: db.url, nodeArgs },
    );
    dbUrl = db.url;
    mode = 'server';
  } else {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whiteflag-bench-'));
    ctx.teardown.add(`remove ${dataDir}`, () => fs.rm(dataDir, { recursive: true, force: true }));
    if (args.pgStatStatements) {
      const { startEmbeddedPostgres } = await import('../src/db/embedded.ts');
      const pre = await startEmbeddedPostgres(dataDir);
      const c = new pg.Client({ connectionString: pre.url });
      await c.connect();
      await c.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
      await c.end();
      await pre.stop();
    }
    server = await startServerProcess(env, { dataDir, nodeArgs });
    const pgDir = path.join(dataDir, 'pg');
    const port = Number((await fs.readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[3]);
    const password = (await fs.readFile(path.join(dataDir, 'keys', 'pg-password'), 'utf8')).trim();
    // The raw inserts go the way the app's statements go: through the server's Unix socket if it has one.
    const socket = existsSync(path.join(pgDir, `.s.PGSQL.${port}`))
      ? `?host=${encodeURIComponent(pgDir)}`
      : '';
    dbUrl = `postgres://whiteflag:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres${socket}`;
    mode = 'embedded';
  }
  ctx.teardown.add('stop the server', () => server.cleanup());
  const admin = await server.cli(
    ['user', 'add', '--email', 'bench@example.org', '--role', 'admin', '--password-stdin'],
    ADMIN_PASSWORD,
  );
  if (admin.code !== 0) throw new Error(`user add failed: ${admin.stderr}`);
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const serverVersion =
    (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
  if (args.pgStatStatements) {
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await c.query('ALTER SYSTEM SET pg_stat_statements.track_planning = on');
    await c.query('SELECT pg_reload_conf()');
  }
  await c.end();
  return {
    server,
    dbUrl,
    mode,
    serverVersion,
    webProcesses: /"webProcesses":(\d+)/.exec(server.output())?.[1] ?? '1 (one process: web and jobs)',
  };
}

async function webIntakePhase(
  sut: ServerUnderTest,
  args: IntakeArgs,
  ctx: BenchContext,
): Promise<WebPhaseResult> {
  const outputFrom = sut.server.output().length;
  const formUrl = `${sut.server.url}/?lang=ru`;
  const url = `${sut.server.url}/requests`;
  // One request first: a misconfiguration should fail here with its reason, not as 10 s of errors.
  const page = await fetch(formUrl);
  const token = /name="token" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const probeRes = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...FORM, token }).toString(),
  });
  const probeBody = await probeRes.text();
  if (probeRes.status !== 200 || !probeBody.includes('id="receipt-code"'))
    throw new Error(`POST /requests preflight answered ${probeRes.status}: ${probeBody.slice(0, 300)}`);
  await checkpoint(sut.dbUrl);

  // The idle server's own CPU (housekeeping timers, job polling, peer key requests) over a few seconds:
  // reported, and subtracted in the "idle subtracted" figures, so that a slow run (few requests to
  // share it) does not look like expensive requests.
  const idleProbe = await WindowProbe.open({
    url: sut.dbUrl,
    serverGroup: sut.server.pid,
    waitSampleMs: 1000,
  });
  idleProbe.mark('start');
  await new Promise((r) => setTimeout(r, IDLE_MS));
  idleProbe.mark('end');
  const idle = await idleProbe.result();
  await idleProbe.close();

  // Wait events sampled twice a second: each sample is PostgreSQL CPU charged to the requests.
  const probe = await WindowProbe.open({ url: sut.dbUrl, serverGroup: sut.server.pid, waitSampleMs: 500 });
  ctx.teardown.add(
    'close the web-phase probe',
    once(() => probe.close()),
  );
  let resetStatements: Promise<unknown> | undefined;
  const load = await runHttpLoad(
    {
      url,
      formUrl,
      form: FORM,
      vary: args.texts === 'varied' ? { field: 'message', words: FLOOD_WORDS } : undefined,
      tokenField: 'token',
      concurrency: args.concurrency,
      warmupMs: args.warmupS * 1000,
      durationMs: args.durationS * 1000,
    },
    {
      teardown: ctx.teardown,
      onWindow: (edge) => {
        probe.mark(edge);
        if (edge === 'start' && args.pgStatStatements) resetStatements = resetPgStat(sut.dbUrl);
      },
      signal: ctx.signal,
    },
  );
  const counters = await probe.result();
  await probe.close();
  await resetStatements;
  const statements = args.pgStatStatements ? await readPgStat(sut.dbUrl) : [];
  return { load, counters, statements, output: sut.server.output().slice(outputFrom), idle };
}

async function resetPgStat(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('SELECT pg_stat_statements_reset()');
  } finally {
    await c.end();
  }
}

async function readPgStat(url: string): Promise<StatementRow[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ calls: string; plan: number; exec: number; rows: string; query: string }>(
      `SELECT calls::text, total_plan_time AS plan, total_exec_time AS exec, rows::text, query
       FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
       ORDER BY total_exec_time + total_plan_time DESC LIMIT 15`,
    );
    return r.rows.map((row) => ({
      calls: Number(row.calls),
      planMs: Number(row.plan),
      execMs: Number(row.exec),
      rows: Number(row.rows),
      query: row.query,
    }));
  } finally {
    await c.end();
  }
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

function report(
  sut: ServerUnderTest,
  args: IntakeArgs,
  raw: PhaseResult,
  web: WebPhaseResult,
  loadavg: string,
): void {
  const ratio = web.load.rate / raw.load.rate;
  const cpus = os.cpus().length;
  const a = raw.counters;
  const b = web.counters;
  const nodeMs = cpuPerOp(b.serverCpuPct, b, web.load);
  const pgMs = cpuPerOp(b.postgresCpuPct, b, web.load);
  const totalMs = nodeMs + pgMs;
  const cpuOk = totalMs <= CPU_TARGET_MS;
  const out: string[] = [];
  out.push(
    '',
    `Whiteflag benchmark: intake (${new Date().toISOString()})`,
    `node ${process.version} · PostgreSQL ${sut.serverVersion} (${sut.mode === 'server' ? 'DATABASE_URL server' : 'embedded'}) · ${cpus} CPUs · load average ${loadavg}`,
    `server: node --import tsx src/main.ts, its own process group; web processes: ${sut.webProcesses}`,
    `${args.concurrency} concurrent clients · pool ${args.pool} · warm-up ${args.warmupS} s · measured ${args.durationS} s per phase`,
    '(a) durable single-row autocommit INSERT, request_threads-shaped row + 600-byte bytea, pg.Pool from the bench',
    '(b) GET /?lang=ru + POST /requests with its token, keep-alive HTTP from a separate client process',
    'CPU is read from /proc (utime + stime) before and after the window: the server process group without',
    'PostgreSQL ("Node"), and PostgreSQL (this database\'s backends + background processes). On a shared',
    'machine every figure is inflated by contention; the load average above says how much.',
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
      row('(b) GET + POST /requests', web.load),
    ]),
    '',
    table([
      ['CPU per accepted op, ms', '(a) raw INSERT', '(b) GET + POST'],
      ['Node (server processes)', '-', fmt(nodeMs, 3)],
      ['PostgreSQL', fmt(cpuPerOp(a.postgresCpuPct, a, raw.load), 3), fmt(pgMs, 3)],
      ['total', fmt(cpuPerOp(a.postgresCpuPct, a, raw.load), 3), fmt(totalMs, 3)],
      [
        'Node, idle server subtracted',
        '-',
        fmt(cpuPerOp(b.serverCpuPct - web.idle.serverCpuPct, b, web.load), 3),
      ],
      [
        'PostgreSQL, idle server subtracted',
        fmt(cpuPerOp(a.postgresCpuPct - web.idle.postgresCpuPct, a, raw.load), 3),
        fmt(cpuPerOp(b.postgresCpuPct - web.idle.postgresCpuPct, b, web.load), 3),
      ],
      [
        'total, idle server subtracted',
        fmt(cpuPerOp(a.postgresCpuPct - web.idle.postgresCpuPct, a, raw.load), 3),
        fmt(
          cpuPerOp(
            b.serverCpuPct + b.postgresCpuPct - web.idle.serverCpuPct - web.idle.postgresCpuPct,
            b,
            web.load,
          ),
          3,
        ),
      ],
      [
        `idle server (${IDLE_MS / 1000} s before the load): Node / PostgreSQL, % of one core`,
        '',
        `${fmt(web.idle.serverCpuPct, 1)} / ${fmt(web.idle.postgresCpuPct, 1)}`,
      ],
      [
        "(the bench's own client, not counted)",
        fmt(cpuPerOp(a.processCpuPct, a, raw.load), 3),
        fmt(web.load.clientCpuMs / Math.max(1, web.load.successes), 3),
      ],
    ]),
    '',
    table([
      ['check', 'value', 'target', 'result'],
      [
        'CPU per accepted request (GET + POST)',
        `${fmt(totalMs, 2)} ms`,
        `≤ ${CPU_TARGET_MS} ms`,
        cpuOk ? 'PASS' : 'MISS',
      ],
      [
        'throughput b/a',
        fmt(ratio, 2),
        `≥ ${RATIO_TARGET.toFixed(2)}`,
        ratio >= RATIO_TARGET ? 'PASS' : 'MISS',
      ],
      [
        `p99 (b) at ${args.concurrency} clients`,
        `${fmt(web.load.latencyMs.p99)} ms`,
        `≤ ${P99_TARGET_MS} ms`,
        web.load.latencyMs.p99 <= P99_TARGET_MS ? 'PASS' : 'MISS',
      ],
    ]),
    '',
  );
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
      ['server (Node) CPU, % of one core', '-', fmt(b.serverCpuPct, 0)],
      both('PostgreSQL CPU, % of one core', (c) => c.postgresCpuPct, 0),
      ['HTTP client process CPU, % of one core', '-', fmt((web.load.clientCpuMs / b.windowMs) * 100, 0)],
      both(`machine CPU busy, % of ${cpus} cores`, (c) => c.machineCpuPct, 0),
      both('PG backends running a statement (avg)', (c) => c.activeBackendsAvg, 1),
      ...[0, 1, 2].map((i) => [`  top wait #${i + 1} (share of their time)`, topWait(a, i), topWait(b, i)]),
    ]),
  );
  if (web.statements.length > 0) {
    const n = Math.max(1, web.load.successes);
    out.push(
      '',
      table(
        [
          ['statement (pg_stat_statements, window; wall time)', 'calls/req', 'plan ms/req', 'exec ms/req'],
          ...web.statements.map((st) => [
            st.query.replace(/\s+/g, ' ').slice(0, 90),
            fmt(st.calls / n, 2),
            fmt(st.planMs / n, 3),
            fmt(st.execMs / n, 3),
          ]),
        ],
        ['left', 'right', 'right', 'right'],
      ),
    );
  }
  const problems: string[] = [];
  for (const [status, n] of Object.entries(web.load.outcomes))
    if (status !== '200')
      problems.push(
        `(b) ${n} × ${status}: ${web.load.responseSamples[status] ?? web.load.errorSamples[0] ?? ''}`,
      );
  for (const e of raw.load.errorSamples) problems.push(`(a) error: ${e}`);
  const logged = web.output.split('\n').filter((l) => /"level":(40|50|60)/.test(l));
  if (logged.length > 0)
    problems.push(
      `server logged ${logged.length} warn+ lines, e.g. ${logged
        .slice(0, 3)
        .map((l) => l.slice(0, 240))
        .join(' | ')}`,
    );
  if (problems.length > 0) out.push('', 'problems:', ...problems.map((p) => `  ${p}`));
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    bench: 'intake',
    at: new Date().toISOString(),
    node: process.version,
    postgres: sut.serverVersion,
    dbMode: sut.mode,
    webProcesses: sut.webProcesses,
    loadavg,
    cpus,
    concurrency: args.concurrency,
    pool: args.pool,
    warmupS: args.warmupS,
    durationS: args.durationS,
    raw: {
      ...summaryOf(raw.load),
      pgCpuMsPerOp: cpuPerOp(a.postgresCpuPct, a, raw.load),
      counters: raw.counters,
    },
    web: {
      ...summaryOf(web.load),
      nodeCpuMsPerOp: nodeMs,
      pgCpuMsPerOp: pgMs,
      cpuMsPerOp: totalMs,
      idleServerCpuPct: web.idle.serverCpuPct,
      idlePostgresCpuPct: web.idle.postgresCpuPct,
      responseSamples: web.load.responseSamples,
      clientCpuMs: web.load.clientCpuMs,
      counters: web.counters,
    },
    ratio,
    targets: { cpuMs: { max: CPU_TARGET_MS, ok: cpuOk } },
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
  usage: INTAKE_USAGE,
  async run(ctx) {
    const args = parseIntakeArgs(ctx.argv);
    note(
      `starting the server (node --import tsx src/main.ts, ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL'})`,
    );
    const sut = await startServer(args, ctx);
    const loadBefore = loadAverage();
    const phaseS = args.warmupS + args.durationS;
    note(`(a) raw INSERTs: ${args.concurrency} clients, pool ${args.pool}, ${phaseS} s`);
    const raw = await rawInsertPhase(sut.dbUrl, args, ctx);
    if (ctx.signal.aborted) return;
    note(`(b) GET + POST /requests: ${args.concurrency} clients, ${phaseS} s`);
    const web = await webIntakePhase(sut, args, ctx);
    if (ctx.signal.aborted) return;
    report(sut, args, raw, web, `${loadBefore} → ${loadAverage()}`);
  },
};

export default intake;
