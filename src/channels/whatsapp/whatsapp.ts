import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CallerCategory } from '../../cases/categories.ts';
import type { WhatsappSettings } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { isLanguage, type Language } from '../../i18n/i18n.ts';
import type { ChannelIntake } from '../../intake/channel-intake.service.ts';
import { LIMITS } from '../../intake/message-content.ts';
import type { Log } from '../../log.ts';
import { detectLanguage } from '../../triage/triage.ts';
import {
  type Attachment,
  type ChannelAdapter,
  classifyHttpFailure,
  type OutboundMessage,
  type SendResult,
} from '../channel.ts';
import { checkAudio, fetchMedia, type MediaOrigins, stripImage } from '../media.ts';

export type { WhatsappSettings };

/**
 * WhatsApp Cloud API. Inbound: Meta's webhook, each request signed with the app secret
 * (X-Hub-Signature-256 over the raw body — checked before anything is parsed), plus the subscription
 * handshake. Outbound: the messages endpoint; when the person has not written for 24 hours Meta refuses
 * free text (error 131047) and only an approved template may be sent: the reply then goes out as the
 * configured template with the reply text as its parameter.
 */

const ZWaMessage = z
  .object({
    id: z.string().max(200),
    from: z.string().regex(/^\d{5,20}$/),
    type: z.string(),
    text: z.object({ body: z.string() }).optional(),
    image: z.object({ id: z.string(), caption: z.string().optional() }).optional(),
    audio: z.object({ id: z.string(), mime_type: z.string().optional() }).optional(),
  })
  .passthrough();

const ZWaStatus = z
  .object({
    id: z.string().max(200),
    status: z.string(),
    errors: z.array(z.object({ code: z.number() }).passthrough()).optional(),
  })
  .passthrough();

const ZWebhook = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z
    .array(
      z.object({
        changes: z.array(
          z.object({
            value: z
              .object({ messages: z.array(ZWaMessage).optional(), statuses: z.array(ZWaStatus).optional() })
              .passthrough(),
          }),
        ),
      }),
    )
    .max(100),
});
/**
 * Where Meta serves media: the Graph look-up answers a `url` on its media host (which wants the
 * bearer token) or its CDNs. Anything else in that answer is refused (see `fetchMedia`).
 */
export const WHATSAPP_MEDIA_HOSTS = ['lookaside.fbsbx.com', '*.fbcdn.net', '*.whatsapp.net'] as const;
const META_GRAPH_ORIGIN = 'https://graph.facebook.com';

type WaMessage = NonNullable<
  z.infer<typeof ZWebhook>['entry'][number]['changes'][number]['value']['messages']
>[number];

export function createWhatsapp(
  settings: WhatsappSettings,
  deps: {
    channelIntake: ChannelIntake;
    log: Log;
    /** Re-queue an accepted message in another form (the template, when Meta reports 131047 later). */
    retryAs?: (providerMessageId: string, kind: 'template') => Promise<boolean>;
  },
) {
  const base = `${settings.apiRoot.replace(/\/$/, '')}/${settings.apiVersion}`;
  const auth = { authorization: `Bearer ${settings.token}` };
  const mediaOrigins: MediaOrigins = {
    apiBase: settings.apiRoot,
    providerHosts: WHATSAPP_MEDIA_HOSTS,
    // The token is Meta's: it goes to Meta's media host only when we talk to Meta's Graph API itself
    // (behind another API root it belongs to that provider, and its media comes from that root).
    credentialHosts: new URL(settings.apiRoot).origin === META_GRAPH_ORIGIN ? ['lookaside.fbsbx.com'] : [],
  };

  async function graph(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : null,
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: res.status, json };
  }

  async function sendOnce(
    to: string,
    payload: Record<string, unknown>,
  ): Promise<SendResult & { code?: string }> {
    try {
      const { status, json } = await graph('POST', `/${settings.phoneNumberId}/messages`, {
        messaging_product: 'whatsapp',
        to,
        ...payload,
      });
      if (status >= 200 && status < 300) {
        const id = (json.messages as Array<{ id?: string }> | undefined)?.[0]?.id;
        return { ok: true, providerMessageId: id };
      }
      const err = (json.error ?? {}) as { message?: string; code?: number };
      const r = classifyHttpFailure(status, err.message ?? `HTTP ${status}`);
      return { ...r, code: err.code !== undefined ? String(err.code) : String(status) };
    } catch (e) {
      return { ok: false, retryable: true, error: `network: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  const adapter: ChannelAdapter = {
    channel: 'whatsapp',
    limits: { perSecond: 60, perRecipientPerSecond: 1 },
    async send(message: OutboundMessage): Promise<SendResult> {
      const template = () =>
        sendOnce(message.to, {
          type: 'template',
          template: {
            name: settings.template,
            language: { code: 'ru' },
            components: [{ type: 'body', parameters: [{ type: 'text', text: message.text.slice(0, 1000) }] }],
          },
        });
      if (message.kind === 'template') return template();
      const first = await sendOnce(message.to, { type: 'text', text: { body: message.text } });
      // The 24-hour customer-service window is closed: only a template may start the conversation.
      return first.ok || first.code !== '131047' ? first : template();
    },
  };

  async function downloadMedia(id: string): Promise<{ bytes: Buffer; mime: string }> {
    const meta = await graph('GET', `/${encodeURIComponent(id)}`);
    const url = meta.json.url;
    const size = Number(meta.json.file_size ?? 0);
    if (typeof url !== 'string' || meta.status !== 200) throw new Error('media lookup failed');
    if (size > LIMITS.attachmentBytes) throw new AppError('payload_too_large');
    const { bytes } = await fetchMedia(url, mediaOrigins, {
      credentials: auth,
      timeoutMs: 20_000,
      maxBytes: LIMITS.attachmentBytes,
    });
    return { bytes, mime: String(meta.json.mime_type ?? 'application/octet-stream') };
  }

  async function handleMessage(m: WaMessage): Promise<void> {
    let text = m.text?.body ?? m.image?.caption ?? '';
    const attachments: Attachment[] = [];
    try {
      if (m.image)
        attachments.push({ kind: 'image', ...(await stripImage((await downloadMedia(m.image.id)).bytes)) });
      if (m.audio) {
        const a = await downloadMedia(m.audio.id);
        attachments.push({
          kind: 'voice',
          ...checkAudio(a.bytes, (m.audio.mime_type ?? a.mime).split(';')[0] as string),
        });
      }
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      text = `${text}\n[attachment refused: ${e.code}]`.trim();
    }
    const detected = detectLanguage(text);
    const language: Language = isLanguage(detected) ? detected : 'ru';
    const category: CallerCategory = 'other';
    await deps.channelIntake.receive(
      {
        channel: 'whatsapp',
        updateKey: m.id,
        identity: m.from,
        text: text.slice(0, LIMITS.body),
        attachments,
      },
      { category, language },
    );
  }

  function verifySignature(raw: Buffer, header: unknown): boolean {
    if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
    const expected = Buffer.from(createHmac('sha256', settings.appSecret).update(raw).digest('hex'));
    const got = Buffer.from(header.slice(7));
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  function registerWebhook(app: FastifyInstance): void {
    app.register(async (scope) => {
      // The signature covers the exact bytes: keep the raw body for this route only.
      scope.addContentTypeParser(
        'application/json',
        { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
        (_req, body, done) => done(null, body),
      );

      scope.get('/channels/whatsapp/webhook', { schema: { hide: true } }, async (req, reply) => {
        const q = req.query as Record<string, string | undefined>;
        const token = q['hub.verify_token'] ?? '';
        const a = Buffer.from(token);
        const b = Buffer.from(settings.verifyToken);
        const ok = q['hub.mode'] === 'subscribe' && a.length === b.length && timingSafeEqual(a, b);
        if (!ok) throw new AppError('forbidden', 'Verification failed');
        return reply.type('text/plain').send(String(q['hub.challenge'] ?? ''));
      });

      scope.post('/channels/whatsapp/webhook', { schema: { hide: true } }, async (req, reply) => {
        const raw = req.body as Buffer;
        if (!Buffer.isBuffer(raw) || !verifySignature(raw, req.headers['x-hub-signature-256'])) {
          throw new AppError('unauthenticated', 'Bad signature');
        }
        let parsed: z.infer<typeof ZWebhook>;
        try {
          parsed = ZWebhook.parse(JSON.parse(raw.toString('utf8')));
        } catch {
          throw new AppError('bad_request', 'Not a WhatsApp webhook');
        }
        const fresh: WaMessage[] = [];
        for (const e of parsed.entry) {
          for (const c of e.changes) {
            // Meta may accept a text and report later that the 24-hour window was closed (131047).
            for (const st of c.value.statuses ?? []) {
              if (st.status === 'failed' && st.errors?.some((x) => x.code === 131047)) {
                await deps.retryAs?.(st.id, 'template');
              }
            }
            for (const m of c.value.messages ?? []) {
              if (await deps.channelIntake.record('whatsapp', m.id, m)) fresh.push(m);
            }
          }
        }
        // Acknowledge first (Meta retries slow webhooks), then process.
        setImmediate(() => {
          void (async () => {
            for (const m of fresh) {
              // The one ingest path (channel-intake `accept`), already recorded: locked → deferred.
              await deps.channelIntake
                .accept('whatsapp', m.id, m, () => handleMessage(m), { recorded: true })
                .catch((e: unknown) => deps.log.error({ err: String(e) }, 'whatsapp message failed'));
            }
          })();
        });
        return reply.code(200).send({ ok: true });
      });
    });
  }

  function sweep(): Promise<number> {
    return deps.channelIntake.sweep('whatsapp', (p) => handleMessage(p as WaMessage));
  }

  return { adapter, registerWebhook, sweep, handleMessage };
}

export type Whatsapp = ReturnType<typeof createWhatsapp>;
