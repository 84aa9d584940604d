import type { FastifyInstance, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { CallerCategory } from '../../cases/categories.ts';
import type { Clock } from '../../clock.ts';
import type { TwilioSettings } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { isLanguage, type Language, t } from '../../i18n/i18n.ts';
import type { ChannelIntake } from '../../intake/channel-intake.service.ts';
import type { IntakeService } from '../../intake/intake.service.ts';
import { LIMITS } from '../../intake/message-content.ts';
import type { Log } from '../../log.ts';
import { detectLanguage } from '../../triage/triage.ts';
import type { VoiceService } from '../../voice/voice.service.ts';
import {
  type ChannelAdapter,
  classifyHttpFailure,
  type OutboundMessage,
  type SendResult,
} from '../channel.ts';
import type { MediaOrigins } from '../media.ts';
import { createTwilioClient } from './twilio-client.ts';
import { createTwilioVoice } from './twilio-voice.ts';

export type { TwilioSettings };

/**
 * SMS and voice through Twilio-compatible webhooks. Every webhook's X-Twilio-Signature (status
 * callbacks included) is validated with the twilio library against the URL Twilio called; a forged one
 * gets 403 `invalid_signature` and nothing happens. The phone line itself (menu, queue, operators,
 * voicemail, call-backs) is `twilio-voice.ts`. Replies to callers go out as SMS only where an operator
 * enabled it for the case (`request_threads.sms_allowed`).
 */

/** Where Twilio serves recordings and media (its API, then possibly its CDN); nothing else is fetched. */
export const TWILIO_MEDIA_HOSTS = ['*.twilio.com', '*.twiliocdn.com'] as const;
const TWILIO_API_ORIGIN = 'https://api.twilio.com';

export function createTwilioChannels(
  settings: TwilioSettings,
  deps: {
    channelIntake: ChannelIntake;
    db: Db;
    clock: Clock;
    log: Log;
    /** The phone line (queue, operators, call-backs); the provider is registered with it here. */
    voice: VoiceService;
    appendToThread?: IntakeService['appendRequesterMessage'];
  },
) {
  const client = createTwilioClient(settings);
  // The account credentials go to the configured API origin only (Twilio's, unless a compatible
  // provider or a fake is configured), never to a host named by a payload.
  const mediaOrigins: MediaOrigins = {
    apiBase: settings.apiBase ?? TWILIO_API_ORIGIN,
    providerHosts: TWILIO_MEDIA_HOSTS,
  };
  const basicAuth = {
    authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`,
  };

  function makeAdapter(channel: 'sms' | 'voice'): ChannelAdapter {
    return {
      channel,
      limits: { perSecond: 10, perRecipientPerSecond: 1 },
      async send(message: OutboundMessage): Promise<SendResult> {
        try {
          const m = await client.messages.create({
            to: message.to,
            from: settings.from,
            body: message.text.slice(0, 1600),
          });
          return { ok: true, providerMessageId: m.sid };
        } catch (e) {
          const err = e as { status?: number; code?: number; message?: string };
          if (typeof err.status === 'number') {
            const r = classifyHttpFailure(err.status, err.message ?? 'Twilio error');
            return r.ok ? r : { ...r, code: String(err.code ?? err.status) };
          }
          return { ok: false, retryable: true, error: `network: ${err.message ?? String(e)}` };
        }
      },
    };
  }

  function signedUrl(req: FastifyRequest): string {
    return `${settings.publicOrigin ?? `${req.protocol}://${req.host}`}${req.url}`;
  }

  /** Rejects anything not signed by Twilio with our auth token. */
  function verify(req: FastifyRequest): Record<string, string> {
    const params = (req.body ?? {}) as Record<string, string>;
    const sig = req.headers['x-twilio-signature'];
    if (typeof sig !== 'string' || !twilio.validateRequest(settings.authToken, sig, signedUrl(req), params)) {
      throw new AppError('invalid_signature', 'Bad Twilio signature');
    }
    return params;
  }

  async function intake(
    channel: 'sms' | 'voice',
    key: string,
    from: string,
    text: string,
    language: Language,
    extra?: {
      attachments?: Parameters<ChannelIntake['receive']>[0]['attachments'];
      callbackRequested?: boolean;
    },
  ) {
    // One ingest path: recorded sealed first; received now, or once the routing key is unlocked.
    const category: CallerCategory = 'other';
    return deps.channelIntake.ingest(
      {
        channel,
        updateKey: key,
        identity: from,
        text: text.slice(0, LIMITS.body),
        ...(extra?.attachments ? { attachments: extra.attachments } : {}),
      },
      { category, language, ...(extra?.callbackRequested ? { callbackRequested: true } : {}) },
    );
  }

  function twiml(res: twilio.twiml.MessagingResponse) {
    return res.toString();
  }

  const voiceLine = createTwilioVoice({
    voice: deps.voice,
    client,
    from: settings.from,
    publicOrigin: settings.publicOrigin,
    verify,
    // While the routing key is locked a call is filed later (sealed, nothing lost): no thread yet.
    intake: async (key, from, text, language, extra) => {
      const r = await intake('voice', key, from, text, language, extra);
      return r === 'deferred' ? null : r;
    },
    appendToThread: deps.appendToThread,
    mediaOrigins,
    basicAuth,
    log: deps.log,
  });
  deps.voice.setProvider(voiceLine.provider);

  function registerWebhook(app: FastifyInstance): void {
    app.post('/channels/sms/webhook', { schema: { hide: true } }, async (req, reply) => {
      const p = verify(req);
      if (!p.MessageSid || !p.From) throw new AppError('bad_request', 'Not an SMS webhook');
      const body = p.Body ?? '';
      const detected = detectLanguage(body);
      const language: Language = isLanguage(detected) ? detected : 'ru';
      const r = await intake('sms', p.MessageSid, p.From, body, language);
      const res = new twilio.twiml.MessagingResponse();
      // A code that linked this number to an earlier request: say so (nothing else is ever echoed).
      if (r && r !== 'deferred' && r.attached)
        res.message(t(isLanguage(r.language) ? r.language : language, 'bot.attached'));
      return reply.type('text/xml').send(twiml(res));
    });

    voiceLine.registerVoiceWebhooks(app);
  }

  return { smsAdapter: makeAdapter('sms'), voiceAdapter: makeAdapter('voice'), registerWebhook, client };
}
