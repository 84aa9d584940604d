import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ZError } from '../http/schemas.ts';
import { ZRoutingSettings as ZRouting } from '../settings/settings.schemas.ts';
import { ZLanguagesWaiting } from '../supervisor/supervisor.schemas.ts';
import { type AssignmentService, LANGUAGE_CODE } from './assignment.service.ts';

const ZLanguages = z.object({ languages: z.array(z.string().regex(LANGUAGE_CODE)).max(20) });

export function registerAssignmentRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; assignment: AssignmentService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, assignment: routing } = deps;

  r.get(
    '/api/auth/me/languages',
    {
      preValidation: requireSession(sessions),
      schema: { tags: ['auth'], summary: 'The languages I work in', response: { 200: ZLanguages } },
    },
    async (req) => ({ languages: await routing.languagesOf(req.session!.user.id) }),
  );
  r.put(
    '/api/auth/me/languages',
    {
      preValidation: requireSession(sessions),
      schema: {
        tags: ['auth'],
        summary: 'Set the languages I work in (new requests in them are offered to me first; audited)',
        body: ZLanguages,
        response: { 200: ZLanguages, 400: ZError },
      },
    },
    async (req) => ({
      languages: await routing.setLanguages(req.session!.user.id, req.session!.user.id, req.body.languages),
    }),
  );
  r.put(
    '/api/users/:id/languages',
    {
      preValidation: requireSession(sessions, 'user.manage'),
      schema: {
        tags: ['users'],
        summary: "Set an operator's working languages (audited)",
        params: z.object({ id: z.string().uuid() }),
        body: ZLanguages,
        response: { 200: ZLanguages, 400: ZError, 404: ZError },
      },
    },
    async (req) => ({
      languages: await routing.setLanguages(req.session!.user.id, req.params.id, req.body.languages),
    }),
  );
  r.get(
    '/api/settings/routing',
    {
      preValidation: requireSession(sessions, 'supervisor.read'),
      schema: { tags: ['settings'], summary: 'Routing by language', response: { 200: ZRouting } },
    },
    async () => routing.settings(),
  );
  r.put(
    '/api/settings/routing',
    {
      preValidation: requireSession(sessions, 'request.assign'),
      schema: {
        tags: ['settings'],
        summary: 'Switch auto-assignment by language and load on or off (audited)',
        body: ZRouting,
        response: { 200: ZRouting },
      },
    },
    async (req) => routing.setSettings(req.session!.user.id, req.body),
  );
  r.get(
    '/api/supervisor/languages',
    {
      preValidation: requireSession(sessions, 'supervisor.read'),
      schema: {
        tags: ['supervisor'],
        summary: 'Languages on shift, and open requests waiting in a language nobody on shift speaks',
        response: {
          200: ZLanguagesWaiting,
        },
      },
    },
    async () => ({
      onShift: [...new Set((await routing.onShift()).flatMap((o) => o.languages))].sort(),
      waiting: await routing.waitingWithoutSpeaker(),
    }),
  );
}
