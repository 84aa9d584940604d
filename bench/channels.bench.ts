import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Update } from 'grammy/types';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { totpCode } from '../src/auth/totp.ts';
import { createTelegram } from '../src/channels/telegram/telegram.ts';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { type Core, createCore } from '../src/core.ts';
import { memoryKeyring } from '../src/crypto/keyring.ts';
import { connectDatabase, type DbHandle } from '../src/db/database.ts';
import { type ChannelIntake, createChannelIntake } from '../src/intake/channel-intake.service.ts';
import { createLogger } from '../src/log.ts';
import { type FakeTelegram, startFakeTelegram } from '../test/fakes/telegram.ts';
import { numberFlag, UsageError } from './lib/args.ts';
import { type BenchContext, type Benchmark, note, once } from './lib/benchmark.ts';
import { type BenchDatabase, openBenchDatabase } from './lib/database.ts';
import { type LoadResult, runClosedLoop } from './lib/load.ts';
import { type WindowCounters, WindowProbe } from './lib/probes.ts';
import { fmt, roundNumbers, table } from './lib/report.ts';

/**
 * Telegram channel throughput, both directions, in one run on one fresh database:
 *
 *   (a) inbound: the real app (createCore + createTelegram in webhook mode + buildApp) on 127.0.0.1.
 *       `concurrency` senders POST realistic text-message updates (unique update_ids, new chats) with
 *       the secret-token header to /channels/telegram/webhook, closed loop on the acknowledgement,
 *       as Telegram's own webhook delivery behaves. The webhook acknowledges after recording the update
 *       and handles it afterwards, so two rates are reported: acknowledged/s (HTTP 200s) and
 *       processed/s (requester messages stored in thread_messages during the same window), then the
 *       backlog is drained and the ack → handled lag read from inbound_updates. The senders and the
 *       fake Telegram Bot API that receives the bot's own prompts (language/category question,
 *       "received") run in a child process, so that neither is charged to the app's event loop.
 *   (b) outbound: `chats` request threads from distinct Telegram chats, `replies` operator replies to
 *       each through cases.reply (the real transaction: sealed message + outbox row), then the real
 *       delivery loop (core.outbox.start(), system clock) against the fake Bot API with Telegram's
 *       limits (30 sends/s overall, 1/s per chat, strict sliding 1-second windows). Measured: delivered/s
 *       over the steady window as a share of the allowed 30/s, the fake's limit violations, and that
 *       every reply reached its chat exactly once and in order. This fake runs in this process, as in the
 *       tests: it counts a call when its handler runs.
 */

const RATE_TARGET = 0.95;
const TELEGRAM_GLOBAL_PER_SECOND = 30;
const TELEGRAM_PER_CHAT_PER_SECOND = 1;
/** The outbox limiter's window (outbox.service.ts): 1 s plus a 3% safety margin. */
const OUTBOX_WINDOW_MS = 1030;
/** High enough that the web form's global intake budget never matters here. */
const INTAKE_PER_MINUTE = 60_000_000;
/**
 * The channels' flood budget for new conversations (the app's default is 600 a minute per channel):
 * raised by default, like INTAKE_PER_MINUTE, so that the benchmark measures capacity, not the policy.
 */
const NEW_PER_MINUTE = 60_000_000;
const CHILD_ENV = 'WHITEFLAG_BENCH_CHANNELS_CHILD';
/** Chat ids as Telegram hands them out today (above 2^32); inbound and outbound ranges are disjoint. */
const INBOUND_CHAT_BASE = 5_000_000_000;
const OUTBOUND_CHAT_BASE = 6_000_000_000;

const TEXTS = [
  'Здравствуйте. Я военнослужащий, нахожусь под Покровском. Хочу сдаться в плен, прошу помочь с безопасным выходом. Со мной ещё двое.',
  'Добрый вечер. Мой сын мобилизован, связи нет уже неделю. Как узнать, не в плену ли он?',
  'Хочу сдаться. Связь только по вечерам, телефон часто отключаю. Что делать и куда идти, чтобы не тронули по дороге?',
  'Я не хочу воевать. Нас отправляют на штурм через два дня. Есть ли возможность выйти через вас?',
  'Доброго дня. Шукаю брата, він потрапив у полон під Бахмутом навесні. Куди звертатися?',
  'Подскажите, это правда, что при сдаче через вашу линию не передают данные командованию?',
];

// ---------------------------------------------------------------------------------------------------
// Arguments

interface ChannelsArgs {
  concurrency: number;
  durationS: number;
  warmupS: number;
  pool: number;
  perChat: number;
  drainTimeoutS: number;
  inboundLimits: 'off' | 'telegram';
  newPerMinute: number;
  chats: number;
  replies: number;
  only: 'inbound' | 'outbound' | undefined;
}

const USAGE = `  (a) inbound webhooks
  --concurrency N     concurrent webhook senders (default 50)
  --duration S        measured seconds (default 10)
  --warmup S          unmeasured warm-up seconds before (default 2)
  --per-chat K        messages each new chat sends before a sender moves on to a new chat (default 1:
                      every update opens a request; K > 1 adds follow-ups to the open request)
  --drain-timeout S   how long to wait for the backlog after the load (default 120)
  --inbound-limits L  the fake's limits for the bot's own prompts in (a): off (default) or telegram (30/s, 1/s per chat)
  --new-per-minute N  the channels' flood budget for new conversations (default 60000000, i.e. off; the
                      app's default is 600: refused updates stay recorded for the worker's sweep, not run here)
  --pool N            app database pool size (default: the app's, i.e. WHITEFLAG_DB_POOL or 20)
  (b) outbound delivery through the outbox at Telegram's limits (30/s overall, 1/s per chat)
  --chats N           request threads from distinct chats (default 300)
  --replies R         operator replies per chat (default 2)
  --only P            run only "inbound" or "outbound"`;

function parseChannelsArgs(argv: string[]): ChannelsArgs {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        concurrency: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        pool: { type: 'string' },
        'per-chat': { type: 'string' },
        'drain-timeout': { type: 'string' },
        'inbound-limits': { type: 'string' },
        'new-per-minute': { type: 'string' },
        chats: { type: 'string' },
        replies: { type: 'string' },
        only: { type: 'string' },
      },
    }).values;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const limits = values['inbound-limits'] ?? 'off';
  if (limits !== 'off' && limits !== 'telegram')
    throw new UsageError(`--inbound-limits must be off or telegram, got "${limits}"`);
  const only = values.only;
  if (only !== undefined && only !== 'inbound' && only !== 'outbound')
    throw new UsageError(`--only must be inbound or outbound, got "${only}"`);
  const appPool = loadConfig({ WHITEFLAG_DB_POOL: process.env.WHITEFLAG_DB_POOL }).database.poolSize;
  const int = { integer: true, min: 1 };
  return {
    concurrency: numberFlag('concurrency', values.concurrency, 50, int),
    durationS: numberFlag('duration', values.duration, 10, { integer: false, min: 0.1 }),
    warmupS: numberFlag('warmup', values.warmup, 2, { integer: false, min: 0 }),
    pool: numberFlag('pool', values.pool, appPool, int),
    perChat: numberFlag('per-chat', values['per-chat'], 1, int),
    drainTimeoutS: numberFlag('drain-timeout', values['drain-timeout'], 120, { integer: false, min: 1 }),
    inboundLimits: limits,
    newPerMinute: numberFlag('new-per-minute', values['new-per-minute'], NEW_PER_MINUTE, int),
    chats: numberFlag('chats', values.chats, 300, int),
    replies: numberFlag('replies', values.replies, 2, int),
    only,
  };
}

// ---------------------------------------------------------------------------------------------------
// Child process: webhook senders + the fake Bot API the bot's prompts go to (phase a)

interface SenderSpec {
  url: string;
  secret: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  perChat: number;
  limits: 'off' | 'telegram';
}

interface SenderResult {
  load: LoadResult;
  /** Every 200 over the whole run (warm-up and tail included): updates the app took on. */
  acknowledged: number;
  notAcknowledged: number;
  chats: number;
  clientCpuMs: number;
  responseSamples: Record<string, string>;
}

interface FakeStats {
  /** Calls that took effect, by method (the bot's prompts: sendMessage). */
  sentByMethod: Record<string, number>;
  rateLimited: number;
  violations: number;
  errors: string[];
  /** Achieved sendMessage rate at the fake (first to last prompt). */
  promptRate: number;
}

type ToChild = { type: 'start'; spec: SenderSpec } | { type: 'stats' } | { type: 'stop' };
type FromChild =
  | { type: 'ready'; url: string; token: string }
  | { type: 'window'; edge: 'start' | 'end' }
  | { type: 'done'; result: SenderResult }
  | { type: 'stats'; stats: FakeStats }
  | { type: 'failed'; error: string };

function telegramUpdate(updateId: number, chatId: number, messageId: number, text: string): Update {
  const from = { id: chatId, is_bot: false as const, first_name: 'Алексей', language_code: 'ru' };
  return {
    update_id: updateId,
    message: {
      message_id: messageId,
      from,
      chat: { id: chatId, type: 'private', first_name: from.first_name },
      date: Math.floor(Date.now() / 1000),
      text,
    },
  } as Update;
}

async function childMain(): Promise<void> {
  const post = (m: FromChild) => process.send?.(m);
  const fake = await startFakeTelegram({
    globalPerSecond: Number.POSITIVE_INFINITY,
    perChatPerSecond: Number.POSITIVE_INFINITY,
    // The senders below write to the app directly, not through the fake: the fake learns the chats
    // when the bot first answers them.
    strictChats: false,
  });
  const stop = new AbortController();

  async function send(spec: SenderSpec): Promise<SenderResult> {
    if (spec.limits === 'telegram') {
      fake.rateLimits.globalPerSecond = TELEGRAM_GLOBAL_PER_SECOND;
      fake.rateLimits.perChatPerSecond = TELEGRAM_PER_CHAT_PER_SECOND;
    }
    let nextUpdateId = 700_000_001;
    let nextChat = INBOUND_CHAT_BASE;
    const senders = Array.from({ length: spec.concurrency }, () => ({ chat: 0, messages: 0 }));
    let acknowledged = 0;
    let notAcknowledged = 0;
    const responseSamples: Record<string, string> = {};
    const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': spec.secret };
    let cpuAtStart = process.cpuUsage();
    let clientCpuMs = 0;
    const load = await runClosedLoop({
      concurrency: spec.concurrency,
      warmupMs: spec.warmupMs,
      durationMs: spec.durationMs,
      success: '200',
      signal: stop.signal,
      onWindow: (edge) => {
        if (edge === 'start') cpuAtStart = process.cpuUsage();
        else {
          const d = process.cpuUsage(cpuAtStart);
          clientCpuMs = (d.user + d.system) / 1000;
        }
        post({ type: 'window', edge });
      },
      op: async (id) => {
        const s = senders[id] as { chat: number; messages: number };
        if (s.chat === 0 || s.messages >= spec.perChat) {
          s.chat = nextChat++;
          s.messages = 0;
        }
        s.messages++;
        const text = TEXTS[(s.chat + s.messages) % TEXTS.length] as string;
        const update = telegramUpdate(nextUpdateId++, s.chat, s.messages, text);
        const res = await fetch(spec.url, { method: 'POST', headers, body: JSON.stringify(update) });
        const body = await res.text();
        if (res.status === 200) acknowledged++;
        else {
          notAcknowledged++;
          responseSamples[String(res.status)] ??= body.slice(0, 200);
        }
        return String(res.status);
      },
    });
    return {
      load,
      acknowledged,
      notAcknowledged,
      chats: nextChat - INBOUND_CHAT_BASE,
      clientCpuMs,
      responseSamples,
    };
  }

  process.on('message', (raw) => {
    const msg = raw as ToChild;
    if (msg.type === 'start')
      send(msg.spec).then(
        (result) => post({ type: 'done', result }),
        (e: unknown) =>
          post({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
    else if (msg.type === 'stop') stop.abort();
    else if (msg.type === 'stats') {
      const sentByMethod: Record<string, number> = {};
      for (const c of fake.sent) sentByMethod[c.method] = (sentByMethod[c.method] ?? 0) + 1;
      post({
        type: 'stats',
        stats: {
          sentByMethod,
          rateLimited: fake.calls.filter((c) => c.outcome === 'rate_limited').length,
          violations: fake.violations.length,
          errors: fake.errors.slice(0, 3).map((e) => e.message),
          promptRate: fake.rate('sendMessage').perSecond,
        },
      });
    }
  });
  // The parent ends this process once it has what it needs (keep-alive sockets would hold it open).
  process.on('disconnect', () => {
    void fake.close().finally(() => process.exit(0));
  });
  post({ type: 'ready', url: fake.url, token: fake.token });
}

/** The parent's end of the child's IPC channel: messages are queued until someone waits for them. */
class ChildLink {
  readonly #queue: FromChild[] = [];
  readonly #waiters: Array<{ type: FromChild['type']; resolve: (m: FromChild) => void }> = [];
  #gone: Error | null = null;
  onWindow: ((edge: 'start' | 'end') => void) | undefined;

  constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const m = raw as FromChild;
      if (m.type === 'window') {
        this.onWindow?.(m.edge);
        return;
      }
      const i = this.#waiters.findIndex((w) => w.type === m.type || m.type === 'failed');
      if (i >= 0) this.#waiters.splice(i, 1)[0]?.resolve(m);
      else this.#queue.push(m);
    });
    child.once('exit', (code, signal) => {
      this.#gone = new Error(`sender process exited (code ${code}, signal ${signal})`);
      for (const w of this.#waiters.splice(0))
        w.resolve({ type: 'failed', error: this.#gone.message } satisfies FromChild);
    });
  }

  send(m: ToChild): void {
    if (this.child.connected) this.child.send(m);
  }

  async next<T extends FromChild['type']>(type: T): Promise<Extract<FromChild, { type: T }>> {
    const i = this.#queue.findIndex((m) => m.type === type || m.type === 'failed');
    let m: FromChild;
    if (i >= 0) m = this.#queue.splice(i, 1)[0] as FromChild;
    else if (this.#gone) throw this.#gone;
    else m = await new Promise<FromChild>((resolve) => this.#waiters.push({ type, resolve }));
    if (m.type === 'failed' && type !== 'failed') throw new Error(`sender process: ${m.error}`);
    return m as Extract<FromChild, { type: T }>;
  }
}

// ---------------------------------------------------------------------------------------------------
// Shared set-up

interface Setup {
  handle: DbHandle;
  core: Core;
  /** core.channelIntake's twin with the benchmark's flood budget (createCore takes no setting for it). */
  channelIntake: ChannelIntake;
  admin: { email: string; password: string; totpSecret: string };
  logs: { lines: number; samples: string[] };
}

async function setUp(db: BenchDatabase, args: ChannelsArgs, ctx: BenchContext): Promise<Setup> {
  const handle = connectDatabase(db.url, args.pool);
  ctx.teardown.add('close the app database pool', once(handle.close));
  const logs = { lines: 0, samples: [] as string[] };
  const log = createLogger('warn', {
    write: (line: string) => {
      logs.lines++;
      if (logs.samples.length < 3) logs.samples.push(line.trim());
    },
  });
  const core = await createCore({
    db: handle.db,
    keyring: memoryKeyring(),
    clock: systemClock,
    log,
    settings: { session: { idleMs: 15 * 60_000, maxMs: 10 * 3_600_000 } },
  });
  ctx.teardown.add('chain the audit log', () => core.audit.chain().catch(() => 0));
  // Intake refuses until the organisation key exists, which the bootstrap admin creates.
  const password = randomBytes(18).toString('base64url');
  const email = 'bench-admin@example.org';
  const created = await core.users.createUser({ email, role: 'admin', password }, { type: 'cli', id: null });
  const totpSecret = new URL(created.totpUri).searchParams.get('secret') ?? '';
  const channelIntake = createChannelIntake({
    db: core.db,
    vault: core.vault,
    routing: core.routing,
    audit: core.audit,
    clock: core.clock,
    intake: core.intake,
    newPerMinute: args.newPerMinute,
  });
  return { handle, core, channelIntake, admin: { email, password, totpSecret }, logs };
}

function telegramFor(
  core: Core,
  channelIntake: ChannelIntake,
  settings: { token: string; apiRoot: string; secret: string },
) {
  const telegram = createTelegram(
    {
      token: settings.token,
      mode: 'webhook',
      apiRoot: settings.apiRoot,
      webhookSecret: settings.secret,
      webhookUrl: undefined,
    },
    {
      db: core.db,
      routing: core.routing,
      clock: core.clock,
      log: core.log,
      channelIntake,
      protocol: core.protocol,
      knowledge: core.knowledge,
    },
  );
  core.adapters.set('telegram', telegram.adapter);
  return telegram;
}

async function checkpoint(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, application_name: 'whiteflag-bench' });
  await c.connect();
  try {
    await c.query('CHECKPOINT');
  } catch (e) {
    note(`CHECKPOINT skipped: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await c.end();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function mapLimit<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// (a) inbound

interface InboundCounts {
  /** Requester messages stored (thread_messages, direction 'in'). */
  stored: number;
  /** Updates recorded / handled to the end / refused by a flood budget (left for the sweep) / failed. */
  recorded: number;
  handled: number;
  refused: number;
  failed: number;
}

async function inboundCounts(c: pg.Client): Promise<InboundCounts> {
  const r = await c.query<{
    stored: string;
    recorded: string;
    handled: string;
    refused: string;
    failed: string;
  }>(
    `SELECT (SELECT count(*) FROM thread_messages WHERE direction = 'in')::text AS stored,
            count(*)::text AS recorded,
            count(*) FILTER (WHERE processed_at IS NOT NULL)::text AS handled,
            count(*) FILTER (WHERE processed_at IS NULL AND last_error ~ 'rate_limited|Too many')::text AS refused,
            count(*) FILTER (WHERE processed_at IS NULL AND last_error IS NOT NULL
                               AND last_error !~ 'rate_limited|Too many')::text AS failed
     FROM inbound_updates WHERE channel = 'telegram'`,
  );
  const row = r.rows[0];
  return {
    stored: Number(row?.stored),
    recorded: Number(row?.recorded),
    handled: Number(row?.handled),
    refused: Number(row?.refused),
    failed: Number(row?.failed),
  };
}

interface InboundResult {
  senders: SenderResult;
  fake: FakeStats;
  counters: WindowCounters;
  atStart: InboundCounts;
  atEnd: InboundCounts;
  final: InboundCounts;
  /** Requester messages stored per second inside the measured window. */
  processedRate: number;
  /** Stored messages still missing (acknowledged, not yet stored) when the window closed. */
  backlogAtEnd: number;
  drainMs: number;
  drained: boolean;
  /** processed_at − received_at over every update of the run, ms. */
  lagMs: { p50: number; p99: number; max: number };
  /** Messages stored per second from the first acknowledgement to the end of the drain. */
  overallProcessedRate: number;
}

async function inboundPhase(
  db: BenchDatabase,
  setup: Setup,
  args: ChannelsArgs,
  ctx: BenchContext,
): Promise<InboundResult> {
  const { core } = setup;
  const child = fork(fileURLToPath(import.meta.url), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [CHILD_ENV]: '1' },
  });
  ctx.teardown.add('stop the webhook sender process', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const link = new ChildLink(child);
  const ready = await link.next('ready');

  const secret = randomBytes(24).toString('hex');
  const telegram = telegramFor(core, setup.channelIntake, { token: ready.token, apiRoot: ready.url, secret });
  const app = await buildApp(core, {
    intakePerMinute: INTAKE_PER_MINUTE,
    secureCookies: true,
    webhooks: [telegram],
  });
  const closeApp = once(() => app.close());
  ctx.teardown.add('close the app', closeApp);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('app is not listening on TCP');
  const url = `http://127.0.0.1:${address.port}/channels/telegram/webhook`;

  const counter = new pg.Client({ connectionString: db.url, application_name: 'whiteflag-bench-counts' });
  counter.on('error', () => {});
  await counter.connect();
  ctx.teardown.add(
    'close the counting client',
    once(() => counter.end()),
  );

  // One update first: a misconfiguration should fail here with its reason, not as 10 s of backlog.
  const pre = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body: JSON.stringify(telegramUpdate(1, INBOUND_CHAT_BASE - 1, 1, TEXTS[0] as string)),
  });
  if (pre.status !== 200) throw new Error(`webhook preflight answered ${pre.status}: ${await pre.text()}`);
  for (let i = 0; ; i++) {
    const c = await inboundCounts(counter);
    if (c.stored === 1 && c.handled === 1) break;
    if (i > 100)
      throw new Error(
        `webhook preflight: update not handled after 10 s (${JSON.stringify(c)}); log: ${setup.logs.samples.join(' | ')}`,
      );
    await sleep(100);
  }
  await core.audit.chain();
  await checkpoint(db.url);

  const probe = await WindowProbe.open({ url: db.url, pool: setup.handle.pool });
  ctx.teardown.add(
    'close the inbound probe',
    once(() => probe.close()),
  );
  let atStart: Promise<InboundCounts> | undefined;
  let atEnd: Promise<InboundCounts> | undefined;
  let windowStart = 0;
  let windowEnd = 0;
  link.onWindow = (edge) => {
    probe.mark(edge);
    if (edge === 'start') {
      windowStart = performance.now();
      atStart = inboundCounts(counter);
    } else {
      windowEnd = performance.now();
      atEnd = inboundCounts(counter);
    }
    (edge === 'start' ? atStart : atEnd)?.catch(() => {});
  };
  const onAbort = () => link.send({ type: 'stop' });
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const loadStart = performance.now();
  link.send({
    type: 'start',
    spec: {
      url,
      secret,
      concurrency: args.concurrency,
      warmupMs: args.warmupS * 1000,
      durationMs: args.durationS * 1000,
      perChat: args.perChat,
      limits: args.inboundLimits,
    },
  });
  const { result: senders } = await link.next('done');
  ctx.signal.removeEventListener('abort', onAbort);
  const loadEnd = performance.now();
  if (!atStart || !atEnd) throw new Error('the measured window never opened or closed');
  const [s0, s1, counters] = await Promise.all([atStart, atEnd, probe.result()]);
  await probe.close();

  // Drain: every acknowledged update must end up stored and handled.
  note(`(a) draining the backlog (${senders.acknowledged + 1 - s1.stored} messages when the window closed)`);
  const expected = senders.acknowledged + 1; // + the preflight
  const deadline = loadEnd + args.drainTimeoutS * 1000;
  let final = await inboundCounts(counter);
  let lastProgress = performance.now();
  let drained = false;
  let drainedAt = performance.now();
  while (!ctx.signal.aborted) {
    // Every update went through handling once (stored, refused by a budget, or failed).
    if (final.handled + final.refused + final.failed >= final.recorded && final.recorded >= expected) {
      drained = true;
      drainedAt = performance.now();
      break;
    }
    if (performance.now() > deadline || performance.now() - lastProgress > 30_000) break;
    await sleep(100);
    const c = await inboundCounts(counter);
    if (c.stored !== final.stored || c.handled !== final.handled) lastProgress = performance.now();
    final = c;
  }
  const lag = await counter.query<{ p50: number | null; p99: number | null; max: number | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
     FROM (SELECT extract(epoch FROM processed_at - received_at) * 1000 AS ms FROM inbound_updates
           WHERE channel = 'telegram' AND processed_at IS NOT NULL AND update_key <> '1') x`,
  );
  link.send({ type: 'stats' });
  const { stats: fake } = await link.next('stats');
  await closeApp();
  child.disconnect();
  await counter.end();

  const windowMs = windowEnd - windowStart;
  return {
    senders,
    fake,
    counters,
    atStart: s0,
    atEnd: s1,
    final,
    processedRate: ((s1.stored - s0.stored) * 1000) / windowMs,
    backlogAtEnd: s1.recorded - s1.stored,
    drainMs: (drained ? drainedAt : performance.now()) - loadEnd,
    drained,
    lagMs: {
      p50: Number(lag.rows[0]?.p50 ?? Number.NaN),
      p99: Number(lag.rows[0]?.p99 ?? Number.NaN),
      max: Number(lag.rows[0]?.max ?? Number.NaN),
    },
    overallProcessedRate:
      ((final.stored - 1) * 1000) / ((drained ? drainedAt : performance.now()) - loadStart),
  };
}

// ---------------------------------------------------------------------------------------------------
// (b) outbound

interface OutboundResult {
  messages: number;
  delivered: number;
  /** Seconds from core.outbox.start() to the last delivery. */
  makespanS: number;
  /** Steady window: from the (limit+1)-th delivery over whole multiples of the limit. */
  steady: { from: number; to: number; messages: number; ms: number; rate: number };
  /** Mean time for `limit` consecutive deliveries in the steady window (the limiter's cycle), ms. */
  cycleMs: number;
  /** (count − 1) / (last − first) of all deliveries, as the fake computes it. */
  fakeRate: number;
  maxInAnySecond: number;
  minChatGapMs: number;
  violations: number;
  violationSamples: string[];
  rateLimitedCalls: number;
  missing: number;
  duplicates: number;
  outOfOrder: number;
  outboxByStatus: Record<string, number>;
  maxAttempts: number;
  /** Database statements (pool acquisitions) the delivery loop issued per delivered message. */
  statementsPerMessage: number;
  seedMs: number;
  enqueueMs: number;
  fakeErrors: string[];
}

function replyText(round: number, chat: number): string {
  return `Мы получили ваше сообщение (${round}). Оставайтесь в укрытии, ответ оператора придёт сюда. #${chat}`;
}

async function outboundPhase(setup: Setup, args: ChannelsArgs, ctx: BenchContext): Promise<OutboundResult> {
  const { core, admin } = setup;
  const fake: FakeTelegram = await startFakeTelegram({
    globalPerSecond: TELEGRAM_GLOBAL_PER_SECOND,
    perChatPerSecond: TELEGRAM_PER_CHAT_PER_SECOND,
  });
  ctx.teardown.add(
    'close the outbound fake Telegram',
    once(() => fake.close()),
  );
  telegramFor(core, setup.channelIntake, {
    token: fake.token,
    apiRoot: fake.url,
    secret: randomBytes(16).toString('hex'),
  });

  // Requests from distinct chats, as the bot files them (the chat id stored encrypted on the thread).
  const chats = Array.from({ length: args.chats }, (_, i) => OUTBOUND_CHAT_BASE + i);
  const threads = new Map<number, string>();
  let t0 = performance.now();
  await mapLimit(chats, 8, async (chat, i) => {
    fake.addChat({ id: chat, first_name: 'Алексей' });
    const { threadId } = await setup.channelIntake.receive(
      {
        channel: 'telegram',
        updateKey: `seed-${chat}`,
        identity: String(chat),
        text: TEXTS[i % TEXTS.length] as string,
      },
      { category: 'serviceman_war_zone', language: 'ru' },
    );
    threads.set(chat, threadId);
  });
  const seedMs = performance.now() - t0;

  // Operator replies through the real service call (sealed message + outbox row in one transaction).
  const login = await core.sessions.login(
    admin.email,
    admin.password,
    totpCode(admin.totpSecret, systemClock.now()),
  );
  const session = await core.sessions.authenticate(login.token);
  if (!session) throw new Error('could not open an operator session');
  t0 = performance.now();
  for (let round = 1; round <= args.replies; round++) {
    await mapLimit(chats, 8, async (chat) => {
      await core.cases.reply(session, threads.get(chat) as string, replyText(round, chat));
    });
  }
  const enqueueMs = performance.now() - t0;
  const messages = args.chats * args.replies;
  const pending = await core.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  if (Number(pending.n) !== messages)
    throw new Error(`expected ${messages} pending outbox rows, found ${pending.n}`);
  await core.audit.chain();

  // The real delivery loop, real clock.
  let statements = 0;
  const onAcquire = () => {
    statements++;
  };
  setup.handle.pool.on('acquire', onAcquire);
  const isReply = (text: unknown) =>
    typeof text === 'string' && text.startsWith('Мы получили ваше сообщение');
  const deliveredNow = () => fake.sent.filter((c) => c.method === 'sendMessage').length;
  const startedAt = Date.now();
  const loop = core.outbox.start();
  ctx.teardown.add('stop the delivery loop', once(loop.stop));
  const timeoutMs = (messages / TELEGRAM_GLOBAL_PER_SECOND) * 3000 + 30_000;
  while (!ctx.signal.aborted && deliveredNow() < messages && Date.now() - startedAt < timeoutMs) {
    await sleep(50);
  }
  // A short grace period: a duplicate would show up here.
  await sleep(1500);
  await loop.stop();
  setup.handle.pool.off('acquire', onAcquire);

  const sends = fake.sent.filter((c) => c.method === 'sendMessage' && isReply(c.params.text));
  const times = sends.map((c) => c.time);
  const n = sends.length;
  const L = TELEGRAM_GLOBAL_PER_SECOND;
  // Skip the first window (a free burst from an empty limiter), then whole multiples of the limit:
  // bursts of `limit` then cancel out instead of biasing the rate by where the window edges fall.
  const from = Math.min(L, Math.max(0, n - 1));
  const cycles = Math.max(0, Math.floor((n - 1 - from) / L));
  const to = from + cycles * L;
  const steadyMs = (times[to] ?? 0) - (times[from] ?? 0);
  const steady = {
    from,
    to,
    messages: to - from,
    ms: steadyMs,
    rate: steadyMs > 0 ? ((to - from) * 1000) / steadyMs : Number.NaN,
  };
  let maxInAnySecond = 0;
  for (let i = 0, j = 0; i < n; i++) {
    while ((times[i] as number) - (times[j] as number) >= 1000) j++;
    maxInAnySecond = Math.max(maxInAnySecond, i - j + 1);
  }
  const byChat = new Map<string, Array<{ time: number; text: string }>>();
  for (const c of sends) {
    const key = String(c.params.chat_id);
    const list = byChat.get(key) ?? [];
    list.push({ time: c.time, text: String(c.params.text) });
    byChat.set(key, list);
  }
  let minChatGapMs = Number.POSITIVE_INFINITY;
  let missing = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  for (const chat of chats) {
    const got = byChat.get(String(chat)) ?? [];
    for (let k = 1; k < got.length; k++)
      minChatGapMs = Math.min(minChatGapMs, (got[k]?.time ?? 0) - (got[k - 1]?.time ?? 0));
    const expected = Array.from({ length: args.replies }, (_, r) => replyText(r + 1, chat));
    for (const text of expected) {
      const count = got.filter((g) => g.text === text).length;
      if (count === 0) missing++;
      if (count > 1) duplicates += count - 1;
    }
    const order = got.map((g) => expected.indexOf(g.text));
    if (order.some((v, k) => k > 0 && v < (order[k - 1] as number))) outOfOrder++;
  }
  const statuses = await core.db
    .selectFrom('outbox')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n'), (eb) => eb.fn.max('attempts').as('max')])
    .groupBy('status')
    .execute();
  return {
    messages,
    delivered: n,
    makespanS: ((times[n - 1] ?? startedAt) - startedAt) / 1000,
    steady,
    cycleMs: steady.messages > 0 ? (steadyMs * L) / steady.messages : Number.NaN,
    fakeRate: fake.rate('sendMessage').perSecond,
    maxInAnySecond,
    minChatGapMs,
    violations: fake.violations.length,
    violationSamples: fake.violations
      .slice(0, 3)
      .map((v) => `${v.scope} chat ${v.chatId} retry_after ${v.retryAfter}`),
    rateLimitedCalls: fake.calls.filter((c) => c.outcome === 'rate_limited').length,
    missing,
    duplicates,
    outOfOrder,
    outboxByStatus: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])),
    maxAttempts: Math.max(0, ...statuses.map((s) => Number(s.max ?? 0))),
    statementsPerMessage: n > 0 ? statements / n : Number.NaN,
    seedMs,
    enqueueMs,
    fakeErrors: fake.errors.slice(0, 3).map((e) => e.message),
  };
}

// ---------------------------------------------------------------------------------------------------
// Report

function topWait(c: WindowCounters, i: number): string {
  const entry = Object.entries(c.waits)[i];
  return entry ? `${entry[0]} ${(entry[1] * 100).toFixed(0)}%` : '-';
}

function report(
  db: BenchDatabase,
  args: ChannelsArgs,
  setup: Setup,
  inbound: InboundResult | undefined,
  outbound: OutboundResult | undefined,
  loadAtStart: number,
): void {
  const cpus = os.cpus().length;
  const out: string[] = [
    '',
    `Whiteflag benchmark: channels (Telegram) (${new Date().toISOString()})`,
    `node ${process.version} · PostgreSQL ${db.serverVersion} (${db.mode === 'server' ? 'DATABASE_URL server' : 'embedded'}, database ${db.name}) · ${cpus} CPUs · app pool ${args.pool}`,
    `machine load average (1 min) at the start ${fmt(loadAtStart, 2)}, at the end ${fmt(os.loadavg()[0], 2)}: other work on this machine shares its CPUs`,
  ];
  const problems: string[] = [];

  if (inbound) {
    const s = inbound.senders;
    out.push(
      '',
      `(a) inbound: ${args.concurrency} concurrent webhook senders, warm-up ${args.warmupS} s, measured ${args.durationS} s; ` +
        `${args.perChat === 1 ? 'every update from a new chat (opens a request)' : `${args.perChat} messages per chat`}; ` +
        `bot prompts to the fake ${args.inboundLimits === 'off' ? 'unthrottled' : 'at Telegram limits'}`,
      '',
      table([
        ['inbound', 'per s', 'p50 ms', 'p99 ms', 'max ms', 'count'],
        [
          'acknowledged (HTTP 200)',
          fmt(s.load.rate),
          fmt(s.load.latencyMs.p50),
          fmt(s.load.latencyMs.p99),
          fmt(s.load.latencyMs.max),
          String(s.load.successes),
        ],
        [
          'processed (message stored)',
          fmt(inbound.processedRate),
          '',
          '',
          '',
          String(inbound.atEnd.stored - inbound.atStart.stored),
        ],
        [
          'ack → handled lag (all)',
          '',
          fmt(inbound.lagMs.p50),
          fmt(inbound.lagMs.p99),
          fmt(inbound.lagMs.max),
          String(inbound.final.handled - 1),
        ],
        [
          'processed incl. drain',
          fmt(inbound.overallProcessedRate),
          '',
          '',
          '',
          String(inbound.final.stored - 1),
        ],
      ]),
      '',
      `backlog when the window closed: ${inbound.backlogAtEnd} updates; drain ${inbound.drained ? 'took' : 'GAVE UP after'} ${fmt(inbound.drainMs / 1000)} s · ` +
        `acknowledged ${s.acknowledged} in all (${s.chats} chats), stored ${inbound.final.stored - 1}, handled ${inbound.final.handled - 1}, refused by the flood budget ${inbound.final.refused}, failed ${inbound.final.failed}`,
      `bot prompts at the fake: ${Object.entries(inbound.fake.sentByMethod)
        .map(([m, k]) => `${m} ${k}`)
        .join(', ')} (${fmt(inbound.fake.promptRate)}/s), rate-limited ${inbound.fake.rateLimited}`,
      `server during the window: process CPU ${fmt(inbound.counters.processCpuPct, 0)}% · event loop ${fmt(inbound.counters.mainThreadElu * 100, 0)}% · ` +
        `PostgreSQL CPU ${fmt(inbound.counters.postgresCpuPct, 0)}% · machine ${fmt(inbound.counters.machineCpuPct, 0)}% · ` +
        `pool busy ${fmt(inbound.counters.poolBusyAvg)} / waiting ${fmt(inbound.counters.poolWaitingAvg)} · ` +
        `commits ${inbound.counters.commits} · waits ${topWait(inbound.counters, 0)}, ${topWait(inbound.counters, 1)} · sender CPU ${fmt((s.clientCpuMs / (s.load.windowMs || 1)) * 100, 0)}%`,
    );
    if (s.notAcknowledged > 0)
      problems.push(`(a) ${s.notAcknowledged} webhook answers not 200: ${JSON.stringify(s.responseSamples)}`);
    for (const e of s.load.errorSamples) problems.push(`(a) sender error: ${e}`);
    if (!inbound.drained) problems.push('(a) the backlog did not drain in time');
    if (inbound.final.failed > 0) problems.push(`(a) ${inbound.final.failed} updates failed in handling`);
    if (inbound.final.refused > 0)
      problems.push(
        `(a) ${inbound.final.refused} updates refused by the new-conversation budget (--new-per-minute ${args.newPerMinute}); the worker's sweep would retry them`,
      );
    for (const e of inbound.fake.errors) problems.push(`(a) fake Telegram error: ${e}`);
  }

  let pass: boolean | undefined;
  if (outbound) {
    const o = outbound;
    const share = o.steady.rate / TELEGRAM_GLOBAL_PER_SECOND;
    const rateOk = share >= RATE_TARGET;
    const violationsOk = o.violations === 0;
    const onceOk = o.missing === 0 && o.duplicates === 0 && o.delivered === o.messages;
    pass = rateOk && violationsOk && onceOk;
    out.push(
      '',
      `(b) outbound: ${args.chats} chats × ${args.replies} replies = ${o.messages} messages through cases.reply → outbox → ` +
        `core.outbox.start() (system clock) → fake Bot API limited to ${TELEGRAM_GLOBAL_PER_SECOND}/s overall, ${TELEGRAM_PER_CHAT_PER_SECOND}/s per chat`,
      '',
      table([
        ['outbound', 'value'],
        ['delivered', `${o.delivered} / ${o.messages} in ${fmt(o.makespanS, 2)} s after start()`],
        [
          'steady rate',
          `${fmt(o.steady.rate, 2)}/s (${o.steady.messages} deliveries #${o.steady.from}→#${o.steady.to} in ${fmt(o.steady.ms / 1000, 2)} s)`,
        ],
        ['share of allowed 30/s', `${fmt(share * 100)}%`],
        [
          `time per ${TELEGRAM_GLOBAL_PER_SECOND} deliveries`,
          `${fmt(o.cycleMs, 0)} ms (Telegram window 1000 ms; outbox limiter ${OUTBOX_WINDOW_MS} ms → ceiling ${fmt((TELEGRAM_GLOBAL_PER_SECOND * 1000) / OUTBOX_WINDOW_MS, 2)}/s = ${fmt((1000 / OUTBOX_WINDOW_MS) * 100)}%)`,
        ],
        ['whole run (fake rate())', `${fmt(o.fakeRate, 2)}/s`],
        ['max in any 1000 ms', String(o.maxInAnySecond)],
        ['min gap, same chat', `${fmt(o.minChatGapMs, 0)} ms`],
        ['limit violations (429s)', `${o.violations}`],
        ['missing / duplicates / out of order', `${o.missing} / ${o.duplicates} / ${o.outOfOrder}`],
        [
          'outbox rows',
          `${Object.entries(o.outboxByStatus)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}; max attempts ${o.maxAttempts}`,
        ],
        ['DB statements per delivery', fmt(o.statementsPerMessage, 1)],
      ]),
      '',
      table([
        ['check', 'value', 'target', 'result'],
        [
          'steady delivery rate',
          `${fmt(share * 100)}% of 30/s`,
          `≥ ${RATE_TARGET * 100}%`,
          rateOk ? 'PASS' : 'MISS',
        ],
        ['limit violations', String(o.violations), '0', violationsOk ? 'PASS' : 'MISS'],
        [
          'each reply exactly once',
          `${o.delivered - o.duplicates} unique of ${o.messages}, ${o.duplicates} dup`,
          `${o.messages}, 0 dup`,
          onceOk ? 'PASS' : 'MISS',
        ],
        [
          'per-chat order kept',
          `${o.outOfOrder} of ${args.chats} chats got a later reply first`,
          '(not a target)',
          o.outOfOrder === 0 ? 'ok' : 'WARN',
        ],
      ]),
      '',
      `seeding: ${args.chats} requests in ${fmt(o.seedMs / 1000, 2)} s; ${o.messages} replies enqueued in ${fmt(o.enqueueMs / 1000, 2)} s`,
    );
    if (o.violations > 0) problems.push(`(b) violations: ${o.violationSamples.join('; ')}`);
    if (o.outOfOrder > 0)
      problems.push(
        `(b) ${o.outOfOrder} chats received their replies out of order (a limiter deferral pushes next_attempt_at past the chat's later replies)`,
      );
    for (const e of o.fakeErrors) problems.push(`(b) fake Telegram error: ${e}`);
  }
  if (setup.logs.lines > 0)
    problems.push(
      `app logged ${setup.logs.lines} warn+ lines, e.g. ${setup.logs.samples.map((l) => l.slice(0, 240)).join(' | ')}`,
    );
  if (problems.length > 0) out.push('', 'problems:', ...problems.map((p) => `  ${p}`));
  if (pass !== undefined) out.push('', `RESULT: ${pass ? 'PASS' : 'MISS'}`);
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    bench: 'channels',
    at: new Date().toISOString(),
    node: process.version,
    postgres: db.serverVersion,
    dbMode: db.mode,
    cpus,
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
    args,
    inbound: inbound && {
      ackRate: inbound.senders.load.rate,
      ackLatencyMs: inbound.senders.load.latencyMs,
      processedRate: inbound.processedRate,
      overallProcessedRate: inbound.overallProcessedRate,
      backlogAtEnd: inbound.backlogAtEnd,
      drainMs: inbound.drainMs,
      drained: inbound.drained,
      lagMs: inbound.lagMs,
      acknowledged: inbound.senders.acknowledged,
      notAcknowledged: inbound.senders.notAcknowledged,
      stored: inbound.final.stored - 1,
      failed: inbound.final.failed,
      refused: inbound.final.refused,
      fake: inbound.fake,
      counters: inbound.counters,
    },
    outbound: outbound && {
      ...outbound,
      share: outbound.steady.rate / TELEGRAM_GLOBAL_PER_SECOND,
      minChatGapMs: Number.isFinite(outbound.minChatGapMs) ? outbound.minChatGapMs : null,
    },
    targets: outbound && {
      share: { min: RATE_TARGET, ok: outbound.steady.rate / TELEGRAM_GLOBAL_PER_SECOND >= RATE_TARGET },
      violations: { max: 0, ok: outbound.violations === 0 },
      exactlyOnce: {
        ok: outbound.missing === 0 && outbound.duplicates === 0 && outbound.delivered === outbound.messages,
      },
    },
    pass: pass ?? null,
    logLines: setup.logs.lines,
  };
  process.stdout.write(`${JSON.stringify(roundNumbers(json))}\n`);
}

const channels: Benchmark = {
  usage: USAGE,
  async run(ctx) {
    const args = parseChannelsArgs(ctx.argv);
    const loadAtStart = os.loadavg()[0] ?? Number.NaN;
    note(process.env.DATABASE_URL ? 'creating a database on DATABASE_URL' : 'starting embedded PostgreSQL');
    const db = await openBenchDatabase(ctx.teardown);
    const setup = await setUp(db, args, ctx);
    let inbound: InboundResult | undefined;
    let outbound: OutboundResult | undefined;
    if (args.only !== 'outbound') {
      note(
        `(a) inbound webhooks: ${args.concurrency} senders, ${args.warmupS + args.durationS} s, then drain`,
      );
      inbound = await inboundPhase(db, setup, args, ctx);
      if (ctx.signal.aborted) return;
    }
    if (args.only !== 'inbound') {
      note(`(b) outbound: ${args.chats} chats × ${args.replies} replies at Telegram's limits`);
      outbound = await outboundPhase(setup, args, ctx);
      if (ctx.signal.aborted) return;
    }
    report(db, args, setup, inbound, outbound, loadAtStart);
  },
};

export default channels;

if (process.env[CHILD_ENV] === '1') {
  childMain().catch((e: unknown) => {
    process.stderr.write(
      `channels sender process: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(1);
  });
}
