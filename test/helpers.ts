import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp } from '../src/app.ts';
import type { Role } from '../src/auth/roles.ts';
import { totpCode } from '../src/auth/totp.ts';
import { createManualClock } from '../src/clock.ts';
import { type Core, createCore } from '../src/core.ts';
import { type Keyring, memoryKeyring } from '../src/crypto/keyring.ts';
import { connectDatabase, type DbHandle } from '../src/db/database.ts';
import type { AdmissionOptions } from '../src/lib/admission.ts';
import { createLogger } from '../src/log.ts';
import { createEventBus } from '../src/realtime/events.ts';
import { databaseUrl } from './global-setup.ts';

/** A fresh database cloned from the migrated template. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = inject('pgAdminUrl');
  const name = `wf_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
  await admin.end();
  return {
    url: databaseUrl(adminUrl, name),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** In-memory keys for a test (the same as the benchmarks use). */
export const testKeyring = memoryKeyring;

export interface TestContext {
  app: FastifyInstance;
  core: Core;
  clock: ReturnType<typeof createManualClock>;
  handle: DbHandle;
  keyring: Keyring;
  dbUrl: string;
  logs: string[];
  close(): Promise<void>;
}

export async function createTestContext(
  opts: {
    intakePerMinute?: number;
    /** Admission of new web requests (issue #13): e.g. a small limit to saturate it in a test. */
    admission?: AdmissionOptions;
    start?: Date;
    /** Messaging channels to wire in: their webhooks are served by the test app. */
    channels?: (core: Core) => Array<{ registerWebhook(app: FastifyInstance): void }>;
    /** Where signed audit checkpoints go (none by default). */
    auditCheckpointFile?: string;
  } = {},
): Promise<TestContext> {
  const database = await createTestDatabase();
  const handle = connectDatabase(database.url, 5);
  const clock = createManualClock(opts.start ?? new Date());
  const logs: string[] = [];
  const log = createLogger('info', { write: (s: string) => void logs.push(s) });
  const keyring = testKeyring();
  const core = await createCore({
    db: handle.db,
    keyring,
    clock,
    log,
    settings: {
      session: { idleMs: 15 * 60_000, maxMs: 10 * 3_600_000 },
      audit: { checkpointFile: opts.auditCheckpointFile },
    },
  });
  const events = createEventBus(database.url, log);
  const app = await buildApp(core, {
    intakePerMinute: opts.intakePerMinute ?? 6000,
    admission: opts.admission,
    secureCookies: true,
    events,
    webhooks: opts.channels?.(core) ?? [],
  });
  await app.ready();
  return {
    app,
    core,
    clock,
    handle,
    keyring,
    dbUrl: database.url,
    logs,
    close: async () => {
      await app.close();
      await core.notifier.flush();
      await events.close();
      await core.audit.chain().catch(() => 0);
      await handle.close();
      await database.drop();
    },
  };
}

export interface TestOperator {
  id: string;
  email: string;
  password: string;
  totpSecret: string;
  role: Role;
}

export function totpSecretOf(uri: string): string {
  const s = new URL(uri).searchParams.get('secret');
  if (!s) throw new Error('no secret in TOTP URI');
  return s;
}

/**
 * TOTP codes for repeated logins against a running server: each from a step not used before (the server
 * refuses a reused step) and never from a past step — the clock can cross a step boundary between
 * reading it here and the server checking the code, and a past step then falls out of its now ± one window.
 */
export function totpSequence(secret: () => string): () => string {
  let last = 0;
  return () => {
    last = Math.max(last + 1, Math.floor(Date.now() / 30_000));
    return totpCode(secret(), new Date(last * 30_000));
  };
}

let counter = 0;

/** Creates a user directly through the service. The first one in a database is the bootstrap admin. */
export async function createOperator(
  ctx: TestContext,
  role: Role = 'operator',
  opts: { grantKeyFrom?: TestOperator; email?: string } = {},
): Promise<TestOperator> {
  const email = opts.email ?? `${role}${++counter}-${randomBytes(3).toString('hex')}@example.org`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let grant: Buffer | undefined;
  if (opts.grantKeyFrom)
    grant =
      (await ctx.core.users.unlockOrgKey(opts.grantKeyFrom.id, opts.grantKeyFrom.password)) ?? undefined;
  const u = await ctx.core.users.createUser({ email, role, password }, { type: 'cli', id: null }, grant);
  return { id: u.id, email, password, totpSecret: totpSecretOf(u.totpUri), role };
}

export interface LoggedIn {
  cookie: string;
  csrf: string;
  headers: Record<string, string>;
}

/** Logs in over the API. Moves the clock one TOTP step first: a code is accepted only once. */
export async function login(ctx: TestContext, op: TestOperator): Promise<LoggedIn> {
  ctx.clock.advance(30_000);
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: op.email, password: op.password, totp: totpCode(op.totpSecret, ctx.clock.now()) },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const cookie = sessionCookie(res);
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}

export function sessionCookie(res: LightMyRequestResponse): string {
  const c = res.cookies.find((x) => x.name === 'wf_session');
  if (!c) throw new Error('no session cookie');
  return `wf_session=${c.value}`;
}

/** Extracts a hidden input's value from server-rendered HTML. */
export function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m?.[1]) throw new Error(`no hidden field ${name}`);
  return m[1];
}

export function receiptFrom(html: string): string {
  const m = /id="receipt-code">([\d ]+)</.exec(html);
  if (!m?.[1]) throw new Error('no receipt code on page');
  return m[1];
}

/** Submits the public form the way a browser without JavaScript does: GET the form, POST it back. */
export async function submitWebRequest(
  ctx: TestContext,
  fields: { category?: string; message?: string; name?: string; contact?: string; lang?: string } = {},
): Promise<{ receipt: string; res: LightMyRequestResponse }> {
  const page = await ctx.app.inject({ method: 'GET', url: `/?lang=${fields.lang ?? 'ru'}` });
  const token = hiddenField(page.body, 'token');
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/requests',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      token,
      lang: fields.lang ?? 'ru',
      category: fields.category ?? 'serviceman_war_zone',
      message: fields.message ?? 'Хочу сдаться',
      name: fields.name ?? '',
      contact: fields.contact ?? '',
    }).toString(),
  });
  if (res.statusCode !== 200) throw new Error(`submit failed: ${res.statusCode}`);
  return { receipt: receiptFrom(res.body), res };
}

export function form(fields: Record<string, string>) {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  };
}

/** Polls until `f` returns something truthy (or fails after `ms`): for what happens asynchronously. */
export async function until<T>(f: () => Promise<T | undefined | null | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
