import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  WHITEFLAG_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  WHITEFLAG_MASTER_KEY: z.string().optional(),
  WHITEFLAG_MASTER_KEY_PREVIOUS: z.string().optional(),
  WHITEFLAG_INDEX_KEY: z.string().optional(),
  WHITEFLAG_AUDIT_KEY: z.string().optional(),
  WHITEFLAG_AUDIT_CHECKPOINT_FILE: z.string().optional(),
  WHITEFLAG_KEY_FILE: z.string().optional(),
  WHITEFLAG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WHITEFLAG_PUBLIC_ORIGIN: z.string().url().optional(),
  // Mirrors and the onion address, comma-separated: pages answer with links for the origin requested.
  WHITEFLAG_PUBLIC_ORIGINS: z.string().optional(),
  WHITEFLAG_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(15),
  WHITEFLAG_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24).default(10),
  WHITEFLAG_ADMISSION_QUEUE_MS: z.coerce.number().int().min(100).max(60_000).default(4000),
  WHITEFLAG_SINK_PURGE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(6),
  WHITEFLAG_POW_MAX: z.coerce.number().int().min(0).max(100_000_000).default(100_000),
  WHITEFLAG_DB_POOL: z.coerce.number().int().min(1).max(200).default(20),
  WHITEFLAG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  WHITEFLAG_SILENT_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  WHITEFLAG_ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  // Web processes behind the one port (node:cluster): a number, or `auto` for one per core. 1 (the
  // default) serves HTTP in the same process as the jobs, as before (docs/decisions/0016).
  WHITEFLAG_WEB_PROCESSES: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)])
    .default(1)
    .transform((v) => (v === 'auto' ? Math.min(64, os.availableParallelism()) : v)),
  // Prometheus metrics, /livez and /readyz on their own listener: off unless a port is set.
  WHITEFLAG_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  WHITEFLAG_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Backups are sealed to this public key (the key itself or a file); default <data folder>/backup-public.key.
  WHITEFLAG_BACKUP_PUBLIC_KEY: z.string().min(1).optional(),
  WHITEFLAG_OUTBOX_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/, 'looks like 123456:ABC…')
    .optional(),
  TELEGRAM_MODE: z.enum(['polling', 'webhook']).default('polling'),
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, '16–256 of A-Z a-z 0-9 _ -')
    .optional(),
  TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
  WHATSAPP_TOKEN: z.string().min(10).optional(),
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{5,20}$/)
    .optional(),
  WHATSAPP_APP_SECRET: z.string().min(8).optional(),
  WHATSAPP_VERIFY_TOKEN: z.string().min(8).optional(),
  WHATSAPP_API_ROOT: z.string().url().default('https://graph.facebook.com'),
  WHATSAPP_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/)
    .default('v21.0'),
  WHATSAPP_TEMPLATE: z
    .string()
    .regex(/^[a-z0-9_]{1,512}$/)
    .default('hotline_reply'),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/)
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(16).optional(),
  TWILIO_FROM: z
    .string()
    .regex(/^\+\d{6,16}$/)
    .optional(),
  TWILIO_API_BASE: z.string().url().optional(),
});

// The messaging channels' settings: part of the configuration, read by the adapters in channels/.
export interface TelegramSettings {
  token: string;
  mode: 'polling' | 'webhook';
  apiRoot: string;
  /** Secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token (webhook mode). */
  webhookSecret: string | undefined;
  /** Public URL of /channels/telegram/webhook; when set, the app registers it with Telegram. */
  webhookUrl: string | undefined;
}

export interface WhatsappSettings {
  token: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
  apiRoot: string;
  apiVersion: string;
  template: string;
}

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  apiBase: string | undefined;
  publicOrigin: string | undefined;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number; publicOrigin: string | undefined; publicOrigins: string[] };
  dataDir: string;
  database: { url: string | undefined; poolSize: number };
  keys: {
    file: string;
    masterKey: string | undefined;
    previousMasterKeys: string[];
    indexKey: string | undefined;
    auditKey: string | undefined;
  };
  /** Signed audit chain heads, kept outside the database (docs/decisions/0007-audit-keyed-chain.md). */
  audit: { checkpointFile: string };
  log: { level: string };
  session: { idleMs: number; maxMs: number };
  /**
   * Public form admission (issue #13): how long a post may wait for a database slot, when untouched
   * sunk requests are purged, and the proof-of-work difficulty (0: no proof-of-work lane).
   */
  intake: { queueTimeoutMs: number; sinkPurgeHours: number; powMax: number };
  cases: { retentionDays: number; silentDays: number };
  outbox: { leaseMs: number };
  /** The operations listener (metrics, probes); port undefined = off. */
  metrics: { host: string; port: number | undefined };
  /** The public half of the backup key pair (the private half is offline). */
  backup: { publicKey: string | undefined; publicKeyFile: string };
  /** web: HTTP only; worker: scheduled jobs only; all: both in one process (the default). */
  role: 'all' | 'web' | 'worker';
  /**
   * How many processes serve HTTP on the one port. Above 1 (roles `all` and `web`), the started
   * process supervises: N web processes, plus one job runner for role `all` (src/cluster.ts).
   */
  webProcesses: number;
  telegram: TelegramSettings | undefined;
  whatsapp: WhatsappSettings | undefined;
  twilio: TwilioSettings | undefined;
}

/** Parses the environment once at start-up; a bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ZEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.TELEGRAM_BOT_TOKEN && e.TELEGRAM_MODE === 'webhook' && !e.TELEGRAM_WEBHOOK_SECRET) {
    throw new Error('Invalid configuration:\n  TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_MODE=webhook');
  }
  const dataDir = path.resolve(e.WHITEFLAG_DATA_DIR);
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicOrigin: e.WHITEFLAG_PUBLIC_ORIGIN,
      publicOrigins: publicOrigins(e.WHITEFLAG_PUBLIC_ORIGIN, e.WHITEFLAG_PUBLIC_ORIGINS),
    },
    dataDir,
    database: { url: e.DATABASE_URL, poolSize: e.WHITEFLAG_DB_POOL },
    keys: {
      file: path.resolve(e.WHITEFLAG_KEY_FILE ?? path.join(dataDir, 'keys', 'keyring.json')),
      masterKey: e.WHITEFLAG_MASTER_KEY,
      previousMasterKeys: (e.WHITEFLAG_MASTER_KEY_PREVIOUS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      indexKey: e.WHITEFLAG_INDEX_KEY,
      auditKey: e.WHITEFLAG_AUDIT_KEY,
    },
    audit: {
      checkpointFile: path.resolve(
        e.WHITEFLAG_AUDIT_CHECKPOINT_FILE ?? path.join(dataDir, 'audit-checkpoints.jsonl'),
      ),
    },
    log: { level: e.WHITEFLAG_LOG_LEVEL },
    session: {
      idleMs: e.WHITEFLAG_SESSION_IDLE_MINUTES * 60_000,
      maxMs: e.WHITEFLAG_SESSION_MAX_HOURS * 3_600_000,
    },
    intake: {
      queueTimeoutMs: e.WHITEFLAG_ADMISSION_QUEUE_MS,
      sinkPurgeHours: e.WHITEFLAG_SINK_PURGE_HOURS,
      powMax: e.WHITEFLAG_POW_MAX,
    },
    cases: { retentionDays: e.WHITEFLAG_RETENTION_DAYS, silentDays: e.WHITEFLAG_SILENT_DAYS },
    outbox: { leaseMs: e.WHITEFLAG_OUTBOX_LEASE_SECONDS * 1000 },
    metrics: { host: e.WHITEFLAG_METRICS_HOST, port: e.WHITEFLAG_METRICS_PORT },
    backup: {
      publicKey: e.WHITEFLAG_BACKUP_PUBLIC_KEY,
      publicKeyFile: path.join(dataDir, 'backup-public.key'),
    },
    role: e.WHITEFLAG_ROLE,
    webProcesses: e.WHITEFLAG_WEB_PROCESSES,
    telegram: e.TELEGRAM_BOT_TOKEN
      ? {
          token: e.TELEGRAM_BOT_TOKEN,
          mode: e.TELEGRAM_MODE,
          apiRoot: e.TELEGRAM_API_ROOT.replace(/\/$/, ''),
          webhookSecret: e.TELEGRAM_WEBHOOK_SECRET,
          webhookUrl: e.TELEGRAM_WEBHOOK_URL,
        }
      : undefined,
    whatsapp:
      e.WHATSAPP_TOKEN && e.WHATSAPP_PHONE_NUMBER_ID && e.WHATSAPP_APP_SECRET && e.WHATSAPP_VERIFY_TOKEN
        ? {
            token: e.WHATSAPP_TOKEN,
            phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID,
            appSecret: e.WHATSAPP_APP_SECRET,
            verifyToken: e.WHATSAPP_VERIFY_TOKEN,
            apiRoot: e.WHATSAPP_API_ROOT,
            apiVersion: e.WHATSAPP_API_VERSION,
            template: e.WHATSAPP_TEMPLATE,
          }
        : undefined,
    twilio:
      e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM
        ? {
            accountSid: e.TWILIO_ACCOUNT_SID,
            authToken: e.TWILIO_AUTH_TOKEN,
            from: e.TWILIO_FROM,
            apiBase: e.TWILIO_API_BASE,
            publicOrigin: e.WHITEFLAG_PUBLIC_ORIGIN,
          }
        : undefined,
  };
}

/** The main origin first, then the others; each must be an origin (scheme://host[:port]). */
function publicOrigins(main: string | undefined, list: string | undefined): string[] {
  const all = [main, ...(list ?? '').split(',')].map((s) => s?.trim()).filter((s): s is string => !!s);
  const origins: string[] = [];
  for (const o of all) {
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new Error(`Invalid configuration:\n  WHITEFLAG_PUBLIC_ORIGINS: ${o} is not a URL`);
    }
    if (!/^https?:$/.test(u.protocol) || (u.pathname !== '/' && u.pathname !== ''))
      throw new Error(
        `Invalid configuration:\n  WHITEFLAG_PUBLIC_ORIGINS: ${o} must be an origin like https://mirror.example.org`,
      );
    if (!origins.includes(u.origin)) origins.push(u.origin);
  }
  return origins;
}
