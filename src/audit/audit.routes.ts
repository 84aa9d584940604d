import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import type { AuditLog } from './audit.service.ts';

export function registerAuditRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; audit: AuditLog },
): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/audit/verify',
    {
      preHandler: requireSession(deps.sessions, 'audit.read'),
      schema: {
        tags: ['audit'],
        summary: 'Verify the hash chain of the audit log',
        response: {
          200: z.object({
            ok: z.boolean(),
            checked: z.number(),
            problems: z.array(z.object({ id: z.string(), seq: z.string().nullable(), problem: z.string() })),
          }),
        },
      },
    },
    async () => deps.audit.verify(),
  );
}
