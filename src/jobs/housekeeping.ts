import { sql } from 'kysely';
import { forgetFullThrottles } from '../auth/login-throttle.ts';
import type { Core } from '../core.ts';

/**
 * Every minute: forget what is no longer needed. Expired form nonces, sessions and pending logins;
 * reply texts a day after delivery; text sketches after the one day the spam rules look back; and the
 * audit chain catches up. Untouched sunk requests go after WHITEFLAG_SINK_PURGE_HOURS. The queue
 * counts' deltas are folded.
 */
export async function housekeeping(core: Core): Promise<void> {
  const now = core.clock.now();
  const dayAgo = new Date(now.getTime() - 86_400_000);
  await core.db.deleteFrom('form_nonces').where('expires_at', '<', now).execute();
  await core.db.deleteFrom('sessions').where('expires_at', '<', now).execute();
  await core.db.deleteFrom('pending_logins').where('expires_at', '<', now).execute();
  await forgetFullThrottles(core.db, core.clock);
  await core.outbox.wipeDelivered();
  await core.db.deleteFrom('text_bands').where('created_at', '<', dayAgo).execute();
  await sql`UPDATE request_threads SET text_fingerprint = NULL
    WHERE text_fingerprint IS NOT NULL AND created_at < ${dayAgo}`.execute(core.db);
  // A flood's sunk requests that nobody touched go after a few hours (decision 0010).
  await core.flood.purgeSunk();
  // The queue's tab counts: the +1/−1 rows the writes appended go into the counts (decision 0017).
  await core.cases.foldQueueCounts();
  await core.audit.chain();
}
