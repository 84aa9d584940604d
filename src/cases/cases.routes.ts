import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ZError } from '../http/schemas.ts';
import { LIMITS } from '../intake/message-content.ts';
import { CASE_STATES } from './case-state.ts';
import type { CasesService } from './cases.service.ts';
import { CALLER_CATEGORIES, CHANNELS } from './categories.ts';

/** `a,b,c` or repeated `?x=a&x=b` → array of allowed values. */
const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).max(values.length))
    .optional();

const ZQueueItem = z.object({
  id: z.string(),
  ref: z.string(),
  channel: z.string(),
  category: z.string(),
  language: z.string(),
  urgency: z.number(),
  status: z.enum(CASE_STATES),
  assigneeId: z.string().nullable(),
  messageCount: z.number(),
  awaitingReply: z.boolean(),
  createdAt: z.string(),
  lastRequesterAt: z.string(),
  lastOperatorAt: z.string().nullable(),
});

const ZMessage = z.object({
  id: z.string(),
  direction: z.enum(['in', 'out', 'note', 'system']),
  authorId: z.string().nullable(),
  body: z.string(),
  name: z.string().optional(),
  contact: z.string().optional(),
  at: z.string(),
});

export function registerCasesRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; cases: CasesService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, cases } = deps;

  r.get(
    '/api/requests',
    {
      preHandler: requireSession(sessions, 'queue.read'),
      schema: {
        tags: ['requests'],
        summary: 'The queue: request metadata only (nothing is decrypted), keyset-paged',
        querystring: z.object({
          status: csvOf(CASE_STATES),
          open: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          category: csvOf(CALLER_CATEGORIES),
          channel: csvOf(CHANNELS),
          assignee: z.union([z.enum(['me', 'none']), z.string().uuid()]).optional(),
          awaitingReply: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          sort: z.enum(['urgent', 'newest', 'waiting']).default('urgent'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional(),
        }),
        response: {
          200: z.object({ items: z.array(ZQueueItem), nextCursor: z.string().nullable() }),
          400: ZError,
          401: ZError,
        },
      },
    },
    async (req) => cases.listQueue(req.session!.user, req.query),
  );

  r.get(
    '/api/requests/:id',
    {
      preHandler: requireSession(sessions, 'request.read'),
      schema: {
        tags: ['requests'],
        summary: 'Open a request: decrypts the whole thread in your session (audited)',
        params: z.object({ id: z.string().uuid() }),
        response: {
          200: z.object({
            request: ZQueueItem,
            allowedTransitions: z.array(z.enum(CASE_STATES)),
            messages: z.array(ZMessage),
          }),
          403: ZError,
          404: ZError,
        },
      },
    },
    async (req) => {
      const r = await cases.openRequest(req.session!, req.params.id);
      return { ...r, allowedTransitions: [...r.allowedTransitions] };
    },
  );

  r.post(
    '/api/requests/:id/replies',
    {
      preHandler: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['requests'],
        summary:
          'Reply to the requester (sealed to the thread key; delivered through the channel the request came from)',
        params: z.object({ id: z.string().uuid() }),
        body: z.object({ body: z.string().trim().min(1).max(LIMITS.body) }),
        response: { 201: z.object({ messageId: z.string() }), 400: ZError, 403: ZError, 404: ZError },
      },
    },
    async (req, reply) => reply.code(201).send(await cases.reply(req.session!, req.params.id, req.body.body)),
  );

  r.post(
    '/api/requests/:id/status',
    {
      preHandler: requireSession(sessions, 'request.status'),
      schema: {
        tags: ['requests'],
        summary: 'Move the case to another state (only the transitions the protocol allows)',
        params: z.object({ id: z.string().uuid() }),
        body: z.object({ status: z.enum(CASE_STATES) }),
        response: {
          200: z.object({ request: ZQueueItem }),
          400: ZError,
          403: ZError,
          404: ZError,
          409: ZError,
        },
      },
    },
    async (req) => ({ request: await cases.changeStatus(req.session!, req.params.id, req.body.status) }),
  );
}
