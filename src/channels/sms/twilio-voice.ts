import type { FastifyInstance, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { AppError } from '../../errors.ts';
import { isLanguage, type Language } from '../../i18n/i18n.ts';
import type { IntakeService } from '../../intake/intake.service.ts';
import type { Log } from '../../log.ts';
import type { PhoneProvider, VoiceService } from '../../voice/voice.service.ts';
import { CALLBACK_WINDOWS, languageMenu, type VoiceStep } from '../../voice/voice-settings.service.ts';
import { checkAudio, fetchMedia, type MediaOrigins } from '../media.ts';
import type { TwilioClient } from './twilio-client.ts';

type VoiceResponse = twilio.twiml.VoiceResponse;
type SayLanguage = Parameters<VoiceResponse['say']>[0] extends infer A
  ? A extends { language?: infer L }
    ? L
    : never
  : never;

/** Twilio's text-to-speech voice per requester language; a language it lacks falls back to English. */
const TTS: Record<string, string> = { ru: 'ru-RU', uk: 'uk-UA', en: 'en-US', ko: 'ko-KR' };

/**
 * The phone line on Twilio (and Twilio-compatible APIs): TwiML for the language menu, the queue
 * (`<Enqueue>` with a hold message and the caller's position), ringing operators on their own phones
 * (`<Dial><Queue>` bridges the one who pressed 1), voicemail, call-backs (`<Dial><Number>` from the
 * operator's leg) and the status callbacks. Every webhook's signature is checked by `verify` first.
 */
export function createTwilioVoice(deps: {
  voice: VoiceService;
  client: TwilioClient;
  from: string;
  publicOrigin: string | undefined;
  verify: (req: FastifyRequest) => Record<string, string>;
  /** Files a caller's contact (a thread is created or joined); null = a replay or refused. */
  intake: (
    key: string,
    from: string,
    text: string,
    language: Language,
    extra?: {
      attachments?: Array<{ kind: 'voice'; mime: string; data: Buffer }>;
      callbackRequested?: boolean;
    },
  ) => Promise<{ threadId: string } | null>;
  appendToThread: IntakeService['appendRequesterMessage'] | undefined;
  mediaOrigins: MediaOrigins;
  basicAuth: Record<string, string>;
  log: Log;
}) {
  const { voice, client, log } = deps;
  let seenOrigin: string | undefined;

  function origin(): string {
    const o = deps.publicOrigin ?? seenOrigin;
    if (!o) throw new AppError('unavailable', 'WHITEFLAG_PUBLIC_ORIGIN is needed to place calls');
    return o;
  }

  const provider: PhoneProvider = {
    async ringOperator({ phone, callId, timeoutSec }) {
      const c = await client.calls.create({
        to: phone,
        from: deps.from,
        url: `${origin()}/channels/voice/offer?call=${callId}`,
        statusCallback: `${origin()}/channels/voice/status?leg=1`,
        timeout: Math.min(60, Math.max(10, timeoutSec)),
      });
      return c.sid;
    },
    async placeCallback({ operatorPhone, callId }) {
      const c = await client.calls.create({
        to: operatorPhone,
        from: deps.from,
        url: `${origin()}/channels/voice/callback-leg?call=${callId}`,
        statusCallback: `${origin()}/channels/voice/status`,
        timeout: 30,
      });
      return c.sid;
    },
    async hangUp(sid) {
      await client
        .calls(sid)
        .update({ status: 'canceled' })
        .catch(() => client.calls(sid).update({ status: 'completed' }));
    },
  };

  function langOf(q: unknown): Language {
    const l = (q as Record<string, string> | undefined)?.lang;
    return isLanguage(l) ? l : 'ru';
  }
  function callOf(q: unknown): string {
    return (q as Record<string, string> | undefined)?.call ?? '';
  }

  /** A step: the recorded prompt if an admin uploaded one, else text-to-speech of the step's text. */
  async function speak(
    node: VoiceResponse | ReturnType<VoiceResponse['gather']>,
    lang: Language,
    step: VoiceStep,
    vars: Record<string, string> = {},
  ) {
    const token = await voice.promptToken(lang, step);
    if (token && Object.keys(vars).length === 0) {
      node.play({}, `${origin()}/channels/voice/prompts/${token}.wav`);
      return;
    }
    let text = await voice.text(lang, step);
    for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, v);
    node.say({ language: (TTS[lang] ?? 'en-US') as SayLanguage }, text);
  }

  function xml(r: VoiceResponse): string {
    return r.toString();
  }

  async function voicemail(r: VoiceResponse, lang: Language, callId: string) {
    await speak(r, lang, 'record');
    r.record({
      maxLength: 120,
      finishOnKey: '#',
      playBeep: true,
      action: `/channels/voice/recorded?lang=${lang}&call=${callId}`,
      method: 'POST',
    });
    await speak(r, lang, 'thanks');
  }

  /** Downloads a recording, seals it into the thread, deletes it at the provider. In the background. */
  function keepRecording(
    p: Record<string, string>,
    file: (audio: ReturnType<typeof checkAudio> | null, text: string) => Promise<unknown>,
  ) {
    const recordingUrl = p.RecordingUrl ?? '';
    const recordingSid = p.RecordingSid ?? '';
    setImmediate(() => {
      void (async () => {
        let text = `[voice message, ${p.RecordingDuration ?? '?'} s]`;
        let audio: ReturnType<typeof checkAudio> | null = null;
        try {
          const { bytes } = await fetchMedia(`${recordingUrl}.mp3`, deps.mediaOrigins, {
            credentials: deps.basicAuth,
            timeoutMs: 30_000,
          });
          audio = checkAudio(bytes, 'audio/mpeg');
        } catch (e) {
          // Refused (a host that is not Twilio's, too large, not audio): the call is still filed.
          if (!(e instanceof AppError)) throw e;
          text = `${text}\n[attachment refused: ${e.code}]`;
        }
        await file(audio, text);
        if (!audio) return;
        await client
          .recordings(recordingSid)
          .remove()
          .catch(() => undefined);
      })().catch((e: unknown) =>
        log.error({ err: String(e).replace(/\+?\d{6,}/g, '#') }, 'voice recording failed'),
      );
    });
  }

  function registerVoiceWebhooks(app: FastifyInstance): void {
    const post = (
      path: string,
      handler: (p: Record<string, string>, req: FastifyRequest) => Promise<VoiceResponse>,
    ) =>
      app.post(path, { schema: { hide: true } }, async (req, reply) => {
        const p = deps.verify(req);
        seenOrigin ??= `${req.protocol}://${req.host}`;
        const r = await handler(p, req);
        return reply.type('text/xml').send(xml(r));
      });

    // 1. The language menu: every requester language the catalogue has, each announced in itself.
    post('/channels/voice/incoming', async (p) => {
      if (p.CallSid) await voice.startInbound(p.CallSid);
      const r = new twilio.twiml.VoiceResponse();
      const g = r.gather({ numDigits: 1, action: '/channels/voice/language', method: 'POST', timeout: 8 });
      for (const { digit, language } of languageMenu()) await speak(g, language, 'language', { digit });
      r.redirect({ method: 'POST' }, '/channels/voice/incoming');
      return r;
    });

    // 2. Welcome and choices: an operator (default), a message, or a call-back later.
    post('/channels/voice/language', async (p) => {
      const lang = languageMenu().find((m) => m.digit === p.Digits)?.language ?? 'ru';
      const r = new twilio.twiml.VoiceResponse();
      await speak(r, lang, 'welcome');
      const g = r.gather({
        numDigits: 1,
        action: `/channels/voice/menu?lang=${lang}`,
        method: 'POST',
        timeout: 8,
      });
      await speak(g, lang, 'choices');
      r.redirect({ method: 'POST' }, `/channels/voice/menu?lang=${lang}`);
      return r;
    });

    // 3. The choice.
    post('/channels/voice/menu', async (p, req) => {
      const lang = langOf(req.query);
      const r = new twilio.twiml.VoiceResponse();
      const callId = p.CallSid ? await voice.startInbound(p.CallSid) : '';
      if (p.Digits === '3') {
        const g = r.gather({
          numDigits: 1,
          action: `/channels/voice/callback-when?lang=${lang}`,
          method: 'POST',
          timeout: 8,
        });
        await speak(g, lang, 'callback_when');
        r.redirect({ method: 'POST' }, `/channels/voice/callback-when?lang=${lang}`);
        return r;
      }
      if (p.Digits === '2' || !p.CallSid || !p.From) {
        await voice.markVoicemail(callId);
        await voicemail(r, lang, callId);
        return r;
      }
      const filed = await deps
        .intake(`${p.CallSid}:call`, p.From, '[phone call]', lang)
        .catch((e: unknown) => {
          if (e instanceof AppError && e.code === 'rate_limited') return null;
          throw e;
        });
      const call = await voice.callById(callId);
      const threadId = filed?.threadId ?? call?.thread_id;
      if (!threadId) {
        // Over budget, or this server is locked (no operator can be available then): the caller can
        // still leave a message, which is filed sealed and never lost.
        await speak(r, lang, 'busy');
        await voice.markVoicemail(callId);
        await voicemail(r, lang, callId);
        return r;
      }
      const route = await voice.enqueue(callId, threadId, lang);
      if (route !== 'queue') {
        await speak(r, lang, route);
        await voice.markVoicemail(callId);
        await voicemail(r, lang, callId);
        await voice.flagCallback(threadId, 'any');
        return r;
      }
      r.enqueue(
        {
          waitUrl: `/channels/voice/wait?lang=${lang}&call=${callId}`,
          waitUrlMethod: 'POST',
          action: `/channels/voice/left?lang=${lang}&call=${callId}`,
          method: 'POST',
        },
        `wf-${callId}`,
      );
      // Answer the provider at once; the operators' phones ring meanwhile.
      setImmediate(() => {
        void voice
          .ringOperators(callId)
          .catch((e: unknown) => log.warn({ err: String(e) }, 'ringing failed'));
      });
      return r;
    });

    post('/channels/voice/callback-when', async (p, req) => {
      const lang = langOf(req.query);
      const window = CALLBACK_WINDOWS[Number(p.Digits ?? '1') - 1] ?? 'any';
      const r = new twilio.twiml.VoiceResponse();
      if (p.CallSid && p.From) {
        const filed = await deps.intake(`${p.CallSid}:callback`, p.From, '[call-back requested]', lang, {
          callbackRequested: true,
        });
        if (filed) await voice.flagCallback(filed.threadId, window);
      }
      await speak(r, lang, 'callback_ok');
      r.hangup();
      return r;
    });

    // While waiting: the calm hold message with the caller's position; after the timeout, voicemail.
    post('/channels/voice/wait', async (p, req) => {
      const lang = langOf(req.query);
      const callId = callOf(req.query);
      const r = new twilio.twiml.VoiceResponse();
      const s = await voice.settings();
      if (Number(p.QueueTime ?? 0) >= s.queueTimeoutSec) {
        r.leave();
        return r;
      }
      const position = await voice.queuePosition(callId);
      await speak(r, lang, 'hold', { position: String(position) });
      r.pause({ length: 10 });
      return r;
    });

    // The caller left the queue: bridged (and the conversation is over), timed out, or hung up.
    post('/channels/voice/left', async (p, req) => {
      const lang = langOf(req.query);
      const callId = callOf(req.query);
      const r = new twilio.twiml.VoiceResponse();
      const result = p.QueueResult ?? '';
      if (result === 'bridged' || result === 'bridging-in-process') {
        r.hangup();
        return r;
      }
      if (result === 'hangup') {
        await voice.leftQueue(callId, 'hangup');
        return r;
      }
      await voice.leftQueue(callId, 'timeout');
      await speak(r, lang, 'busy');
      await voice.markVoicemail(callId);
      await voicemail(r, lang, callId);
      return r;
    });

    // An operator's phone answered: a press of 1 takes the call (an answering machine does not).
    post('/channels/voice/offer', async (_p, req) => {
      const call = await voice.callById(callOf(req.query));
      const lang = isLanguage(call?.language) ? call.language : 'ru';
      const r = new twilio.twiml.VoiceResponse();
      const g = r.gather({
        numDigits: 1,
        action: `/channels/voice/accept?call=${call?.id ?? ''}`,
        method: 'POST',
        timeout: 10,
      });
      g.say({ language: (TTS[lang] ?? 'en-US') as SayLanguage }, await voice.text(lang, 'offer'));
      r.hangup();
      return r;
    });

    post('/channels/voice/accept', async (p, req) => {
      const callId = callOf(req.query);
      const r = new twilio.twiml.VoiceResponse();
      const won = p.Digits === '1' && p.CallSid ? await voice.acceptOffer(p.CallSid) : null;
      if (!won) {
        r.say({ language: 'ru-RU' }, await voice.text('ru', 'taken'));
        r.hangup();
        return r;
      }
      const d = r.dial({
        action: `/channels/voice/bridge-done?call=${callId}`,
        method: 'POST',
        ...(won.recordCalls
          ? {
              record: 'record-from-answer' as const,
              recordingStatusCallback: `/channels/voice/call-recording?call=${callId}`,
              recordingStatusCallbackMethod: 'POST' as const,
            }
          : {}),
      });
      d.queue({}, `wf-${callId}`);
      return r;
    });

    post('/channels/voice/bridge-done', async (p) => {
      if (p.CallSid) await voice.legEnded(p.CallSid);
      const r = new twilio.twiml.VoiceResponse();
      r.hangup();
      return r;
    });

    // A call-back: the operator answered their phone; now the requester is dialled from the hotline's
    // number. The number goes into this answer to the provider and nowhere else.
    post('/channels/voice/callback-leg', async (p, req) => {
      const callId = callOf(req.query);
      const r = new twilio.twiml.VoiceResponse();
      const target = await voice.callbackTarget(callId, p.CallSid ?? '');
      if (!target) {
        r.hangup();
        return r;
      }
      await voice.callbackBridging(callId);
      r.say(
        { language: (TTS[target.language] ?? 'en-US') as SayLanguage },
        await voice.text(target.language, 'connecting'),
      );
      const s = await voice.settings();
      const d = r.dial({
        callerId: deps.from,
        timeout: 30,
        action: `/channels/voice/callback-done?call=${callId}`,
        method: 'POST',
        ...(s.recordCalls
          ? {
              record: 'record-from-answer' as const,
              recordingStatusCallback: `/channels/voice/call-recording?call=${callId}`,
              recordingStatusCallbackMethod: 'POST' as const,
            }
          : {}),
      });
      d.number({}, target.number);
      return r;
    });

    post('/channels/voice/callback-done', async (p, req) => {
      const dur = p.DialCallDuration === undefined ? null : Number(p.DialCallDuration);
      await voice.callbackResult(
        callOf(req.query),
        p.DialCallStatus ?? 'failed',
        Number.isFinite(dur) ? dur : null,
      );
      const r = new twilio.twiml.VoiceResponse();
      r.hangup();
      return r;
    });

    // Status callbacks: the inbound call's (configured on the number), an operator leg's, a call-back's.
    post('/channels/voice/status', async (p, req) => {
      const status = p.CallStatus ?? '';
      const terminal = ['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(status);
      if (p.CallSid && terminal) {
        if ((req.query as Record<string, string>).leg) await voice.legEnded(p.CallSid);
        else {
          const dur = Number(p.CallDuration ?? '');
          await voice.callEnded(p.CallSid, status, Number.isFinite(dur) && p.CallDuration ? dur : null);
        }
      }
      return new twilio.twiml.VoiceResponse();
    });

    // A recorded conversation (only when an admin enabled recording): sealed into the case.
    post('/channels/voice/call-recording', async (p, req) => {
      const call = await voice.callById(callOf(req.query));
      if (call?.thread_id && p.RecordingUrl && p.RecordingSid && p.RecordingStatus !== 'failed') {
        const threadId = call.thread_id;
        keepRecording(p, async (audio, text) => {
          await deps.appendToThread?.(threadId, {
            body: text.replace('voice message', 'call recording'),
            ...(audio
              ? { attachments: [{ kind: 'voice', mime: audio.mime, data: audio.data.toString('base64') }] }
              : {}),
          });
        });
      }
      return new twilio.twiml.VoiceResponse();
    });

    // Voicemail, as before: downloaded, sealed into the thread, deleted at the provider.
    post('/channels/voice/recorded', async (p, req) => {
      const lang = langOf(req.query);
      const callId = callOf(req.query);
      if (p.RecordingUrl && p.RecordingSid && p.From && p.CallSid) {
        const from = p.From;
        const key = `${p.CallSid}:${p.RecordingSid}`;
        keepRecording(p, async (audio, text) => {
          const filed = await deps.intake(key, from, text, lang, {
            attachments: audio ? [{ kind: 'voice', ...audio }] : [],
          });
          if (filed && callId) await voice.attachThread(callId, filed.threadId);
        });
      }
      const r = new twilio.twiml.VoiceResponse();
      await speak(r, lang, 'thanks');
      r.hangup();
      return r;
    });

    // Recorded prompts, fetched by the provider: the token is 192 random bits (nothing to enumerate).
    app.get('/channels/voice/prompts/:file', { schema: { hide: true } }, async (req, reply) => {
      const file = (req.params as { file: string }).file;
      const audio = await voice.promptAudio(file.replace(/\.wav$/, ''));
      if (!audio) throw new AppError('not_found', 'No such prompt');
      return reply.type('audio/wav').header('cache-control', 'private, max-age=300').send(audio);
    });
  }

  return { provider, registerVoiceWebhooks };
}
