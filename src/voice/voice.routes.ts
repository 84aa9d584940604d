import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ZError } from '../http/schemas.ts';
import { LANGUAGES } from '../i18n/i18n.ts';
import { ZCallback, ZCaseCalls, ZPanel, ZPrompt, ZVoiceSettings } from './voice.schemas.ts';
import type { VoiceService } from './voice.service.ts';
import { VOICE_STEPS } from './voice-settings.service.ts';
import { MAX_PROMPT_BYTES } from './wav.ts';

/**
 * The console's phone line: the call panel (availability, the operator's own phone, calls waiting),
 * calls of a case, "Call back", SMS consent per case, and the admin's line settings and prompts.
 * No answer here ever carries a requester's number: the panel and the case see refs and outcomes.
 */
const ZId = z.object({ id: z.uuid() });

export function registerVoiceRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; voice: VoiceService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, voice } = deps;
  const errors = { 400: ZError, 403: ZError, 404: ZError, 409: ZError, 503: ZError };

  r.get(
    '/api/voice/panel',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['phone line'],
        summary: 'My call panel: availability, calls waiting, my call',
        response: { 200: ZPanel },
      },
    },
    async (req) => ({ ...(await voice.panel(req.session!)), lineConfigured: voice.hasProvider() }),
  );
  r.put(
    '/api/voice/availability',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['phone line'],
        summary: 'Set myself available (my phone rings for calls) or busy (audited)',
        body: z.object({ available: z.boolean() }),
        response: { 200: ZPanel },
      },
    },
    async (req) => {
      await voice.setAvailability(req.session!, req.body.available);
      return { ...(await voice.panel(req.session!)), lineConfigured: voice.hasProvider() };
    },
  );
  r.put(
    '/api/voice/phone',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['phone line'],
        summary: 'My own phone, where the hotline rings me (encrypted; never shown back)',
        body: z.object({ phone: z.string().max(20).nullable() }),
        response: { 200: ZPanel, 400: ZError },
      },
    },
    async (req) => {
      await voice.setPhone(req.session!, req.body.phone);
      return { ...(await voice.panel(req.session!)), lineConfigured: voice.hasProvider() };
    },
  );
  r.get(
    '/api/voice/callbacks',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['phone line'],
        summary: 'Open call-backs with due time and SLA',
        response: { 200: z.object({ items: z.array(ZCallback) }) },
      },
    },
    async () => ({ items: await voice.listCallbacks() }),
  );
  r.get(
    '/api/requests/:id/calls',
    {
      preValidation: requireSession(sessions, 'request.read'),
      schema: {
        tags: ['phone line'],
        summary: 'Calls of a case',
        params: ZId,
        response: { 200: ZCaseCalls, ...errors },
      },
    },
    async (req) => voice.callsOf(req.session!, req.params.id),
  );
  r.post(
    '/api/requests/:id/call-back',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['phone line'],
        summary:
          'Call the requester back: my phone rings, then the server dials them (number never leaves the server)',
        params: ZId,
        response: { 202: z.object({ callId: z.string() }), ...errors },
      },
    },
    async (req, reply) => reply.code(202).send(await voice.startCallback(req.session!, req.params.id)),
  );
  r.put(
    '/api/requests/:id/sms-allowed',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['phone line'],
        summary: 'Allow replies by SMS to this caller (after asking them; audited)',
        params: ZId,
        body: z.object({ allowed: z.boolean() }),
        response: { 200: z.object({ smsAllowed: z.boolean() }), ...errors },
      },
    },
    async (req) => voice.setSmsAllowed(req.session!, req.params.id, req.body.allowed),
  );

  r.get(
    '/api/settings/voice',
    {
      preValidation: requireSession(sessions, 'settings.manage'),
      schema: {
        tags: ['phone line'],
        summary: 'Phone line settings and menu texts',
        response: { 200: ZVoiceSettings },
      },
    },
    async () => (await voice.settings()) as z.infer<typeof ZVoiceSettings>,
  );
  r.put(
    '/api/settings/voice',
    {
      preValidation: requireSession(sessions, 'settings.manage'),
      schema: {
        tags: ['phone line'],
        summary: 'Change the phone line: queue timeout, hours, recording, menu texts (audited)',
        body: ZVoiceSettings,
        response: { 200: ZVoiceSettings, 400: ZError },
      },
    },
    async (req) => (await voice.setSettings(req.session!, req.body)) as z.infer<typeof ZVoiceSettings>,
  );
  r.get(
    '/api/voice/prompts',
    {
      preValidation: requireSession(sessions, 'settings.manage'),
      schema: {
        tags: ['phone line'],
        summary: 'Recorded prompts',
        response: { 200: z.object({ items: z.array(ZPrompt) }) },
      },
    },
    async () => ({ items: await voice.listPrompts() }),
  );
  r.put(
    '/api/voice/prompts/:language/:step',
    {
      preValidation: requireSession(sessions, 'settings.manage'),
      bodyLimit: Math.ceil((MAX_PROMPT_BYTES * 4) / 3) + 1024,
      schema: {
        tags: ['phone line'],
        summary: 'Upload a recorded prompt (WAV: PCM, float, μ-law or A-law; re-encoded to 8 kHz μ-law)',
        params: z.object({ language: z.enum(LANGUAGES), step: z.enum(VOICE_STEPS) }),
        body: z.object({ audio: z.base64() }),
        response: { 200: ZPrompt, 400: ZError, 413: ZError, 415: ZError },
      },
    },
    async (req) =>
      voice.uploadPrompt(
        req.session!,
        req.params.language,
        req.params.step,
        Buffer.from(req.body.audio, 'base64'),
      ),
  );
  r.delete(
    '/api/voice/prompts/:language/:step',
    {
      preValidation: requireSession(sessions, 'settings.manage'),
      schema: {
        tags: ['phone line'],
        summary: 'Remove a recorded prompt (text-to-speech again)',
        params: z.object({ language: z.enum(LANGUAGES), step: z.enum(VOICE_STEPS) }),
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await voice.deletePrompt(req.session!, req.params.language, req.params.step);
      return reply.code(204).send(null);
    },
  );
}
