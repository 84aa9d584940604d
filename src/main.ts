import cluster from 'node:cluster';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { createTwilioChannels } from './channels/sms/twilio.ts';
import { startChannelSweeps } from './channels/sweeps.ts';
import { createTelegram } from './channels/telegram/telegram.ts';
import { createWhatsapp } from './channels/whatsapp/whatsapp.ts';
import { systemClock } from './clock.ts';
import { PROCESS_NAME_ENV, runCluster } from './cluster.ts';
import { loadConfig } from './config.ts';
import { createCore } from './core.ts';
import { housekeeping } from './jobs/housekeeping.ts';
import { type JobRunner, startJobs } from './jobs/jobs.ts';
import { createLogger } from './log.ts';
import { createReadinessCheck } from './ops/health.ts';
import { startMetricsServer } from './ops/metrics.server.ts';
import { createMetrics } from './ops/metrics.ts';
import { createEventBus } from './realtime/events.ts';
import { openRuntime } from './runtime.ts';

/**
 * Entry point. Roles: `all` (default: web server and scheduled jobs in one process), `web` (HTTP only,
 * for several instances behind a load balancer), `worker` (jobs only). `npm start -- --role worker`.
 * `--web-processes N` (WHITEFLAG_WEB_PROCESSES, `auto` = one per core): N web processes behind the one
 * port and, for role `all`, one job runner, under a supervising process (src/cluster.ts).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { role: { type: 'string' }, 'web-processes': { type: 'string' } },
    strict: false,
  });
  const env = { ...process.env };
  // A cluster child runs the role its supervisor gave it, whatever the command line said.
  if (values.role && !cluster.isWorker) env.WHITEFLAG_ROLE = String(values.role);
  if (values['web-processes'] && !cluster.isWorker)
    env.WHITEFLAG_WEB_PROCESSES = String(values['web-processes']);
  const config = loadConfig(env);
  const processName = cluster.isWorker ? process.env[PROCESS_NAME_ENV] : undefined;
  const rootLog = createLogger(config.log.level);
  const log = processName ? rootLog.child({ process: processName }) : rootLog;
  if (cluster.isPrimary && config.role !== 'worker' && config.webProcesses > 1) {
    await runCluster(config, log);
    return;
  }
  const runtime = await openRuntime(config, log);
  if (runtime.keysCreated) {
    log.warn(
      { keyFile: config.keys.file },
      '!!! New keys were generated (master, index or audit key). BACK UP THIS FILE (offline, encrypted): without it, server-tier data and receipt look-ups are lost. Never store it with database backups.',
    );
  }
  const core = await createCore({
    db: runtime.handle.db,
    keyring: runtime.keyring,
    clock: systemClock,
    log,
    settings: {
      session: config.session,
      cases: config.cases,
      outbox: config.outbox,
      audit: config.audit,
      sinkPurgeHours: config.intake.sinkPurgeHours,
    },
  });

  const hasUsers = await core.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (!hasUsers) {
    log.warn(
      'No operators yet: the public form refuses requests until the first admin exists. Create one with: npm run cli -- user add --email you@example.org --role admin',
    );
  }

  const telegram = config.telegram
    ? createTelegram(config.telegram, {
        db: core.db,
        routing: core.routing,
        clock: core.clock,
        log,
        channelIntake: core.channelIntake,
        protocol: core.protocol,
        knowledge: core.knowledge,
        relatives: core.relatives,
        organisation: core.organisation,
      })
    : null;
  if (telegram) core.adapters.set('telegram', telegram.adapter);
  const whatsapp = config.whatsapp
    ? createWhatsapp(config.whatsapp, {
        channelIntake: core.channelIntake,
        log,
        retryAs: (id, kind) => core.outbox.retryAs('whatsapp', id, kind),
      })
    : null;
  if (whatsapp) core.adapters.set('whatsapp', whatsapp.adapter);
  const twilioChannels = config.twilio
    ? createTwilioChannels(config.twilio, {
        channelIntake: core.channelIntake,
        db: core.db,
        clock: core.clock,
        log,
        voice: core.voice,
        appendToThread: core.intake.appendRequesterMessage,
      })
    : null;
  if (twilioChannels) {
    core.adapters.set('sms', twilioChannels.smsAdapter);
    core.adapters.set('voice', twilioChannels.voiceAdapter);
  }

  const jobs: JobRunner | null =
    config.role === 'web'
      ? null
      : await startJobs({
          databaseUrl: runtime.databaseUrl,
          log,
          timers: core.timers,
          retention: core.retention,
          stats: core.stats,
          registry: core.registry,
          clock: core.clock,
        });
  const readiness = createReadinessCheck({
    db: core.db,
    vault: core.vault,
    clock: core.clock,
    jobs: jobs ?? undefined,
  });
  const metrics = createMetrics({
    db: core.db,
    pool: runtime.handle.pool,
    clock: core.clock,
    jobs: jobs ?? undefined,
  });
  // Under the supervisor, the job runner serves the operations listener (web processes would share
  // its port the way they share the HTTP one, and answer for one process at random).
  const metricsServer =
    config.metrics.port === undefined || (cluster.isWorker && config.role === 'web')
      ? null
      : await startMetricsServer({ ...config.metrics, port: config.metrics.port, metrics, readiness, log });

  let app: FastifyInstance | null = null;
  const events = config.role === 'worker' ? null : createEventBus(runtime.databaseUrl, log);
  if (events) {
    app = await buildApp(core, {
      admission: { queueTimeoutMs: config.intake.queueTimeoutMs },
      powMax: config.intake.powMax,
      secureCookies: true,
      events,
      consoleDir: path.resolve(import.meta.dirname, '..', 'dist', 'console'),
      // WebAuthn's origin without WHITEFLAG_PUBLIC_ORIGIN: the local console, never the Host header.
      publicOrigin: config.http.publicOrigin ?? `http://localhost:${config.http.port}`,
      publicOrigins: config.http.publicOrigins,
      readiness,
      metrics,
      webhooks: [
        ...(telegram && config.telegram?.mode === 'webhook' ? [telegram] : []),
        ...(whatsapp ? [whatsapp] : []),
        ...(twilioChannels ? [twilioChannels] : []),
      ],
    });
  }
  // Delivery and channel listeners run where the scheduled jobs run (worker or all-in-one).
  const delivery = config.role === 'web' ? null : core.outbox.start();
  // The routing key comes back with a granted login (or from a peer instance); what waited runs then,
  // in this process whatever its role (channels/sweeps.ts).
  const routingKeeper = core.routingKeeper.start();
  const sweeps = startChannelSweeps({
    role: config.role,
    routing: core.routing,
    log,
    sweeps: {
      ...(telegram ? { telegram: () => telegram.sweep() } : {}),
      ...(whatsapp ? { whatsapp: () => whatsapp.sweep() } : {}),
      sms: () => core.channelIntake.sweepMessages('sms'),
      voice: () => core.channelIntake.sweepMessages('voice'),
    },
  });
  const telegramRunner = config.role === 'web' || !telegram ? null : await telegram.start();

  // Housekeeping: expired form nonces and sessions go; the audit chain catches up.
  const housekeepingTimer = setInterval(() => {
    void housekeeping(core)
      // The audit head is signed into the checkpoint file outside the database (where jobs run).
      .then(() => (config.role === 'web' ? null : core.audit.checkpoint()))
      .catch((e: unknown) => log.error({ err: String(e) }, 'housekeeping failed'));
  }, 60_000);
  housekeepingTimer.unref();

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    clearInterval(housekeepingTimer);
    // Every step runs even if an earlier one fails: the embedded database must always be stopped.
    const steps: Array<[string, () => Promise<unknown> | undefined]> = [
      ['http', () => app?.close()],
      ['metrics', () => metricsServer?.close()],
      ['events', () => events?.close()],
      ['jobs', () => jobs?.stop()],
      ['routing', () => routingKeeper.stop()],
      ['sweeps', async () => sweeps.stop()],
      ['telegram', () => telegramRunner?.stop()],
      ['outbox', () => delivery?.stop()],
      ['notifier', () => core.notifier.flush()],
      ['audit', () => core.audit.chain()],
      ['database', () => runtime.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (e) {
        log.error({ step: name, err: e instanceof Error ? e.message : String(e) }, 'shutdown step failed');
      }
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  if (app) {
    await app.listen({ host: config.http.host, port: config.http.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
    // Under the supervisor, it says "Whiteflag is listening" once every web process is.
    log.info(
      { url: `http://${config.http.host}:${port}`, role: config.role },
      cluster.isWorker ? 'web process listening' : 'Whiteflag is listening',
    );
  } else {
    log.info({ role: config.role }, 'Whiteflag worker is running');
  }
}

main().catch((e: unknown) => {
  // Start-up errors are configuration problems: say what is wrong, without a stack full of internals.
  process.stderr.write(`whiteflag: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
