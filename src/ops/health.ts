import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { migrations } from '../db/migrations/index.ts';

/**
 * Liveness and readiness, as a load balancer or an orchestrator asks them. Live: the process answers
 * (nothing else: a database outage must not make every instance restart at once). Ready: this
 * instance can do its work — the database answers, every migration this code knows is applied (a
 * restore of an older backup is caught), the keys are loaded, and, where this role runs the scheduled
 * jobs, the job runner has ticked recently. The answer names checks, never errors or data.
 */
export type CheckState = 'ok' | 'fail' | 'pending' | 'stale' | 'not_applicable';

export interface Readiness {
  ready: boolean;
  checks: { database: CheckState; migrations: CheckState; keys: CheckState; jobs: CheckState };
}

export interface JobsHealth {
  /** When the runner started, and when a scheduled tick last ran; null while stopped. */
  running(): { startedAt: Date; lastTickAt: Date | null } | null;
}

/** The timers job is scheduled every minute; three missed minutes mean the runner is stuck. */
export const JOBS_STALE_MS = 3 * 60_000;
const DB_TIMEOUT_MS = 2000;

export function createReadinessCheck(deps: {
  db: Db;
  vault: Vault;
  clock: Clock;
  /** Set where this role runs the scheduled jobs (worker or all-in-one). */
  jobs?: JobsHealth | undefined;
}) {
  const known = migrations.map((m) => m.name);
  return async function checkReadiness(): Promise<Readiness> {
    const checks: Readiness['checks'] = {
      database: 'fail',
      migrations: 'fail',
      keys: 'fail',
      jobs: 'not_applicable',
    };
    try {
      const applied = await withTimeout(
        sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(deps.db),
        DB_TIMEOUT_MS,
      );
      checks.database = 'ok';
      const names = new Set(applied.rows.map((r) => r.name));
      checks.migrations = known.every((n) => names.has(n)) ? 'ok' : 'pending';
    } catch {
      // database unreachable (or slower than the timeout): both stay 'fail'
    }
    checks.keys = (await keysOpenTheDatabase(deps.db, deps.vault)) ? 'ok' : 'fail';
    if (deps.jobs) {
      const r = deps.jobs.running();
      if (!r) checks.jobs = 'fail';
      else {
        const last = (r.lastTickAt ?? r.startedAt).getTime();
        checks.jobs = deps.clock.now().getTime() - last < JOBS_STALE_MS ? 'ok' : 'stale';
      }
    }
    const ready = Object.values(checks).every((c) => c === 'ok' || c === 'not_applicable');
    return { ready, checks };
  };
}

export type ReadinessCheck = ReturnType<typeof createReadinessCheck>;

/**
 * The keys are loaded and are the right ones for this database: a probe value round-trips, and the
 * newest notification signing key (created at first start) decrypts — a key file that does not belong
 * to a restored database fails here rather than on the first operator login.
 */
export async function keysOpenTheDatabase(db: Db, vault: Vault): Promise<boolean> {
  try {
    if (vault.decrypt(vault.encrypt('probe', 'readiness.probe'), 'readiness.probe') !== 'probe') return false;
    const row = await withTimeout(
      db
        .selectFrom('signing_keys')
        .select('secret_key_enc')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst(),
      DB_TIMEOUT_MS,
    );
    if (row) vault.decrypt(row.secret_key_enc, 'signing_keys.secret');
    return true;
  } catch {
    return false;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
