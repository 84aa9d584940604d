import { z } from 'zod';
import { LANGUAGES } from '../i18n/languages.ts';
import { CALLBACK_WINDOWS, VOICE_STEPS } from './voice-steps.ts';

/**
 * What the phone-line routes answer (the API contract; the console takes its types from here). No
 * answer carries a requester's number. Zod and pure modules only: the console imports it.
 */

export const ZPanel = z.object({
  available: z.boolean(),
  hasPhone: z.boolean(),
  waiting: z.array(
    z.object({
      callId: z.string(),
      requestId: z.string().nullable(),
      ref: z.string().nullable(),
      language: z.string().nullable(),
      position: z.number(),
      waitingSec: z.number(),
      ringingMe: z.boolean(),
    }),
  ),
  activeCall: z
    .object({
      callId: z.string(),
      requestId: z.string().nullable(),
      ref: z.string().nullable(),
      direction: z.enum(['inbound', 'outbound']),
      since: z.string().nullable(),
    })
    .nullable(),
  lineConfigured: z.boolean(),
});

export const ZCall = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  language: z.string().nullable(),
  state: z.string(),
  outcome: z.enum(['answered', 'voicemail', 'missed', 'failed']).nullable(),
  answeredBy: z.string().nullable(),
  startedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationSec: z.number().nullable(),
  recorded: z.boolean(),
});

export const ZCaseCalls = z.object({
  calls: z.array(ZCall),
  phone: z.boolean(),
  smsAllowed: z.boolean(),
  callback: z
    .object({
      window: z.enum(CALLBACK_WINDOWS),
      dueAt: z.string(),
      attempts: z.number(),
      lastOutcome: z.string().nullable(),
    })
    .nullable(),
});

export const ZCallback = z.object({
  id: z.string(),
  requestId: z.string(),
  ref: z.string(),
  language: z.string(),
  window: z.enum(CALLBACK_WINDOWS),
  requestedAt: z.string(),
  dueAt: z.string(),
  slaDeadline: z.string(),
  breached: z.boolean(),
  attempts: z.number(),
  lastOutcome: z.string().nullable(),
});

const HM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
export const ZVoiceSettings = z.object({
  queueTimeoutSec: z.number().int().min(15).max(600),
  hours: z.object({ from: HM, to: HM }).nullable(),
  utcOffsetMinutes: z.number().int().min(-720).max(840),
  callbackSlaMinutes: z
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60),
  recordCalls: z.boolean(),
  menu: z.partialRecord(z.enum(LANGUAGES), z.partialRecord(z.enum(VOICE_STEPS), z.string().max(1000))),
});

export const ZPrompt = z.object({
  language: z.string(),
  step: z.string(),
  durationMs: z.number(),
  uploadedAt: z.string().optional(),
});

export type VoicePanel = z.infer<typeof ZPanel>;
export type CaseCalls = z.infer<typeof ZCaseCalls>;
export type VoiceCallback = z.infer<typeof ZCallback>;
export type VoiceSettings = z.infer<typeof ZVoiceSettings>;
export type VoicePrompt = z.infer<typeof ZPrompt>;
