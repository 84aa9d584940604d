import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { CASE_STATES } from '../cases/case-state.ts';
import { ZIntake } from './settings.schemas.ts';
import type { SettingsService } from './settings.service.ts';

const days = z.number().int().min(1).max(3650);
/** Per-state silence timeouts (null: never unreachable) and the waiting reminders, in days. */
const ZCaseTimers = z.object({
  silenceDays: z.partialRecord(z.enum(CASE_STATES), days.nullable()),
  waitReminderDays: z.array(z.number().int().min(0).max(3650)).min(1).max(20),
  waitRepeatDays: days,
});

export function registerSettingsRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; settings: SettingsService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/settings/intake',
    {
      preValidation: requireSession(deps.sessions, 'settings.manage'),
      schema: { tags: ['settings'], summary: 'Public form settings', response: { 200: ZIntake } },
    },
    async () => deps.settings.intake(),
  );
  r.put(
    '/api/settings/intake',
    {
      preValidation: requireSession(deps.sessions, 'settings.manage'),
      schema: {
        tags: ['settings'],
        summary: 'Switch the public form into strict mode during an attack (audited)',
        body: ZIntake,
        response: { 200: ZIntake },
      },
    },
    async (req) => deps.settings.setIntake(req.session!.user.id, req.body),
  );
  r.get(
    '/api/settings/case-timers',
    {
      preValidation: requireSession(deps.sessions, 'settings.manage'),
      schema: {
        tags: ['settings'],
        summary: 'Case timers: silence before unreachable per state, reminders after the expected front date',
        response: { 200: ZCaseTimers },
      },
    },
    async () => deps.settings.caseTimers(),
  );
  r.put(
    '/api/settings/case-timers',
    {
      preValidation: requireSession(deps.sessions, 'settings.manage'),
      schema: {
        tags: ['settings'],
        summary: 'Change the case timers (audited); waiting for the front should stay without a timeout',
        body: ZCaseTimers,
        response: { 200: ZCaseTimers },
      },
    },
    async (req) => deps.settings.setCaseTimers(req.session!.user.id, req.body),
  );
}
