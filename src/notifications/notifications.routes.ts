import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { ZError } from '../http/schemas.ts';
import { ZOperatorNotification } from './notifications.schemas.ts';

/** Notices for one operator (a meeting window opens soon, a case went unreachable). */
export function registerNotificationsRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; db: Db; clock: Clock },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/notifications',
    {
      preValidation: requireSession(deps.sessions),
      schema: {
        tags: ['notifications'],
        summary: 'My notifications, newest first',
        querystring: z.object({ unread: z.enum(['true', 'false']).optional() }),
        response: {
          200: z.object({ items: z.array(ZOperatorNotification) }),
        },
      },
    },
    async (req) => {
      let q = deps.db
        .selectFrom('notifications')
        .selectAll()
        .where('user_id', '=', req.session!.user.id)
        .orderBy('id', 'desc')
        .limit(100);
      if (req.query.unread === 'true') q = q.where('read_at', 'is', null);
      const rows = await q.execute();
      return {
        items: rows.map((n) => ({
          id: n.id,
          kind: n.kind,
          requestId: n.request_id,
          details: n.details,
          createdAt: new Date(n.created_at).toISOString(),
          readAt: n.read_at ? new Date(n.read_at).toISOString() : null,
        })),
      };
    },
  );
  r.post(
    '/api/notifications/:id/read',
    {
      preValidation: requireSession(deps.sessions),
      schema: {
        tags: ['notifications'],
        summary: 'Mark as read',
        params: z.object({ id: z.string().regex(/^\d{1,19}$/) }),
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      const res = await deps.db
        .updateTable('notifications')
        .set({ read_at: deps.clock.now() })
        .where('id', '=', req.params.id)
        .where('user_id', '=', req.session!.user.id)
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw new AppError('not_found', 'No such notification');
      return reply.code(204).send(null);
    },
  );
}
