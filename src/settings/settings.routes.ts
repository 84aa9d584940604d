import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import type { SettingsService } from './settings.service.ts';

const ZIntake = z.object({ strictMode: z.boolean() });

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
}
