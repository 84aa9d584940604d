import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { slaBreachSql } from '../cases/sla.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { JobsHealth } from './health.ts';

/**
 * Prometheus metrics (prom-client), served on a separate listener that is off by default and bound to
 * 127.0.0.1 (`ops/metrics.server.ts`). Labels are closed sets only — channel names, states, stable
 * error codes, HTTP status codes, queue names — never an identity, a reference or free text, so a
 * leaked scrape says how busy the hotline is and nothing about who wrote.
 */
const INTAKE_ROUTES: Record<string, string> = {
  '/requests': 'web',
  '/channels/telegram/webhook': 'telegram',
  '/channels/whatsapp/webhook': 'whatsapp',
  '/channels/sms/webhook': 'sms',
  '/channels/voice/incoming': 'voice',
};
const CODE = Symbol('whiteflag.errorCode');

export function createMetrics(deps: { db: Db; pool: pg.Pool; clock: Clock; jobs?: JobsHealth | undefined }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'whiteflag_process_' });
  const { db } = deps;

  const intake = new Counter({
    name: 'whiteflag_intake_total',
    help: 'Inbound requests and provider webhooks, by channel and outcome (accepted/refused) and reason',
    labelNames: ['channel', 'outcome', 'reason'] as const,
    registers: [registry],
  });
  const webhookErrors = new Counter({
    name: 'whiteflag_webhook_errors_total',
    help: 'Provider webhook calls answered with an error, by channel and HTTP status',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'whiteflag_queue_depth',
    help: 'Open (not merged, not purged) requests by case state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('request_threads')
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .where('closed_at', 'is', null)
        .where('merged_into', 'is', null)
        .groupBy('status')
        .execute();
      for (const r of rows) this.set({ state: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'whiteflag_sla_breaches',
    help: 'Requests waiting for an operator past their SLA window (first response or reply)',
    registers: [registry],
    async collect() {
      const r = await sql<{ n: string }>`SELECT count(*) AS n FROM request_threads
        WHERE ${slaBreachSql(deps.clock.now())}`.execute(db);
      this.set(Number(r.rows[0]?.n ?? 0));
    },
  });
  new Gauge({
    name: 'whiteflag_outbox_messages',
    help: 'Outbound messages not yet delivered, by channel and status (pending, sending, failed)',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('outbox')
        .select(['channel', 'status', (eb) => eb.fn.countAll<string>().as('n')])
        .where('status', '!=', 'sent')
        .groupBy(['channel', 'status'])
        .execute();
      for (const r of rows) this.set({ channel: r.channel, status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'whiteflag_outbox_retrying',
    help: 'Outbound messages that failed at least once and wait for a retry, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('outbox')
        .select(['channel', (eb) => eb.fn.countAll<string>().as('n')])
        .where('status', '=', 'pending')
        .where('attempts', '>', 0)
        .groupBy('channel')
        .execute();
      for (const r of rows) this.set({ channel: r.channel }, Number(r.n));
    },
  });
  new Gauge({
    name: 'whiteflag_outbox_oldest_pending_seconds',
    help: 'Age of the oldest undelivered outbound message, by channel',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const r = await sql<{ channel: string; age: string }>`SELECT channel,
          EXTRACT(EPOCH FROM (${deps.clock.now()}::timestamptz - min(created_at))) AS age
        FROM outbox WHERE status IN ('pending', 'sending') GROUP BY channel`.execute(db);
      for (const row of r.rows) this.set({ channel: row.channel }, Math.max(0, Number(row.age)));
    },
  });
  new Gauge({
    name: 'whiteflag_job_lag_seconds',
    help: 'How long the oldest due scheduled job has waited to start, by queue (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // pg-boss's table exists once a worker has started; before that there is nothing to lag.
      const r = await sql<{ name: string; lag: string }>`SELECT name,
            EXTRACT(EPOCH FROM (now() - min(start_after))) AS lag
          FROM pgboss.job WHERE state IN ('created', 'retry') AND start_after <= now()
          GROUP BY name`
        .execute(db)
        .catch(() => ({ rows: [] }));
      for (const row of r.rows) this.set({ queue: row.name }, Math.max(0, Number(row.lag)));
    },
  });
  if (deps.jobs) {
    const jobs = deps.jobs;
    new Gauge({
      name: 'whiteflag_job_last_tick_age_seconds',
      help: 'Seconds since this worker last ran the every-minute timers job (since start if not yet)',
      registers: [registry],
      collect() {
        const r = jobs.running();
        this.set(r ? (deps.clock.now().getTime() - (r.lastTickAt ?? r.startedAt).getTime()) / 1000 : -1);
      },
    });
  }
  new Gauge({
    name: 'whiteflag_db_pool_connections',
    help: 'The database pool: total, idle, and callers waiting for a connection',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, deps.pool.totalCount);
      this.set({ state: 'idle' }, deps.pool.idleCount);
      this.set({ state: 'waiting' }, deps.pool.waitingCount);
    },
  });

  return {
    registry,
    /** Counts intake and webhook outcomes from the HTTP layer (route patterns, never raw URLs). */
    instrument(app: FastifyInstance): void {
      app.addHook('onError', async (req, _reply, error) => {
        (req as unknown as Record<symbol, string>)[CODE] = error instanceof AppError ? error.code : 'error';
      });
      app.addHook('onResponse', async (req, reply) => {
        const route = req.routeOptions.url;
        if (req.method !== 'POST' || !route) return;
        const channel = INTAKE_ROUTES[route] ?? (route.startsWith('/channels/') ? route.split('/')[2] : null);
        if (!channel) return;
        const status = reply.statusCode;
        const code = (req as unknown as Record<symbol, string | undefined>)[CODE];
        if (INTAKE_ROUTES[route]) {
          intake.inc({
            channel,
            outcome: status < 400 ? 'accepted' : 'refused',
            reason: status < 400 ? 'none' : (code ?? `http_${status}`),
          });
        }
        if (route.startsWith('/channels/') && status >= 400) {
          webhookErrors.inc({ channel, status: String(status) });
        }
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
