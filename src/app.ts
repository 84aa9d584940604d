import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { registerAssignmentRoutes } from './assignment/assignment.routes.ts';
import { registerAuditRoutes } from './audit/audit.routes.ts';
import { registerAuthRoutes } from './auth/auth.routes.ts';
import { registerUsersRoutes } from './auth/users.routes.ts';
import { registerCannedRoutes } from './canned/canned.routes.ts';
import { registerCasesRoutes } from './cases/cases.routes.ts';
import { registerPreviewRoutes } from './cases/previews.routes.ts';
import { createFormPow } from './channels/web/form-pow.ts';
import { errorPage } from './channels/web/web.pages.ts';
import { registerWebRoutes } from './channels/web/web.routes.ts';
import { registerConsole } from './console.routes.ts';
import type { Core } from './core.ts';
import { AppError, type AppErrorCode } from './errors.ts';
import { PUBLIC_CSP } from './http/csp.ts';
import { registerPageContext } from './http/page-context.ts';
import { hasKey, negotiateLanguage } from './i18n/i18n.ts';
import { registerKnowledgeRoutes } from './knowledge/knowledge.routes.ts';
import { type AdmissionOptions, createAdmission } from './lib/admission.ts';
import { registerNotificationsRoutes } from './notifications/notifications.routes.ts';
import { createReadinessCheck, type ReadinessCheck } from './ops/health.ts';
import type { Metrics } from './ops/metrics.ts';
import { registerPowRoutes } from './pow/pow.routes.ts';
import { registerProtocolRoutes } from './protocol/protocol.routes.ts';
import { registerEventsRoutes } from './realtime/events.routes.ts';
import type { EventBus } from './realtime/events.ts';
import { registerRelativesRoutes } from './relatives/relatives.routes.ts';
import { registerRelativesWeb } from './relatives/relatives.web.ts';
import { registerOrganisationRoutes } from './settings/organisation.routes.ts';
import { registerSettingsRoutes } from './settings/settings.routes.ts';
import { registerStatsRoutes } from './stats/stats.routes.ts';
import { registerSupervisorRoutes } from './supervisor/supervisor.routes.ts';
import { registerSystemRoutes } from './system/system.routes.ts';
import { registerVoiceRoutes } from './voice/voice.routes.ts';

export interface AppOptions {
  /** The relatives desk's global inquiry budget (the surrender form admits by capacity instead). */
  intakePerMinute?: number | undefined;
  /** Admission of new requests by capacity (issue #13); defaults suit one machine. */
  admission?: AdmissionOptions | undefined;
  /** The proof-of-work lane's difficulty (numbers to try, about half on average); 0 turns it off. */
  powMax?: number | undefined;
  /** Secure cookies (browsers accept them on http://localhost and 127.0.0.1 too). */
  secureCookies: boolean;
  /** The live-update bus (LISTEN/NOTIFY); without it /api/events is not served. */
  events?: EventBus | undefined;
  /** Where the built console lives (dist/console); without an index.html there, /console says how to build it. */
  consoleDir?: string | undefined;
  publicOrigin?: string | undefined;
  /** Every public origin (main domain, mirrors, onion) pages may be requested on; the first is the main one. */
  publicOrigins?: string[] | undefined;
  /** Readiness (`/readyz`): by default database, migrations and keys; main.ts adds the job runner. */
  readiness?: ReadinessCheck | undefined;
  /** Prometheus counters fed from the HTTP layer (served on their own listener, never here). */
  metrics?: Metrics | undefined;
  /** Messaging channels whose webhooks this instance answers. */
  webhooks?: Array<{ registerWebhook(app: FastifyInstance): void }> | undefined;
}

const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Maps Fastify's own client errors (body too large, bad JSON, wrong content type) to our codes. */
function fastifyErrorCode(e: FastifyError): AppErrorCode | null {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'payload_too_large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_VALIDATION':
      return 'bad_request';
    default:
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return 'bad_request';
      if (e instanceof SyntaxError) return 'bad_request';
      return null;
  }
}

function isApi(req: FastifyRequest): boolean {
  // Provider webhooks are machines too: they get the JSON error with its stable code.
  return req.url.startsWith('/api/') || req.url.startsWith('/channels/');
}

export async function buildApp(core: Core, opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: core.log as FastifyBaseLogger,
    // Default request logging writes client addresses; we log our own minimal line instead.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    bodyLimit: 64 * 1024,
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('session', null);

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Whiteflag operator API',
        version: '1',
        description:
          'JSON API for operators. Authenticate with POST /api/auth/login (sets an HttpOnly, SameSite=Strict cookie); send the returned csrfToken as the x-csrf-token header on every non-GET request. Errors are {"error":{"code","message"}} with stable codes.',
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: false });

  app.addHook('onSend', async (req, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) {
      reply.header(
        'content-security-policy',
        req.url.startsWith('/api/docs')
          ? DOCS_CSP
          : req.url.startsWith('/console')
            ? CONSOLE_CSP
            : PUBLIC_CSP,
      );
    }
    reply.header('referrer-policy', 'no-referrer');
    if (opts.publicOrigin?.startsWith('https://'))
      reply.header('strict-transport-security', 'max-age=31536000');
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-resource-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  // Operator API: one line per request (method, route pattern — never the raw URL — status, time; no
  // address, no UA). Public pages: one line a minute with counts per route and status — a flood must
  // not cost a log write per request nor fill the disk with lines (issue #13, decision 0010).
  const publicCounts = new Map<string, number>();
  const flushPublicCounts = () => {
    if (publicCounts.size === 0) return;
    core.log.info({ counts: Object.fromEntries(publicCounts) }, 'public requests');
    publicCounts.clear();
  };
  const publicTimer = setInterval(flushPublicCounts, 60_000);
  publicTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(publicTimer);
    flushPublicCounts();
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!isApi(req) && reply.statusCode < 500) {
      const key = `${req.method} ${req.routeOptions.url ?? 'unmatched'} ${reply.statusCode}`;
      publicCounts.set(key, (publicCounts.get(key) ?? 0) + 1);
      return;
    }
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
  });

  opts.metrics?.instrument(app);
  registerPageContext(app, {
    organisation: core.organisation,
    origins: opts.publicOrigins ?? (opts.publicOrigin ? [opts.publicOrigin] : []),
  });

  // Cross-site form posts are refused early (a site elsewhere making a visitor's browser post to us).
  app.addHook('onRequest', async (req) => {
    if (req.method === 'POST' && req.headers['sec-fetch-site'] === 'cross-site') {
      throw new AppError('forbidden', 'Cross-site request refused');
    }
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    let appErr: AppError;
    if (err instanceof AppError) appErr = err;
    else if (hasZodFastifySchemaValidationErrors(err)) {
      appErr = new AppError('validation_failed', 'Request does not match the schema', {
        issues: err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
      });
    } else {
      const code = fastifyErrorCode(err);
      const pg = postgresErrorCode(err);
      if (code)
        appErr = new AppError(code, code === 'bad_request' ? 'The request could not be parsed' : err.message);
      else if (pg) appErr = new AppError(pg, pg === 'conflict' ? 'It exists already' : 'It no longer exists');
      else {
        req.log.error({ err: { type: err.name, message: err.message, stack: err.stack } }, 'unhandled error');
        appErr = new AppError('internal', 'Internal error');
      }
    }
    return sendError(req, reply, appErr);
  });

  let consoleFallback: ((req: FastifyRequest, reply: FastifyReply) => FastifyReply) | null = null;
  app.setNotFoundHandler((req, reply) => {
    if (
      consoleFallback &&
      req.method === 'GET' &&
      req.url.startsWith('/console/') &&
      !req.url.startsWith('/console/assets/')
    ) {
      return consoleFallback(req, reply);
    }
    return sendError(req, reply, new AppError('not_found', 'Not found'));
  });

  function sendError(req: FastifyRequest, reply: FastifyReply, e: AppError) {
    const retryAfter = e.details?.retryAfter;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    if (isApi(req) || req.url.startsWith('/api')) {
      return reply
        .code(e.status)
        .send({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });
    }
    const lang = negotiateLanguage(
      (req.query as Record<string, unknown> | undefined)?.lang,
      req.headers['accept-language'],
    );
    const key = `error.${e.code}`;
    return reply
      .code(e.status)
      .type('text/html; charset=utf-8')
      .send(errorPage(lang, hasKey(key) ? key : e.status >= 500 ? 'error.internal' : 'error.bad_request'));
  }

  const admission = createAdmission(opts.admission);
  registerWebRoutes(app, {
    intake: core.intake,
    settings: core.runtimeSettings,
    protocol: core.protocol,
    formTokens: core.formTokens,
    clock: core.clock,
    admission,
    formPow: opts.powMax === 0 ? undefined : createFormPow(core.vault, opts.powMax),
  });
  registerAuthRoutes(app, {
    sessions: core.sessions,
    users: core.users,
    webauthn: core.webauthn,
    secureCookies: opts.secureCookies,
    publicOrigin: opts.publicOrigin,
  });
  registerUsersRoutes(app, { sessions: core.sessions, users: core.users });
  registerCasesRoutes(app, { sessions: core.sessions, cases: core.cases });
  registerPreviewRoutes(app, { sessions: core.sessions, previews: core.previews });
  registerCannedRoutes(app, { sessions: core.sessions, canned: core.canned });
  registerSupervisorRoutes(app, {
    sessions: core.sessions,
    cases: core.cases,
    vault: core.vault,
    idleMs: core.settings.session.idleMs,
    flood: core.flood,
    admission,
  });
  registerAuditRoutes(app, { sessions: core.sessions, audit: core.audit });
  registerProtocolRoutes(app, { sessions: core.sessions, protocol: core.protocol });
  registerKnowledgeRoutes(app, { sessions: core.sessions, knowledge: core.knowledge });
  registerNotificationsRoutes(app, { sessions: core.sessions, db: core.db, clock: core.clock });
  registerStatsRoutes(app, { sessions: core.sessions, stats: core.stats, clock: core.clock });
  registerSettingsRoutes(app, { sessions: core.sessions, settings: core.runtimeSettings });
  registerSystemRoutes(app, { sessions: core.sessions, routingKeeper: core.routingKeeper, db: core.db });
  registerVoiceRoutes(app, { sessions: core.sessions, voice: core.voice });
  registerOrganisationRoutes(app, { sessions: core.sessions, organisation: core.organisation });
  registerAssignmentRoutes(app, { sessions: core.sessions, assignment: core.assignment });
  registerPowRoutes(app, {
    sessions: core.sessions,
    registry: core.registry,
    batches: core.batches,
    clock: core.clock,
  });
  registerRelativesRoutes(app, { sessions: core.sessions, relatives: core.relatives });
  registerRelativesWeb(app, {
    relatives: core.relatives,
    formTokens: core.formTokens,
    clock: core.clock,
    db: core.db,
    perMinute: opts.intakePerMinute ?? 6000,
  });
  for (const w of opts.webhooks ?? []) w.registerWebhook(app);
  if (opts.events) registerEventsRoutes(app, { sessions: core.sessions, bus: opts.events });
  consoleFallback = await registerConsole(app, opts.consoleDir);
  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  // Liveness: the process answers. Readiness: it can work (src/ops/health.ts); 503 names what is not.
  app.get('/livez', { schema: { hide: true } }, async () => ({ status: 'live' }));
  const readiness =
    opts.readiness ?? createReadinessCheck({ db: core.db, vault: core.vault, clock: core.clock });
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const r = await readiness();
    return reply
      .code(r.ready ? 200 : 503)
      .send({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks });
  });

  return app;
}

/**
 * A safety net for races the services check first but cannot rule out: a row deleted meanwhile
 * (foreign key, 23503) or inserted twice (unique, 23505) is the client's conflict, not a 500.
 */
function postgresErrorCode(err: unknown): 'not_found' | 'conflict' | null {
  const code = (err as { code?: unknown }).code;
  if (code === '23503') return 'not_found';
  if (code === '23505') return 'conflict';
  return null;
}
