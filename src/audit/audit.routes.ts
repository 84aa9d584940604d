import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import {
  ZAuditCheckpoints,
  ZAuditPage,
  ZAuditQuery,
  ZAuditVerifyResult,
  ZCheckpoint,
} from './audit.schemas.ts';
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
        summary: 'Verify the keyed chain of the audit log against the signed checkpoints on file',
        response: {
          200: ZAuditVerifyResult,
        },
      },
    },
    async () => {
      const { checkpoints } = await deps.audit.listCheckpointFile();
      return deps.audit.verify({ checkpoints });
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/audit/checkpoints',
    {
      preValidation: requireSession(deps.sessions, 'audit.read'),
      schema: {
        tags: ['audit'],
        summary: 'The newest signed chain-head checkpoints (kept outside the database), newest first',
        response: {
          200: ZAuditCheckpoints,
        },
      },
    },
    async () => {
      const info = deps.audit.checkpointInfo();
      return { ...info, items: await deps.audit.listCheckpoints(20) };
    },
  );

  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/audit/checkpoints',
    {
      preValidation: requireSession(deps.sessions, 'audit.read'),
      schema: {
        tags: ['audit'],
        summary: 'Sign the chain head now and append it to the checkpoint file',
        response: { 200: z.object({ checkpoint: ZCheckpoint.nullable() }) },
      },
    },
    async () => ({ checkpoint: await deps.audit.checkpoint({ force: true }) }),
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/audit/checkpoints/export',
    {
      preValidation: requireSession(deps.sessions, 'audit.read'),
      schema: {
        tags: ['audit'],
        summary: 'The whole checkpoint file (JSON lines), for `audit verify --checkpoint FILE` elsewhere',
      },
    },
    async (_req, reply) => {
      const { checkpoints } = await deps.audit.listCheckpointFile();
      return reply
        .header('content-type', 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit-checkpoints.jsonl"')
        .send(checkpoints.map((c) => JSON.stringify(c)).join('\n') + (checkpoints.length ? '\n' : ''));
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/audit',
    {
      preValidation: requireSession(deps.sessions, 'audit.read'),
      schema: {
        tags: ['audit'],
        summary: 'Audit entries, newest first',
        querystring: ZAuditQuery,
        response: {
          200: ZAuditPage,
        },
      },
    },
    async (req) => deps.audit.list(req.query),
  );
}
