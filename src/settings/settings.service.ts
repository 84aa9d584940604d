import type { AuditLog } from '../audit/audit.service.ts';
import { type CaseTimeouts, defaultCaseTimeouts } from '../cases/case-timeouts.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';

/**
 * Runtime settings admins change without a restart (e.g. the public form's strict mode during an
 * attack). Read often, written rarely: cached for a few seconds, so every instance follows quickly.
 */
export interface IntakeSettings {
  /** During a flood: the public form asks a check question and refuses posts made too fast. */
  strictMode: boolean;
}

const DEFAULTS: IntakeSettings = { strictMode: false };
const TTL_MS = 5000;

export function createSettingsService(deps: {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  /** The configured silence before `unreachable` (WHITEFLAG_SILENT_DAYS), the default per state. */
  silentDays?: number;
}) {
  let cache: { value: IntakeSettings; at: number } | null = null;
  // One read at a time when the cache runs out: every public request asks, and a few hundred at once
  // must not each query the same row.
  let loading: Promise<IntakeSettings> | null = null;
  return {
    /** Per-state silence timeouts and waiting reminders: defaults, overridden by the `case_timers` row. */
    async caseTimers(): Promise<CaseTimeouts> {
      const base = defaultCaseTimeouts(deps.silentDays ?? 14);
      const row = await deps.db
        .selectFrom('settings')
        .select('value')
        .where('key', '=', 'case_timers')
        .executeTakeFirst();
      const v = (row?.value ?? {}) as Partial<CaseTimeouts>;
      return {
        silenceDays: { ...base.silenceDays, ...(v.silenceDays ?? {}) },
        waitReminderDays: Array.isArray(v.waitReminderDays) ? v.waitReminderDays : base.waitReminderDays,
        waitRepeatDays: typeof v.waitRepeatDays === 'number' ? v.waitRepeatDays : base.waitRepeatDays,
      };
    },
    async intake(): Promise<IntakeSettings> {
      const now = Date.now();
      if (cache && now - cache.at < TTL_MS) return cache.value;
      loading ??= (async () => {
        const row = await deps.db
          .selectFrom('settings')
          .select('value')
          .where('key', '=', 'intake')
          .executeTakeFirst();
        const value = { ...DEFAULTS, ...((row?.value as Partial<IntakeSettings> | undefined) ?? {}) };
        cache = { value, at: now };
        return value;
      })().finally(() => {
        loading = null;
      });
      return loading;
    },
    async setCaseTimers(actorId: string, value: CaseTimeouts): Promise<CaseTimeouts> {
      const json = JSON.stringify(value);
      await deps.audit.write(async (trx, w) => {
        await trx
          .insertInto('settings')
          .values({ key: 'case_timers', value: json, updated_at: deps.clock.now(), updated_by: actorId })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({ value: json, updated_at: deps.clock.now(), updated_by: actorId }),
          )
          .execute();
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'settings.case_timers',
          details: { ...value },
        });
      });
      return this.caseTimers();
    },
    async setIntake(actorId: string, value: IntakeSettings): Promise<IntakeSettings> {
      await deps.audit.write(async (trx, w) => {
        await trx
          .insertInto('settings')
          .values({
            key: 'intake',
            value: JSON.stringify(value),
            updated_at: deps.clock.now(),
            updated_by: actorId,
          })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({
              value: JSON.stringify(value),
              updated_at: deps.clock.now(),
              updated_by: actorId,
            }),
          )
          .execute();
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'settings.intake',
          details: { ...value },
        });
      });
      cache = { value, at: Date.now() };
      return value;
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
