import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Session } from '../auth/sessions.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { isLanguage, LANGUAGES, type Language, type MessageKey, t } from '../i18n/i18n.ts';
/**
 * What the phone line says and when it answers: the admin's settings (queue timeout, hours, recording,
 * call-back SLA), the menu as data (texts per language and step over the catalogue's), and recorded
 * prompts (re-encoded to 8 kHz μ-law, served from an unguessable token). Pure helpers for the menu,
 * hours and call-back windows sit here too.
 */
import { CALLBACK_WINDOWS, type CallbackWindow, VOICE_STEPS, type VoiceStep } from './voice-steps.ts';
import { encodePrompt } from './wav.ts';

export { CALLBACK_WINDOWS, type CallbackWindow, VOICE_STEPS, type VoiceStep };

/** What an operator hears on their own phone. */
export type OperatorPhrase = 'offer' | 'taken' | 'connecting';

/** Local hours [from, to) of each window a requester can ask for. */
const WINDOW_HOURS: Record<Exclude<CallbackWindow, 'any'>, [number, number]> = {
  morning: [8, 12],
  afternoon: [12, 17],
  evening: [17, 22],
};

export interface VoiceSettings {
  /** Seconds a caller waits in the queue before voicemail (and a call-back flag). */
  queueTimeoutSec: number;
  /** Hours operators answer, local time ("08:00"–"22:00"); null = around the clock. */
  hours: { from: string; to: string } | null;
  /** The hotline's local time as an offset from UTC (call-back windows and hours). */
  utcOffsetMinutes: number;
  /** How long after its due time a call-back breaches its SLA. */
  callbackSlaMinutes: number;
  /** Record answered calls (sealed into the case like voicemail). Off by default. */
  recordCalls: boolean;
  /** Admin's texts per language and step, replacing the catalogue's (TTS). */
  menu: Partial<Record<string, Partial<Record<VoiceStep, string>>>>;
}

export const DEFAULT_VOICE_SETTINGS: VoiceSettings = {
  queueTimeoutSec: 90,
  hours: null,
  utcOffsetMinutes: 180,
  callbackSlaMinutes: 120,
  recordCalls: false,
  menu: {},
};

export type { CallOutcome, CallView } from './voice-steps.ts';

const _E164 = /^\+[1-9]\d{6,14}$/;

/** The language a caller chooses with a digit: 1 = the first language of the catalogue, and so on. */
export function languageMenu(): Array<{ digit: string; language: Language }> {
  return LANGUAGES.slice(0, 9).map((language, i) => ({ digit: String(i + 1), language }));
}

/** Minutes since local midnight for `now` in the hotline's time zone. */
function localMinutes(now: Date, offset: number): number {
  return (((now.getUTCHours() * 60 + now.getUTCMinutes() + offset) % 1440) + 1440) % 1440;
}

function hm(v: string): number {
  const [h = '0', m = '0'] = v.split(':');
  return Number(h) * 60 + Number(m);
}

export function isOpen(s: VoiceSettings, now: Date): boolean {
  if (!s.hours) return true;
  const m = localMinutes(now, s.utcOffsetMinutes);
  const from = hm(s.hours.from);
  const to = hm(s.hours.to);
  return from <= to ? m >= from && m < to : m >= from || m < to;
}

/** When a call-back in `window` is due: now if we are in it (or 'any'), else the window's next start. */
export function callbackDueAt(window: CallbackWindow, now: Date, offsetMinutes: number): Date {
  if (window === 'any') return now;
  const [from, to] = WINDOW_HOURS[window];
  const m = localMinutes(now, offsetMinutes);
  if (m >= from * 60 && m < to * 60) return now;
  const wait = (from * 60 - m + 1440) % 1440;
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 + wait * 60_000);
}
export function createVoiceSettings(deps: { db: Db; audit: AuditLog; clock: Clock }) {
  const { db, audit, clock } = deps;
  let cache: { value: VoiceSettings; at: number } | null = null;

  async function settings(): Promise<VoiceSettings> {
    if (cache && Date.now() - cache.at < 5000) return cache.value;
    const row = await db.selectFrom('settings').select('value').where('key', '=', 'voice').executeTakeFirst();
    const value = {
      ...DEFAULT_VOICE_SETTINGS,
      ...((row?.value as Partial<VoiceSettings> | undefined) ?? {}),
    };
    cache = { value, at: Date.now() };
    return value;
  }

  async function setSettings(session: Session, value: VoiceSettings): Promise<VoiceSettings> {
    await audit.write(async (trx, w) => {
      const json = JSON.stringify(value);
      await trx
        .insertInto('settings')
        .values({ key: 'voice', value: json, updated_at: clock.now(), updated_by: session.user.id })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({ value: json, updated_at: clock.now(), updated_by: session.user.id }),
        )
        .execute();
      await w.audit({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'voice.settings',
        details: {
          queueTimeoutSec: value.queueTimeoutSec,
          hours: value.hours,
          recordCalls: value.recordCalls,
          callbackSlaMinutes: value.callbackSlaMinutes,
        },
      });
    });
    cache = { value, at: Date.now() };
    return value;
  }

  /** The text of a step: the admin's, else the catalogue's. Operator-side phrases are catalogue only. */
  async function text(language: Language, step: VoiceStep | OperatorPhrase): Promise<string> {
    const custom = (VOICE_STEPS as readonly string[]).includes(step)
      ? (await settings()).menu[language]?.[step as VoiceStep]
      : undefined;
    return custom?.trim() ? custom : t(language, `voice.${step}` as MessageKey);
  }

  /** A recorded prompt for the step, if an admin uploaded one: its unguessable token. */
  async function promptToken(language: Language, step: VoiceStep): Promise<string | null> {
    const r = await db
      .selectFrom('voice_prompts')
      .select('token')
      .where('language', '=', language)
      .where('step', '=', step)
      .executeTakeFirst();
    return r?.token ?? null;
  }

  async function uploadPrompt(session: Session, language: string, step: string, bytes: Buffer) {
    if (!isLanguage(language) || !(VOICE_STEPS as readonly string[]).includes(step))
      throw new AppError('validation_failed', 'Unknown language or step', { field: 'step' });
    const { wav, durationMs } = encodePrompt(bytes);
    const token = randomBytes(24).toString('base64url');
    await audit.write(async (trx, w) => {
      await trx
        .insertInto('voice_prompts')
        .values({
          language,
          step,
          audio: wav,
          token,
          duration_ms: durationMs,
          uploaded_by: session.user.id,
          uploaded_at: clock.now(),
        })
        .onConflict((oc) =>
          oc.columns(['language', 'step']).doUpdateSet({
            audio: wav,
            token,
            duration_ms: durationMs,
            uploaded_by: session.user.id,
            uploaded_at: clock.now(),
          }),
        )
        .execute();
      await w.audit({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'voice.prompt_uploaded',
        details: { language, step, durationMs },
      });
    });
    return { language, step, durationMs };
  }

  async function deletePrompt(session: Session, language: string, step: string) {
    await audit.write(async (trx, w) => {
      await trx
        .deleteFrom('voice_prompts')
        .where('language', '=', language)
        .where('step', '=', step)
        .execute();
      await w.audit({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'voice.prompt_deleted',
        details: { language, step },
      });
    });
  }

  async function listPrompts() {
    const rows = await db
      .selectFrom('voice_prompts')
      .select(['language', 'step', 'duration_ms', 'uploaded_at'])
      .orderBy('language')
      .orderBy('step')
      .execute();
    return rows.map((r) => ({
      language: r.language,
      step: r.step,
      durationMs: r.duration_ms,
      uploadedAt: r.uploaded_at.toISOString(),
    }));
  }

  async function promptAudio(token: string): Promise<Buffer | null> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return null;
    const r = await db
      .selectFrom('voice_prompts')
      .select('audio')
      .where('token', '=', token)
      .executeTakeFirst();
    return r?.audio ?? null;
  }
  return { settings, setSettings, text, promptToken, uploadPrompt, deletePrompt, listPrompts, promptAudio };
}

export type VoiceSettingsService = ReturnType<typeof createVoiceSettings>;
