/**
 * A local fake of the Telegram Bot API (https://core.telegram.org/bots/api), speaking the real HTTP
 * protocol so that the real grammY client can be pointed at it:
 *
 *     const tg = await startFakeTelegram({ token });
 *     const bot = new Bot(token, { client: { apiRoot: tg.url } });   // TELEGRAM_API_ROOT=tg.url
 *
 * Protocol as Telegram (and grammY) speak it:
 * - `POST|GET /bot<TOKEN>/<method>` with a JSON, urlencoded or multipart/form-data body (or a query
 *   string); method names are case-insensitive. Files are downloaded from `/file/bot<TOKEN>/<file_path>`.
 * - Answers `{ ok: true, result }`, or `{ ok: false, error_code, description, parameters? }` with the HTTP
 *   status equal to `error_code`. A wrong token is 401 `Unauthorized`, an unknown method 404 `Not Found`.
 *
 * Implemented methods: getMe, getUpdates (long polling: offset/limit/timeout/allowed_updates, 409 on a
 * concurrent poll or while a webhook is set), setWebhook/deleteWebhook/getWebhookInfo (deliveries with
 * `X-Telegram-Bot-Api-Secret-Token`, per-chat ordering, retries on non-2xx, webhook replies executed),
 * sendMessage (parse_mode HTML/MarkdownV2/Markdown validated like Telegram, reply_markup validated incl.
 * the 64-byte callback_data limit), editMessageText, editMessageReplyMarkup, answerCallbackQuery,
 * deleteMessage, deleteMessages, sendChatAction, sendPhoto/sendDocument/sendVoice (file_id, attach://
 * upload), getFile + download, setMyCommands/getMyCommands/deleteMyCommands, close/logOut. Add more
 * with `onMethod`.
 *
 * Simplifications (documented, deliberate): private chats only; Telegram's real flood limits are not
 * public, so the limiter is a strict sliding 1-second window (default 30/s overall, 1/s per chat) on
 * `send*` methods except sendChatAction; messages returned for formatted text carry the plain text but no
 * `entities`; after the last webhook retry an update is dropped (Telegram keeps retrying for a while).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type {
  BotCommand,
  CallbackQuery,
  Chat,
  File,
  InlineKeyboardButton,
  Message,
  MessageEntity,
  PhotoSize,
  Update,
  User,
  UserFromGetMe,
  WebhookInfo,
} from 'grammy/types';
import {
  describeFetchError,
  extensionFor,
  FaultQueue,
  type FaultSpec,
  type HttpReply,
  imageSize,
  type MultipartPart,
  onClientGone,
  parseBody,
  postRaw,
  Recorder,
  reply,
  runWithFault,
  SlidingWindow,
  sleep,
  sniffMime,
  startHttpServer,
} from './common.ts';

export type { FaultSpec } from './common.ts';

// ---------------------------------------------------------------------------------------------------
// Public types

export interface StartFakeTelegramOptions {
  /** Bot token; the part before ':' is the bot's user id. Default `123456789:TEST-fake-token`. */
  token?: string;
  botUsername?: string;
  botFirstName?: string;
  /** Accepted rate-limited calls per sliding second, all chats together. Default 30. */
  globalPerSecond?: number;
  /** Accepted rate-limited calls per sliding second to one chat. Default 1. */
  perChatPerSecond?: number;
  /** Which methods the limiter counts. Default: `send*` except `sendChatAction`. */
  isRateLimited?: (method: string) => boolean;
  /**
   * When true (default), sending to a chat that never wrote to the bot (no `userSends…`/`addChat`)
   * answers 400 "Bad Request: chat not found" like Telegram does.
   */
  strictChats?: boolean;
  /** Pauses before webhook re-deliveries; attempts = 1 + length. Default [100, 500, 1500]. */
  webhookRetryDelaysMs?: number[];
  /** How long one webhook POST may take. Default 10 s. */
  webhookTimeoutMs?: number;
  /** The first update_id handed out. Default 500_000_001. */
  firstUpdateId?: number;
  port?: number;
}

/** A chat as the test describes the user (private chat: chat id = user id). */
export interface FakeTelegramChat {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** `pending` while the fake still holds the request (long poll, injected delay/timeout). */
export type CallOutcome = 'pending' | 'ok' | 'error' | 'fault' | 'dropped' | 'rate_limited' | 'unauthorized';

/** One HTTP request to the Bot API (or one method executed from a webhook reply). */
export interface TelegramCall {
  method: string;
  params: Record<string, unknown>;
  /** Date.now() when the request arrived. */
  time: number;
  /** HTTP status answered; null when the connection was dropped without an answer. */
  status: number | null;
  outcome: CallOutcome;
  /** `result` of an ok answer. */
  result?: unknown;
  /** `description` of an error answer. */
  description?: string;
  /** True when the call was returned in a webhook response body rather than sent as a request. */
  viaWebhookReply?: boolean;
}

export interface RateViolation {
  method: string;
  chatId: string | undefined;
  scope: 'global' | 'chat';
  retryAfter: number;
  time: number;
}

export interface WebhookAttempt {
  updateId: number;
  attempt: number;
  url: string;
  /** HTTP status of the app's answer, null on a network error / timeout. */
  status: number | null;
  error?: string;
  time: number;
  durationMs: number;
}

/** A message as the user's phone shows it (both directions), including deleted ones. */
export interface StoredMessage {
  message: Message;
  sender: 'user' | 'bot';
  deleted: boolean;
  edits: number;
}

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_path: string;
  mime: string;
  bytes: Buffer;
}

export type MethodHandler = (params: Record<string, unknown>) => unknown | Promise<unknown>;

export interface FakeTelegram {
  /** `http://127.0.0.1:<port>`: grammY's `client.apiRoot` (no trailing slash). */
  url: string;
  token: string;
  botId: number;
  botUsername: string;
  /** Every request, including faulted, rate-limited and unauthorized ones, and getUpdates. */
  calls: TelegramCall[];
  /** Calls that took effect (answered ok, or processed then dropped) — everything but getUpdates. */
  sent: TelegramCall[];
  /** `sent` filtered to one chat (`params.chat_id`), optionally to one method. */
  sentTo(chatId: number | string, method?: string): TelegramCall[];
  /** Resolves with the first call in `sent` (past or future) matching `pred`. */
  waitForSent(pred: (c: TelegramCall) => boolean, timeoutMs?: number): Promise<TelegramCall>;
  /** Live limiter settings; change them at any time (Infinity disables). */
  rateLimits: { globalPerSecond: number; perChatPerSecond: number };
  violations: RateViolation[];
  /** Achieved rate of `sent` calls of `method` (default sendMessage): count / span between first and last. */
  rate(method?: string): { count: number; spanMs: number; perSecond: number };
  /** Queue scripted behaviours for the next calls of `method` ('*' = any method, 'file' = downloads). */
  fail(method: string, ...specs: FaultSpec[]): void;
  clearFaults(method?: string): void;
  /** Register an extra Bot API method (or override one). Throw `TelegramApiError` for error answers. */
  onMethod(method: string, handler: MethodHandler): void;

  // — the user side —
  /** Make the chat known (as if the user pressed Start earlier) without sending an update. */
  addChat(chat: FakeTelegramChat): void;
  userSends(chat: FakeTelegramChat, text: string): Update;
  userSendsPhoto(chat: FakeTelegramChat, bytes: Uint8Array, caption?: string): Update;
  userSendsDocument(
    chat: FakeTelegramChat,
    bytes: Uint8Array,
    opts?: { fileName?: string; mime?: string; caption?: string },
  ): Update;
  userSendsVoice(chat: FakeTelegramChat, bytes: Uint8Array, durationSec: number): Update;
  /** Press an inline button of a bot message; throws if the message has no button with that data. */
  userPressesButton(chat: FakeTelegramChat, messageId: number, data: string): Update;
  /** The user blocks the bot: sends answer 403, a my_chat_member update is queued. */
  userBlocksBot(chat: FakeTelegramChat): Update;
  /** Queue any update; update_id is assigned. */
  enqueueUpdate(update: Omit<Update, 'update_id'>): Update;
  /** Updates not yet confirmed (polling) or delivered (webhook). */
  pendingUpdates(): Update[];
  /** The chat as the user sees it: every message in order, with deleted/edited flags. */
  chatMessages(chatId: number | string): StoredMessage[];
  /** Shift every message date of a chat into the past (e.g. 49 h, to test "can't be deleted"). */
  ageMessages(chatId: number | string, seconds: number): void;
  callbackAnswers: Map<string, Record<string, unknown>>;
  commands: Map<string, BotCommand[]>;

  // — files —
  /** Host bytes as a Telegram file; returns its file_id (usable in getFile and send* methods). */
  addFile(bytes: Uint8Array, mime?: string, opts?: { kind?: 'photos' | 'voice' | 'documents' }): string;
  files: Map<string, StoredFile>;

  // — webhook —
  webhook(): (WebhookInfo & { secret_token?: string }) | null;
  webhookDeliveries: WebhookAttempt[];
  /** Updates given up after the last webhook retry. */
  webhookDropped: Update[];

  /** Errors thrown inside the fake itself (should stay empty). */
  errors: Error[];
  close(): Promise<void>;
}

/** Throw from a custom method handler to answer `{ ok:false, error_code, description, parameters }`. */
export class TelegramApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers

const JSON_FIELDS = new Set([
  'reply_markup',
  'allowed_updates',
  'commands',
  'scope',
  'entities',
  'caption_entities',
  'reply_parameters',
  'link_preview_options',
  'message_ids',
  'media',
]);

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function bad(description: string): TelegramApiError {
  return new TelegramApiError(400, `Bad Request: ${description}`);
}

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was blocked by the user',
  404: 'Not Found',
  409: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

function errorReply(code: number, description: string, parameters?: Record<string, unknown>): HttpReply {
  const json: Record<string, unknown> = { ok: false, error_code: code, description };
  if (parameters) json.parameters = parameters;
  return { status: code, json };
}

function faultReply(status: number, spec: FaultSpec): HttpReply {
  if (status === 429) {
    const retryAfter = spec.retryAfter ?? 1;
    return errorReply(429, spec.description ?? `Too Many Requests: retry after ${retryAfter}`, {
      retry_after: retryAfter,
    });
  }
  return errorReply(status, spec.description ?? STATUS_DESCRIPTIONS[status] ?? `Error ${status}`);
}

function byteOffset(s: string, i: number): number {
  return Buffer.byteLength(s.slice(0, i));
}

type Rendered = { text: string } | { error: string };

const HTML_TAGS = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'span',
  'tg-spoiler',
  'a',
  'tg-emoji',
  'code',
  'pre',
  'blockquote',
  'tg-time',
]);

/** Telegram's HTML parse mode: supported tags only, balanced, `<`/`>`/`&` escaped. */
function renderHtml(src: string): Rendered {
  let out = '';
  const stack: string[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (ch === '<') {
      const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>/.exec(src.slice(i));
      if (!m) return { error: `Unsupported start tag "" at byte offset ${byteOffset(src, i)}` };
      const [whole, closing, rawName, attrs] = m;
      const name = (rawName ?? '').toLowerCase();
      if (closing) {
        if (stack.at(-1) !== name)
          return { error: `Unexpected end tag at byte offset ${byteOffset(src, i)}` };
        stack.pop();
      } else {
        if (!HTML_TAGS.has(name)) {
          return { error: `Unsupported start tag "${name}" at byte offset ${byteOffset(src, i)}` };
        }
        if (name === 'span' && !/class\s*=\s*["']?tg-spoiler/.test(attrs ?? '')) {
          return { error: `Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(src, i)}` };
        }
        stack.push(name);
      }
      i += whole.length;
      continue;
    }
    if (ch === '>') return { error: `Unexpected end of name token at byte offset ${byteOffset(src, i)}` };
    if (ch === '&') {
      const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/.exec(src.slice(i, i + 12));
      if (m) {
        const e = m[1] ?? '';
        const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
        out +=
          named[e] ??
          String.fromCodePoint(e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
        i += m[0].length;
        continue;
      }
    }
    out += ch;
    i += 1;
  }
  const open = stack.at(-1);
  if (open) return { error: `Can't find end tag corresponding to start tag "${open}"` };
  return { text: out };
}

const MDV2_RESERVED = '_*[]()~`>#+-=|{}.!';
const MDV2_NAMES: Record<string, string> = {
  '*': 'Bold',
  _: 'Italic',
  __: 'Underline',
  '~': 'Strikethrough',
  '||': 'Spoiler',
};

/** Telegram's MarkdownV2: every reserved character outside an entity must be escaped with '\'. */
function renderMarkdownV2(src: string, base = 0): Rendered {
  let out = '';
  const open = new Map<string, number>();
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (ch === '\\') {
      const next = src[i + 1];
      if (next === undefined) return { error: 'Unexpected end of text' };
      out += next;
      i += 2;
      continue;
    }
    if (ch === '`') {
      const fence = src.startsWith('```', i) ? '```' : '`';
      let j = i + fence.length;
      while (j < src.length && !src.startsWith(fence, j)) j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) {
        return {
          error: `Can't find end of ${fence === '```' ? 'Pre' : 'Code'} entity at byte offset ${base + byteOffset(src, i)}`,
        };
      }
      let inner = src.slice(i + fence.length, j);
      if (fence === '```') inner = inner.replace(/^[A-Za-z0-9_+-]*\n/, '');
      out += inner.replace(/\\([`\\])/g, '$1');
      i = j + fence.length;
      continue;
    }
    if (ch === '[' || (ch === '!' && src[i + 1] === '[')) {
      const start = ch === '!' ? i + 1 : i;
      const m = /^\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)/.exec(src.slice(start));
      if (!m) {
        return {
          error: `Character '${ch}' is reserved and must be escaped with the preceding '\\'`,
        };
      }
      const inner = renderMarkdownV2(m[1] ?? '', base + byteOffset(src, start + 1));
      if ('error' in inner) return inner;
      out += inner.text;
      i = start + m[0].length;
      continue;
    }
    if (ch === '*' || ch === '_' || ch === '~' || ch === '|') {
      const marker = (ch === '_' || ch === '|') && src[i + 1] === ch ? ch + ch : ch;
      if (marker === '|') {
        return { error: `Character '|' is reserved and must be escaped with the preceding '\\'` };
      }
      if (open.has(marker)) open.delete(marker);
      else open.set(marker, base + byteOffset(src, i));
      i += marker.length;
      continue;
    }
    if (ch === '>' && (i === 0 || src[i - 1] === '\n')) {
      i += 1;
      continue;
    }
    if (MDV2_RESERVED.includes(ch)) {
      return { error: `Character '${ch}' is reserved and must be escaped with the preceding '\\'` };
    }
    out += ch;
    i += 1;
  }
  for (const [marker, at] of open) {
    return { error: `Can't find end of ${MDV2_NAMES[marker] ?? marker} entity at byte offset ${at}` };
  }
  return { text: out };
}

/** Telegram's legacy Markdown: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`. */
function renderMarkdown(src: string): Rendered {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (ch === '\\' && '_*`['.includes(src[i + 1] ?? '')) {
      out += src[i + 1];
      i += 2;
      continue;
    }
    if (ch === '*' || ch === '_' || ch === '`') {
      const fence = ch === '`' && src.startsWith('```', i) ? '```' : ch;
      const end = src.indexOf(fence, i + fence.length);
      if (end === -1)
        return { error: `Can't find end of the entity starting at byte offset ${byteOffset(src, i)}` };
      out += src.slice(i + fence.length, end);
      i = end + fence.length;
      continue;
    }
    if (ch === '[') {
      const m = /^\[([^\]]*)\]\(([^)]*)\)/.exec(src.slice(i));
      if (!m) return { error: `Can't find end of the entity starting at byte offset ${byteOffset(src, i)}` };
      out += m[1];
      i += m[0].length;
      continue;
    }
    out += ch;
    i += 1;
  }
  return { text: out };
}

function renderText(text: string, parseMode: unknown): string {
  if (parseMode === undefined || parseMode === null || parseMode === '') return text;
  const mode = String(parseMode);
  const r =
    mode === 'HTML'
      ? renderHtml(text)
      : mode === 'MarkdownV2'
        ? renderMarkdownV2(text)
        : mode === 'Markdown'
          ? renderMarkdown(text)
          : { error: `unsupported parse_mode "${mode}"` };
  if ('error' in r) {
    throw mode === 'HTML' || mode === 'MarkdownV2' || mode === 'Markdown'
      ? bad(`can't parse entities: ${r.error}`)
      : bad(`unsupported parse_mode`);
  }
  return r.text;
}

function commandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  for (const m of text.matchAll(/(^|\s)(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?)/g)) {
    const offset = (m.index ?? 0) + (m[1]?.length ?? 0);
    entities.push({ type: 'bot_command', offset, length: m[2]?.length ?? 0 });
  }
  return entities;
}

const INLINE_ACTIONS = [
  'callback_data',
  'url',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'callback_game',
  'pay',
  'web_app',
  'copy_text',
];

/** Validates reply_markup like Telegram; returns the inline keyboard to keep on the message (if any). */
function checkReplyMarkup(markup: unknown): Message['reply_markup'] | undefined {
  if (markup === undefined || markup === null || markup === '') return undefined;
  if (typeof markup !== 'object') throw bad("can't parse reply keyboard markup JSON object");
  const m = markup as Record<string, unknown>;
  if ('inline_keyboard' in m) {
    const rows = m.inline_keyboard;
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
      throw bad('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays');
    }
    for (const row of rows as unknown[][]) {
      for (const b of row) {
        const button = (b ?? {}) as Record<string, unknown>;
        if (typeof button.text !== 'string' || button.text === '') throw bad('BUTTON_TEXT_INVALID');
        const actions = INLINE_ACTIONS.filter((a) => button[a] !== undefined);
        if (actions.length === 0) {
          throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
        }
        if (button.callback_data !== undefined) {
          const len = Buffer.byteLength(String(button.callback_data));
          if (len < 1 || len > 64) throw bad('BUTTON_DATA_INVALID');
        }
        if (button.url !== undefined && !/^(https?|tg):\/\//.test(String(button.url))) {
          throw bad('inline keyboard button URL is invalid');
        }
      }
    }
    return { inline_keyboard: rows as InlineKeyboardButton[][] };
  }
  if ('keyboard' in m) {
    const rows = m.keyboard;
    if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) {
      throw bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays');
    }
    for (const row of rows as unknown[][]) {
      for (const b of row) {
        const text = typeof b === 'string' ? b : (b as { text?: unknown } | null)?.text;
        if (typeof text !== 'string' || text === '') throw bad('keyboard button text must be non-empty');
      }
    }
    return undefined;
  }
  if (m.remove_keyboard === true || m.force_reply === true) return undefined;
  throw bad("can't parse reply keyboard markup JSON object");
}

function randomId(prefix: string, bytes = 18): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

function chatKeyOf(update: Update): string | undefined {
  const id =
    update.message?.chat.id ??
    update.edited_message?.chat.id ??
    update.callback_query?.message?.chat.id ??
    update.callback_query?.from.id ??
    update.my_chat_member?.chat.id;
  return id === undefined ? undefined : String(id);
}

function updateType(update: Update): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'unknown';
}

const DEFAULT_EXCLUDED_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

// ---------------------------------------------------------------------------------------------------
// The fake

interface ChatState {
  chat: Chat.PrivateChat;
  user: User;
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  blocked: boolean;
}

interface HookState {
  url: string;
  secret_token?: string;
  max_connections: number;
  ip_address?: string;
  last_error_date?: number;
  last_error_message?: string;
}

interface Poller {
  wake(): void;
  conflict(): void;
}

/** Starts a fake Bot API server on 127.0.0.1 (free port). */
export async function startFakeTelegram(opts: StartFakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = opts.token ?? '123456789:TEST-fake-token';
  const botId = Number(token.split(':')[0]) || 123456789;
  const botUsername = opts.botUsername ?? 'whiteflag_test_bot';
  const botUser: UserFromGetMe = {
    id: botId,
    is_bot: true,
    first_name: opts.botFirstName ?? 'Whiteflag Test Bot',
    username: botUsername,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
  const strictChats = opts.strictChats ?? true;
  const isRateLimited =
    opts.isRateLimited ?? ((m: string) => m.toLowerCase().startsWith('send') && m !== 'sendChatAction');
  const retryDelays = opts.webhookRetryDelaysMs ?? [100, 500, 1500];
  const webhookTimeoutMs = opts.webhookTimeoutMs ?? 10_000;

  const calls: TelegramCall[] = [];
  const sent = new Recorder<TelegramCall>();
  const violations: RateViolation[] = [];
  const rateLimits = {
    globalPerSecond: opts.globalPerSecond ?? 30,
    perChatPerSecond: opts.perChatPerSecond ?? 1,
  };
  const globalWindow = new SlidingWindow();
  const chatWindows = new Map<string, SlidingWindow>();
  const faults = new FaultQueue();
  const chats = new Map<string, ChatState>();
  const files = new Map<string, StoredFile>();
  const filesByPath = new Map<string, StoredFile>();
  const callbackQueries = new Map<string, { answered: boolean }>();
  const callbackAnswers = new Map<string, Record<string, unknown>>();
  const commands = new Map<string, BotCommand[]>();
  const custom = new Map<string, { name: string; handler: MethodHandler }>();

  let nextUpdateId = opts.firstUpdateId ?? 500_000_001;
  let queue: Update[] = [];
  let allowedUpdates: string[] | null = null;
  const pollers = new Set<Poller>();
  let hook: HookState | null = null;
  const inflight = new Set<number>();
  const inflightChats = new Set<string>();
  const webhookDeliveries: WebhookAttempt[] = [];
  const webhookDropped: Update[] = [];
  let fileCounter = 0;
  let callbackCounter = 0;

  const now = () => Math.floor(Date.now() / 1000);

  // — chats & messages —

  function chatState(c: FakeTelegramChat): ChatState {
    const key = String(c.id);
    let st = chats.get(key);
    if (!st) {
      const user: User = { id: c.id, is_bot: false, first_name: c.first_name ?? 'User' };
      if (c.last_name) user.last_name = c.last_name;
      if (c.username) user.username = c.username;
      if (c.language_code) user.language_code = c.language_code;
      const chat: Chat.PrivateChat = { id: c.id, type: 'private', first_name: user.first_name };
      if (c.last_name) chat.last_name = c.last_name;
      if (c.username) chat.username = c.username;
      st = { chat, user, nextMessageId: 1, messages: new Map(), blocked: false };
      chats.set(key, st);
    }
    return st;
  }

  function requireChat(chatId: unknown): ChatState {
    if (chatId === undefined || chatId === null || chatId === '') throw bad('chat_id is empty');
    const key = String(chatId);
    let st = chats.get(key);
    if (!st) {
      const id = num(chatId);
      if (strictChats || id === undefined) throw bad('chat not found');
      st = chatState({ id });
    }
    if (st.blocked) throw new TelegramApiError(403, 'Forbidden: bot was blocked by the user');
    return st;
  }

  function store(st: ChatState, sender: 'user' | 'bot', fields: Partial<Message>): Message {
    const message = {
      message_id: st.nextMessageId++,
      from: sender === 'bot' ? botUser : st.user,
      chat: st.chat,
      date: now(),
      ...fields,
    } as Message;
    st.messages.set(message.message_id, { message, sender, deleted: false, edits: 0 });
    return message;
  }

  // — files —

  function addFile(
    bytes: Uint8Array,
    mime?: string,
    o: { kind?: 'photos' | 'voice' | 'documents'; fileName?: string } = {},
  ): string {
    const type = mime ?? sniffMime(bytes);
    const kind =
      o.kind ?? (type.startsWith('image/') ? 'photos' : type.startsWith('audio/') ? 'voice' : 'documents');
    const prefix =
      kind === 'photos' ? 'AgACAgIAAxkBAA' : kind === 'voice' ? 'AwACAgIAAxkBAA' : 'BQACAgIAAxkBAA';
    const file: StoredFile = {
      file_id: randomId(prefix),
      file_unique_id: randomId('AQAD', 9),
      file_path: `${kind}/file_${fileCounter++}.${extensionFor(type)}`,
      mime: type,
      bytes: Buffer.from(bytes),
    };
    files.set(file.file_id, file);
    filesByPath.set(file.file_path, file);
    return file.file_id;
  }

  function photoSizes(file: StoredFile): PhotoSize[] {
    const { width, height } = imageSize(file.bytes);
    return [
      {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        width,
        height,
        file_size: file.bytes.length,
      },
    ];
  }

  // — updates —

  function enqueueUpdate(u: Omit<Update, 'update_id'>): Update {
    const update = { update_id: nextUpdateId++, ...u } as Update;
    queue.push(update);
    for (const p of pollers) p.wake();
    pumpWebhook();
    return update;
  }

  function isAllowed(u: Update): boolean {
    const t = updateType(u);
    if (allowedUpdates && allowedUpdates.length > 0) return allowedUpdates.includes(t);
    return !DEFAULT_EXCLUDED_UPDATES.has(t);
  }

  function userMessage(c: FakeTelegramChat, fields: Partial<Message>): Update {
    const st = chatState(c);
    st.blocked = false;
    const message = store(st, 'user', fields);
    return enqueueUpdate({ message: message as Update['message'] });
  }

  // — webhook delivery —

  function pumpWebhook(): void {
    const h = hook;
    if (!h || server.signal.aborted) return;
    while (inflight.size < h.max_connections) {
      const next = queue.find((u) => {
        if (inflight.has(u.update_id)) return false;
        const key = chatKeyOf(u);
        return key === undefined || !inflightChats.has(key);
      });
      if (!next) return;
      if (!isAllowed(next)) {
        queue = queue.filter((u) => u !== next);
        continue;
      }
      inflight.add(next.update_id);
      const key = chatKeyOf(next);
      if (key !== undefined) inflightChats.add(key);
      void deliver(next, h).finally(() => {
        inflight.delete(next.update_id);
        if (key !== undefined) inflightChats.delete(key);
        pumpWebhook();
      });
    }
  }

  async function deliver(update: Update, h: HookState): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (h.secret_token) headers['x-telegram-bot-api-secret-token'] = h.secret_token;
    for (let attempt = 1; ; attempt++) {
      if (hook !== h || server.signal.aborted) return;
      const started = Date.now();
      let status: number | null = null;
      let error: string | undefined;
      let text = '';
      let contentType = '';
      try {
        const r = await postRaw(h.url, JSON.stringify(update), headers, webhookTimeoutMs, server.signal);
        status = r.status;
        text = r.text;
        contentType = r.headers.get('content-type') ?? '';
      } catch (err) {
        error = describeFetchError(err);
      }
      const attemptRecord: WebhookAttempt = {
        updateId: update.update_id,
        attempt,
        url: h.url,
        status,
        time: started,
        durationMs: Date.now() - started,
      };
      if (error !== undefined) attemptRecord.error = error;
      webhookDeliveries.push(attemptRecord);
      if (status !== null && status >= 200 && status < 300) {
        queue = queue.filter((u) => u !== update);
        if (contentType.includes('application/json') && text.trim().startsWith('{')) {
          await runWebhookReply(text);
        }
        return;
      }
      if (server.signal.aborted) return;
      h.last_error_date = now();
      h.last_error_message =
        error ?? `Wrong response from the webhook: ${status} ${http.STATUS_CODES[status ?? 0] ?? ''}`.trim();
      const delay = retryDelays[attempt - 1];
      if (delay === undefined) {
        queue = queue.filter((u) => u !== update);
        webhookDropped.push(update);
        return;
      }
      await sleep(delay, server.signal);
    }
  }

  async function runWebhookReply(text: string): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof body.method !== 'string') return;
    const { method, ...params } = body;
    const call: TelegramCall = {
      method,
      params,
      time: Date.now(),
      status: 200,
      outcome: 'ok',
      viaWebhookReply: true,
    };
    calls.push(call);
    const limited = checkRateLimit(method, params);
    if (limited) {
      Object.assign(call, { status: limited.status, outcome: 'rate_limited' });
      return;
    }
    const r = await execute(method, params, new Map(), null);
    Object.assign(call, r.call);
    if (call.outcome === 'ok') sent.push(call);
  }

  // — rate limits —

  function checkRateLimit(method: string, params: Record<string, unknown>): HttpReply | null {
    if (!isRateLimited(method)) return null;
    const t = Date.now();
    const chatId = params.chat_id === undefined ? undefined : String(params.chat_id);
    let chatWindow: SlidingWindow | undefined;
    if (chatId !== undefined) {
      chatWindow = chatWindows.get(chatId);
      if (!chatWindow) {
        chatWindow = new SlidingWindow();
        chatWindows.set(chatId, chatWindow);
      }
    }
    const globalWait = globalWindow.waitMs(rateLimits.globalPerSecond, t);
    const chatWait = chatWindow ? chatWindow.waitMs(rateLimits.perChatPerSecond, t) : 0;
    if (globalWait > 0 || chatWait > 0) {
      const retryAfter = Math.max(1, Math.ceil(Math.max(globalWait, chatWait) / 1000));
      violations.push({
        method,
        chatId,
        scope: chatWait > 0 ? 'chat' : 'global',
        retryAfter,
        time: t,
      });
      return errorReply(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    globalWindow.add(t);
    chatWindow?.add(t);
    return null;
  }

  // — methods —

  type Handler = (
    p: Record<string, unknown>,
    files: Map<string, MultipartPart>,
    res: http.ServerResponse | null,
  ) => unknown;

  function resolveInputFile(
    p: Record<string, unknown>,
    key: string,
    uploads: Map<string, MultipartPart>,
    kind: 'photos' | 'voice' | 'documents',
  ): StoredFile {
    const v = p[key];
    let part = uploads.get(key);
    if (typeof v === 'string' && v.startsWith('attach://')) part = uploads.get(v.slice('attach://'.length));
    if (part) {
      const mime =
        part.contentType && part.contentType !== 'application/octet-stream' ? part.contentType : undefined;
      const id = addFile(part.data, mime ?? sniffMime(part.data), { kind });
      const f = files.get(id);
      if (f) {
        p[key] = { uploaded: part.filename ?? key, size: part.data.length, file_id: id };
        return f;
      }
    }
    if (typeof v === 'string') {
      const known = files.get(v);
      if (known) return known;
      if (/^https?:\/\//.test(v)) {
        const f = files.get(addFile(Buffer.alloc(0), 'application/octet-stream', { kind }));
        if (f) return f;
      }
    }
    throw bad('wrong file identifier/HTTP URL specified');
  }

  function caption(p: Record<string, unknown>): Partial<Message> {
    if (p.caption === undefined) return {};
    const text = renderText(String(p.caption), p.parse_mode);
    if (text.length > 1024) throw bad('message caption is too long');
    return { caption: text };
  }

  function findMessage(
    p: Record<string, unknown>,
    what: 'edit' | 'delete',
  ): { st: ChatState; sm: StoredMessage } {
    if (p.inline_message_id !== undefined) throw bad('inline messages are not supported by the fake');
    const st = requireChat(p.chat_id);
    const id = num(p.message_id);
    const sm = id === undefined ? undefined : st.messages.get(id);
    if (!sm || sm.deleted) throw bad(`message to ${what} not found`);
    return { st, sm };
  }

  function sameMarkup(a: unknown, b: unknown): boolean {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  }

  const methods: Record<string, Handler> = {
    getMe: () => botUser,
    logOut: () => true,
    close: () => true,

    getUpdates: async (p, _uploads, res) => {
      if (hook) {
        throw new TelegramApiError(
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        );
      }
      const offset = num(p.offset);
      const limit = Math.min(100, Math.max(1, num(p.limit) ?? 100));
      const timeout = Math.max(0, num(p.timeout) ?? 0);
      if (Array.isArray(p.allowed_updates)) allowedUpdates = p.allowed_updates.map(String);
      if (offset !== undefined && offset > 0) queue = queue.filter((u) => u.update_id >= offset);
      if (offset !== undefined && offset < 0) queue = queue.slice(offset);
      for (const other of pollers) other.conflict();
      const batch = () => {
        queue = queue.filter(isAllowed);
        return queue.slice(0, limit);
      };
      const deadline = Date.now() + timeout * 1000;
      for (;;) {
        const b = batch();
        const left = deadline - Date.now();
        if (b.length > 0 || left <= 0 || !res) return b;
        const outcome = await new Promise<'wake' | 'timeout' | 'gone' | 'conflict'>((resolve) => {
          let settled = false;
          const done = (why: 'wake' | 'timeout' | 'gone' | 'conflict') => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            pollers.delete(poller);
            server.signal.removeEventListener('abort', onAbort);
            resolve(why);
          };
          const poller: Poller = { wake: () => done('wake'), conflict: () => done('conflict') };
          const timer = setTimeout(() => done('timeout'), left);
          const onAbort = () => done('timeout');
          server.signal.addEventListener('abort', onAbort);
          onClientGone(res, () => done('gone'));
          pollers.add(poller);
        });
        if (outcome === 'conflict') {
          throw new TelegramApiError(
            409,
            'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
          );
        }
        if (outcome === 'gone' || server.signal.aborted) return [];
      }
    },

    setWebhook: (p) => {
      const url = p.url === undefined ? '' : String(p.url);
      if (url === '') {
        hook = null;
        if (bool(p.drop_pending_updates)) queue = [];
        return true;
      }
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw bad('bad webhook: invalid webhook URL specified');
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        throw bad('bad webhook: An HTTPS URL must be provided for webhook');
      }
      const secret = p.secret_token === undefined ? undefined : String(p.secret_token);
      if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
        throw bad('secret token contains unallowed characters');
      }
      if (Array.isArray(p.allowed_updates)) allowedUpdates = p.allowed_updates.map(String);
      if (bool(p.drop_pending_updates)) queue = [];
      const h: HookState = {
        url,
        max_connections: Math.min(100, Math.max(1, num(p.max_connections) ?? 40)),
      };
      if (secret !== undefined) h.secret_token = secret;
      if (p.ip_address !== undefined) h.ip_address = String(p.ip_address);
      hook = h;
      queueMicrotask(pumpWebhook);
      return true;
    },

    deleteWebhook: (p) => {
      hook = null;
      if (bool(p.drop_pending_updates)) queue = [];
      return true;
    },

    getWebhookInfo: () =>
      webhookInfo() ?? { url: '', has_custom_certificate: false, pending_update_count: queue.length },

    sendMessage: (p) => {
      const st = requireChat(p.chat_id);
      if (p.text === undefined || String(p.text).trim() === '') throw bad('message text is empty');
      const text = renderText(String(p.text), p.parse_mode);
      if (text.trim() === '') throw bad('message text is empty');
      if (text.length > 4096) throw bad('message is too long');
      const markup = checkReplyMarkup(p.reply_markup);
      const fields: Partial<Message> = { text };
      if (markup) fields.reply_markup = markup;
      return store(st, 'bot', fields);
    },

    editMessageText: (p) => {
      const { sm } = findMessage(p, 'edit');
      if (sm.sender !== 'bot') throw bad("message can't be edited");
      if (p.text === undefined || String(p.text).trim() === '') throw bad('message text is empty');
      const text = renderText(String(p.text), p.parse_mode);
      if (text.length > 4096) throw bad('message is too long');
      const markup = checkReplyMarkup(p.reply_markup);
      if (text === sm.message.text && sameMarkup(markup, sm.message.reply_markup)) {
        throw bad(
          'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        );
      }
      const edited = { ...sm.message, text, edit_date: now() } as Message;
      if (markup) edited.reply_markup = markup;
      else delete edited.reply_markup;
      sm.message = edited;
      sm.edits += 1;
      return edited;
    },

    editMessageReplyMarkup: (p) => {
      const { sm } = findMessage(p, 'edit');
      if (sm.sender !== 'bot') throw bad("message can't be edited");
      const markup = checkReplyMarkup(p.reply_markup);
      if (sameMarkup(markup, sm.message.reply_markup)) {
        throw bad(
          'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
        );
      }
      const edited = { ...sm.message, edit_date: now() } as Message;
      if (markup) edited.reply_markup = markup;
      else delete edited.reply_markup;
      sm.message = edited;
      sm.edits += 1;
      return edited;
    },

    answerCallbackQuery: (p) => {
      const id = String(p.callback_query_id ?? '');
      const q = callbackQueries.get(id);
      if (!q || q.answered) {
        throw bad('query is too old and response timeout expired or query ID is invalid');
      }
      if (p.text !== undefined && String(p.text).length > 200) throw bad('MESSAGE_TOO_LONG');
      q.answered = true;
      callbackAnswers.set(id, p);
      return true;
    },

    deleteMessage: (p) => {
      const { sm } = findMessage(p, 'delete');
      if (now() - sm.message.date > 48 * 3600) throw bad("message can't be deleted for everyone");
      sm.deleted = true;
      return true;
    },

    deleteMessages: (p) => {
      const st = requireChat(p.chat_id);
      const ids = Array.isArray(p.message_ids) ? p.message_ids.map((x) => num(x)) : [];
      if (ids.length < 1 || ids.length > 100) throw bad('message identifiers are not specified');
      for (const id of ids) {
        const sm = id === undefined ? undefined : st.messages.get(id);
        if (sm && !sm.deleted && now() - sm.message.date <= 48 * 3600) sm.deleted = true;
      }
      return true;
    },

    sendChatAction: (p) => {
      requireChat(p.chat_id);
      if (!CHAT_ACTIONS.has(String(p.action))) throw bad('wrong parameter action in request');
      return true;
    },

    sendPhoto: (p, uploads) => {
      const st = requireChat(p.chat_id);
      const file = resolveInputFile(p, 'photo', uploads, 'photos');
      const fields: Partial<Message> = { photo: photoSizes(file), ...caption(p) };
      const markup = checkReplyMarkup(p.reply_markup);
      if (markup) fields.reply_markup = markup;
      return store(st, 'bot', fields);
    },

    sendDocument: (p, uploads) => {
      const st = requireChat(p.chat_id);
      const file = resolveInputFile(p, 'document', uploads, 'documents');
      const fields: Partial<Message> = {
        document: {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          file_name: file.file_path.split('/').pop() ?? 'file',
          mime_type: file.mime,
          file_size: file.bytes.length,
        },
        ...caption(p),
      };
      const markup = checkReplyMarkup(p.reply_markup);
      if (markup) fields.reply_markup = markup;
      return store(st, 'bot', fields);
    },

    sendVoice: (p, uploads) => {
      const st = requireChat(p.chat_id);
      const file = resolveInputFile(p, 'voice', uploads, 'voice');
      return store(st, 'bot', {
        voice: {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          duration: num(p.duration) ?? 0,
          mime_type: 'audio/ogg',
          file_size: file.bytes.length,
        },
        ...caption(p),
      });
    },

    getFile: (p) => {
      const f = files.get(String(p.file_id ?? ''));
      if (!f) throw bad('invalid file_id');
      if (f.bytes.length > 20 * 1024 * 1024) throw bad('file is too big');
      const result: File = {
        file_id: f.file_id,
        file_unique_id: f.file_unique_id,
        file_size: f.bytes.length,
        file_path: f.file_path,
      };
      return result;
    },

    setMyCommands: (p) => {
      const list = p.commands;
      if (!Array.isArray(list) || list.length > 100)
        throw bad('commands must be an array of up to 100 items');
      for (const c of list as Record<string, unknown>[]) {
        if (!/^[a-z0-9_]{1,32}$/.test(String(c?.command ?? ''))) throw bad('BOT_COMMAND_INVALID');
        const d = String(c?.description ?? '');
        if (d.length < 1 || d.length > 256) throw bad('command description must be 1-256 characters');
      }
      commands.set(commandKey(p), list as BotCommand[]);
      return true;
    },
    getMyCommands: (p) => commands.get(commandKey(p)) ?? [],
    deleteMyCommands: (p) => {
      commands.delete(commandKey(p));
      return true;
    },
  };

  function commandKey(p: Record<string, unknown>): string {
    const scope = (p.scope as { type?: string } | undefined)?.type ?? 'default';
    return `${scope}:${p.language_code ?? ''}`;
  }

  function webhookInfo(): (WebhookInfo & { secret_token?: string }) | null {
    if (!hook) return null;
    const info: WebhookInfo & { secret_token?: string } = {
      url: hook.url,
      has_custom_certificate: false,
      pending_update_count: queue.length,
      max_connections: hook.max_connections,
    };
    if (hook.ip_address) info.ip_address = hook.ip_address;
    if (hook.last_error_date) info.last_error_date = hook.last_error_date;
    if (hook.last_error_message) info.last_error_message = hook.last_error_message;
    if (allowedUpdates) info.allowed_updates = allowedUpdates as WebhookInfo['allowed_updates'];
    return info;
  }

  const methodIndex = new Map<string, string>(Object.keys(methods).map((m) => [m.toLowerCase(), m]));

  /** Runs a known method; returns the reply and the fields to merge into the call record. */
  async function execute(
    method: string,
    params: Record<string, unknown>,
    uploads: Map<string, MultipartPart>,
    res: http.ServerResponse | null,
  ): Promise<{ reply: HttpReply; call: Partial<TelegramCall> }> {
    try {
      const c = custom.get(method.toLowerCase());
      const name = methodIndex.get(method.toLowerCase());
      const handler = methods[name ?? ''];
      const result = c ? await c.handler(params) : handler ? await handler(params, uploads, res) : undefined;
      return {
        reply: { status: 200, json: { ok: true, result } },
        call: { status: 200, outcome: 'ok', result },
      };
    } catch (err) {
      if (err instanceof TelegramApiError) {
        return {
          reply: errorReply(err.errorCode, err.description, err.parameters),
          call: { status: err.errorCode, outcome: 'error', description: err.description },
        };
      }
      throw err;
    }
  }

  // — HTTP —

  const server = await startHttpServer(async (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (fileMatch) {
      const [, tok, filePath] = fileMatch;
      if (tok !== token) return reply(res, errorReply(401, 'Unauthorized'));
      const f = filesByPath.get(filePath ?? '');
      if (!f) return reply(res, errorReply(404, 'Not Found'));
      const spec = faults.take('file');
      await runWithFault(
        spec,
        req,
        res,
        server.signal,
        (s, sp) => faultReply(s, sp),
        async () => ({
          status: 200,
          raw: f.bytes,
          headers: { 'content-type': f.mime },
        }),
      );
      return;
    }
    const m = /^\/bot([^/]+)\/([A-Za-z0-9_]+)\/?$/.exec(path);
    if (!m) return reply(res, errorReply(404, 'Not Found'));
    const [, tok, rawMethod = ''] = m;
    const method =
      custom.get(rawMethod.toLowerCase())?.name ?? methodIndex.get(rawMethod.toLowerCase()) ?? rawMethod;

    let parsed: ReturnType<typeof parseBody>;
    try {
      parsed = parseBody(req, body);
    } catch {
      return reply(res, errorReply(400, "Bad Request: can't parse JSON object"));
    }
    const params: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    Object.assign(params, parsed.fields);
    if (parsed.kind !== 'json') {
      for (const [k, v] of Object.entries(params)) {
        if (JSON_FIELDS.has(k) && typeof v === 'string') {
          try {
            params[k] = JSON.parse(v);
          } catch {
            return reply(res, errorReply(400, `Bad Request: can't parse ${k} JSON object`));
          }
        }
      }
    }

    const call: TelegramCall = { method, params, time: Date.now(), status: null, outcome: 'pending' };
    calls.push(call);
    if (tok !== token) {
      Object.assign(call, { status: 401, outcome: 'unauthorized', description: 'Unauthorized' });
      return reply(res, errorReply(401, 'Unauthorized'));
    }
    if (!custom.has(method.toLowerCase()) && !methodIndex.has(method.toLowerCase())) {
      Object.assign(call, { status: 404, outcome: 'error', description: 'Not Found' });
      return reply(res, errorReply(404, 'Not Found'));
    }

    let processed: Partial<TelegramCall> | null = null;
    const outcome = await runWithFault(
      faults.take(method),
      req,
      res,
      server.signal,
      (s, sp) => faultReply(s, sp),
      async () => {
        const limited = checkRateLimit(method, params);
        if (limited) {
          processed = { status: 429, outcome: 'rate_limited', description: 'Too Many Requests' };
          return limited;
        }
        const r = await execute(method, params, parsed.files, res);
        processed = r.call;
        return r.reply;
      },
    );
    if (outcome.kind === 'dropped') {
      Object.assign(call, { status: null, outcome: 'dropped' });
    } else if (outcome.kind === 'faulted') {
      const j = outcome.reply.json as { description?: string } | undefined;
      Object.assign(call, { status: outcome.reply.status, outcome: 'fault', description: j?.description });
    } else {
      Object.assign(call, processed ?? {});
      if (outcome.kind === 'processed-dropped') call.status = null;
      if (call.outcome === 'ok' && method !== 'getUpdates') sent.push(call);
    }
  }, opts.port);

  // — the returned handle —

  function findChat(chatId: number | string): ChatState {
    const st = chats.get(String(chatId));
    if (!st) throw new Error(`fake telegram: unknown chat ${chatId}`);
    return st;
  }

  const fake: FakeTelegram = {
    url: server.url,
    token,
    botId,
    botUsername,
    calls,
    sent: sent.items,
    sentTo: (chatId, method) =>
      sent.items.filter(
        (c) => String(c.params.chat_id) === String(chatId) && (method === undefined || c.method === method),
      ),
    waitForSent: (pred, timeoutMs) => sent.waitFor(pred, timeoutMs, 'a matching Telegram call'),
    rateLimits,
    violations,
    rate(method = 'sendMessage') {
      const list = sent.items.filter((c) => c.method === method);
      const first = list[0]?.time ?? 0;
      const last = list.at(-1)?.time ?? 0;
      const spanMs = last - first;
      return { count: list.length, spanMs, perSecond: spanMs > 0 ? ((list.length - 1) * 1000) / spanMs : 0 };
    },
    fail: (method, ...specs) => faults.add(method, specs),
    clearFaults: (method) => faults.clear(method),
    onMethod(method, handler) {
      custom.set(method.toLowerCase(), { name: method, handler });
    },

    addChat: (chat) => {
      chatState(chat);
    },
    userSends(chat, text) {
      const entities = commandEntities(text);
      return userMessage(chat, entities.length > 0 ? { text, entities } : { text });
    },
    userSendsPhoto(chat, bytes, captionText) {
      const file = files.get(addFile(bytes, undefined, { kind: 'photos' }));
      if (!file) throw new Error('unreachable');
      const fields: Partial<Message> = { photo: photoSizes(file) };
      if (captionText !== undefined) fields.caption = captionText;
      return userMessage(chat, fields);
    },
    userSendsDocument(chat, bytes, o = {}) {
      const file = files.get(addFile(bytes, o.mime, { kind: 'documents' }));
      if (!file) throw new Error('unreachable');
      const fields: Partial<Message> = {
        document: {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          file_name: o.fileName ?? `document.${extensionFor(file.mime)}`,
          mime_type: file.mime,
          file_size: file.bytes.length,
        },
      };
      if (o.caption !== undefined) fields.caption = o.caption;
      return userMessage(chat, fields);
    },
    userSendsVoice(chat, bytes, durationSec) {
      const file = files.get(addFile(bytes, 'audio/ogg', { kind: 'voice' }));
      if (!file) throw new Error('unreachable');
      return userMessage(chat, {
        voice: {
          file_id: file.file_id,
          file_unique_id: file.file_unique_id,
          duration: durationSec,
          mime_type: 'audio/ogg',
          file_size: file.bytes.length,
        },
      });
    },
    userPressesButton(chat, messageId, data) {
      const st = chatState(chat);
      const sm = st.messages.get(messageId);
      if (!sm || sm.deleted || sm.sender !== 'bot') {
        throw new Error(
          `fake telegram: chat ${chat.id} has no bot message ${messageId} to press a button on`,
        );
      }
      const markup = sm.message.reply_markup;
      const buttons = markup && 'inline_keyboard' in markup ? markup.inline_keyboard.flat() : [];
      if (!buttons.some((b) => 'callback_data' in b && b.callback_data === data)) {
        throw new Error(
          `fake telegram: message ${messageId} has no button with callback_data ${JSON.stringify(data)}`,
        );
      }
      const id = `${botId}${String(++callbackCounter).padStart(6, '0')}${randomBytes(3).readUIntBE(0, 3)}`;
      callbackQueries.set(id, { answered: false });
      const query: CallbackQuery = {
        id,
        from: st.user,
        message: sm.message,
        chat_instance: String(-(Math.abs(chat.id) * 7919 + botId)),
        data,
      };
      return enqueueUpdate({ callback_query: query });
    },
    userBlocksBot(chat) {
      const st = chatState(chat);
      st.blocked = true;
      return enqueueUpdate({
        my_chat_member: {
          chat: st.chat,
          from: st.user,
          date: now(),
          old_chat_member: { status: 'member', user: botUser },
          new_chat_member: { status: 'kicked', user: botUser, until_date: 0 },
        },
      });
    },
    enqueueUpdate,
    pendingUpdates: () => [...queue],
    chatMessages: (chatId) => [...findChat(chatId).messages.values()],
    ageMessages(chatId, seconds) {
      for (const sm of findChat(chatId).messages.values()) {
        sm.message = { ...sm.message, date: sm.message.date - seconds } as Message;
      }
    },
    callbackAnswers,
    commands,

    addFile: (bytes, mime, o) => addFile(bytes, mime, o),
    files,

    webhook: webhookInfo,
    webhookDeliveries,
    webhookDropped,

    errors: server.errors,
    close: () => server.close(),
  };
  return fake;
}
