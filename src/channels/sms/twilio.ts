import type { FastifyInstance, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { CallerCategory } from '../../cases/categories.ts';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { isLanguage, LANGUAGES, type Language } from '../../i18n/i18n.ts';
import type { ChannelIntake } from '../../intake/channel-intake.service.ts';
import { LIMITS } from '../../intake/message-content.ts';
import type { Log } from '../../log.ts';
import { detectLanguage } from '../../triage/triage.ts';
import {
  type ChannelAdapter,
  classifyHttpFailure,
  type OutboundMessage,
  type SendResult,
} from '../channel.ts';
import { checkAudio, fetchMedia, type MediaOrigins } from '../media.ts';
import { createTwilioClient } from './twilio-client.ts';

/**
 * SMS and voice through Twilio-compatible webhooks. Every webhook's X-Twilio-Signature is validated
 * with the twilio library against the URL Twilio called; a forged one gets 401 and nothing happens. A
 * call hears a language menu, a short message, and can leave a recorded message (downloaded, sealed
 * into the thread, then deleted at Twilio) or ask for a call-back, which operators see and mark done.
 * Replies to both SMS and callers go out as SMS.
 */
export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  from: string;
  apiBase: string | undefined;
  publicOrigin: string | undefined;
}

const VOICE_TEXT: Record<
  Language,
  {
    menu: string;
    intro: string;
    choices: string;
    record: string;
    thanks: string;
    callback: string;
    voice: 'ru-RU' | 'uk-UA' | 'en-US' | 'ko-KR';
  }
> = {
  ru: {
    menu: 'Для русского языка нажмите 1.',
    intro: 'Это конфиденциальная линия помощи. Вы можете остаться в живых.',
    choices: 'Чтобы оставить сообщение, нажмите 1. Чтобы мы вам перезвонили, нажмите 2.',
    record: 'Говорите после сигнала. Не называйте лишнего. Чтобы закончить, нажмите решётку.',
    thanks: 'Спасибо. Ваше сообщение получено. Оператор ответит.',
    callback: 'Спасибо. Мы перезвоним вам на этот номер.',
    voice: 'ru-RU',
  },
  uk: {
    menu: 'Для української мови натисніть 2.',
    intro: 'Це конфіденційна лінія допомоги. Ви можете залишитися живим.',
    choices: 'Щоб залишити повідомлення, натисніть 1. Щоб ми вам передзвонили, натисніть 2.',
    record: 'Говоріть після сигналу. Не називайте зайвого. Щоб закінчити, натисніть решітку.',
    thanks: 'Дякуємо. Ваше повідомлення отримано. Оператор відповість.',
    callback: 'Дякуємо. Ми передзвонимо вам на цей номер.',
    voice: 'uk-UA',
  },
  en: {
    menu: 'For English press 3.',
    intro: 'This is a confidential help line. You can stay alive.',
    choices: 'To leave a message, press 1. To be called back, press 2.',
    record: 'Speak after the tone. Say only what is needed. Press the pound key when done.',
    thanks: 'Thank you. Your message has been received. An operator will answer.',
    callback: 'Thank you. We will call you back on this number.',
    voice: 'en-US',
  },
  ko: {
    menu: '한국어는 4번을 누르십시오.',
    intro: '이곳은 비밀 상담 전화입니다. 당신은 살 수 있습니다.',
    choices: '메시지를 남기려면 1번을 누르십시오. 전화를 다시 받으려면 2번을 누르십시오.',
    record: '신호음이 울린 후 말씀하십시오. 필요한 것만 말하십시오. 끝나면 우물 정자를 누르십시오.',
    thanks: '감사합니다. 메시지를 받았습니다. 상담원이 답할 것입니다.',
    callback: '감사합니다. 이 번호로 다시 전화하겠습니다.',
    voice: 'ko-KR',
  },
};

/** Where Twilio serves recordings and media (its API, then possibly its CDN); nothing else is fetched. */
export const TWILIO_MEDIA_HOSTS = ['*.twilio.com', '*.twiliocdn.com'] as const;
const TWILIO_API_ORIGIN = 'https://api.twilio.com';

/** The menu's digits follow LANGUAGES: 1 Russian, 2 Ukrainian, 3 English, 4 Korean … (each line says its own). */
const LANG_BY_DIGIT: Record<string, Language> = Object.fromEntries(
  LANGUAGES.map((l, i) => [String(i + 1), l]),
);

export function createTwilioChannels(
  settings: TwilioSettings,
  deps: { channelIntake: ChannelIntake; db: Db; clock: Clock; log: Log },
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
      throw new AppError('unauthenticated', 'Bad Twilio signature');
    }
    return params;
  }

  function langOf(q: unknown): Language {
    const l = (q as Record<string, string> | undefined)?.lang;
    return l === 'uk' || l === 'en' ? l : 'ru';
  }

  async function intake(
    channel: 'sms' | 'voice',
    key: string,
    from: string,
    text: string,
    language: Language,
    extra?: { attachments?: Parameters<ChannelIntake['receive']>[0]['attachments'] },
  ) {
    if (!(await deps.channelIntake.record(channel, key, { from: '[redacted]', len: text.length })))
      return null;
    const category: CallerCategory = 'other';
    const r = await deps.channelIntake.receive(
      { channel, updateKey: key, identity: from, text: text.slice(0, LIMITS.body), ...extra },
      { category, language },
    );
    await deps.channelIntake.markProcessed(channel, key);
    return r;
  }

  function twiml(res: twilio.twiml.VoiceResponse | twilio.twiml.MessagingResponse) {
    return res.toString();
  }

  function registerWebhook(app: FastifyInstance): void {
    app.post('/channels/sms/webhook', { schema: { hide: true } }, async (req, reply) => {
      const p = verify(req);
      if (!p.MessageSid || !p.From) throw new AppError('bad_request', 'Not an SMS webhook');
      const body = p.Body ?? '';
      const detected = detectLanguage(body);
      await intake('sms', p.MessageSid, p.From, body, isLanguage(detected) ? detected : 'ru');
      return reply.type('text/xml').send(twiml(new twilio.twiml.MessagingResponse()));
    });

    app.post('/channels/voice/incoming', { schema: { hide: true } }, async (req, reply) => {
      verify(req);
      const r = new twilio.twiml.VoiceResponse();
      const g = r.gather({ numDigits: 1, action: '/channels/voice/language', method: 'POST', timeout: 8 });
      for (const l of LANGUAGES) g.say({ language: VOICE_TEXT[l].voice }, VOICE_TEXT[l].menu);
      r.redirect({ method: 'POST' }, '/channels/voice/incoming');
      return reply.type('text/xml').send(twiml(r));
    });

    app.post('/channels/voice/language', { schema: { hide: true } }, async (req, reply) => {
      const p = verify(req);
      const lang = LANG_BY_DIGIT[p.Digits ?? ''] ?? 'ru';
      const v = VOICE_TEXT[lang];
      const r = new twilio.twiml.VoiceResponse();
      r.say({ language: v.voice }, v.intro);
      const g = r.gather({
        numDigits: 1,
        action: `/channels/voice/menu?lang=${lang}`,
        method: 'POST',
        timeout: 8,
      });
      g.say({ language: v.voice }, v.choices);
      r.redirect({ method: 'POST' }, `/channels/voice/menu?lang=${lang}`);
      return reply.type('text/xml').send(twiml(r));
    });

    app.post('/channels/voice/menu', { schema: { hide: true } }, async (req, reply) => {
      const p = verify(req);
      const lang = langOf(req.query);
      const v = VOICE_TEXT[lang];
      const r = new twilio.twiml.VoiceResponse();
      if (p.Digits === '2' && p.CallSid && p.From) {
        const res = await intake('voice', `${p.CallSid}:callback`, p.From, '[call-back requested]', lang);
        if (res) {
          await deps.db
            .updateTable('request_threads')
            .set({ callback_requested_at: deps.clock.now(), callback_done_at: null })
            .where('id', '=', res.threadId)
            .execute();
        }
        r.say({ language: v.voice }, v.callback);
        r.hangup();
      } else {
        r.say({ language: v.voice }, v.record);
        r.record({
          maxLength: 120,
          finishOnKey: '#',
          playBeep: true,
          action: `/channels/voice/recorded?lang=${lang}`,
          method: 'POST',
        });
        r.say({ language: v.voice }, v.thanks);
      }
      return reply.type('text/xml').send(twiml(r));
    });

    app.post('/channels/voice/recorded', { schema: { hide: true } }, async (req, reply) => {
      const p = verify(req);
      const lang = langOf(req.query);
      const v = VOICE_TEXT[lang];
      if (p.RecordingUrl && p.RecordingSid && p.From && p.CallSid) {
        const recordingUrl = p.RecordingUrl;
        const recordingSid = p.RecordingSid;
        const from = p.From;
        const key = `${p.CallSid}:${recordingSid}`;
        // Answer Twilio at once; fetch the recording, seal it into the thread, delete it at Twilio.
        setImmediate(() => {
          void (async () => {
            let text = `[voice message, ${p.RecordingDuration ?? '?'} s]`;
            let audio: ReturnType<typeof checkAudio> | null = null;
            try {
              const { bytes } = await fetchMedia(`${recordingUrl}.mp3`, mediaOrigins, {
                credentials: basicAuth,
                timeoutMs: 30_000,
              });
              audio = checkAudio(bytes, 'audio/mpeg');
            } catch (e) {
              // Refused (a host that is not Twilio's, too large, not audio): the call is still filed.
              if (!(e instanceof AppError)) throw e;
              text = `${text}\n[attachment refused: ${e.code}]`;
            }
            await intake('voice', key, from, text, lang, {
              attachments: audio ? [{ kind: 'voice', ...audio }] : [],
            });
            if (!audio) return;
            await client
              .recordings(recordingSid)
              .remove()
              .catch(() => undefined);
          })().catch((e: unknown) => deps.log.error({ err: String(e) }, 'voice recording failed'));
        });
      }
      const r = new twilio.twiml.VoiceResponse();
      r.say({ language: v.voice }, v.thanks);
      r.hangup();
      return reply.type('text/xml').send(twiml(r));
    });
  }

  return { smsAdapter: makeAdapter('sms'), voiceAdapter: makeAdapter('voice'), registerWebhook, client };
}
