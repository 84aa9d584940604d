/**
 * A local fake of the Twilio REST API (2010-04-01) plus producers of the webhooks Twilio sends, signed with
 * the real `twilio` library's algorithm.
 *
 * REST (HTTP Basic `AccountSid:AuthToken`, form-encoded bodies, JSON answers, errors as
 * `{ code, message, more_info, status }`):
 *
 *   POST   /2010-04-01/Accounts/{AC}/Messages.json            create (To, From|MessagingServiceSid, Body,
 *                                                              MediaUrl*, StatusCallback) → 201 Message "SM…"
 *   GET    /2010-04-01/Accounts/{AC}/Messages/{SM}.json        fetch      GET …/Messages.json  list (To, From)
 *   POST   /2010-04-01/Accounts/{AC}/Messages/{SM}.json        update (Body="" redacts)   DELETE → 204
 *   POST   /2010-04-01/Accounts/{AC}/Calls.json                create (To, From, Url|Twiml|ApplicationSid,
 *                                                              StatusCallback) → 201 Call "CA…"
 *   GET|POST /2010-04-01/Accounts/{AC}/Calls/{CA}.json         fetch / update (Status, Twiml, Url)
 *   GET    /2010-04-01/Accounts/{AC}/Recordings/{RE}[.wav|.mp3|.json]   recording bytes / metadata
 *   DELETE /2010-04-01/Accounts/{AC}/Recordings/{RE}.json      → 204
 *
 * POINTING THE REAL CLIENT AT IT. twilio-node has no base-URL option: `region`/`edge` (and TWILIO_REGION /
 * TWILIO_EDGE) only rewrite the host to `api.{edge}.{region}.twilio.com`, always https. The supported hook is
 * the documented `httpClient` client option (`ClientOpts.httpClient: RequestClient`): every REST call goes
 * through `httpClient.request({ method, uri: 'https://api.twilio.com/2010-04-01/…', … })`. A RequestClient
 * subclass that swaps the origin of `uri` for a configured base (`BaseUrlRequestClient` below) sends
 * everything to the fake while keeping Twilio's own auth headers, form encoding and error mapping
 * (RestException with `code`/`status`/`moreInfo`). The app can take the same override from configuration,
 * e.g. `TWILIO_API_BASE=http://127.0.0.1:PORT` → `twilio(sid, token, { httpClient: new
 * BaseUrlRequestClient(base) })`, unset in production. (Setting `client.api.baseUrl` after construction
 * also works, but it is an undocumented internal.)
 *
 * Simplifications: recordings are served as the bytes given to `addRecording` whatever the extension
 * (only the Content-Type follows it); no pricing; list paging returns one page.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import {
  FaultQueue,
  type FaultSpec,
  type HttpReply,
  parseBody,
  postRaw,
  Recorder,
  reply,
  runWithFault,
  sleep,
  startHttpServer,
  type WebhookResponse,
} from './common.ts';

export const DEFAULT_ACCOUNT_SID = 'AC0000000000000000000000000000f4ce';
export const DEFAULT_AUTH_TOKEN = 'fake_twilio_auth_token_000000000';
const API = '2010-04-01';

// ---------------------------------------------------------------------------------------------------
// Pointing the real client at a base URL

/** A twilio RequestClient that sends every request to `baseUrl` instead of https://*.twilio.com. */
export class BaseUrlRequestClient extends twilio.RequestClient {
  private readonly base: string;

  constructor(baseUrl: string, opts?: RequestClient.RequestClientOptions) {
    super(opts);
    this.base = baseUrl.replace(/\/+$/, '');
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const u = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: `${this.base}${u.pathname}${u.search}` });
  }
}

/**
 * A real twilio client (same API as production) talking to `fake`. With a custom httpClient twilio ignores
 * its own transport options, so `timeout`, `autoRetry`, `maxRetries`, `maxRetryDelay` and `keepAlive` are
 * handed to the RequestClient here.
 */
export function twilioClientFor(
  fake: { url: string; accountSid: string; authToken: string },
  opts: Omit<twilio.ClientOpts, 'httpClient'> = {},
): twilio.Twilio {
  const transport: RequestClient.RequestClientOptions = {};
  if (opts.timeout !== undefined) transport.timeout = opts.timeout;
  if (opts.autoRetry !== undefined) transport.autoRetry = opts.autoRetry;
  if (opts.maxRetries !== undefined) transport.maxRetries = opts.maxRetries;
  if (opts.maxRetryDelay !== undefined) transport.maxRetryDelay = opts.maxRetryDelay;
  if (opts.keepAlive !== undefined) transport.keepAlive = opts.keepAlive;
  return twilio(fake.accountSid, fake.authToken, {
    ...opts,
    httpClient: new BaseUrlRequestClient(fake.url, transport),
  });
}

// ---------------------------------------------------------------------------------------------------
// Webhooks (Twilio → app)

export type TwilioParams = Record<string, string | string[]>;

/** X-Twilio-Signature for `url` + `params`, computed by the installed twilio library. */
export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

export interface WebhookOptions {
  /** Sign this URL instead of the one POSTed to (the app sits behind a proxy with a public URL). */
  signUrl?: string;
  /** Send this X-Twilio-Signature instead of the correct one (forgery tests); null = no header. */
  signature?: string | null;
  /** I-Twilio-Idempotency-Token; Twilio keeps it across retries of one event. Default: random. */
  idempotencyToken?: string;
  timeoutMs?: number;
}

export interface TwilioWebhookResult extends WebhookResponse {
  params: TwilioParams;
  signature: string;
  idempotencyToken: string;
}

/** POSTs `params` form-encoded to `url` exactly like Twilio: signed, with Twilio's headers. */
export async function postTwilioWebhook(
  url: string,
  params: TwilioParams,
  authToken: string,
  opts: WebhookOptions = {},
): Promise<TwilioWebhookResult> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  }
  const signature =
    opts.signature === undefined ? twilioSignature(authToken, opts.signUrl ?? url, params) : opts.signature;
  const idempotencyToken = opts.idempotencyToken ?? `${randomBytes(16).toString('hex')}-${Date.now()}`;
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    'user-agent': 'TwilioProxy/1.1',
    'i-twilio-idempotency-token': idempotencyToken,
    accept: '*/*',
  };
  if (signature !== null) headers['x-twilio-signature'] = signature;
  const r = await postRaw(url, body.toString(), headers, opts.timeoutMs ?? 15_000);
  return { ...r, params, signature: signature ?? '', idempotencyToken };
}

export function newSid(prefix: 'SM' | 'MM' | 'CA' | 'RE' | 'PN' | 'MG'): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

export interface SmsWebhookInput {
  from: string;
  to: string;
  body: string;
  messageSid?: string;
  accountSid?: string;
  /** MMS attachments: URLs (e.g. of files the fake hosts) and their content types. */
  media?: { url: string; contentType: string }[];
}

/** Parameters of an incoming SMS webhook, as Twilio sends them. */
export function smsParams(i: SmsWebhookInput): TwilioParams {
  const sid = i.messageSid ?? newSid('SM');
  const p: TwilioParams = {
    ToCountry: 'US',
    ToState: '',
    SmsMessageSid: sid,
    NumMedia: String(i.media?.length ?? 0),
    ToCity: '',
    FromZip: '',
    SmsSid: sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: i.body,
    FromCountry: '',
    To: i.to,
    ToZip: '',
    NumSegments: String(segments(i.body)),
    MessageSid: sid,
    AccountSid: i.accountSid ?? DEFAULT_ACCOUNT_SID,
    From: i.from,
    ApiVersion: API,
  };
  i.media?.forEach((m, n) => {
    p[`MediaUrl${n}`] = m.url;
    p[`MediaContentType${n}`] = m.contentType;
  });
  return p;
}

export function smsWebhook(
  appUrl: string,
  input: SmsWebhookInput,
  authToken: string,
  opts?: WebhookOptions,
): Promise<TwilioWebhookResult> {
  return postTwilioWebhook(appUrl, smsParams(input), authToken, opts);
}

/** Voice webhook parameters (Twilio-cased). From and To are required; the rest gets Twilio's defaults. */
export type VoiceParams = { From: string; To: string } & Record<string, string>;

export function voiceParams(p: VoiceParams): TwilioParams {
  return {
    AccountSid: DEFAULT_ACCOUNT_SID,
    ApiVersion: API,
    CallSid: newSid('CA'),
    CallStatus: 'ringing',
    Called: p.To,
    Caller: p.From,
    Direction: 'inbound',
    CallerCountry: '',
    CalledCountry: '',
    ...p,
  };
}

/** A voice webhook (incoming call, `<Gather>` action with Digits, status callback …). */
export function voiceWebhook(
  appUrl: string,
  params: VoiceParams,
  authToken: string,
  opts?: WebhookOptions,
): Promise<TwilioWebhookResult> {
  return postTwilioWebhook(appUrl, voiceParams(params), authToken, opts);
}

export interface RecordingWebhookInput {
  callSid: string;
  from: string;
  to: string;
  recordingUrl: string;
  recordingSid: string;
  durationSec: number;
  accountSid?: string;
  /**
   * 'action' (default): the `<Record action="…">` request — the call's parameters plus RecordingUrl,
   * RecordingSid, RecordingDuration, Digits. 'status': the `recordingStatusCallback` request.
   */
  kind?: 'action' | 'status';
  /** What ended the recording: a key ('#'), 'hangup'. Default 'hangup'. */
  digits?: string;
}

export function recordingParams(i: RecordingWebhookInput): TwilioParams {
  const accountSid = i.accountSid ?? DEFAULT_ACCOUNT_SID;
  if (i.kind === 'status') {
    return {
      AccountSid: accountSid,
      CallSid: i.callSid,
      RecordingSid: i.recordingSid,
      RecordingUrl: i.recordingUrl,
      RecordingStatus: 'completed',
      RecordingDuration: String(i.durationSec),
      RecordingChannels: '1',
      RecordingStartTime: rfc2822(new Date(Date.now() - i.durationSec * 1000)),
      RecordingSource: 'RecordVerb',
      RecordingTrack: 'both',
      ErrorCode: '0',
    };
  }
  return {
    ...voiceParams({
      From: i.from,
      To: i.to,
      CallSid: i.callSid,
      AccountSid: accountSid,
      CallStatus: 'in-progress',
    }),
    RecordingUrl: i.recordingUrl,
    RecordingSid: i.recordingSid,
    RecordingDuration: String(i.durationSec),
    Digits: i.digits ?? 'hangup',
  };
}

export function recordingWebhook(
  appUrl: string,
  input: RecordingWebhookInput,
  authToken: string,
  opts?: WebhookOptions,
): Promise<TwilioWebhookResult> {
  return postTwilioWebhook(appUrl, recordingParams(input), authToken, opts);
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

const GSM7 =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXT = '^{}\\[~]|€\f';

/** SMS segments: GSM-7 160/153 per part, otherwise UCS-2 70/67. */
export function segments(body: string): number {
  let septets = 0;
  let gsm = true;
  for (const ch of body) {
    if (GSM7.includes(ch)) septets += 1;
    else if (GSM7_EXT.includes(ch)) septets += 2;
    else gsm = false;
  }
  if (body.length === 0) return 1;
  if (gsm) return septets <= 160 ? 1 : Math.ceil(septets / 153);
  const units = body.length; // UTF-16 code units
  return units <= 70 ? 1 : Math.ceil(units / 67);
}

const E164 = /^\+[1-9]\d{6,14}$/;

class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function errorReply(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): HttpReply {
  const r: HttpReply = {
    status,
    json: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
  if (headers) r.headers = headers;
  return r;
}

function faultReply(status: number, spec: TwilioFaultSpec): HttpReply {
  const defaults: Record<number, [number, string]> = {
    400: [21211, "The 'To' number is not a valid phone number."],
    401: [20003, 'Authenticate'],
    404: [20404, 'The requested resource was not found'],
    429: [20429, 'Too Many Requests'],
    500: [20500, 'Internal Server Error'],
    503: [20503, 'Service Unavailable'],
  };
  const [code, message] = defaults[status] ?? [20500, 'Internal Server Error'];
  const headers = spec.retryAfter !== undefined ? { 'retry-after': String(spec.retryAfter) } : undefined;
  return errorReply(status, spec.code ?? code, spec.description ?? message, headers);
}

function str(v: unknown): string | undefined {
  if (Array.isArray(v)) return v[0] === undefined ? undefined : String(v[0]);
  return v === undefined ? undefined : String(v);
}

function strs(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

function validUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// The fake

export interface TwilioFaultSpec extends FaultSpec {
  /** Twilio error code (defaults by status: 429→20429, 500→20500, 503→20503, 400→21211, 401→20003). */
  code?: number;
}

export type TwilioOp =
  | 'messages.create'
  | 'messages.fetch'
  | 'messages.list'
  | 'messages.update'
  | 'messages.delete'
  | 'calls.create'
  | 'calls.fetch'
  | 'calls.update'
  | 'recordings.fetch'
  | 'recordings.delete';

export interface StartFakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** When given, `From` must be one of these numbers (else 21606 / 21210) — like numbers the account owns. */
  ownedNumbers?: string[];
  /** POST `sent` then `delivered` to a message's StatusCallback on their own (signed). Default false. */
  autoStatusCallbacks?: boolean;
  /**
   * Recording media requires HTTP Basic auth, like Twilio's "Enforce HTTP Auth on Media URLs" (on by default
   * for new accounts). Default true.
   */
  recordingsRequireAuth?: boolean;
  port?: number;
}

export interface TwilioCall {
  op: TwilioOp | 'unknown';
  method: string;
  path: string;
  params: TwilioParams;
  time: number;
  status: number | null;
  outcome: 'pending' | 'ok' | 'error' | 'fault' | 'dropped' | 'unauthorized';
  /** JSON answered (resource or error). */
  response?: unknown;
}

export type MessageResource = Record<string, unknown> & {
  sid: string;
  to: string;
  from: string | null;
  body: string;
  status: string;
};
export type CallResource = Record<string, unknown> & {
  sid: string;
  to: string;
  from: string;
  status: string;
};

export interface StoredRecording {
  sid: string;
  callSid: string | null;
  bytes: Buffer;
  mime: string;
  durationSec: number;
  deleted: boolean;
  /** RecordingUrl as Twilio gives it (no extension). */
  url: string;
}

export interface FakeTwilio {
  /** Base URL for BaseUrlRequestClient / TWILIO_API_BASE. */
  url: string;
  accountSid: string;
  authToken: string;
  /** Every REST request. */
  calls: TwilioCall[];
  /** Outbound messages and calls created (answered 201), in order. */
  sent: TwilioCall[];
  /** Message resources created, by sid (status, body after redaction…). */
  messages: Map<string, MessageResource>;
  /** Call resources created, by sid. */
  voiceCalls: Map<string, CallResource>;
  /** Created messages to one number. */
  messagesTo(to: string): MessageResource[];
  waitForSent(pred: (c: TwilioCall) => boolean, timeoutMs?: number): Promise<TwilioCall>;
  fail(op: TwilioOp | '*', ...specs: TwilioFaultSpec[]): void;
  clearFaults(op?: string): void;
  /** The recipient replied STOP: further messages to it fail with 21610. */
  optOut(number: string): void;

  /** Host a call recording; returns its sid and RecordingUrl. */
  addRecording(
    bytes: Uint8Array,
    opts?: { callSid?: string; durationSec?: number; mime?: string },
  ): StoredRecording;
  recordings: Map<string, StoredRecording>;

  /** Set a message's status (e.g. 'delivered', 'undelivered' with 30003) and POST its StatusCallback. */
  messageStatus(sid: string, status: string, errorCode?: number): Promise<TwilioWebhookResult | null>;
  /**
   * The callee answers an outbound call: fetches its TwiML like Twilio (POST to `Url`, signed) or returns
   * the inline `Twiml`.
   */
  answerCall(sid: string, extra?: Record<string, string>): Promise<string>;
  /** The call ends: status `completed` (+ StatusCallback if one was given). */
  completeCall(sid: string, durationSec?: number): Promise<TwilioWebhookResult | null>;

  // webhook producers bound to this account's sid and auth token
  smsWebhook(
    appUrl: string,
    input: Omit<SmsWebhookInput, 'accountSid'>,
    opts?: WebhookOptions,
  ): Promise<TwilioWebhookResult>;
  voiceWebhook(appUrl: string, params: VoiceParams, opts?: WebhookOptions): Promise<TwilioWebhookResult>;
  /** Registers `bytes` as a recording (when given) and sends the `<Record>` action / status webhook. */
  recordingWebhook(
    appUrl: string,
    input: Omit<RecordingWebhookInput, 'recordingUrl' | 'recordingSid' | 'accountSid'> & {
      bytes?: Uint8Array;
      recordingSid?: string;
    },
    opts?: WebhookOptions,
  ): Promise<TwilioWebhookResult & { recording: StoredRecording }>;
  /** Status callbacks the fake sent (auto or via messageStatus/completeCall). */
  callbacks: TwilioWebhookResult[];

  errors: Error[];
  close(): Promise<void>;
}

/** Starts a fake Twilio REST server on 127.0.0.1 (free port). */
export async function startFakeTwilio(opts: StartFakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? DEFAULT_ACCOUNT_SID;
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid))
    throw new Error('fake twilio: accountSid must be AC + 32 hex digits');
  const authToken = opts.authToken ?? DEFAULT_AUTH_TOKEN;
  const requireRecordingAuth = opts.recordingsRequireAuth ?? true;
  const calls: TwilioCall[] = [];
  const sent = new Recorder<TwilioCall>();
  const messages = new Map<string, MessageResource>();
  const voiceCalls = new Map<string, CallResource>();
  const callbackUrls = new Map<
    string,
    { statusCallback?: string; url?: string; method?: string; twiml?: string }
  >();
  const recordings = new Map<string, StoredRecording>();
  const optedOut = new Set<string>();
  const faults = new FaultQueue<TwilioFaultSpec>();
  const callbacks: TwilioWebhookResult[] = [];
  const background = new Set<Promise<unknown>>();
  const base = `/${API}/Accounts/${accountSid}`;

  function track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) => server.errors.push(e instanceof Error ? e : new Error(String(e))));
    background.add(q);
    void q.finally(() => background.delete(q));
  }

  function authorized(header: string | undefined): boolean {
    const m = /^Basic\s+(.+)$/i.exec(header ?? '');
    if (!m) return false;
    const [user, pass] = Buffer.from(m[1] ?? '', 'base64')
      .toString('utf8')
      .split(':');
    return user === accountSid && pass === authToken;
  }

  function callback(url: string, params: TwilioParams): Promise<TwilioWebhookResult> {
    return postTwilioWebhook(url, params, authToken).then((r) => {
      callbacks.push(r);
      return r;
    });
  }

  function createMessage(p: TwilioParams): MessageResource {
    const to = str(p.To);
    const from = str(p.From);
    const service = str(p.MessagingServiceSid);
    const body = str(p.Body) ?? '';
    const media = strs(p.MediaUrl);
    const statusCallback = str(p.StatusCallback);
    if (!to) throw new TwilioError(400, 21604, "A 'To' phone number is required.");
    const channel = /^(whatsapp|messenger):/.exec(to)?.[1];
    const toNumber = channel ? to.slice(channel.length + 1) : to;
    if (!E164.test(toNumber))
      throw new TwilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !service) throw new TwilioError(400, 21603, "A 'From' phone number is required.");
    if (from && opts.ownedNumbers && !opts.ownedNumbers.includes(from.replace(/^\w+:/, ''))) {
      throw new TwilioError(
        400,
        21606,
        `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
    if (body === '' && media.length === 0) throw new TwilioError(400, 21602, 'Message body is required.');
    if (body.length > 1600) {
      throw new TwilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    if (statusCallback !== undefined && !validUrl(statusCallback)) {
      throw new TwilioError(400, 21609, `The StatusCallback URL ${statusCallback} is not a valid URL.`);
    }
    if (optedOut.has(toNumber)) {
      throw new TwilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
    }
    const sid = newSid(media.length > 0 ? 'MM' : 'SM');
    const now = rfc2822(new Date());
    const resource: MessageResource = {
      account_sid: accountSid,
      api_version: API,
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: from ?? null,
      messaging_service_sid: service ?? null,
      num_media: String(media.length),
      num_segments: String(segments(body)),
      price: null,
      price_unit: 'USD',
      sid,
      status: service ? 'accepted' : 'queued',
      subresource_uris: { media: `${base}/Messages/${sid}/Media.json` },
      to,
      uri: `${base}/Messages/${sid}.json`,
    };
    messages.set(sid, resource);
    if (statusCallback) callbackUrls.set(sid, { statusCallback });
    if (statusCallback && opts.autoStatusCallbacks) {
      track(
        (async () => {
          for (const status of ['sent', 'delivered']) {
            if (!(await sleep(20, server.signal))) return;
            await setMessageStatus(sid, status);
          }
        })(),
      );
    }
    return resource;
  }

  async function setMessageStatus(sid: string, status: string, errorCode?: number) {
    const m = messages.get(sid);
    if (!m) throw new Error(`fake twilio: unknown message ${sid}`);
    m.status = status;
    m.date_updated = rfc2822(new Date());
    if (status === 'sent' || status === 'delivered') m.date_sent ??= m.date_updated;
    if (errorCode !== undefined) m.error_code = errorCode;
    const url = callbackUrls.get(sid)?.statusCallback;
    if (!url) return null;
    const params: TwilioParams = {
      SmsSid: sid,
      SmsStatus: status,
      MessageStatus: status,
      To: m.to,
      MessageSid: sid,
      AccountSid: accountSid,
      From: m.from ?? '',
      ApiVersion: API,
    };
    if (m.messaging_service_sid) params.MessagingServiceSid = String(m.messaging_service_sid);
    if (errorCode !== undefined) params.ErrorCode = String(errorCode);
    return callback(url, params);
  }

  function createCall(p: TwilioParams): CallResource {
    const to = str(p.To);
    const from = str(p.From);
    const url = str(p.Url);
    const twiml = str(p.Twiml);
    const statusCallback = str(p.StatusCallback);
    if (!to) throw new TwilioError(400, 21201, "No 'To' number is specified");
    if (!from) throw new TwilioError(400, 21213, "No 'From' number is specified");
    if (!/^(client:|sip:)/.test(to) && !E164.test(to)) {
      throw new TwilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    }
    if (opts.ownedNumbers && !opts.ownedNumbers.includes(from)) {
      throw new TwilioError(
        400,
        21210,
        `The source phone number provided, ${from}, is not yet verified for your account.`,
      );
    }
    if (!url && !twiml && !str(p.ApplicationSid))
      throw new TwilioError(400, 21205, 'Url parameter is required.');
    if (url !== undefined && !validUrl(url))
      throw new TwilioError(400, 21205, `Url is not a valid URL: ${url}`);
    if (twiml !== undefined && twiml.length > 4000) {
      throw new TwilioError(400, 21232, 'Twiml parameter exceeds the maximum length of 4000 characters.');
    }
    if (optedOut.has(to)) throw new TwilioError(400, 13227, 'Geo permissions / blocked destination');
    const sid = newSid('CA');
    const now = rfc2822(new Date());
    const resource: CallResource = {
      sid,
      date_created: now,
      date_updated: now,
      parent_call_sid: null,
      account_sid: accountSid,
      to,
      to_formatted: to,
      from,
      from_formatted: from,
      phone_number_sid: null,
      status: 'queued',
      start_time: null,
      end_time: null,
      duration: null,
      price: null,
      price_unit: 'USD',
      direction: 'outbound-api',
      answered_by: null,
      api_version: API,
      forwarded_from: null,
      group_sid: null,
      caller_name: null,
      queue_time: '0',
      trunk_sid: null,
      uri: `${base}/Calls/${sid}.json`,
      subresource_uris: {
        recordings: `${base}/Calls/${sid}/Recordings.json`,
        notifications: `${base}/Calls/${sid}/Notifications.json`,
      },
    };
    voiceCalls.set(sid, resource);
    const cb: { statusCallback?: string; url?: string; method?: string; twiml?: string } = {};
    if (statusCallback) cb.statusCallback = statusCallback;
    if (url) cb.url = url;
    if (twiml) cb.twiml = twiml;
    cb.method = str(p.Method) ?? 'POST';
    callbackUrls.set(sid, cb);
    return resource;
  }

  function callParams(c: CallResource, status: string): TwilioParams {
    return {
      AccountSid: accountSid,
      ApiVersion: API,
      CallSid: c.sid,
      CallStatus: status,
      Called: c.to,
      Caller: c.from,
      Direction: 'outbound-api',
      From: c.from,
      To: c.to,
    };
  }

  function recordingJson(r: StoredRecording): Record<string, unknown> {
    const now = rfc2822(new Date());
    return {
      account_sid: accountSid,
      api_version: API,
      call_sid: r.callSid,
      channels: 1,
      date_created: now,
      date_updated: now,
      duration: String(r.durationSec),
      sid: r.sid,
      source: 'RecordVerb',
      status: 'completed',
      uri: `${base}/Recordings/${r.sid}.json`,
    };
  }

  function addRecording(
    bytes: Uint8Array,
    o: { callSid?: string; durationSec?: number; mime?: string } = {},
  ) {
    const sid = newSid('RE');
    const rec: StoredRecording = {
      sid,
      callSid: o.callSid ?? null,
      bytes: Buffer.from(bytes),
      mime: o.mime ?? 'audio/x-wav',
      durationSec: o.durationSec ?? 0,
      deleted: false,
      url: `${server.url}${base}/Recordings/${sid}`,
    };
    recordings.set(sid, rec);
    return rec;
  }

  const notFound = (path: string) =>
    new TwilioError(404, 20404, `The requested resource ${path} was not found`);

  const server = await startHttpServer(async (req, res, raw) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = u.pathname;
    let params: TwilioParams = {};
    try {
      const parsed = parseBody(req, raw);
      params = parsed.fields as TwilioParams;
    } catch {
      // Twilio ignores bodies it cannot parse; validation below reports missing fields.
    }
    for (const [k, v] of u.searchParams) params[k] ??= v;

    const m =
      /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/(Messages|Calls|Recordings)(?:\/((?:SM|MM|CA|RE)[0-9a-fA-F]{32}))?(\.json|\.wav|\.mp3)?$/.exec(
        path,
      );
    const resource = m?.[2];
    const id = m?.[3];
    const ext = m?.[4];
    let op: TwilioCall['op'] = 'unknown';
    if (resource === 'Messages' && ext === '.json') {
      if (!id) op = method === 'POST' ? 'messages.create' : method === 'GET' ? 'messages.list' : 'unknown';
      else
        op =
          method === 'GET'
            ? 'messages.fetch'
            : method === 'POST'
              ? 'messages.update'
              : method === 'DELETE'
                ? 'messages.delete'
                : 'unknown';
    } else if (resource === 'Calls' && ext === '.json') {
      if (!id) op = method === 'POST' ? 'calls.create' : 'unknown';
      else op = method === 'GET' ? 'calls.fetch' : method === 'POST' ? 'calls.update' : 'unknown';
    } else if (resource === 'Recordings' && id) {
      op = method === 'GET' ? 'recordings.fetch' : method === 'DELETE' ? 'recordings.delete' : 'unknown';
    }
    const call: TwilioCall = {
      op,
      method,
      path: path + u.search,
      params,
      time: Date.now(),
      status: null,
      outcome: 'pending',
    };
    calls.push(call);

    const isMedia = op === 'recordings.fetch' && ext !== '.json';
    if ((!isMedia || requireRecordingAuth) && !authorized(req.headers.authorization)) {
      const r = errorReply(401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
      Object.assign(call, { status: 401, outcome: 'unauthorized', response: r.json });
      return reply(res, r);
    }
    if (op === 'unknown' || m?.[1] !== accountSid) {
      const r = errorReply(404, 20404, `The requested resource ${path} was not found`);
      Object.assign(call, { status: 404, outcome: 'error', response: r.json });
      return reply(res, r);
    }

    const process = async (): Promise<HttpReply> => {
      try {
        switch (op) {
          case 'messages.create':
            return { status: 201, json: createMessage(params) };
          case 'messages.fetch': {
            const msg = messages.get(id ?? '');
            if (!msg) throw notFound(path);
            return { status: 200, json: msg };
          }
          case 'messages.list': {
            const to = str(params.To);
            const from = str(params.From);
            const pageSize = Number(str(params.PageSize) ?? 50);
            const list = [...messages.values()]
              .filter((x) => (to === undefined || x.to === to) && (from === undefined || x.from === from))
              .reverse()
              .slice(0, pageSize);
            return {
              status: 200,
              json: {
                messages: list,
                end: Math.max(0, list.length - 1),
                first_page_uri: `${base}/Messages.json?PageSize=${pageSize}&Page=0`,
                next_page_uri: null,
                page: 0,
                page_size: pageSize,
                previous_page_uri: null,
                start: 0,
                uri: `${base}/Messages.json?PageSize=${pageSize}&Page=0`,
              },
            };
          }
          case 'messages.update': {
            const msg = messages.get(id ?? '');
            if (!msg) throw notFound(path);
            if (params.Body !== undefined) {
              if (str(params.Body) !== '')
                throw new TwilioError(400, 20007, 'Body can only be updated to an empty string');
              msg.body = '';
            }
            if (str(params.Status) === 'canceled') msg.status = 'canceled';
            msg.date_updated = rfc2822(new Date());
            return { status: 200, json: msg };
          }
          case 'messages.delete': {
            if (!messages.delete(id ?? '')) throw notFound(path);
            return { status: 204, raw: '' };
          }
          case 'calls.create':
            return { status: 201, json: createCall(params) };
          case 'calls.fetch': {
            const c = voiceCalls.get(id ?? '');
            if (!c) throw notFound(path);
            return { status: 200, json: c };
          }
          case 'calls.update': {
            const c = voiceCalls.get(id ?? '');
            if (!c) throw notFound(path);
            const status = str(params.Status);
            if (status === 'completed' || status === 'canceled') c.status = status;
            const cb = callbackUrls.get(c.sid);
            const twiml = str(params.Twiml);
            const url = str(params.Url);
            if (cb && twiml) cb.twiml = twiml;
            if (cb && url) cb.url = url;
            c.date_updated = rfc2822(new Date());
            return { status: 200, json: c };
          }
          case 'recordings.fetch': {
            const rec = recordings.get(id ?? '');
            if (!rec || rec.deleted) throw notFound(path);
            if (ext === '.json') return { status: 200, json: recordingJson(rec) };
            const mime = ext === '.mp3' ? 'audio/mpeg' : ext === '.wav' ? 'audio/x-wav' : rec.mime;
            return { status: 200, raw: rec.bytes, headers: { 'content-type': mime } };
          }
          case 'recordings.delete': {
            const rec = recordings.get(id ?? '');
            if (!rec || rec.deleted) throw notFound(path);
            rec.deleted = true;
            rec.bytes = Buffer.alloc(0);
            return { status: 204, raw: '' };
          }
        }
        throw notFound(path);
      } catch (e) {
        if (e instanceof TwilioError) return errorReply(e.status, e.code, e.message);
        throw e;
      }
    };

    const outcome = await runWithFault(
      faults.take(op),
      req,
      res,
      server.signal,
      (status, spec) => faultReply(status, spec as TwilioFaultSpec),
      process,
    );
    if (outcome.kind === 'dropped') {
      Object.assign(call, { status: null, outcome: 'dropped' });
      return;
    }
    const status = outcome.reply.status;
    Object.assign(call, {
      status: outcome.kind === 'processed-dropped' ? null : status,
      outcome: outcome.kind === 'faulted' ? 'fault' : status < 400 ? 'ok' : 'error',
      response: outcome.reply.json,
    });
    if (outcome.kind !== 'faulted' && status === 201) sent.push(call);
  }, opts.port);

  return {
    url: server.url,
    accountSid,
    authToken,
    calls,
    sent: sent.items,
    messages,
    voiceCalls,
    messagesTo: (to) => [...messages.values()].filter((m) => m.to === to),
    waitForSent: (pred, timeoutMs) => sent.waitFor(pred, timeoutMs, 'a matching Twilio request'),
    fail: (op, ...specs) => faults.add(op, specs),
    clearFaults: (op) => faults.clear(op),
    optOut: (n) => {
      optedOut.add(n);
    },
    addRecording,
    recordings,
    messageStatus: (sid, status, errorCode) => setMessageStatus(sid, status, errorCode),
    async answerCall(sid, extra = {}) {
      const c = voiceCalls.get(sid);
      const cb = callbackUrls.get(sid);
      if (!c || !cb) throw new Error(`fake twilio: unknown call ${sid}`);
      c.status = 'in-progress';
      c.start_time = rfc2822(new Date());
      if (cb.twiml) return cb.twiml;
      if (!cb.url) throw new Error(`fake twilio: call ${sid} has neither Url nor Twiml`);
      const r = await postTwilioWebhook(cb.url, { ...callParams(c, 'in-progress'), ...extra }, authToken);
      if (r.status !== 200) throw new Error(`fake twilio: TwiML request to ${cb.url} answered ${r.status}`);
      return r.text;
    },
    async completeCall(sid, durationSec = 30) {
      const c = voiceCalls.get(sid);
      if (!c) throw new Error(`fake twilio: unknown call ${sid}`);
      c.status = 'completed';
      c.end_time = rfc2822(new Date());
      c.duration = String(durationSec);
      const url = callbackUrls.get(sid)?.statusCallback;
      if (!url) return null;
      return callback(url, {
        ...callParams(c, 'completed'),
        CallDuration: String(durationSec),
        Duration: String(Math.ceil(durationSec / 60)),
      });
    },
    smsWebhook: (appUrl, input, o) => smsWebhook(appUrl, { ...input, accountSid }, authToken, o),
    voiceWebhook: (appUrl, params, o) =>
      voiceWebhook(appUrl, { AccountSid: accountSid, ...params }, authToken, o),
    async recordingWebhook(appUrl, input, o) {
      let rec = input.recordingSid ? recordings.get(input.recordingSid) : undefined;
      if (!rec) {
        rec = addRecording(input.bytes ?? Buffer.alloc(0), {
          callSid: input.callSid,
          durationSec: input.durationSec,
        });
      }
      const r = await recordingWebhook(
        appUrl,
        { ...input, accountSid, recordingSid: rec.sid, recordingUrl: rec.url },
        authToken,
        o,
      );
      return { ...r, recording: rec };
    },
    callbacks,
    errors: server.errors,
    async close() {
      await Promise.allSettled([...background]);
      await server.close();
    },
  };
}
