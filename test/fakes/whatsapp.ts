/**
 * A local fake of the WhatsApp Cloud API (Meta Graph API) plus producers of the webhooks Meta sends.
 *
 * Point the app's Graph base URL at it (`WHATSAPP_GRAPH_BASE=fake.url`, default `https://graph.facebook.com`):
 *
 *   POST {url}/{version}/{phone_number_id}/messages   Bearer token; text / template / image|audio|video|
 *                                                    document|sticker (by id or link) / interactive /
 *                                                    reaction / location; `status:"read"` receipts
 *   POST {url}/{version}/{phone_number_id}/media      multipart upload (file, type, messaging_product) → {id}
 *   GET  {url}/{version}/{media_id}                   → {messaging_product,url,mime_type,sha256,file_size,id}
 *   GET  {url}/whatsapp_business/attachments/?mid=…   the download URL (Bearer required, expires like Meta's)
 *   DELETE {url}/{version}/{media_id}                 → {success:true}
 *
 * Errors use the Graph format `{ error: { message, type, code, error_subcode?, error_data?, fbtrace_id } }`.
 * The 24-hour customer-service window: every number's window is open until the test calls
 * `closeWindow(waId)`; inbound messages delivered through `fake.deliverWebhook` reopen it. A free-form
 * (non-template) message to a closed window fails with 131047 "Re-engagement message":
 *   - `reengagement: 'sync-error'` (default): the POST answers 400 with the Graph error;
 *   - `reengagement: 'status-webhook'`: what Meta's Cloud API actually does — the POST is accepted (200 +
 *     wamid) and a `statuses[].status = "failed"` webhook with errors[0].code 131047 follows, signed, to
 *     `webhookUrl`. Apps must handle this path too.
 *
 * Webhook producers (`deliverWebhook`, `verifyHandshake`, `*Payload` builders) are exported standalone
 * and also bound on the fake (with its phone number id). Bodies are serialized like Meta's: non-ASCII as
 * \uXXXX and "/" as "\/", so only verification over the RAW body works — as in production.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import {
  FaultQueue,
  type FaultSpec,
  type HttpReply,
  type MultipartPart,
  parseBody,
  postRaw,
  Recorder,
  reply,
  runWithFault,
  sleep,
  sniffMime,
  startHttpServer,
  type WebhookResponse,
} from './common.ts';

export const DEFAULT_PHONE_NUMBER_ID = '106540352242922';
export const DEFAULT_DISPLAY_PHONE_NUMBER = '15550783881';
export const DEFAULT_WABA_ID = '102290129340398';

// ---------------------------------------------------------------------------------------------------
// Webhook payload types (the subset Meta sends for messages and statuses)

export interface WhatsAppInboundMessage {
  from: string;
  id: string;
  timestamp: string;
  type: string;
  text?: { body: string };
  image?: WhatsAppInboundMedia;
  audio?: WhatsAppInboundMedia & { voice?: boolean };
  document?: WhatsAppInboundMedia & { filename?: string };
  interactive?:
    | { type: 'button_reply'; button_reply: { id: string; title: string } }
    | { type: 'list_reply'; list_reply: { id: string; title: string; description?: string } };
  button?: { payload: string; text: string };
  context?: { from: string; id: string };
  [k: string]: unknown;
}

export interface WhatsAppInboundMedia {
  id: string;
  mime_type: string;
  /** Base64 of the SHA-256 (webhooks); the media GET answers hex. */
  sha256: string;
  caption?: string;
}

export interface WhatsAppStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
  pricing?: { billable: boolean; pricing_model: string; category: string };
  errors?: WhatsAppStatusError[];
}

export interface WhatsAppStatusError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href?: string;
}

export interface WhatsAppChangeValue {
  messaging_product: 'whatsapp';
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts?: { profile: { name: string }; wa_id: string }[];
  messages?: WhatsAppInboundMessage[];
  statuses?: WhatsAppStatus[];
}

export interface WhatsAppWebhookPayload {
  object: 'whatsapp_business_account';
  entry: { id: string; changes: { value: WhatsAppChangeValue; field: 'messages' }[] }[];
}

// ---------------------------------------------------------------------------------------------------
// Payload builders (standalone)

export interface BusinessNumber {
  /** Default DEFAULT_PHONE_NUMBER_ID. */
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  wabaId?: string;
}

export interface InboundBase extends BusinessNumber {
  /** The customer's WhatsApp id (digits, e.g. "380501234567"). */
  waId: string;
  /** Profile name Meta reports for the customer. */
  name?: string;
  /** Message id; generated when omitted. Replays: pass the same wamid twice. */
  wamid?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Reply context: the wamid of the business message being answered. */
  contextWamid?: string;
}

export function newWamid(): string {
  return `wamid.HBgM${randomBytes(27).toString('base64').replace(/[+/=]/g, 'A')}`;
}

function envelope(n: BusinessNumber, value: Omit<WhatsAppChangeValue, 'messaging_product' | 'metadata'>) {
  const payload: WhatsAppWebhookPayload = {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: n.wabaId ?? DEFAULT_WABA_ID,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: n.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER,
                phone_number_id: n.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID,
              },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
  return payload;
}

function inbound(
  o: InboundBase,
  fields: Partial<WhatsAppInboundMessage> & { type: string },
): WhatsAppWebhookPayload {
  const message: WhatsAppInboundMessage = {
    from: o.waId,
    id: o.wamid ?? newWamid(),
    timestamp: String(o.timestamp ?? Math.floor(Date.now() / 1000)),
    ...fields,
  };
  if (o.contextWamid)
    message.context = { from: o.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER, id: o.contextWamid };
  return envelope(o, {
    contacts: [{ profile: { name: o.name ?? 'Customer' }, wa_id: o.waId }],
    messages: [message],
  });
}

export function textMessagePayload(o: InboundBase & { text: string }): WhatsAppWebhookPayload {
  return inbound(o, { type: 'text', text: { body: o.text } });
}

export interface InboundMediaRef {
  mediaId: string;
  mimeType: string;
  /** Base64 SHA-256 of the bytes, as Meta puts it in webhooks. */
  sha256: string;
}

export function imageMessagePayload(
  o: InboundBase & InboundMediaRef & { caption?: string },
): WhatsAppWebhookPayload {
  const image: WhatsAppInboundMedia = { id: o.mediaId, mime_type: o.mimeType, sha256: o.sha256 };
  if (o.caption !== undefined) image.caption = o.caption;
  return inbound(o, { type: 'image', image });
}

/** A voice note (`voice: true`, audio/ogg; codecs=opus) or an audio file. */
export function audioMessagePayload(
  o: InboundBase & InboundMediaRef & { voice?: boolean },
): WhatsAppWebhookPayload {
  return inbound(o, {
    type: 'audio',
    audio: { id: o.mediaId, mime_type: o.mimeType, sha256: o.sha256, voice: o.voice ?? true },
  });
}

export function documentMessagePayload(
  o: InboundBase & InboundMediaRef & { filename?: string; caption?: string },
): WhatsAppWebhookPayload {
  const document: WhatsAppInboundMedia & { filename?: string } = {
    id: o.mediaId,
    mime_type: o.mimeType,
    sha256: o.sha256,
  };
  if (o.filename !== undefined) document.filename = o.filename;
  if (o.caption !== undefined) document.caption = o.caption;
  return inbound(o, { type: 'document', document });
}

/** The customer tapped a reply button of an interactive message. */
export function buttonReplyPayload(
  o: InboundBase & { buttonId: string; title: string },
): WhatsAppWebhookPayload {
  return inbound(o, {
    type: 'interactive',
    interactive: { type: 'button_reply', button_reply: { id: o.buttonId, title: o.title } },
  });
}

/** The customer picked a row of an interactive list message. */
export function listReplyPayload(
  o: InboundBase & { rowId: string; title: string; description?: string },
): WhatsAppWebhookPayload {
  const list_reply: { id: string; title: string; description?: string } = { id: o.rowId, title: o.title };
  if (o.description !== undefined) list_reply.description = o.description;
  return inbound(o, { type: 'interactive', interactive: { type: 'list_reply', list_reply } });
}

export const REENGAGEMENT_ERROR: WhatsAppStatusError = {
  code: 131047,
  title: 'Re-engagement message',
  message: 'Re-engagement message',
  error_data: {
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
};

/** A delivery status for a message the business sent (sent / delivered / read / failed). */
export function statusPayload(
  o: BusinessNumber & {
    wamid: string;
    waId: string;
    status: WhatsAppStatus['status'];
    errors?: WhatsAppStatusError[];
    timestamp?: number;
  },
): WhatsAppWebhookPayload {
  const status: WhatsAppStatus = {
    id: o.wamid,
    status: o.status,
    timestamp: String(o.timestamp ?? Math.floor(Date.now() / 1000)),
    recipient_id: o.waId,
  };
  if (o.status === 'failed') {
    status.errors = o.errors ?? [REENGAGEMENT_ERROR];
  } else {
    status.conversation = { id: randomBytes(16).toString('hex'), origin: { type: 'service' } };
    status.pricing = { billable: true, pricing_model: 'PMP', category: 'service' };
  }
  return envelope(o, { statuses: [status] });
}

// ---------------------------------------------------------------------------------------------------
// Delivering webhooks (standalone)

/** JSON as Meta serializes it: non-ASCII escaped as \uXXXX, "/" as "\/". */
export function metaJson(payload: unknown): string {
  return JSON.stringify(payload)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>` */
export function signatureFor(rawBody: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

export interface DeliveredWebhook extends WebhookResponse {
  /** The exact bytes POSTed. */
  rawBody: string;
  signature: string;
}

/**
 * POSTs `payload` to the app like Meta: `Content-Type: application/json`, `X-Hub-Signature-256`.
 * `opts.signature` overrides the header (forgery tests); `opts.rawBody` sends other bytes than `payload`.
 */
export async function deliverWebhook(
  appUrl: string,
  payload: unknown,
  appSecret: string,
  opts: { signature?: string | null; rawBody?: string; timeoutMs?: number } = {},
): Promise<DeliveredWebhook> {
  const rawBody = opts.rawBody ?? metaJson(payload);
  const signature = opts.signature === undefined ? signatureFor(rawBody, appSecret) : opts.signature;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'facebookexternalua',
  };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const r = await postRaw(appUrl, rawBody, headers, opts.timeoutMs ?? 10_000);
  return { ...r, rawBody, signature: signature ?? '' };
}

/** Meta's subscription handshake: GET appUrl?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… */
export async function verifyHandshake(
  appUrl: string,
  verifyToken: string,
  challenge: string,
  mode = 'subscribe',
): Promise<{ status: number; text: string }> {
  const u = new URL(appUrl);
  u.searchParams.set('hub.mode', mode);
  u.searchParams.set('hub.verify_token', verifyToken);
  u.searchParams.set('hub.challenge', challenge);
  const res = await fetch(u, {
    headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
  });
  return { status: res.status, text: await res.text() };
}

// ---------------------------------------------------------------------------------------------------
// The fake server

export interface WhatsAppFaultSpec extends FaultSpec {
  /** Graph error code (default by status: 500→1, 503→2, 429→130429, 400→100, 401→190). */
  code?: number;
  subcode?: number;
  type?: string;
}

export interface StartFakeWhatsAppOptions {
  accessToken?: string;
  phoneNumberId?: string;
  displayPhoneNumber?: string;
  wabaId?: string;
  /** See the module comment. Default 'sync-error'. */
  reengagement?: 'sync-error' | 'status-webhook';
  /** Where the fake sends status webhooks (status-webhook mode, `sendStatus`). */
  webhookUrl?: string;
  appSecret?: string;
  /** Known template names; when given, others fail with 132001. */
  templates?: string[];
  /** Lifetime of media download URLs (Meta: 5 minutes). */
  mediaUrlTtlMs?: number;
  port?: number;
}

export type WhatsAppOp = 'messages' | 'media.upload' | 'media' | 'media.download' | 'media.delete';

export interface WhatsAppCall {
  /** Which operation: messages, media.upload, media (GET metadata), media.download, media.delete. */
  op: WhatsAppOp | 'unknown';
  method: string;
  path: string;
  body: Record<string, unknown>;
  time: number;
  status: number | null;
  outcome: 'pending' | 'ok' | 'error' | 'fault' | 'dropped' | 'unauthorized';
  /** JSON answered (ok or error). */
  response?: unknown;
  /** For accepted messages: the wamid. */
  wamid?: string;
  waId?: string;
}

export interface StoredMedia {
  id: string;
  mime: string;
  bytes: Buffer;
  sha256hex: string;
  sha256b64: string;
  deleted: boolean;
}

export interface FakeWhatsApp {
  /** Graph base URL, e.g. `http://127.0.0.1:PORT` (append `/v21.0/...`). */
  url: string;
  accessToken: string;
  phoneNumberId: string;
  calls: WhatsAppCall[];
  /** Messages the fake accepted (POST …/messages answered 200, read receipts excluded). */
  sent: WhatsAppCall[];
  sentTo(waId: string): WhatsAppCall[];
  waitForSent(pred: (c: WhatsAppCall) => boolean, timeoutMs?: number): Promise<WhatsAppCall>;
  readReceipts: string[];
  fail(op: WhatsAppOp | '*', ...specs: WhatsAppFaultSpec[]): void;
  clearFaults(op?: string): void;

  closeWindow(waId: string): void;
  openWindow(waId: string): void;
  isWindowOpen(waId: string): boolean;

  /** Host bytes as WhatsApp media (what a customer uploaded); returns the media id. */
  addMedia(bytes: Uint8Array, mime?: string): string;
  media: Map<string, StoredMedia>;

  // builders bound to this fake's business number; media variants register the bytes
  textMessagePayload(o: Omit<InboundBase, keyof BusinessNumber> & { text: string }): WhatsAppWebhookPayload;
  imageMessagePayload(
    o: Omit<InboundBase, keyof BusinessNumber> &
      ({ bytes: Uint8Array; mime?: string } | { mediaId: string }) & { caption?: string },
  ): WhatsAppWebhookPayload;
  audioMessagePayload(
    o: Omit<InboundBase, keyof BusinessNumber> & ({ bytes: Uint8Array; mime?: string } | { mediaId: string }),
  ): WhatsAppWebhookPayload;
  buttonReplyPayload(
    o: Omit<InboundBase, keyof BusinessNumber> & { buttonId: string; title: string },
  ): WhatsAppWebhookPayload;
  statusPayload(o: {
    wamid: string;
    waId: string;
    status: WhatsAppStatus['status'];
    errors?: WhatsAppStatusError[];
  }): WhatsAppWebhookPayload;
  /** Same as the standalone one; inbound messages in the payload also reopen the senders' windows. */
  deliverWebhook(
    appUrl: string,
    payload: WhatsAppWebhookPayload,
    appSecret: string,
    opts?: { signature?: string | null; rawBody?: string },
  ): Promise<DeliveredWebhook>;
  verifyHandshake(
    appUrl: string,
    verifyToken: string,
    challenge: string,
  ): Promise<{ status: number; text: string }>;
  /** Send a status webhook for a sent message to `webhookUrl` (signed with `appSecret`). */
  sendStatus(
    wamid: string,
    status: WhatsAppStatus['status'],
    errors?: WhatsAppStatusError[],
  ): Promise<DeliveredWebhook>;
  /** Status webhooks the fake sent on its own (status-webhook re-engagement mode). */
  statusDeliveries: DeliveredWebhook[];

  errors: Error[];
  close(): Promise<void>;
}

class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly extra: { type?: string; subcode?: number; error_data?: unknown; is_transient?: boolean } = {},
  ) {
    super(message);
  }
}

function graphReply(e: GraphError): HttpReply {
  const error: Record<string, unknown> = {
    message: e.message,
    type: e.extra.type ?? 'OAuthException',
    code: e.code,
  };
  if (e.extra.subcode !== undefined) error.error_subcode = e.extra.subcode;
  if (e.extra.error_data !== undefined) error.error_data = e.extra.error_data;
  if (e.extra.is_transient !== undefined) error.is_transient = e.extra.is_transient;
  error.fbtrace_id = `A${randomBytes(11).toString('base64url')}`;
  const headers: Record<string, string> =
    e.status === 401 ? { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token"' } : {};
  return { status: e.status, json: { error }, headers };
}

function invalidParam(message: string, details?: string): GraphError {
  return new GraphError(400, 100, `(#100) ${message}`, {
    error_data: details ? { messaging_product: 'whatsapp', details } : undefined,
  });
}

function faultError(status: number, spec: WhatsAppFaultSpec): GraphError {
  const defaults: Record<number, [number, string, boolean?]> = {
    400: [100, '(#100) Invalid parameter'],
    401: [190, 'Invalid OAuth access token - Cannot parse access token'],
    429: [130429, '(#130429) Rate limit hit'],
    500: [1, 'An unknown error has occurred.', true],
    503: [2, 'Service temporarily unavailable', true],
  };
  const [code, message, transient] = defaults[status] ?? [1, 'An unknown error has occurred.', status >= 500];
  const extra: { type?: string; subcode?: number; is_transient?: boolean } = {};
  if (spec.type !== undefined) extra.type = spec.type;
  if (spec.subcode !== undefined) extra.subcode = spec.subcode;
  if (transient !== undefined) extra.is_transient = transient;
  return new GraphError(status, spec.code ?? code, spec.description ?? message, extra);
}

const MEDIA_TYPES = ['image', 'audio', 'video', 'document', 'sticker'];

/** Starts a fake WhatsApp Cloud API (Graph) server on 127.0.0.1 (free port). */
export async function startFakeWhatsApp(opts: StartFakeWhatsAppOptions = {}): Promise<FakeWhatsApp> {
  const accessToken = opts.accessToken ?? 'EAAGfakeAccessTokenForTests';
  const number: Required<BusinessNumber> = {
    phoneNumberId: opts.phoneNumberId ?? DEFAULT_PHONE_NUMBER_ID,
    displayPhoneNumber: opts.displayPhoneNumber ?? DEFAULT_DISPLAY_PHONE_NUMBER,
    wabaId: opts.wabaId ?? DEFAULT_WABA_ID,
  };
  const reengagement = opts.reengagement ?? 'sync-error';
  const mediaTtl = opts.mediaUrlTtlMs ?? 5 * 60_000;
  const calls: WhatsAppCall[] = [];
  const sent = new Recorder<WhatsAppCall>();
  const readReceipts: string[] = [];
  const faults = new FaultQueue<WhatsAppFaultSpec>();
  const closedWindows = new Set<string>();
  const media = new Map<string, StoredMedia>();
  const statusDeliveries: DeliveredWebhook[] = [];
  const pendingStatus = new Set<Promise<unknown>>();
  const urlKey = randomBytes(16);

  function addMedia(bytes: Uint8Array, mime?: string): string {
    const id = String(1_000_000_000_000_000n + BigInt(`0x${randomBytes(6).toString('hex')}`));
    const buf = Buffer.from(bytes);
    media.set(id, {
      id,
      mime: mime ?? sniffMime(buf),
      bytes: buf,
      sha256hex: createHash('sha256').update(buf).digest('hex'),
      sha256b64: createHash('sha256').update(buf).digest('base64'),
      deleted: false,
    });
    return id;
  }

  function mediaRef(o: { bytes: Uint8Array; mime?: string } | { mediaId: string }): InboundMediaRef {
    const id = 'mediaId' in o ? o.mediaId : addMedia(o.bytes, o.mime);
    const m = media.get(id);
    if (!m) throw new Error(`fake whatsapp: unknown media id ${id}`);
    return { mediaId: id, mimeType: m.mime, sha256: m.sha256b64 };
  }

  function downloadUrl(id: string): string {
    const ext = Math.floor((Date.now() + mediaTtl) / 1000);
    const hash = createHmac('sha256', urlKey).update(`${id}:${ext}`).digest('base64url').slice(0, 22);
    return `${server.url}/whatsapp_business/attachments/?mid=${id}&ext=${ext}&hash=${hash}`;
  }

  function requireAuth(header: string | undefined): void {
    const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
    if (!m) {
      throw new GraphError(
        401,
        2500,
        'An active access token must be used to query information about the current user.',
      );
    }
    if (m[1] !== accessToken) {
      throw new GraphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    }
  }

  function postStatus(
    wamid: string,
    waId: string,
    status: WhatsAppStatus['status'],
    errors?: WhatsAppStatusError[],
  ) {
    if (!opts.webhookUrl || !opts.appSecret) {
      return Promise.reject(
        new Error('fake whatsapp: status webhooks need the webhookUrl and appSecret options'),
      );
    }
    const payload = statusPayload({ ...number, wamid, waId, status, errors });
    return deliverWebhook(opts.webhookUrl, payload, opts.appSecret);
  }

  function sendStatus(wamid: string, status: WhatsAppStatus['status'], errors?: WhatsAppStatusError[]) {
    const call = calls.find((c) => c.wamid === wamid);
    if (!call?.waId) return Promise.reject(new Error(`fake whatsapp: no message ${wamid} was sent`));
    return postStatus(wamid, call.waId, status, errors);
  }

  function sendMessage(p: Record<string, unknown>, call: WhatsAppCall): unknown {
    if (p.messaging_product !== 'whatsapp')
      throw invalidParam('The parameter messaging_product is required.');
    if (p.status === 'read') {
      if (typeof p.message_id !== 'string') throw invalidParam('The parameter message_id is required.');
      readReceipts.push(p.message_id);
      return { success: true };
    }
    if (p.to === undefined || p.to === '') throw invalidParam('The parameter to is required.');
    const input = String(p.to);
    const waId = input.replace(/[^\d]/g, '');
    if (!/^\+?[\d\s()-]+$/.test(input) || waId.length < 7 || waId.length > 15) {
      throw invalidParam('Invalid parameter', `Invalid WhatsApp number: ${input}`);
    }
    const type = p.type === undefined ? 'text' : String(p.type);
    const content = p[type] as Record<string, unknown> | undefined;
    if (type !== 'template' && type !== 'reaction' && content === undefined) {
      throw invalidParam(`The parameter ${type} is required.`);
    }
    switch (type) {
      case 'text': {
        const body = content?.body;
        if (typeof body !== 'string' || body === '')
          throw invalidParam("The parameter text['body'] is required.");
        if (body.length > 4096)
          throw invalidParam("Param text['body'] must be at most 4096 characters long.");
        break;
      }
      case 'template': {
        const t = p.template as { name?: unknown; language?: { code?: unknown } } | undefined;
        if (!t || typeof t.name !== 'string')
          throw invalidParam("The parameter template['name'] is required.");
        if (typeof t.language?.code !== 'string')
          throw invalidParam("The parameter template['language'] is required.");
        if (opts.templates && !opts.templates.includes(t.name)) {
          throw new GraphError(400, 132001, '(#132001) Template name does not exist in the translation', {
            error_data: {
              messaging_product: 'whatsapp',
              details: `template name (${t.name}) does not exist in ${t.language.code}`,
            },
          });
        }
        break;
      }
      case 'interactive': {
        const kind = content?.type;
        if (kind !== 'button' && kind !== 'list' && kind !== 'cta_url' && kind !== 'flow') {
          throw invalidParam("Param interactive['type'] must be one of {BUTTON, LIST, CTA_URL, FLOW}");
        }
        if (kind === 'button') {
          const buttons = (content?.action as { buttons?: unknown[] } | undefined)?.buttons;
          if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) {
            throw invalidParam("Param interactive['action']['buttons'] must have between 1 and 3 elements");
          }
          for (const b of buttons as { reply?: { id?: unknown; title?: unknown } }[]) {
            if (typeof b.reply?.title !== 'string' || b.reply.title.length > 20) {
              throw invalidParam(
                "Param interactive['action']['buttons'][]['reply']['title'] must be at most 20 characters",
              );
            }
          }
        }
        break;
      }
      case 'reaction':
      case 'location':
      case 'contacts':
        break;
      default:
        if (!MEDIA_TYPES.includes(type))
          throw invalidParam(`Param type must be a valid message type (got ${type})`);
        if (typeof content?.id !== 'string' && typeof content?.link !== 'string') {
          throw invalidParam(`Param ${type} must contain either 'id' or 'link'`);
        }
    }
    const windowClosed = type !== 'template' && closedWindows.has(waId);
    if (windowClosed && reengagement === 'sync-error') {
      throw new GraphError(400, 131047, '(#131047) Re-engagement message', {
        error_data: { messaging_product: 'whatsapp', details: REENGAGEMENT_ERROR.error_data.details },
      });
    }
    const wamid = newWamid();
    call.wamid = wamid;
    call.waId = waId;
    if (windowClosed) {
      // Like Meta: the send is accepted first, the failure arrives a moment later as a status webhook.
      const delivery = sleep(50, server.signal)
        .then(() => postStatus(wamid, waId, 'failed', [REENGAGEMENT_ERROR]))
        .then((d) => statusDeliveries.push(d))
        .catch((e: unknown) => server.errors.push(e instanceof Error ? e : new Error(String(e))));
      pendingStatus.add(delivery);
      void delivery.finally(() => pendingStatus.delete(delivery));
    }
    const message: Record<string, string> = { id: wamid };
    if (type === 'template') message.message_status = 'accepted';
    return { messaging_product: 'whatsapp', contacts: [{ input, wa_id: waId }], messages: [message] };
  }

  const server = await startHttpServer(async (req, res, raw) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const segs = u.pathname.split('/').filter(Boolean);
    let op: WhatsAppCall['op'] = 'unknown';
    if (u.pathname === '/whatsapp_business/attachments/' || u.pathname === '/whatsapp_business/attachments') {
      op = 'media.download';
    } else if (segs.length === 3 && /^v\d+\.\d+$/.test(segs[0] ?? '') && method === 'POST') {
      op = segs[2] === 'messages' ? 'messages' : segs[2] === 'media' ? 'media.upload' : 'unknown';
    } else if (segs.length === 2 && /^v\d+\.\d+$/.test(segs[0] ?? '')) {
      op = method === 'GET' ? 'media' : method === 'DELETE' ? 'media.delete' : 'unknown';
    }
    let body: Record<string, unknown> = {};
    let files = new Map<string, MultipartPart>();
    try {
      const parsed = parseBody(req, raw);
      body = parsed.fields;
      files = parsed.files;
    } catch {
      // Graph answers malformed JSON with a generic invalid-parameter error.
    }
    const call: WhatsAppCall = {
      op,
      method,
      path: u.pathname + u.search,
      body,
      time: Date.now(),
      status: null,
      outcome: 'pending',
    };
    calls.push(call);
    const finish = (status: number | null, outcome: WhatsAppCall['outcome'], response?: unknown) => {
      call.status = status;
      call.outcome = outcome;
      if (response !== undefined) call.response = response;
    };
    try {
      requireAuth(req.headers.authorization);
    } catch (e) {
      const r = graphReply(e as GraphError);
      finish(r.status, 'unauthorized', r.json);
      return reply(res, r);
    }
    if (op === 'unknown') {
      const r = graphReply(
        new GraphError(
          400,
          100,
          `Unsupported ${method.toLowerCase()} request. Object with ID '${segs[1] ?? ''}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
          { type: 'GraphMethodException', subcode: 33 },
        ),
      );
      finish(r.status, 'error', r.json);
      return reply(res, r);
    }

    const process = async (): Promise<HttpReply> => {
      try {
        switch (op) {
          case 'messages': {
            if (segs[1] !== number.phoneNumberId) {
              throw new GraphError(
                400,
                100,
                `Unsupported post request. Object with ID '${segs[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
                { type: 'GraphMethodException', subcode: 33 },
              );
            }
            return { status: 200, json: sendMessage(body, call) };
          }
          case 'media.upload': {
            const file = files.get('file');
            if (body.messaging_product !== 'whatsapp')
              throw invalidParam('The parameter messaging_product is required.');
            if (!file) throw invalidParam('The parameter file is required.');
            const mime = String(body.type ?? file.contentType ?? sniffMime(file.data));
            return { status: 200, json: { id: addMedia(file.data, mime) } };
          }
          case 'media': {
            const m = media.get(segs[1] ?? '');
            if (!m || m.deleted) {
              throw new GraphError(
                400,
                100,
                `Unsupported get request. Object with ID '${segs[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
                { type: 'GraphMethodException', subcode: 33 },
              );
            }
            return {
              status: 200,
              json: {
                messaging_product: 'whatsapp',
                url: downloadUrl(m.id),
                mime_type: m.mime,
                sha256: m.sha256hex,
                file_size: m.bytes.length,
                id: m.id,
              },
            };
          }
          case 'media.delete': {
            const m = media.get(segs[1] ?? '');
            if (!m || m.deleted) throw invalidParam('Invalid parameter');
            m.deleted = true;
            return { status: 200, json: { success: true } };
          }
          case 'media.download': {
            const id = u.searchParams.get('mid') ?? '';
            const ext = Number(u.searchParams.get('ext'));
            const hash = createHmac('sha256', urlKey).update(`${id}:${ext}`).digest('base64url').slice(0, 22);
            const m = media.get(id);
            if (!m || m.deleted || hash !== u.searchParams.get('hash') || ext * 1000 < Date.now()) {
              return {
                status: 404,
                raw: 'URL signature mismatch or expired',
                headers: { 'content-type': 'text/plain' },
              };
            }
            return { status: 200, raw: m.bytes, headers: { 'content-type': m.mime } };
          }
        }
      } catch (e) {
        if (e instanceof GraphError) return graphReply(e);
        throw e;
      }
    };

    const outcome = await runWithFault(
      faults.take(op),
      req,
      res,
      server.signal,
      (status, spec) => graphReply(faultError(status, spec as WhatsAppFaultSpec)),
      process,
    );
    if (outcome.kind === 'dropped') return finish(null, 'dropped');
    const json = outcome.reply.json;
    if (outcome.kind === 'faulted') return finish(outcome.reply.status, 'fault', json);
    const ok = outcome.reply.status < 400;
    finish(outcome.kind === 'processed-dropped' ? null : outcome.reply.status, ok ? 'ok' : 'error', json);
    if (ok && op === 'messages' && call.wamid !== undefined) sent.push(call);
  }, opts.port);

  function bound<T extends object>(o: T): T & Required<BusinessNumber> {
    return { ...o, ...number };
  }

  return {
    url: server.url,
    accessToken,
    phoneNumberId: number.phoneNumberId,
    calls,
    sent: sent.items,
    sentTo: (waId) => sent.items.filter((c) => c.waId === waId.replace(/[^\d]/g, '')),
    waitForSent: (pred, timeoutMs) => sent.waitFor(pred, timeoutMs, 'a matching WhatsApp message'),
    readReceipts,
    fail: (op, ...specs) => faults.add(op, specs),
    clearFaults: (op) => faults.clear(op),
    closeWindow: (waId) => {
      closedWindows.add(waId.replace(/[^\d]/g, ''));
    },
    openWindow: (waId) => {
      closedWindows.delete(waId.replace(/[^\d]/g, ''));
    },
    isWindowOpen: (waId) => !closedWindows.has(waId.replace(/[^\d]/g, '')),
    addMedia,
    media,
    textMessagePayload: (o) => textMessagePayload(bound(o)),
    imageMessagePayload: (o) => imageMessagePayload(bound({ ...o, ...mediaRef(o) })),
    audioMessagePayload: (o) => audioMessagePayload(bound({ ...o, ...mediaRef(o) })),
    buttonReplyPayload: (o) => buttonReplyPayload(bound(o)),
    statusPayload: (o) => statusPayload(bound(o)),
    async deliverWebhook(appUrl, payload, appSecret, o) {
      for (const entry of payload.entry) {
        for (const change of entry.changes) {
          for (const m of change.value.messages ?? []) closedWindows.delete(m.from);
        }
      }
      return deliverWebhook(appUrl, payload, appSecret, o);
    },
    verifyHandshake,
    sendStatus,
    statusDeliveries,
    errors: server.errors,
    async close() {
      await Promise.allSettled([...pendingStatus]);
      await server.close();
    },
  };
}
