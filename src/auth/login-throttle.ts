import { sql } from 'kysely';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';

/**
 * Login and password-change throttles in PostgreSQL, so a restart does not reset them and every
 * instance counts against the same bucket (#11). Same semantics as the in-memory token bucket
 * (`capacity` tries, then one per `1 / refillPerSecond` seconds), stored as GCRA: one "theoretical
 * arrival time" per key, advanced by one atomic upsert per attempt — no read-modify-write race.
 * Keys are opaque (blind indexes, user ids, device nonces), never an address.
 */
export interface Throttle {
  /** Takes one try; false when none is left. */
  take(key: string): Promise<boolean>;
  /** Seconds until one try is available again (for Retry-After). */
  retryAfter(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export function createDbThrottle(opts: {
  db: Db;
  clock: Clock;
  scope: 'login' | 'device' | 'password-change';
  capacity: number;
  refillPerSecond: number;
}): Throttle {
  const { db, clock, scope } = opts;
  const intervalMs = 1000 / opts.refillPerSecond;
  // A bucket may run this far ahead of now: capacity - 1 tries beyond the one being taken.
  const toleranceMs = (opts.capacity - 1) * intervalMs;
  return {
    async take(key) {
      const now = clock.now();
      const interval = `${intervalMs} milliseconds`;
      const r = await sql<{ tat: Date }>`
        INSERT INTO login_throttles AS t (scope, key, tat)
        VALUES (${scope}, ${key}, ${now}::timestamptz + ${interval}::interval)
        ON CONFLICT (scope, key) DO UPDATE
          SET tat = GREATEST(t.tat, ${now}::timestamptz) + ${interval}::interval
          WHERE GREATEST(t.tat, ${now}::timestamptz) - ${now}::timestamptz
                <= ${`${toleranceMs} milliseconds`}::interval
        RETURNING tat`.execute(db);
      return r.rows.length > 0;
    },
    async retryAfter(key) {
      const row = await db
        .selectFrom('login_throttles')
        .select('tat')
        .where('scope', '=', scope)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) return 0;
      const waitMs = new Date(row.tat).getTime() - clock.now().getTime() - toleranceMs;
      return waitMs <= 0 ? 0 : Math.ceil(waitMs / 1000);
    },
    async reset(key) {
      await db.deleteFrom('login_throttles').where('scope', '=', scope).where('key', '=', key).execute();
    },
  };
}

/** Buckets that are full again hold nothing worth keeping (housekeeping, every minute). */
export async function forgetFullThrottles(db: Db, clock: Clock): Promise<void> {
  await db.deleteFrom('login_throttles').where('tat', '<', clock.now()).execute();
}
