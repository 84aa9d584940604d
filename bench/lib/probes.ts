import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { cpuMsBetween, groupTicks } from './proc.ts';

/**
 * Counters sampled at the edges of a measured window, to say where time goes: PostgreSQL commits and
 * WAL (how many commits share one fsync), CPU of this process, of the PostgreSQL server and of the
 * machine, event-loop use, and how many callers queued for a pool connection.
 */
export interface WindowCounters {
  windowMs: number;
  /** Transactions committed in the benchmark database (pg_stat_database; flushed ~1/s, approximate). */
  commits: number;
  rollbacks: number;
  /** WAL written by the server (pg_current_wal_lsn difference; includes other databases' traffic). */
  walBytes: number;
  /** WAL fsyncs by the server (pg_stat_wal.wal_sync; approximate, includes other databases). */
  walSyncs: number;
  /** Event-loop utilisation of this process's main thread, 0..1. */
  mainThreadElu: number;
  /** CPU of this process, in % of one core. */
  processCpuPct: number;
  /**
   * CPU of this database's backends plus the server's background processes, in % of one core (local
   * server on Linux only, else NaN).
   */
  postgresCpuPct: number;
  /**
   * CPU of a server measured from outside: every process of its process group other than PostgreSQL
   * (the node process and its web children), in % of one core; NaN without `serverGroup`.
   */
  serverCpuPct: number;
  /** Busy CPU of the whole machine, in % of all cores. */
  machineCpuPct: number;
  /** Average number of callers waiting for a pool connection, and of connections in use. */
  poolWaitingAvg: number;
  poolBusyAvg: number;
  /** Average number of this database's backends running a statement (sampled every 100 ms). */
  activeBackendsAvg: number;
  /**
   * What those active backends were doing, as a share of all samples: "CPU" when not waiting, else
   * "<wait_event_type>:<wait_event>" (e.g. "LWLock:WALWrite" = waiting for a group-commit WAL flush).
   */
  waits: Record<string, number>;
  /** Bench-specific values read at the end of the window. */
  extra: Record<string, number>;
}

interface DbSnapshot {
  lsn: string;
  commits: number;
  rollbacks: number;
  walSyncs: number;
  /** CPU jiffies per server process, or null when the server's processes cannot be read. */
  serverTicks: Map<number, number> | null;
}

/** Linux reports /proc CPU times in USER_HZ, which is 100 on every mainstream architecture. */
const USER_HZ = 100;

function machineTicks(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq;
    busy += t;
    total += t + c.times.idle;
  }
  return { busy, total };
}

/** user + system jiffies of each given process that is a "postgres" process on this machine. */
function postgresTicks(pids: number[]): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone, or no /proc
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    // After "(comm) ": state is field 3 of the line; utime and stime are fields 14 and 15.
    const f = stat.slice(close + 2).split(' ');
    ticks.set(pid, Number(f[11]) + Number(f[12]));
  }
  return ticks;
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return ['127.0.0.1', 'localhost', '[::1]', '::1', ''].includes(host);
}

export class WindowProbe {
  readonly #client: pg.Client;
  readonly #local: boolean;
  readonly #pool: pg.Pool | undefined;
  readonly #extra: ((c: pg.Client) => Promise<Record<string, number>>) | undefined;
  readonly #serverGroup: number | undefined;
  #server0: Map<number, number> | undefined;
  #waitSampleMs = 100;
  #start: Promise<DbSnapshot> | undefined;
  #end: Promise<WindowCounters> | undefined;
  #t0 = 0;
  #elu0 = performance.eventLoopUtilization();
  #cpu0 = process.cpuUsage();
  #machine0 = machineTicks();
  #sampler: NodeJS.Timeout | undefined;
  #samples = 0;
  #waiting = 0;
  #busy = 0;
  #waitSampler: NodeJS.Timeout | undefined;
  #waitSampling = false;
  #waitSamples = 0;
  #waits: Record<string, number> = {};

  private constructor(
    client: pg.Client,
    local: boolean,
    pool: pg.Pool | undefined,
    extra: ((c: pg.Client) => Promise<Record<string, number>>) | undefined,
    serverGroup: number | undefined,
  ) {
    this.#serverGroup = serverGroup;
    this.#client = client;
    this.#local = local;
    this.#pool = pool;
    this.#extra = extra;
  }

  /** Connects its own client (outside any pool under test) to the benchmark database. */
  static async open(opts: {
    url: string;
    pool?: pg.Pool;
    extra?: (c: pg.Client) => Promise<Record<string, number>>;
    /** The process group of a server under test (its pid when started detached). */
    serverGroup?: number;
    /** How often to sample wait events (default 100 ms); each sample is a query the server pays for. */
    waitSampleMs?: number;
  }): Promise<WindowProbe> {
    const client = new pg.Client({ connectionString: opts.url, application_name: 'whiteflag-bench-probe' });
    // A server going away (shutdown on Ctrl-C) surfaces in the next query; an 'error' event must not crash.
    client.on('error', () => {});
    await client.connect();
    const probe = new WindowProbe(client, isLocal(opts.url), opts.pool, opts.extra, opts.serverGroup);
    probe.#waitSampleMs = opts.waitSampleMs ?? 100;
    return probe;
  }

  async #snapshot(): Promise<DbSnapshot> {
    const r = await this.#client.query<{ lsn: string; commits: string; rollbacks: string; wal_sync: string }>(
      `SELECT pg_current_wal_lsn()::text AS lsn, d.xact_commit::text AS commits,
              d.xact_rollback::text AS rollbacks, w.wal_sync::text AS wal_sync
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`,
    );
    const row = r.rows[0];
    if (!row) throw new Error('no pg_stat_database row');
    let serverTicks: Map<number, number> | null = null;
    if (this.#local) {
      // This database's backends and the server's background processes (WAL writer, checkpointer...),
      // not other databases' sessions nor other servers on the machine.
      const pids = await this.#client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL',
      );
      serverTicks = postgresTicks(pids.rows.map((p) => p.pid));
      if (serverTicks.size === 0) serverTicks = null;
    }
    return {
      lsn: row.lsn,
      commits: Number(row.commits),
      rollbacks: Number(row.rollbacks),
      walSyncs: Number(row.wal_sync),
      serverTicks,
    };
  }

  /** One sample of what this database's active backends (other than the probe) are doing. */
  async #sampleWaits(): Promise<void> {
    if (this.#waitSampling) return; // the previous sample is still running: skip a tick
    this.#waitSampling = true;
    try {
      const r = await this.#client.query<{ w: string }>(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w FROM pg_stat_activity
         WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`,
      );
      this.#waitSamples++;
      for (const row of r.rows) this.#waits[row.w] = (this.#waits[row.w] ?? 0) + 1;
    } catch {
      // A lost sample only makes the average less precise.
    } finally {
      this.#waitSampling = false;
    }
  }

  /** Marks a window edge; synchronous so it can be called from timers, the SQL runs in the background. */
  mark(edge: 'start' | 'end'): void {
    if (edge === 'start') {
      this.#t0 = performance.now();
      this.#elu0 = performance.eventLoopUtilization();
      this.#cpu0 = process.cpuUsage();
      this.#machine0 = machineTicks();
      if (this.#serverGroup !== undefined) this.#server0 = groupTicks(this.#serverGroup).server;
      this.#start = this.#snapshot();
      this.#start.catch(() => {}); // awaited (and reported) at the end of the window
      this.#sampler = setInterval(() => {
        if (!this.#pool) return;
        this.#samples++;
        this.#waiting += this.#pool.waitingCount;
        this.#busy += this.#pool.totalCount - this.#pool.idleCount;
      }, 20);
      this.#waitSampler = setInterval(() => void this.#sampleWaits(), this.#waitSampleMs);
      return;
    }
    if (!this.#start) throw new Error('window end before start');
    clearInterval(this.#sampler);
    clearInterval(this.#waitSampler);
    const activeSamples = Object.values(this.#waits).reduce((a, b) => a + b, 0);
    const waits = Object.fromEntries(
      Object.entries(this.#waits)
        .sort((x, y) => y[1] - x[1])
        .map(([k, n]) => [k, n / activeSamples]),
    );
    const activeBackendsAvg = this.#waitSamples ? activeSamples / this.#waitSamples : Number.NaN;
    const windowMs = performance.now() - this.#t0;
    const elu = performance.eventLoopUtilization(this.#elu0);
    const cpu = process.cpuUsage(this.#cpu0);
    const machine = machineTicks();
    const serverCpuPct =
      this.#serverGroup !== undefined && this.#server0
        ? (cpuMsBetween(this.#server0, groupTicks(this.#serverGroup).server) / windowMs) * 100
        : Number.NaN;
    const start = this.#start;
    this.#end = (async () => {
      const [s0, s1, extra] = await Promise.all([
        start,
        this.#snapshot(),
        this.#extra ? this.#extra(this.#client) : Promise.resolve({}),
      ]);
      const wal = await this.#client.query<{ bytes: string }>(
        'SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS bytes',
        [s1.lsn, s0.lsn],
      );
      let postgresCpuPct = Number.NaN;
      if (s0.serverTicks && s1.serverTicks) {
        let jiffies = 0;
        for (const [pid, t] of s1.serverTicks) jiffies += t - (s0.serverTicks.get(pid) ?? 0);
        postgresCpuPct = ((jiffies * 1000) / USER_HZ / windowMs) * 100;
      }
      return {
        windowMs,
        commits: s1.commits - s0.commits,
        rollbacks: s1.rollbacks - s0.rollbacks,
        walBytes: Number(wal.rows[0]?.bytes ?? Number.NaN),
        walSyncs: s1.walSyncs - s0.walSyncs,
        mainThreadElu: elu.utilization,
        processCpuPct: ((cpu.user + cpu.system) / 1000 / windowMs) * 100,
        postgresCpuPct,
        serverCpuPct,
        machineCpuPct: ((machine.busy - this.#machine0.busy) / (machine.total - this.#machine0.total)) * 100,
        poolWaitingAvg: this.#samples ? this.#waiting / this.#samples : Number.NaN,
        poolBusyAvg: this.#samples ? this.#busy / this.#samples : Number.NaN,
        activeBackendsAvg,
        waits,
        extra,
      };
    })();
    this.#end.catch(() => {}); // reported through result()
  }

  result(): Promise<WindowCounters> {
    if (!this.#end) return Promise.reject(new Error('the measured window never closed'));
    return this.#end;
  }

  async close(): Promise<void> {
    clearInterval(this.#sampler);
    clearInterval(this.#waitSampler);
    await this.#client.end();
  }
}
