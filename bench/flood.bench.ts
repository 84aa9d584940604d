import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import type { CallerCategory } from '../src/cases/categories.ts';
import { systemClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { type Core, createCore } from '../src/core.ts';
import { memoryKeyring } from '../src/crypto/keyring.ts';
import { normalizeReceiptCode } from '../src/crypto/receipt.ts';
import { connectDatabase, type DbHandle } from '../src/db/database.ts';
import { AppError } from '../src/errors.ts';
import {
  createChannelIntake,
  encryptChannelIdentity,
  identityIndex,
} from '../src/intake/channel-intake.service.ts';
import { createLogger } from '../src/log.ts';
import { SINK_THRESHOLD } from '../src/triage/scoring.ts';
import { numberFlag, UsageError } from './lib/args.ts';
import { type BenchContext, type Benchmark, note, once } from './lib/benchmark.ts';
import { type BenchDatabase, openBenchDatabase } from './lib/database.ts';
import { type LatencySummary, summarize } from './lib/load.ts';
import { fmt, roundNumbers, table } from './lib/report.ts';

/**
 * Intake under a 100× flood, end to end: the real app (createCore + buildApp) on 127.0.0.1, the
 * public form driven over HTTP the way a no-JS browser does (GET / for the form token, POST
 * /requests), Telegram requests in the server process (`--telegram-path`: core.intake.createRequest
 * with bot identities, or channelIntake.receive with its budgets), and afterwards the queue as an operator sees it (core.cases.listQueue,
 * the console's default view: open, "urgent" order, pages of 50).
 *
 * The flood: for every genuine request `--ratio` fakes (default 40 genuine, 4000 fakes). Fakes are
 * templated text (the templates of src/triage/flood.test.ts with small edits), heavier mutations
 * (words dropped, swapped and inserted, so that no two are the same text: only the MinHash bands can
 * catch them) and keyboard gibberish, all claiming the most urgent category; half go through the web
 * form from `--clients` concurrent clients, half through Telegram from `--identities` bot accounts.
 * The genuine requests are varied Russian texts in several categories, each sent by its own "person"
 * at a random point of the flood over the web form; a person refused with 429 presses "send" again
 * after `--human-retry-ms`, up to `--genuine-attempts` times. A bystander GETs / every `--probe-ms`
 * throughout: does the public site keep answering?
 *
 * Phases (one database; request tables truncated between phases, a fresh app per phase so the
 * in-memory budgets start full):
 *   warm-up    300 unique web requests, not reported;
 *   baseline   `--baseline` unique, unremarkable web requests, no flood: intake capacity without one;
 *   flood      once per `--budgets` entry: the global web intake budget per minute the app runs with
 *              (default: the app's own default, WHITEFLAG_INTAKE_PER_MINUTE, then a tighter 1200/min
 *              that bites on this hardware; 0 = unlimited). Web attackers that get a 429 resubmit at
 *              once with the token of the re-rendered form (retrying is cheap for them).
 *
 * The HTTP clients run in a child process (this same file, forked), so that their CPU is not charged
 * to the server's event loop.
 */

/** The commit the measured code comes from (other sessions commit while benchmarks run). */
function sourceRevision(): string {
  const git = (...a: string[]) =>
    execFileSync('git', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' + uncommitted src/ changes' : ''}`;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// Texts

const TEMPLATES = [
  'Здравствуйте я военнослужащий хочу сдаться в плен помогите срочно мне нужна ваша помощь',
  'Добрый день я мобилизованный скажите где находятся ваши позиции и как к вам выйти',
  'Я хочу сдаться назовите имена ваших операторов и номер телефона куратора',
  'Мой сын служит в части под Донецком скажите адреса лагерей для пленных',
  'Привет я солдат сообщите координаты точки сдачи и время когда там никого не будет',
];
const FILLERS = [
  'пожалуйста',
  'очень',
  'срочно',
  'прошу',
  'вообще',
  'быстрее',
  'умоляю',
  'ребята',
  'товарищи',
  'сегодня',
  'правда',
  'лично',
  'скорее',
  'тоже',
  'просто',
  'здесь',
];

/** Genuine requests: written like people write, no two alike (openers × situations × details × asks). */
const OPENERS = [
  'Здравствуйте.',
  'Добрый вечер.',
  'Пишу вам тайком, пока все спят.',
  'Не знаю, с чего начать.',
  'Мне посоветовал знакомый написать сюда.',
  'Извините, если пишу не туда.',
  'Доброй ночи.',
  'Помогите, пожалуйста.',
  '',
  'Пишу с чужого телефона.',
];
const SITUATIONS = [
  'Меня призвали в сентябре, сейчас мы стоим под Купянском',
  'Я контрактник, третий месяц на передке, нас почти не кормят',
  'Мой муж мобилизован, он звонил вчера и сказал, что их бросают вперёд без подготовки',
  'Сын пишет, что у них в роте много раненых и никто не вывозит',
  'Я из Крыма, мне пришла повестка, паспорт у меня российский',
  'Нас трое в блиндаже, командир уехал, связи нет уже два дня',
  'Я ранен в ногу, лежу в подвале, рядом ещё двое',
  'Брат в плену с весны, мы не знаем, где он и жив ли',
  'Я водитель в тылу, но нашу часть на следующей неделе отправляют под Торецк',
  'Мне сорок семь лет, забрали прямо с работы, ни разу не стрелял',
  'Внук ушёл по контракту из-за долгов, теперь пишет, что хочет домой любой ценой',
  'Живу в Мелитополе, соседа-срочника увезли в неизвестном направлении',
  'У нас во взводе двое хотят выйти вместе, но боятся мин на дороге',
  'Меня вернули из госпиталя через неделю, рука до сих пор не работает',
  'Я штурмовик из отряда бывших заключённых, нас держат в лесополосе',
  'Жена просит узнать, можно ли обменять мужа, он пропал под Авдеевкой',
  'Служу связистом, знаю, где стоит наша батарея, но не хочу никому зла',
  'Отец получил повестку, ему пятьдесят два, у него больное сердце',
  'Нас перебросили из Белгородской области, сказали, что на две недели, прошло три месяца',
  'Я медик, раненых у нас больше, чем бинтов, и эвакуации нет',
];
const DETAILS = [
  'Связь появляется только ночью.',
  'Телефон могут отобрать в любой момент.',
  'Командиры говорят, что сдавшихся расстреливают.',
  'У меня с собой военный билет и жетон.',
  'Мама очень переживает, она не спит.',
  'Деньги за ранение так и не заплатили.',
  'Еды осталось на два дня.',
  'Я не хочу воевать против людей, которые мне ничего не сделали.',
  'Мы слышим дроны каждый час.',
  'Читать по-украински я не умею, пишите по-русски.',
  'Я понимаю, что вы можете мне не поверить.',
  'Нас никто не отпускает в отпуск уже полгода.',
];
const ASKS = [
  'Что нужно сделать, чтобы сдаться и остаться живым?',
  'Подскажите, как с вами связаться, если пропадёт интернет.',
  'Правда ли, что пленных кормят и лечат?',
  'Можно ли потом сообщить матери, что я жив?',
  'Боюсь, что меня расстреляют свои, если узнают.',
  'Напишите, пожалуйста, что делать дальше.',
  'Как узнать, есть ли он в списках?',
  'Куда ему идти и с каким знаком?',
  'Сколько ждать ответа?',
  'Можно ли выйти вдвоём?',
  'Есть ли гарантии, что нас не обменяют обратно сразу?',
  'Что говорить при встрече?',
];
const GENUINE_CATEGORIES: CallerCategory[] = [
  'serviceman_war_zone',
  'mobilized_home',
  'relative',
  'occupied_resident',
];
/** Unremarkable everyday words for the baseline's unique texts (no template, no repeats). */
const BASELINE_WORDS =
  'здравствуйте хочу узнать можно ли как нам где когда почему мой брат сын муж отец служит живёт находится пишет звонил сказал просит часть город посёлок неделя месяц вчера завтра утром вечером ночью домой связь телефон письмо помощь вопрос ответ документы паспорт билет мама жена дети семья работа дорога машина деньги врач больница ранение лечение еда вода холодно страшно спасибо пожалуйста очень давно недавно снова опять уже ещё только тоже просто'.split(
    ' ',
  );

/** Deterministic PRNG (mulberry32) so that every run sends the same flood. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickOf<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

/** Small edits a flood script makes (flood.test.ts): punctuation, a swapped word, casing. */
function lightMutation(text: string, i: number): string {
  const words = text.split(' ');
  if (i % 3 === 0) words.push('!!!');
  if (i % 4 === 1 && words.length > 4) [words[2], words[3]] = [words[3] as string, words[2] as string];
  if (i % 5 === 2) words[0] = (words[0] as string).toUpperCase();
  return words.join(' ');
}

/** A script that rewrites every copy: a word or two dropped, swapped and inserted. Never the same text. */
function heavyMutation(text: string, r: () => number): string {
  const words = text.split(' ');
  const drops = 1 + Math.floor(r() * 2);
  for (let k = 0; k < drops && words.length > 6; k++)
    words.splice(1 + Math.floor(r() * (words.length - 1)), 1);
  const i = Math.floor(r() * (words.length - 1));
  [words[i], words[i + 1]] = [words[i + 1] as string, words[i] as string];
  const inserts = 1 + Math.floor(r() * 3);
  for (let k = 0; k < inserts; k++) words.splice(Math.floor(r() * (words.length + 1)), 0, pickOf(r, FILLERS));
  return words.join(' ');
}

function gibberish(r: () => number): string {
  const chars = 'йцукенгшщзхфывапролджэячсмитьбю';
  let out = '';
  const n = 40 + Math.floor(r() * 20);
  for (let k = 0; k < n; k++) out += chars[Math.floor(r() * chars.length)] + (k % 9 === 8 ? ' ' : '');
  return out;
}

/**
 * Genuine request i. The strides are chosen so that two requests share at most one sentence: people
 * do not copy each other, and shared sentences are what the near-duplicate rule looks for.
 */
function genuineText(i: number): string {
  return [
    OPENERS[i % OPENERS.length],
    `${SITUATIONS[(i * 7) % SITUATIONS.length]}.`,
    DETAILS[(i * 5) % DETAILS.length],
    ASKS[(i * 7 + Math.floor(i / DETAILS.length)) % ASKS.length],
  ]
    .filter(Boolean)
    .join(' ');
}

function baselineText(r: () => number): string {
  const n = 18 + Math.floor(r() * 20);
  const words = Array.from({ length: n }, () => pickOf(r, BASELINE_WORDS));
  const s = words.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

type FakeKind = 'template' | 'mutated' | 'gibberish';
const FAKE_KINDS: FakeKind[] = ['template', 'mutated', 'gibberish'];
type ItemKind = FakeKind | 'genuine' | 'baseline';

interface Item {
  /** Position in its list, for bookkeeping. */
  n: number;
  kind: ItemKind;
  category: CallerCategory;
  text: string;
}

/** Shares of the fake kinds (default 50 % templated copies, 40 % heavy mutations, 10 % gibberish). */
type Mix = Record<FakeKind, number>;

/** Fakes of the given mix, all in the most urgent category (what an adversary picks). */
function fakeItems(count: number, r: () => number, offset: number, mix: Mix): Item[] {
  const total = mix.template + mix.mutated + mix.gibberish;
  return Array.from({ length: count }, (_, k) => {
    const i = offset + k;
    const x = r() * total;
    const kind: FakeKind =
      x < mix.template ? 'template' : x < mix.template + mix.mutated ? 'mutated' : 'gibberish';
    const template = TEMPLATES[i % TEMPLATES.length] as string;
    const text =
      kind === 'template'
        ? lightMutation(template, i)
        : kind === 'mutated'
          ? heavyMutation(template, r)
          : gibberish(r);
    return { n: k, kind, category: 'serviceman_war_zone', text };
  });
}

// ---------------------------------------------------------------------------------------------
// The HTTP client process

interface ClientSpec {
  baseUrl: string;
  clients: number;
  fakes: Item[];
  genuine: Item[];
  /** Genuine j starts once this many fakes are done (accepted or given up). Sorted ascending. */
  genuineAt: number[];
  attackerRetry: boolean;
  humanRetryMs: number;
  genuineAttempts: number;
  probeMs: number;
}

interface GenuineOutcome {
  n: number;
  receipt: string | null;
  attempts: number;
  statuses: number[];
  /** ms from the flood's start. */
  startedAtMs: number;
  /** ms from the first POST to the accepted one (null if never accepted). */
  toAcceptMs: number | null;
}

interface ClientResult {
  durationMs: number;
  /** ms from the start until the last fake was done. */
  fakesDoneMs: number;
  postOk: LatencySummary;
  post429: LatencySummary;
  postStatuses: Record<string, number>;
  acceptedByKind: Record<string, number>;
  droppedByKind: Record<string, number>;
  /** Receipts of the accepted fakes, by kind (to find their rows afterwards). */
  fakeReceipts: Array<[string, FakeKind]>;
  attackerGet: LatencySummary;
  attackerGetCount: number;
  probe: LatencySummary;
  probeCount: number;
  probeStatuses: Record<string, number>;
  genuine: GenuineOutcome[];
  errorSamples: string[];
  responseSamples: Record<string, string>;
}

type ToChild = { type: 'run'; spec: ClientSpec };
type FromChild =
  | { type: 'ready' }
  | { type: 'done'; result: ClientResult }
  | { type: 'failed'; error: string };

const FORM_TOKEN = /name="token" value="([^"]+)"/;
const RECEIPT = /id="receipt-code">([\d ]+)</;

function textSample(body: string): string {
  return body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runClients(spec: ClientSpec): Promise<ClientResult> {
  const t0 = performance.now();
  const since = () => performance.now() - t0;
  const pending = [...spec.fakes];
  let done = 0;
  let fakesDoneMs = 0;
  const postOk: number[] = [];
  const post429: number[] = [];
  const attackerGet: number[] = [];
  const probe: number[] = [];
  const postStatuses: Record<string, number> = {};
  const probeStatuses: Record<string, number> = {};
  const acceptedByKind: Record<string, number> = {};
  const droppedByKind: Record<string, number> = {};
  const fakeReceipts: Array<[string, FakeKind]> = [];
  const errorSamples = new Set<string>();
  const responseSamples: Record<string, string> = {};
  const bump = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const error = (e: unknown) => {
    if (errorSamples.size < 5) errorSamples.add(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  };

  async function getForm(): Promise<{ token: string | null; ms: number; status: number }> {
    const s = performance.now();
    const res = await fetch(`${spec.baseUrl}/?lang=ru`);
    const body = await res.text();
    return { token: FORM_TOKEN.exec(body)?.[1] ?? null, ms: performance.now() - s, status: res.status };
  }

  async function post(item: Item, token: string) {
    const s = performance.now();
    const res = await fetch(`${spec.baseUrl}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        lang: 'ru',
        category: item.category,
        message: item.text,
        token,
      }).toString(),
    });
    const body = await res.text();
    const ms = performance.now() - s;
    const status = res.status;
    if (status !== 200 && status !== 429 && !(String(status) in responseSamples))
      responseSamples[String(status)] = textSample(body);
    return {
      status,
      ms,
      // A refused post re-renders the form with a fresh token; the receipt page has none.
      token: FORM_TOKEN.exec(body)?.[1] ?? null,
      receipt: status === 200 ? (RECEIPT.exec(body)?.[1] ?? null) : null,
    };
  }

  // Genuine people, started as the flood progresses.
  const genuine: GenuineOutcome[] = [];
  const people: Promise<void>[] = [];
  let nextGenuine = 0;
  async function person(item: Item): Promise<void> {
    const out: GenuineOutcome = {
      n: item.n,
      receipt: null,
      attempts: 0,
      statuses: [],
      startedAtMs: since(),
      toAcceptMs: null,
    };
    genuine.push(out);
    try {
      let token = (await getForm()).token;
      const first = performance.now();
      while (out.attempts < spec.genuineAttempts) {
        if (!token) token = (await getForm()).token;
        if (!token) throw new Error('no form token on GET /');
        out.attempts++;
        const r = await post(item, token);
        out.statuses.push(r.status);
        if (r.status === 200) {
          out.receipt = r.receipt;
          out.toAcceptMs = performance.now() - first;
          return;
        }
        token = r.token;
        await sleep(spec.humanRetryMs);
      }
    } catch (e) {
      error(e);
    }
  }
  const triggerGenuine = () => {
    while (nextGenuine < spec.genuine.length && (spec.genuineAt[nextGenuine] ?? 0) <= done) {
      people.push(person(spec.genuine[nextGenuine] as Item));
      nextGenuine++;
    }
  };

  async function attacker(): Promise<void> {
    let token: string | null = null;
    for (;;) {
      const item = pending.shift();
      if (!item) return;
      try {
        if (!token) {
          const g = await getForm();
          attackerGet.push(g.ms);
          token = g.token;
          if (!token) throw new Error(`GET / answered ${g.status} without a form token`);
        }
        const r = await post(item, token);
        bump(postStatuses, String(r.status));
        token = r.token;
        if (r.status === 200) {
          postOk.push(r.ms);
          bump(acceptedByKind, item.kind);
          if (r.receipt) fakeReceipts.push([r.receipt, item.kind as FakeKind]);
        } else if (r.status === 429 && spec.attackerRetry) {
          post429.push(r.ms);
          pending.unshift(item);
          continue;
        } else {
          if (r.status === 429) post429.push(r.ms);
          bump(droppedByKind, item.kind);
        }
      } catch (e) {
        error(e);
        bump(postStatuses, 'error');
        bump(droppedByKind, item.kind);
        token = null;
      }
      done++;
      if (done === spec.fakes.length) fakesDoneMs = since();
      triggerGenuine();
    }
  }

  let stopProbe = false;
  async function bystander(): Promise<void> {
    while (!stopProbe) {
      try {
        const g = await getForm();
        bump(probeStatuses, String(g.status));
        if (g.status === 200 && g.token) probe.push(g.ms);
      } catch (e) {
        error(e);
        bump(probeStatuses, 'error');
      }
      await sleep(spec.probeMs);
    }
  }

  triggerGenuine();
  const probing = bystander();
  await Promise.all(Array.from({ length: spec.clients }, attacker));
  if (fakesDoneMs === 0) fakesDoneMs = since();
  // Genuine positions are below fakes.length, so everyone has started by now.
  triggerGenuine();
  await Promise.all(people);
  stopProbe = true;
  await probing;
  return {
    durationMs: since(),
    fakesDoneMs,
    postOk: summarize(postOk),
    post429: summarize(post429),
    postStatuses,
    acceptedByKind,
    droppedByKind,
    fakeReceipts,
    attackerGet: summarize(attackerGet),
    attackerGetCount: attackerGet.length,
    probe: summarize(probe),
    probeCount: probe.length,
    probeStatuses,
    genuine: genuine.sort((a, b) => a.n - b.n),
    errorSamples: [...errorSamples],
    responseSamples,
  };
}

function childMain(): void {
  const send = (m: FromChild) => process.send?.(m);
  process.on('message', (raw) => {
    const msg = raw as ToChild;
    if (msg.type !== 'run') return;
    runClients(msg.spec).then(
      (result) => send({ type: 'done', result }),
      (e: unknown) =>
        send({ type: 'failed', error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

const CHILD_ENV = 'WHITEFLAG_FLOOD_CLIENT';
if (process.env[CHILD_ENV] === '1' && process.send) childMain();

/** The client process: started once, runs one phase per 'run' message, exits when the parent goes. */
interface Waiter {
  resolve: (r: ClientResult) => void;
  reject: (e: Error) => void;
}

class ClientProcess {
  readonly #child: ChildProcess;
  readonly #ready: Promise<void>;
  #waiting: Waiter | null = null;

  constructor(teardown: BenchContext['teardown']) {
    // Inherits the tsx loader through process.execArgv.
    this.#child = fork(fileURLToPath(import.meta.url), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [CHILD_ENV]: '1' },
    });
    teardown.add('stop the HTTP client process', () => {
      if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#child.on('message', (raw) => {
        const msg = raw as FromChild;
        if (msg.type === 'ready') resolve();
        else if (msg.type === 'done') this.#settle((w) => w.resolve(msg.result));
        else this.#settle((w) => w.reject(new Error(`HTTP client process failed: ${msg.error}`)));
      });
      this.#child.once('error', (e) => {
        reject(e);
        this.#settle((w) => w.reject(e));
      });
      this.#child.once('exit', (code, signal) => {
        const e = new Error(`HTTP client process exited (code ${code}, signal ${signal})`);
        reject(e);
        this.#settle((w) => w.reject(e));
      });
    });
  }

  #settle(fn: (w: Waiter) => void): void {
    const w = this.#waiting;
    this.#waiting = null;
    if (w) fn(w);
  }

  async run(spec: ClientSpec, signal: AbortSignal): Promise<ClientResult> {
    await this.#ready;
    if (signal.aborted) throw new Error('interrupted');
    return new Promise<ClientResult>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      const onAbort = () => this.#settle((w) => w.reject(new Error('interrupted')));
      signal.addEventListener('abort', onAbort, { once: true });
      this.#child.send({ type: 'run', spec } satisfies ToChild);
    });
  }

  close(): void {
    if (this.#child.connected) this.#child.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Arguments

interface FloodArgs {
  genuine: number;
  ratio: number;
  clients: number;
  telegramShare: number;
  telegramClients: number;
  identities: number;
  baseline: number;
  /** Global intake budgets per minute, one flood phase each; 0 = unlimited. */
  budgets: number[];
  attackerRetry: boolean;
  humanRetryMs: number;
  genuineAttempts: number;
  probeMs: number;
  settleS: number;
  pool: number;
  seed: number;
  mix: Mix;
  telegramPath: 'create' | 'receive';
}

function usage(appBudget: number): string {
  return `  --genuine N         genuine requests hidden in the flood (default 40)
  --ratio N           fakes per genuine request (default 100: 4000 fakes)
  --clients N         concurrent web attacker clients (default 50)
  --telegram-share F  share of the fakes sent through Telegram (default 0.5)
  --telegram-clients N  concurrent Telegram deliveries in the server process (default 10)
  --identities N      Telegram bot accounts the Telegram fakes come from (default 100)
  --baseline N        web requests with unique text before the flood, no flood (default 1000; 0 skips)
  --budgets LIST      global web intake budgets per minute, one flood phase each; 0 = unlimited
                      (default ${appBudget},${TIGHT_BUDGET}: the app's default, then a tighter one an
                      admin might set during an attack)
  --no-attacker-retry web attackers give up on a 429 instead of resubmitting at once
  --human-retry-ms MS a genuine sender refused with 429 presses "send" again after MS (default 3000)
  --genuine-attempts N  …at most N times (default 10)
  --probe-ms MS       the bystander's GET / interval (default 200)
  --settle S          after the flood, wait up to S s for background re-scoring to finish (default 20)
  --pool N            database pool size (default: the app's, WHITEFLAG_DB_POOL or 20)
  --seed N            seed of the generated flood (default 1)
  --mix LIST          shares of the fake kinds (default template:50,mutated:40,gibberish:10): template =
                      flood.test.ts's templates with small edits, mutated = words dropped, swapped and
                      inserted in every copy, gibberish = keyboard mashing
  --telegram-path P   create (default): Telegram fakes through core.intake.createRequest, one request
                      each; receive: through channelIntake.receive, the bot's path, with its
                      per-identity and new-conversation budgets (repeats join the identity's request)`;
}

function parseFloodArgs(argv: string[], appBudget: number, appPool: number): FloodArgs {
  let v: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        genuine: { type: 'string' },
        ratio: { type: 'string' },
        clients: { type: 'string' },
        'telegram-share': { type: 'string' },
        'telegram-clients': { type: 'string' },
        identities: { type: 'string' },
        baseline: { type: 'string' },
        budgets: { type: 'string' },
        'no-attacker-retry': { type: 'boolean' },
        'human-retry-ms': { type: 'string' },
        'genuine-attempts': { type: 'string' },
        'probe-ms': { type: 'string' },
        settle: { type: 'string' },
        pool: { type: 'string' },
        seed: { type: 'string' },
        mix: { type: 'string' },
        'telegram-path': { type: 'string' },
      },
    }).values;
  }
  try {
    v = parse();
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const int1 = { integer: true, min: 1 };
  const int0 = { integer: true, min: 0 };
  const budgets = (v.budgets ?? `${appBudget},${TIGHT_BUDGET}`)
    .split(',')
    .map((b) => numberFlag('budgets', b, 0, int0));
  const share = numberFlag('telegram-share', v['telegram-share'], 0.5, { integer: false, min: 0 });
  if (share > 1) throw new UsageError(`--telegram-share must be ≤ 1, got "${v['telegram-share']}"`);
  return {
    genuine: numberFlag('genuine', v.genuine, 40, int1),
    ratio: numberFlag('ratio', v.ratio, 100, int1),
    clients: numberFlag('clients', v.clients, 50, int1),
    telegramShare: share,
    telegramClients: numberFlag('telegram-clients', v['telegram-clients'], 10, int1),
    identities: numberFlag('identities', v.identities, 100, int1),
    baseline: numberFlag('baseline', v.baseline, 1000, int0),
    budgets,
    attackerRetry: !v['no-attacker-retry'],
    humanRetryMs: numberFlag('human-retry-ms', v['human-retry-ms'], 3000, int0),
    genuineAttempts: numberFlag('genuine-attempts', v['genuine-attempts'], 10, int1),
    probeMs: numberFlag('probe-ms', v['probe-ms'], 200, int1),
    settleS: numberFlag('settle', v.settle, 20, { integer: false, min: 0 }),
    pool: numberFlag('pool', v.pool, appPool, int1),
    seed: numberFlag('seed', v.seed, 1, int0),
    mix: parseMix(v.mix ?? 'template:50,mutated:40,gibberish:10'),
    telegramPath: telegramPath(v['telegram-path']),
  };
}

function telegramPath(raw: string | undefined): FloodArgs['telegramPath'] {
  if (raw === undefined || raw === 'create' || raw === 'receive') return raw ?? 'create';
  throw new UsageError(`--telegram-path must be create or receive, got "${raw}"`);
}

function parseMix(raw: string): Mix {
  const mix: Mix = { template: 0, mutated: 0, gibberish: 0 };
  for (const part of raw.split(',')) {
    const [k, n] = part.split(':');
    if (!FAKE_KINDS.includes(k as FakeKind))
      throw new UsageError(`--mix: unknown kind "${k}" (${FAKE_KINDS.join(', ')})`);
    mix[k as FakeKind] = numberFlag('mix', n, 0, { integer: false, min: 0 });
  }
  if (mix.template + mix.mutated + mix.gibberish <= 0) throw new UsageError('--mix: all shares are 0');
  return mix;
}

// ---------------------------------------------------------------------------------------------
// The server side

/** The second flood phase's budget by default: one that bites on this hardware (20/s, burst 200). */
const TIGHT_BUDGET = 1200;

/** "Unlimited": a budget the flood never reaches. */
const UNLIMITED_PER_MINUTE = 60_000_000;

interface Env {
  db: BenchDatabase;
  handle: DbHandle;
  core: Core;
  admin: { id: string };
  clients: ClientProcess;
  log: { lines: number; samples: string[] };
}

interface TelegramResult {
  created: number;
  /** receive path: messages folded into the identity's open request (no new row). */
  appended: number;
  /** receive path: refused by the per-identity or new-conversation budget. */
  refused: number;
  failed: number;
  durationMs: number;
  latency: LatencySummary;
  ids: Array<[string, FakeKind]>;
  errorSamples: string[];
}

/**
 * Telegram fakes. `create`: core.intake.createRequest with a bot identity, every message a new request
 * (no channel budget). `receive`: what the bot calls, channelIntake.receive (fresh per phase, so its
 * in-memory budgets start full): per-identity and new-conversation budgets, and a second message from
 * an identity joins its open request. A refused message is not retried here (the bot's sweep would).
 */
async function telegramFlood(env: Env, items: Item[], args: FloodArgs): Promise<TelegramResult> {
  const { core } = env;
  const channelIntake = createChannelIntake({
    db: core.db,
    vault: core.vault,
    routing: core.routing,
    audit: core.audit,
    clock: core.clock,
    intake: core.intake,
  });
  let appended = 0;
  let refused = 0;
  let update = 0;
  const t0 = performance.now();
  const queue = [...items];
  const lat: number[] = [];
  const ids: Array<[string, FakeKind]> = [];
  const errors = new Set<string>();
  let failed = 0;
  const identities = Array.from({ length: args.identities }, (_, k) => {
    const chat = String(7_000_000_000 + k * 7919);
    return {
      chat,
      index: identityIndex(core.routing, 'telegram', chat),
      enc: encryptChannelIdentity(core.routing, chat),
    };
  });
  async function worker(): Promise<void> {
    for (;;) {
      const item = queue.shift();
      if (!item) return;
      const s = performance.now();
      const who = identities[item.n % identities.length] as (typeof identities)[number];
      try {
        if (args.telegramPath === 'create') {
          const r = await core.intake.createRequest(
            { channel: 'telegram', category: item.category, language: 'ru', content: { body: item.text } },
            { withReceipt: false, identity: { index: who.index, enc: who.enc } },
          );
          ids.push([r.id, item.kind as FakeKind]);
        } else {
          const r = await channelIntake.receive(
            { channel: 'telegram', updateKey: `bench-${++update}`, identity: who.chat, text: item.text },
            { category: item.category, language: 'ru' },
          );
          if (r.created) ids.push([r.threadId, item.kind as FakeKind]);
          else appended++;
        }
        lat.push(performance.now() - s);
      } catch (e) {
        if (e instanceof AppError && e.code === 'rate_limited') {
          refused++;
          continue;
        }
        failed++;
        if (errors.size < 3) errors.add(e instanceof Error ? e.message : String(e));
      }
    }
  }
  await Promise.all(Array.from({ length: args.telegramClients }, worker));
  return {
    created: ids.length,
    appended,
    refused,
    failed,
    durationMs: performance.now() - t0,
    latency: summarize(lat),
    ids,
    errorSamples: [...errors],
  };
}

async function startApp(env: Env, perMinute: number, teardown: BenchContext['teardown']) {
  const app: FastifyInstance = await buildApp(env.core, { intakePerMinute: perMinute, secureCookies: true });
  const close = once(() => app.close());
  teardown.add('close the app', close);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('app is not listening on TCP');
  return { baseUrl: `http://127.0.0.1:${address.port}`, close };
}

/** Request tables back to empty (the audit log stays: its chain is the app's business). */
async function resetRequests(env: Env): Promise<void> {
  await sql`TRUNCATE request_threads, thread_messages, text_bands, form_nonces CASCADE`.execute(env.core.db);
  await sql`ANALYZE request_threads, thread_messages, text_bands`.execute(env.core.db);
}

/**
 * Waits until no statement runs on the benchmark database except this one for ~1 s (the fire-and-forget
 * re-scoring of earlier copies, the audit chainer), at most `maxS` seconds. Returns the time waited.
 */
async function settle(env: Env, maxS: number): Promise<number> {
  const t0 = performance.now();
  let quiet = 0;
  while (performance.now() - t0 < maxS * 1000) {
    const r = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`.execute(
      env.core.db,
    );
    if (Number(r.rows[0]?.n ?? 0) === 0) {
      if (++quiet >= 10) break;
    } else quiet = 0;
    await sleep(100);
  }
  return performance.now() - t0;
}

interface RankedRow extends QueueRow {
  cls: 'genuine' | `web:${FakeKind}` | `telegram:${FakeKind}` | 'unknown';
}

interface Ordering {
  queueSize: number;
  genuineInQueue: number;
  topN: number;
  genuineInTopN: number;
  genuineOnFirstPage: number;
  firstPageSize: number;
  fakesOnFirstPage: number;
  worstGenuineRank: number | null;
  /** Genuine requests with a score ≥ SINK_THRESHOLD (sunk below the fakes). */
  falsePositives: number;
  /** Genuine requests with a score above 0 but below the threshold (flagged, not sunk). */
  genuineFlagged: number;
  fakes: number;
  fakesSunk: number;
  /** Fakes sunk when the last request was answered, before background re-scoring settled. */
  fakesSunkAtEnd: number;
  fakesAboveWorstGenuine: number;
  sunkByClass: Record<string, { n: number; sunk: number }>;
  firstPageMs: number;
  walkMs: number;
  unknownRows: number;
  /** Per urgency: genuine requests (count, best and worst rank) and the fakes not sunk. */
  byUrgency: Array<{
    urgency: number;
    genuine: number;
    best: number | null;
    worst: number | null;
    unsunkFakes: number;
  }>;
  /** Spam reasons on genuine requests, by how many carry each. */
  genuineReasons: Record<string, number>;
  genuineRanks: number[];
}

/** The whole queue, page by page, as the console asks for it: open, "urgent" order, 50 per page. */
interface QueueRow {
  id: string;
  spamScore: number;
  urgency: number;
  reasons: string[];
}

async function walkQueue(env: Env): Promise<{ rows: QueueRow[]; firstPageMs: number; walkMs: number }> {
  const rows: QueueRow[] = [];
  let cursor: string | undefined;
  let firstPageMs = 0;
  const t0 = performance.now();
  do {
    const s = performance.now();
    const page = await env.core.cases.listQueue(env.admin, { sort: 'urgent', limit: 50, open: true, cursor });
    if (rows.length === 0) firstPageMs = performance.now() - s;
    rows.push(
      ...page.items.map((i) => ({
        id: i.id,
        spamScore: i.spamScore,
        urgency: i.urgency,
        reasons: i.spamReasons,
      })),
    );
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { rows, firstPageMs, walkMs: performance.now() - t0 };
}

async function idsByReceipt(env: Env, receipts: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const lookups = new Map<string, string>();
  for (const r of receipts) {
    const code = normalizeReceiptCode(r);
    if (code) lookups.set(env.core.intake.receiptLookup(code).toString('hex'), r);
  }
  const keys = [...lookups.keys()];
  for (let i = 0; i < keys.length; i += 2000) {
    const chunk = keys.slice(i, i + 2000).map((h) => Buffer.from(h, 'hex'));
    const res = await sql<{ id: string; lookup: Buffer }>`
      SELECT id, receipt_lookup AS lookup FROM request_threads WHERE receipt_lookup = ANY(${chunk}::bytea[])`.execute(
      env.core.db,
    );
    for (const row of res.rows) {
      const receipt = lookups.get(row.lookup.toString('hex'));
      if (receipt) out.set(receipt, row.id);
    }
  }
  return out;
}

async function ordering(
  env: Env,
  clients: ClientResult,
  telegram: TelegramResult | null,
  fakesSunkAtEnd: number,
): Promise<Ordering> {
  const cls = new Map<string, RankedRow['cls']>();
  const genuineReceipts = clients.genuine.flatMap((g) => (g.receipt ? [g.receipt] : []));
  const byReceipt = await idsByReceipt(env, [...genuineReceipts, ...clients.fakeReceipts.map(([r]) => r)]);
  for (const r of genuineReceipts) {
    const id = byReceipt.get(r);
    if (id) cls.set(id, 'genuine');
  }
  for (const [r, kind] of clients.fakeReceipts) {
    const id = byReceipt.get(r);
    if (id) cls.set(id, `web:${kind}`);
  }
  for (const [id, kind] of telegram?.ids ?? []) cls.set(id, `telegram:${kind}`);

  const walk = await walkQueue(env);
  const ranked: RankedRow[] = walk.rows.map((r) => ({ ...r, cls: cls.get(r.id) ?? 'unknown' }));
  const genuineRanks = ranked.flatMap((r, i) => (r.cls === 'genuine' ? [i + 1] : []));
  const genuineInQueue = genuineRanks.length;
  const topN = Math.max(1, genuineInQueue);
  const worst = genuineRanks.length ? Math.max(...genuineRanks) : null;
  const fakes = ranked.filter((r) => r.cls !== 'genuine' && r.cls !== 'unknown');
  const sunkByClass: Ordering['sunkByClass'] = {};
  for (const f of fakes) {
    const c = sunkByClass[f.cls] ?? { n: 0, sunk: 0 };
    sunkByClass[f.cls] = c;
    c.n++;
    if (f.spamScore >= SINK_THRESHOLD) c.sunk++;
  }
  const firstPage = ranked.slice(0, 50);
  const byUrgency: Ordering['byUrgency'] = [3, 2, 1, 0].map((u) => {
    const ranks = ranked.flatMap((r, i) => (r.cls === 'genuine' && r.urgency === u ? [i + 1] : []));
    return {
      urgency: u,
      genuine: ranks.length,
      best: ranks.length ? Math.min(...ranks) : null,
      worst: ranks.length ? Math.max(...ranks) : null,
      unsunkFakes: fakes.filter((f) => f.urgency === u && f.spamScore < SINK_THRESHOLD).length,
    };
  });
  const genuineReasons: Record<string, number> = {};
  for (const g of ranked.filter((r) => r.cls === 'genuine'))
    for (const reason of g.reasons) genuineReasons[reason] = (genuineReasons[reason] ?? 0) + 1;
  return {
    byUrgency,
    genuineReasons,
    genuineRanks,
    queueSize: ranked.length,
    genuineInQueue,
    topN,
    genuineInTopN: genuineRanks.filter((r) => r <= topN).length,
    genuineOnFirstPage: firstPage.filter((r) => r.cls === 'genuine').length,
    firstPageSize: firstPage.length,
    fakesOnFirstPage: firstPage.filter((r) => r.cls !== 'genuine').length,
    worstGenuineRank: worst,
    falsePositives: ranked.filter((r) => r.cls === 'genuine' && r.spamScore >= SINK_THRESHOLD).length,
    genuineFlagged: ranked.filter(
      (r) => r.cls === 'genuine' && r.spamScore > 0 && r.spamScore < SINK_THRESHOLD,
    ).length,
    fakes: fakes.length,
    fakesSunk: fakes.filter((r) => r.spamScore >= SINK_THRESHOLD).length,
    fakesSunkAtEnd,
    fakesAboveWorstGenuine:
      worst === null ? 0 : ranked.slice(0, worst).filter((r) => r.cls !== 'genuine').length,
    sunkByClass,
    firstPageMs: walk.firstPageMs,
    walkMs: walk.walkMs,
    unknownRows: ranked.filter((r) => r.cls === 'unknown').length,
  };
}

interface PhaseResult {
  label: string;
  kind: 'baseline' | 'flood';
  /** Global web budget per minute; 0 = unlimited. */
  budget: number;
  clients: ClientResult;
  telegram: TelegramResult | null;
  settleMs: number;
  ordering: Ordering | null;
  /** Whole-flood intake: accepted web + Telegram requests per second of the flood. */
  totalRate: number;
  webRate: number;
  machineCpuPct: number;
}

function machineTicks(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of os.cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq;
    busy += t;
    total += t + c.times.idle;
  }
  return { busy, total };
}

async function runPhase(
  env: Env,
  ctx: BenchContext,
  args: FloodArgs,
  phase: {
    label: string;
    kind: 'baseline' | 'flood';
    budget: number;
    web: Item[];
    telegram: Item[];
    genuine: Item[];
  },
): Promise<PhaseResult> {
  await resetRequests(env);
  const app = await startApp(env, phase.budget === 0 ? UNLIMITED_PER_MINUTE : phase.budget, ctx.teardown);
  const r = rng(args.seed * 7 + 3);
  const genuineAt = phase.genuine.map(() => Math.floor(r() * phase.web.length)).sort((a, b) => a - b);
  const spec: ClientSpec = {
    baseUrl: app.baseUrl,
    clients: args.clients,
    fakes: phase.web,
    genuine: phase.genuine,
    genuineAt,
    attackerRetry: args.attackerRetry,
    humanRetryMs: args.humanRetryMs,
    genuineAttempts: args.genuineAttempts,
    probeMs: args.probeMs,
  };
  const m0 = machineTicks();
  const [clients, telegram] = await Promise.all([
    env.clients.run(spec, ctx.signal),
    phase.telegram.length ? telegramFlood(env, phase.telegram, args) : Promise.resolve(null),
  ]);
  const m1 = machineTicks();
  let fakesSunkAtEnd = 0;
  let settleMs = 0;
  let ord: Ordering | null = null;
  if (phase.kind === 'flood') {
    const genuineIds = await idsByReceipt(
      env,
      clients.genuine.flatMap((g) => (g.receipt ? [g.receipt] : [])),
    );
    const atEnd = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM request_threads WHERE sunk AND NOT (id = ANY(${[...genuineIds.values()]}::uuid[]))`.execute(
      env.core.db,
    );
    fakesSunkAtEnd = Number(atEnd.rows[0]?.n ?? 0);
    settleMs = await settle(env, args.settleS);
    ord = await ordering(env, clients, telegram, fakesSunkAtEnd);
  }
  await app.close();
  await env.core.audit.chain().catch(() => 0);
  const webAccepted = Object.values(clients.acceptedByKind).reduce((a, b) => a + b, 0);
  const floodMs = Math.max(clients.fakesDoneMs, telegram?.durationMs ?? 0);
  return {
    label: phase.label,
    kind: phase.kind,
    budget: phase.budget,
    clients,
    telegram,
    settleMs,
    ordering: ord,
    webRate: (webAccepted * 1000) / clients.fakesDoneMs,
    totalRate: ((webAccepted + (telegram?.created ?? 0)) * 1000) / floodMs,
    machineCpuPct: ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const TARGETS = {
  /** flood.test.ts's bar: at least 70 % of the genuine requests in the top N (N = genuine count). */
  genuineTopShare: 0.7,
  falsePositives: 0,
  fakesSunkShare: 0.9,
  /** Every genuine sender gets through within --genuine-attempts presses of "send". */
  genuineAccepted: 1,
  /** "The public site keeps answering": a bystander's GET / at p99, and no failures. */
  getP99Ms: 1000,
} as const;

function sum(m: Record<string, number>): number {
  return Object.values(m).reduce((a, b) => a + b, 0);
}

function pct(n: number, d: number): string {
  return d > 0 ? `${((n / d) * 100).toFixed(1)}%` : 'n/a';
}

function budgetLabel(b: number): string {
  return b === 0 ? 'unlimited' : `${b}/min`;
}

interface Check {
  phase: string;
  check: string;
  value: string;
  target: string;
  ok: boolean;
}

function checksOf(p: PhaseResult): Check[] {
  const out: Check[] = [];
  const c = p.clients;
  const probeFailures = sum(c.probeStatuses) - (c.probeStatuses['200'] ?? 0);
  out.push({
    phase: p.label,
    check: 'bystander GET / p99 (no failures)',
    value: `${fmt(c.probe.p99)} ms, ${probeFailures} failed`,
    target: `≤ ${TARGETS.getP99Ms} ms, 0`,
    ok: c.probe.p99 <= TARGETS.getP99Ms && probeFailures === 0,
  });
  if (p.kind !== 'flood' || !p.ordering) return out;
  const o = p.ordering;
  const sent = c.genuine.length;
  const accepted = c.genuine.filter((g) => g.receipt).length;
  out.push(
    {
      phase: p.label,
      check: 'genuine requests accepted',
      value: `${accepted}/${sent}`,
      target: '100%',
      ok: sent > 0 && accepted / sent >= TARGETS.genuineAccepted,
    },
    {
      phase: p.label,
      check: `genuine in the top ${o.topN}`,
      value: `${o.genuineInTopN}/${o.genuineInQueue}`,
      target: `≥ ${TARGETS.genuineTopShare * 100}%`,
      ok: o.genuineInQueue > 0 && o.genuineInTopN / o.genuineInQueue >= TARGETS.genuineTopShare,
    },
    {
      phase: p.label,
      check: 'false positives (genuine sunk)',
      value: String(o.falsePositives),
      target: `= ${TARGETS.falsePositives}`,
      ok: o.falsePositives === TARGETS.falsePositives,
    },
    {
      phase: p.label,
      check: 'fakes sunk',
      value: pct(o.fakesSunk, o.fakes),
      target: `≥ ${TARGETS.fakesSunkShare * 100}%`,
      ok: o.fakes > 0 && o.fakesSunk / o.fakes >= TARGETS.fakesSunkShare,
    },
  );
  return out;
}

function report(db: BenchDatabase, args: FloodArgs, phases: PhaseResult[], env: Env): void {
  const cpus = os.cpus().length;
  const fakes = args.genuine * args.ratio;
  const out: string[] = [
    '',
    `Whiteflag benchmark: flood (${new Date().toISOString()})`,
    `source ${sourceRevision()} · node ${process.version} · PostgreSQL ${db.serverVersion} (${db.mode === 'server' ? 'DATABASE_URL server' : 'embedded'}, database ${db.name}) · ${cpus} CPUs · load avg ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    `flood: ${args.genuine} genuine + ${fakes} fakes (${args.ratio}×): ${Math.round(fakes * (1 - args.telegramShare))} web from ${args.clients} clients` +
      `${args.attackerRetry ? ' (resubmitting on 429)' : ''}, ${Math.round(fakes * args.telegramShare)} Telegram from ${args.identities} identities` +
      ` (${args.telegramClients} concurrent, ${args.telegramPath === 'create' ? 'core.intake.createRequest, no channel budget' : 'channelIntake.receive, with its budgets'}); genuine over the web form, resubmitting after ${args.humanRetryMs} ms, ≤ ${args.genuineAttempts} tries`,
    `fake mix ${FAKE_KINDS.map((k) => `${k}:${args.mix[k]}`).join(',')} · pool ${args.pool} · seed ${args.seed} · bystander GET / every ${args.probeMs} ms`,
    '',
  ];
  const lat = (s: LatencySummary) => [fmt(s.p50), fmt(s.p99)];
  out.push(
    'intake (web = POST /requests over HTTP, accepted; tg = Telegram fakes in the server process, path above; new = new requests)',
    table([
      [
        'phase',
        'web budget',
        'web ok',
        'web 429',
        'web ok/s',
        'POST p50',
        'POST p99',
        'tg new',
        'tg joined/refused',
        'tg new/s',
        'tg p50',
        'tg p99',
        'total ok/s',
        'flood s',
        'CPU %',
      ],
      ...phases.map((p) => {
        const c = p.clients;
        const webOk = sum(c.acceptedByKind);
        return [
          p.label,
          budgetLabel(p.budget),
          String(webOk),
          String(c.postStatuses['429'] ?? 0),
          fmt(p.webRate),
          ...lat(c.postOk),
          p.telegram ? String(p.telegram.created) : '-',
          p.telegram ? `${p.telegram.appended}/${p.telegram.refused}` : '-',
          p.telegram ? fmt((p.telegram.created * 1000) / p.telegram.durationMs) : '-',
          ...(p.telegram ? lat(p.telegram.latency) : ['-', '-']),
          fmt(p.totalRate),
          fmt(Math.max(c.fakesDoneMs, p.telegram?.durationMs ?? 0) / 1000),
          fmt(p.machineCpuPct, 0),
        ];
      }),
    ]),
    '',
  );
  const base = phases.find((p) => p.kind === 'baseline');
  if (base)
    out.push(
      ...phases
        .filter((p) => p.kind === 'flood')
        .map(
          (p) =>
            `${p.label}: web intake ${fmt(p.webRate)}/s = ${fmt(p.webRate / base.webRate, 2)}× the baseline; all intake ${fmt(p.totalRate)}/s = ${fmt(p.totalRate / base.webRate, 2)}×; POST p99 ${fmt(p.clients.postOk.p99)} vs ${fmt(base.clients.postOk.p99)} ms`,
        ),
      '',
    );
  out.push(
    'public form while it runs (GET /?lang=ru, form page with a fresh token)',
    table([
      [
        'phase',
        'bystander GETs',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        'failed',
        'attacker GETs',
        'p50',
        'p99',
        '429 p50',
        '429 p99',
      ],
      ...phases.map((p) => {
        const c = p.clients;
        return [
          p.label,
          String(c.probeCount),
          fmt(c.probe.p50),
          fmt(c.probe.p90),
          fmt(c.probe.p99),
          fmt(c.probe.max),
          String(sum(c.probeStatuses) - (c.probeStatuses['200'] ?? 0)),
          String(c.attackerGetCount),
          fmt(c.attackerGet.p50),
          fmt(c.attackerGet.p99),
          fmt(c.post429.p50),
          fmt(c.post429.p99),
        ];
      }),
    ]),
    '',
  );
  const floods = phases.filter((p) => p.kind === 'flood');
  out.push(
    'genuine senders (each a person on the web form, started at a random point of the flood)',
    table([
      [
        'phase',
        'sent',
        'accepted',
        '1st try',
        'gave up',
        'tries mean',
        'tries max',
        'to accept p50 s',
        'max s',
      ],
      ...floods.map((p) => {
        const g = p.clients.genuine;
        const acc = g.filter((x) => x.receipt);
        const toAccept = summarize(acc.map((x) => x.toAcceptMs ?? 0));
        return [
          p.label,
          String(g.length),
          String(acc.length),
          String(g.filter((x) => x.receipt && x.attempts === 1).length),
          String(g.length - acc.length),
          fmt(g.reduce((a, x) => a + x.attempts, 0) / Math.max(1, g.length), 1),
          String(Math.max(0, ...g.map((x) => x.attempts))),
          fmt(toAccept.p50 / 1000),
          fmt(toAccept.max / 1000),
        ];
      }),
    ]),
    '',
    `queue as an operator sees it after the flood (listQueue: open, urgent order, pages of 50; N = genuine in the queue; sunk = score ≥ ${SINK_THRESHOLD})`,
    table([
      [
        'phase',
        'queue',
        'genuine in top N',
        'on page 1',
        'worst rank',
        'fakes above it',
        'false pos.',
        'genuine flagged <60',
        'fakes sunk',
        'at flood end',
        'settle s',
        'page 1 ms',
      ],
      ...floods.map((p) => {
        const o = p.ordering as Ordering;
        return [
          p.label,
          String(o.queueSize),
          `${o.genuineInTopN}/${o.genuineInQueue} (N=${o.topN})`,
          `${o.genuineOnFirstPage}/${o.firstPageSize}`,
          o.worstGenuineRank === null ? '-' : String(o.worstGenuineRank),
          String(o.fakesAboveWorstGenuine),
          String(o.falsePositives),
          String(o.genuineFlagged),
          `${o.fakesSunk}/${o.fakes} ${pct(o.fakesSunk, o.fakes)}`,
          pct(o.fakesSunkAtEnd, o.fakes),
          fmt(p.settleMs / 1000),
          fmt(o.firstPageMs),
        ];
      }),
    ]),
    '',
  );
  const classes = [...new Set(floods.flatMap((p) => Object.keys(p.ordering?.sunkByClass ?? {})))].sort();
  out.push(
    'fakes sunk by kind',
    table([
      ['phase', ...classes],
      ...floods.map((p) => [
        p.label,
        ...classes.map((k) => {
          const c = p.ordering?.sunkByClass[k];
          return c ? `${c.sunk}/${c.n} ${pct(c.sunk, c.n)}` : '-';
        }),
      ]),
    ]),
    '',
  );
  out.push(
    'why: genuine requests and fakes not sunk, by urgency ("urgent" order = not sunk first, then urgency, then newest)',
    table([
      ['phase', 'urgency', 'genuine', 'best rank', 'worst rank', 'fakes not sunk', 'reasons on genuine'],
      ...floods.flatMap((p) =>
        (p.ordering?.byUrgency ?? []).map((u, i) => [
          i === 0 ? p.label : '',
          String(u.urgency),
          String(u.genuine),
          u.best === null ? '-' : String(u.best),
          u.worst === null ? '-' : String(u.worst),
          String(u.unsunkFakes),
          i === 0
            ? Object.entries(p.ordering?.genuineReasons ?? {})
                .map(([k, n]) => `${k} ${n}`)
                .join(', ') || '-'
            : '',
        ]),
      ),
    ]),
    '',
  );
  const checks = phases.flatMap(checksOf);
  out.push(
    table([
      ['phase', 'check', 'value', 'target', 'result'],
      ...checks.map((c) => [c.phase, c.check, c.value, c.target, c.ok ? 'PASS' : 'MISS']),
    ]),
  );
  const problems: string[] = [];
  for (const p of phases) {
    const c = p.clients;
    for (const [s, n] of Object.entries(c.postStatuses))
      if (s !== '200' && s !== '429') problems.push(`${p.label}: ${n} × ${s}: ${c.responseSamples[s] ?? ''}`);
    for (const e of c.errorSamples) problems.push(`${p.label}: client error: ${e}`);
    for (const e of p.telegram?.errorSamples ?? []) problems.push(`${p.label}: telegram error: ${e}`);
    if (p.ordering?.unknownRows)
      problems.push(`${p.label}: ${p.ordering.unknownRows} queue rows not traced to a sent item`);
  }
  if (env.log.lines > 0)
    problems.push(
      `app logged ${env.log.lines} warn+ lines, e.g. ${env.log.samples.map((l) => l.slice(0, 240)).join(' | ')}`,
    );
  if (problems.length) out.push('', 'problems:', ...problems.map((p) => `  ${p}`));
  out.push('');
  process.stdout.write(`${out.join('\n')}\n`);

  const json = {
    bench: 'flood',
    at: new Date().toISOString(),
    source: sourceRevision(),
    node: process.version,
    postgres: db.serverVersion,
    dbMode: db.mode,
    cpus,
    loadavg: os.loadavg(),
    args,
    phases: phases.map((p) => ({
      label: p.label,
      kind: p.kind,
      budgetPerMinute: p.budget,
      webRate: p.webRate,
      totalRate: p.totalRate,
      machineCpuPct: p.machineCpuPct,
      web: {
        statuses: p.clients.postStatuses,
        acceptedByKind: p.clients.acceptedByKind,
        droppedByKind: p.clients.droppedByKind,
        postOkMs: p.clients.postOk,
        post429Ms: p.clients.post429,
        fakesDoneMs: p.clients.fakesDoneMs,
      },
      telegram: p.telegram && {
        created: p.telegram.created,
        appended: p.telegram.appended,
        refused: p.telegram.refused,
        failed: p.telegram.failed,
        durationMs: p.telegram.durationMs,
        latencyMs: p.telegram.latency,
      },
      getForm: {
        bystanderMs: p.clients.probe,
        bystanderStatuses: p.clients.probeStatuses,
        attackerMs: p.clients.attackerGet,
      },
      genuine:
        p.kind === 'flood'
          ? {
              sent: p.clients.genuine.length,
              accepted: p.clients.genuine.filter((g) => g.receipt).length,
              firstTry: p.clients.genuine.filter((g) => g.receipt && g.attempts === 1).length,
              attempts: p.clients.genuine.map((g) => g.attempts),
            }
          : undefined,
      ordering: p.ordering,
      settleMs: p.settleMs,
    })),
    checks: checks.map((c) => ({ phase: c.phase, check: c.check, value: c.value, ok: c.ok })),
    pass: checks.every((c) => c.ok),
  };
  process.stdout.write(`${JSON.stringify(roundNumbers(json))}\n`);
}

// ---------------------------------------------------------------------------------------------

const flood: Benchmark = {
  usage: usage(6000),
  async run(ctx) {
    // The surrender form admits by capacity now (decision 0010); the budget flag only sizes the relatives desk.
    const appBudget = 6000;
    const appPool = loadConfig({ WHITEFLAG_DB_POOL: process.env.WHITEFLAG_DB_POOL }).database.poolSize;
    const args = parseFloodArgs(ctx.argv, appBudget, appPool);
    const clients = new ClientProcess(ctx.teardown);
    ctx.teardown.add('disconnect the HTTP client process', () => clients.close());
    note(process.env.DATABASE_URL ? 'creating a database on DATABASE_URL' : 'starting embedded PostgreSQL');
    const db = await openBenchDatabase(ctx.teardown);
    const handle = connectDatabase(db.url, args.pool);
    ctx.teardown.add(
      'close the app database pool',
      once(() => handle.close()),
    );
    const log = { lines: 0, samples: [] as string[] };
    const core = await createCore({
      db: handle.db,
      keyring: memoryKeyring(),
      clock: systemClock,
      log: createLogger('warn', {
        write: (line: string) => {
          log.lines++;
          if (log.samples.length < 3) log.samples.push(line.trim());
        },
      }),
      settings: { session: { idleMs: 15 * 60_000, maxMs: 10 * 3_600_000 } },
    });
    // The bootstrap admin creates the organisation key; intake refuses until it exists.
    const admin = await core.users.createUser(
      { email: 'bench-admin@example.org', role: 'admin', password: randomBytes(18).toString('base64url') },
      { type: 'cli', id: null },
    );
    const env: Env = { db, handle, core, admin: { id: admin.id }, clients, log };

    const r = rng(args.seed);
    const fakeCount = args.genuine * args.ratio;
    const tgCount = Math.round(fakeCount * args.telegramShare);
    const all = fakeItems(fakeCount, r, 0, args.mix);
    const webFakes = all.slice(tgCount).map((x, n) => ({ ...x, n }));
    const tgFakes = all.slice(0, tgCount);
    const genuine: Item[] = Array.from({ length: args.genuine }, (_, n) => ({
      n,
      kind: 'genuine',
      category: GENUINE_CATEGORIES[n % GENUINE_CATEGORIES.length] as CallerCategory,
      text: genuineText(n),
    }));

    const phases: PhaseResult[] = [];
    {
      // Unreported warm-up (JIT of server and clients, connection set-up, the planner's statistics).
      note('warm-up: 300 unique web requests');
      const wr = rng(args.seed + 2000);
      await runPhase(env, ctx, args, {
        label: 'warm-up',
        kind: 'baseline',
        budget: 0,
        web: Array.from({ length: 300 }, (_, n) => ({
          n,
          kind: 'baseline' as const,
          category: pickOf(wr, GENUINE_CATEGORIES),
          text: baselineText(wr),
        })),
        telegram: [],
        genuine: [],
      });
      if (ctx.signal.aborted) return;
    }
    if (args.baseline > 0) {
      note(`baseline: ${args.baseline} unique web requests from ${args.clients} clients, no flood`);
      const br = rng(args.seed + 1000);
      const items: Item[] = Array.from({ length: args.baseline }, (_, n) => ({
        n,
        kind: 'baseline',
        category: pickOf(br, GENUINE_CATEGORIES),
        text: baselineText(br),
      }));
      phases.push(
        await runPhase(env, ctx, args, {
          label: 'baseline',
          kind: 'baseline',
          budget: 0,
          web: items,
          telegram: [],
          genuine: [],
        }),
      );
      if (ctx.signal.aborted) return;
    }
    for (const budget of args.budgets) {
      const label = `flood ${budgetLabel(budget)}`;
      note(`${label}: ${webFakes.length} web + ${tgFakes.length} Telegram fakes, ${genuine.length} genuine`);
      phases.push(
        await runPhase(env, ctx, args, {
          label,
          kind: 'flood',
          budget,
          web: webFakes,
          telegram: tgFakes,
          genuine,
        }),
      );
      if (ctx.signal.aborted) return;
    }
    clients.close();
    report(db, args, phases, env);
  },
};

export default flood;
