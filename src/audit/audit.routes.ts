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
      preValidation: requireSession(deps.sessions, 'audit.read'),
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

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/audit',
    {
      preValidation: requireSession(deps.sessions, 'audit.read'),
      schema: {
        tags: ['audit'],
        summary: 'Audit entries, newest first',
        querystring: z.object({
          action: z.string().max(64).optional(),
          actorId: z.string().uuid().optional(),
          subjectId: z.string().max(64).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z
            .string()
            .regex(/^\d{1,19}$/)
            .optional(),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                seq: z.string().nullable(),
                at: z.string(),
                actorType: z.string(),
                actorId: z.string().nullable(),
                action: z.string(),
                subjectType: z.string().nullable(),
                subjectId: z.string().nullable(),
                details: z.record(z.string(), z.unknown()),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    async (req) => deps.audit.list(req.query),
  );
}
