import PgBoss from 'pg-boss';
import type { TimersService } from '../cases/timers.service.ts';
import type { Clock } from '../clock.ts';
import type { Log } from '../log.ts';
import type { JobsHealth } from '../ops/health.ts';
import type { RegistryService } from '../pow/registry.service.ts';
import type { RetentionService } from '../retention/retention.service.ts';
import type { StatsService } from '../stats/stats.service.ts';

/**
 * Scheduled work on a PostgreSQL-backed queue (pg-boss): case timers every minute, retention nightly.
 * pg-boss makes each scheduled run happen once across all instances; the work itself is in plain
 * services so tests drive it with a manual clock.
 */
export const QUEUES = {
  timers: 'timers-tick',
  retention: 'retention-run',
  stats: 'stats-rollup',
  registry: 'registry-alarms',
} as const;

export interface JobRunner extends JobsHealth {
  boss: PgBoss;
  stop(): Promise<void>;
}

export async function startJobs(deps: {
  databaseUrl: string;
  log: Log;
  timers: TimersService;
  retention: RetentionService;
  stats?: StatsService | undefined;
  registry?: RegistryService | undefined;
  /** For the readiness check: when the every-minute timers job last ran here. */
  clock?: Clock | undefined;
}): Promise<JobRunner> {
  const now = () => deps.clock?.now() ?? new Date();
  const startedAt = now();
  let lastTickAt: Date | null = null;
  let stopped = false;
  const boss = new PgBoss({
    connectionString: deps.databaseUrl,
    schema: 'pgboss',
    max: 3,
    application_name: 'whiteflag-jobs',
  });
  boss.on('error', (e: unknown) => deps.log.error({ err: String(e) }, 'job queue error'));
  await boss.start();
  for (const q of Object.values(QUEUES)) await boss.createQueue(q);
  await boss.schedule(QUEUES.timers, '* * * * *');
  await boss.schedule(QUEUES.retention, '17 3 * * *');
  await boss.schedule(QUEUES.stats, '*/10 * * * *');
  // Art. 70 / 122 deadlines: an overdue notice to the registry staff, hourly (at most one a day each).
  await boss.schedule(QUEUES.registry, '5 * * * *');
  await boss.work(QUEUES.registry, async () => {
    const n = await deps.registry?.raiseAlarms();
    if (n) deps.log.info({ notified: n }, 'registry deadlines overdue');
  });
  await boss.work(QUEUES.stats, async () => {
    await deps.stats?.refreshRecent();
  });
  await boss.work(QUEUES.timers, async () => {
    lastTickAt = now();
    const reminders = await deps.timers.runReminders();
    const unreachable = await deps.timers.runSilence();
    const waiting = await deps.timers.runWaiting();
    if (reminders || unreachable || waiting)
      deps.log.info({ reminders, unreachable, waiting }, 'case timers');
  });
  await boss.work(QUEUES.retention, async () => {
    const { purged } = await deps.retention.run();
    deps.log.info({ purged }, 'retention run');
  });
  return {
    boss,
    running: () => (stopped ? null : { startedAt, lastTickAt }),
    stop: () => {
      stopped = true;
      return boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
