import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startServerProcess } from '../test/server-process.ts';
import { UsageError } from './lib/args.ts';
import { type Benchmark, note } from './lib/benchmark.ts';
import { cpuMsBetween, groupTicks, loadAverage, postmasterTicks, USER_HZ } from './lib/proc.ts';
import { fmt, table } from './lib/report.ts';
import { variedText } from './lib/texts.ts';

/**
 * Issue #13's scenario against the hotline as a user runs it (`node --import tsx src/main.ts`, default
 * configuration, embedded PostgreSQL in a fresh data folder): a script floods the public form with
 * varied posts at a steady rate (GET the form, POST a text made of random words) from many keep-alive
 * connections, while genuine people arrive throughout — each GETs the form on a connection of their
 * own, reads and writes for a few seconds, and POSTs once. Reported: the genuine share that got a
 * receipt at the first try (target ≥ 95 %), the flood's admitted share, POST latency, CPU per accepted
 * request of the server process and of the PostgreSQL processes (from /proc, jiffies), and storage.
 * The 2 cores of the machine are shared: run it with the machine otherwise quiet, and say if it was not.
 */

const USAGE = `  --rate N        flood posts per second (default 300)
  --duration S    length of the flood, seconds (default 40)
  --genuine N     genuine people arriving during the flood (default 20)
  --sockets N     the flood's keep-alive connections (default 64)
  --read S        seconds a genuine person spends on the form before sending (default 3–6, random)
  --genuine-js F  share of genuine people whose browser runs the form's proof of work (default 0: the
                  worst case, nobody has JavaScript)
  --web-processes N  the server's WHITEFLAG_WEB_PROCESSES (default: the server's default, 1)`;

const GENUINE = [
  'Здравствуйте. Я мобилизованный, нас отправляют под Купянск через неделю. Как сдаться и остаться живым?',
  'Мой сын служит у Кременной третий месяц, их почти не кормят. Что ему делать, чтобы выйти к вам?',
  'Пишу тайком. Командир уехал, связи нет, много раненых. Подскажите, как с вами связаться.',
  'Добрый вечер. Муж под Авдеевкой с весны, отобрали телефоны. Правда ли, что пленных кормят и лечат?',
  'Не знаю, с чего начать. Брат на Херсонском направлении, грозят расстрелом за отступление. Помогите.',
];

interface Res {
  status: number;
  body: string;
  ms: number;
}

function request(agent: http.Agent, url: URL, method: 'GET' | 'POST', body?: string): Promise<Res> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: body
          ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - t0,
          }),
        );
        res.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - t0 }));
      },
    );
    req.setTimeout(30_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - t0 }));
    if (body) req.write(body);
    req.end();
  });
}

function tokenOf(html: string): string | undefined {
  return /name="token" value="([^"]+)"/.exec(html)?.[1];
}

function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

const admission: Benchmark = {
  usage: USAGE,
  async run(ctx) {
    let values: Record<string, string | undefined>;
    try {
      values = parseArgs({
        args: ctx.argv,
        strict: true,
        options: Object.fromEntries(
          ['rate', 'duration', 'genuine', 'sockets', 'read', 'genuine-js', 'web-processes'].map((k) => [
            k,
            { type: 'string' as const },
          ]),
        ),
      }).values as Record<string, string | undefined>;
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const num = (k: string, d: number) => {
      const v = values[k];
      if (v === undefined) return d;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${k}: a positive number`);
      return n;
    };
    const rate = num('rate', 300);
    const durationS = num('duration', 40);
    const genuineN = num('genuine', 20);
    const sockets = num('sockets', 64);
    const readS = values.read === undefined ? undefined : num('read', 4);
    const jsShare = values['genuine-js'] === undefined ? 0 : Math.min(1, num('genuine-js', 0));

    const webProcesses = values['web-processes'];
    note(
      `starting the server (node --import tsx src/main.ts, default configuration${webProcesses ? `, ${webProcesses} web processes` : ''}, embedded PostgreSQL)`,
    );
    const server = await startServerProcess({
      WHITEFLAG_LOG_LEVEL: 'info',
      ...(webProcesses ? { WHITEFLAG_WEB_PROCESSES: webProcesses } : {}),
    });
    ctx.teardown.add('stop the server and remove its data folder', () => server.cleanup());
    const admin = await server.cli(
      ['user', 'add', '--email', 'bench@example.org', '--role', 'admin', '--password-stdin'],
      'bench-password-1234567890',
    );
    if (admin.code !== 0) throw new Error(`user add failed: ${admin.stderr}`);

    const pgDir = path.join(server.dataDir, 'pg');
    const pm = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
    const postmaster = Number(pm[0]);
    const pgPort = Number(pm[3]);
    const pgPassword = fs.readFileSync(path.join(server.dataDir, 'keys', 'pg-password'), 'utf8').trim();
    const pgc = new pg.Client({
      connectionString: `postgres://whiteflag:${encodeURIComponent(pgPassword)}@127.0.0.1:${pgPort}/postgres`,
    });
    await pgc.connect();
    ctx.teardown.add('close the probe connection', () => pgc.end());

    const base = new URL(server.url);
    const form = new URL('/?lang=ru', base);
    const post = new URL('/requests', base);
    const floodAgent = new http.Agent({ keepAlive: true, maxSockets: sockets });
    ctx.teardown.add('close the flood connections', async () => floodAgent.destroy());

    // Warm-up: JIT, connection pool, the admission limit's first samples.
    note('warm-up: 5 s at a tenth of the rate');
    const flood = {
      sent: 0,
      admitted: 0,
      refused: 0,
      failed: 0,
      postMs: [] as number[],
      inFlight: 0,
      skipped: 0,
    };
    async function floodOne(record: boolean): Promise<void> {
      flood.inFlight++;
      try {
        const page = await request(floodAgent, form, 'GET');
        const token = tokenOf(page.body);
        if (!token) {
          if (record) flood.failed++;
          return;
        }
        const body = new URLSearchParams({
          token,
          lang: 'ru',
          category: 'serviceman_war_zone',
          message: variedText(),
        });
        const r = await request(floodAgent, post, 'POST', body.toString());
        if (!record) return;
        flood.postMs.push(r.ms);
        if (r.status === 200) flood.admitted++;
        else if (r.status === 429 || r.status === 503) flood.refused++;
        else flood.failed++;
      } finally {
        flood.inFlight--;
      }
    }
    /** Sends at the rate for `ms`, then waits for the answers; resolves to the sending time, in s. */
    async function pace(ratePerS: number, ms: number, record: boolean): Promise<number> {
      const t0 = performance.now();
      let n = 0;
      const pending: Promise<void>[] = [];
      while (performance.now() - t0 < ms && !ctx.signal.aborted) {
        const due = Math.floor(((performance.now() - t0) / 1000) * ratePerS);
        while (n < due) {
          n++;
          // An attacker with one laptop keeps at most this many open; beyond it the script waits.
          if (flood.inFlight >= 2000) {
            if (record) flood.skipped++;
            continue;
          }
          if (record) flood.sent++;
          pending.push(floodOne(record));
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const sendingS = (performance.now() - t0) / 1000;
      await Promise.all(pending);
      return sendingS;
    }
    await pace(rate / 10, 5000, false);

    const genuine: Array<{ status: number; ms: number; js: boolean }> = [];
    /** What /static/pow.js does in the browser: find n with SHA-256(token ‖ n) = challenge. */
    function solve(page: string, token: string): string | undefined {
      const target = /data-pow="([0-9a-f]{64})"/.exec(page)?.[1];
      const max = Number(/data-pow-max="(\d+)"/.exec(page)?.[1] ?? 0);
      for (let n = 0; n < max; n++)
        if (createHash('sha256').update(`${token}${n}`).digest('hex') === target) return String(n);
      return undefined;
    }
    async function person(i: number, startAt: number): Promise<void> {
      await new Promise((r) => setTimeout(r, startAt));
      // A person's own browser: a fresh connection, no keep-alive shared with anyone.
      const agent = new http.Agent({ keepAlive: false });
      const page = await request(agent, form, 'GET');
      const token = tokenOf(page.body);
      const js = i < Math.round(genuineN * jsShare);
      const pow = js && token ? solve(page.body, token) : undefined;
      await new Promise((r) => setTimeout(r, (readS ?? 3 + Math.random() * 3) * 1000));
      if (!token) {
        genuine.push({ status: page.status || 0, ms: page.ms, js });
        return;
      }
      const body = new URLSearchParams({
        token,
        lang: 'ru',
        category: 'mobilized_home',
        message: `${GENUINE[i % GENUINE.length]} (${i})`,
        ...(pow ? { pow } : {}),
      });
      const r = await request(agent, post, 'POST', body.toString());
      genuine.push({ status: r.status, ms: r.ms, js });
      agent.destroy();
    }

    const before = await pgc.query<{ n: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM request_threads) AS n,
        (SELECT sum(pg_total_relation_size(c))::bigint FROM unnest(ARRAY['request_threads','thread_messages','text_bands','audit_log']::regclass[]) c) AS bytes`,
    );
    note(
      `flood: ${rate}/s for ${durationS} s from ${sockets} connections; ${genuineN} genuine people arriving`,
    );
    // The server's process group without PostgreSQL: the node process(es) — with web processes, the
    // supervisor and its children; PostgreSQL: the postmaster and its children.
    const g0 = groupTicks(server.pid);
    const pg0 = postmasterTicks(postmaster);
    const t0 = performance.now();
    const people = Array.from({ length: genuineN }, (_, i) =>
      person(i, 1000 + (i * (durationS * 1000 - 9000)) / Math.max(1, genuineN - 1)),
    );
    const sendingS = await pace(rate, durationS * 1000, true);
    const drainS = (performance.now() - t0) / 1000 - sendingS;
    await Promise.all(people);
    const windowS = (performance.now() - t0) / 1000;
    const g1 = groupTicks(server.pid);
    const nodeJ = (cpuMsBetween(g0.server, g1.server) * USER_HZ) / 1000;
    const pgJ = (cpuMsBetween(pg0, postmasterTicks(postmaster)) * USER_HZ) / 1000;
    const after = await pgc.query<{ n: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM request_threads) AS n,
        (SELECT sum(pg_total_relation_size(c))::bigint FROM unnest(ARRAY['request_threads','thread_messages','text_bands','audit_log']::regclass[]) c) AS bytes`,
    );

    const genuineOk = genuine.filter((g) => g.status === 200).length;
    const accepted = flood.admitted + genuineOk;
    const stored = Number(after.rows[0]?.n) - Number(before.rows[0]?.n);
    const bytes = Number(after.rows[0]?.bytes) - Number(before.rows[0]?.bytes);
    const cpuMs = (j: number) => (j * 10) / Math.max(1, accepted);
    const rows: string[][] = [
      [
        'genuine people with a receipt at the first try',
        `${genuineOk} / ${genuine.length} (${fmt((100 * genuineOk) / Math.max(1, genuine.length))} %; target ≥ 95 %)`,
      ],
      [
        'genuine with JavaScript (proof of work) / without: receipts',
        `${genuine.filter((g) => g.js && g.status === 200).length}/${genuine.filter((g) => g.js).length} / ${genuine.filter((g) => !g.js && g.status === 200).length}/${genuine.filter((g) => !g.js).length}`,
      ],
      [
        'genuine statuses',
        JSON.stringify(
          genuine.reduce<Record<string, number>>((m, g) => {
            m[g.status] = (m[g.status] ?? 0) + 1;
            return m;
          }, {}),
        ),
      ],
      [
        'genuine POST latency p50 / max, ms',
        `${fmt(
          quantile(
            genuine.map((g) => g.ms),
            0.5,
          ),
        )} / ${fmt(Math.max(...genuine.map((g) => g.ms)))}`,
      ],
      [
        'flood posts sent / skipped by the client',
        `${flood.sent} / ${flood.skipped} (${fmt(flood.sent / sendingS)}/s offered over ${fmt(sendingS)} s; the last answer came ${fmt(drainS)} s after the last was sent)`,
      ],
      [
        'flood admitted / refused / failed',
        `${flood.admitted} / ${flood.refused} / ${flood.failed} (${fmt((100 * flood.admitted) / Math.max(1, flood.sent))} % admitted)`,
      ],
      [
        'flood POST latency p50 / p99, ms',
        `${fmt(quantile(flood.postMs, 0.5))} / ${fmt(quantile(flood.postMs, 0.99))}`,
      ],
      ['accepted requests/s', fmt(accepted / windowS)],
      [
        'CPU per accepted request (GET + POST): server / PostgreSQL, ms',
        `${fmt(cpuMs(nodeJ))} / ${fmt(cpuMs(pgJ))} (total ${fmt(cpuMs(nodeJ + pgJ))})`,
      ],
      ['CPU: server / PostgreSQL, % of one core', `${fmt(nodeJ / windowS)} / ${fmt(pgJ / windowS)}`],
      [
        'requests stored / intake tables grew by',
        `${stored} / ${fmt(bytes / 1048576)} MiB (${fmt(bytes / Math.max(1, stored))} B per request)`,
      ],
      ['window, s / load average at the end', `${fmt(windowS)} / ${loadAverage()}`],
      ['web processes', webProcesses ?? '1 (default: web and jobs in one process)'],
    ];
    process.stdout.write(`${table([['admission', 'value'], ...rows], ['left', 'left'])}\n`);
  },
};

export default admission;
