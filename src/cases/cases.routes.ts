import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { AppError } from '../errors.ts';
import { ZError } from '../http/schemas.ts';
import { LIMITS } from '../intake/message-content.ts';
import { CASE_STATES } from './case-state.ts';
import {
  ZCountsQuery,
  ZQueueCounts,
  ZQueueItem,
  ZQueuePage,
  ZQueueQuery,
  ZRequestDetail,
} from './cases.schemas.ts';
import type { CasesService } from './cases.service.ts';

const ZId = z.object({ id: z.string().uuid() });
const ZRequestResult = z.object({ request: ZQueueItem });

export function registerCasesRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; cases: CasesService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, cases } = deps;

  r.get(
    '/api/requests',
    {
      preValidation: requireSession(sessions, 'queue.read'),
      schema: {
        tags: ['requests'],
        summary: 'The queue: request metadata only (nothing is decrypted), keyset-paged',
        querystring: ZQueueQuery,
        response: {
          200: ZQueuePage,
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
      preValidation: requireSession(sessions, 'request.read'),
      schema: {
        tags: ['requests'],
        summary: 'Open a request: decrypts the whole thread in your session (audited)',
        params: ZId,
        response: {
          200: ZRequestDetail,
          403: ZError,
          404: ZError,
        },
      },
    },
    async (req) => cases.openRequest(req.session!, req.params.id),
  );

  r.post(
    '/api/requests/:id/replies',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['requests'],
        summary:
          'Reply to the requester (sealed to the thread key; delivered through the channel the request came from)',
        params: ZId,
        body: z.object({
          body: z.string().trim().min(1).max(LIMITS.body),
          /** One of the request's `routes` (default: where he last wrote). */
          via: z.string().uuid().optional(),
        }),
        response: {
          201: z.object({ messageId: z.string(), channel: z.string() }),
          400: ZError,
          403: ZError,
          404: ZError,
        },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await cases.reply(req.session!, req.params.id, req.body.body, req.body.via)),
  );

  r.put(
    '/api/requests/:id/expected-front',
    {
      preValidation: requireSession(sessions, 'request.status'),
      schema: {
        tags: ['requests'],
        summary:
          'Set or clear the date he expects to be at the front (sealed; the waiting reminders read it)',
        params: ZId,
        body: z.object({ date: z.string().date().nullable() }),
        response: { 200: ZRequestResult, 400: ZError, 403: ZError, 404: ZError },
      },
    },
    async (req) => ({ request: await cases.setExpectedFront(req.session!, req.params.id, req.body.date) }),
  );

  r.post(
    '/api/requests/:id/status',
    {
      preValidation: requireSession(sessions, 'request.status'),
      schema: {
        tags: ['requests'],
        summary: 'Move the case to another state (only the transitions the protocol allows)',
        params: ZId,
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

  r.get(
    '/api/requests/counts',
    {
      preValidation: requireSession(sessions, 'queue.read'),
      schema: {
        tags: ['requests'],
        summary: 'Counts for the queue tabs under the given filters',
        querystring: ZCountsQuery,
        response: {
          200: ZQueueCounts,
        },
      },
    },
    async (req) => cases.countQueue(req.session!.user, req.query),
  );

  r.post(
    '/api/requests/:id/notes',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['requests'],
        summary: 'Add an internal note (sealed; never shown to the requester)',
        params: ZId,
        body: z.object({ body: z.string().trim().min(1).max(LIMITS.body) }),
        response: { 201: z.object({ messageId: z.string() }), 400: ZError, 403: ZError, 404: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await cases.addNote(req.session!, req.params.id, req.body.body)),
  );

  r.post(
    '/api/requests/:id/claim',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['requests'],
        summary: 'Take this request',
        params: ZId,
        response: { 200: ZRequestResult, 409: ZError },
      },
    },
    async (req) => ({ request: await cases.claim(req.session!, req.params.id) }),
  );

  r.post(
    '/api/requests/:id/release',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['requests'],
        summary: 'Give this request back to the queue',
        params: ZId,
        response: { 200: ZRequestResult, 403: ZError },
      },
    },
    async (req) => ({ request: await cases.release(req.session!, req.params.id) }),
  );

  r.post(
    '/api/requests/:id/assign',
    {
      preValidation: requireSession(sessions, 'request.assign'),
      schema: {
        tags: ['requests'],
        summary: 'Assign to an operator (or null to unassign)',
        params: ZId,
        body: z.object({ userId: z.string().uuid().nullable() }),
        response: { 200: ZRequestResult, 404: ZError },
      },
    },
    async (req) => {
      const n = await cases.assign(req.session!, [req.params.id], req.body.userId);
      if (n === 0) throw new AppError('not_found', 'No such request');
      return { request: await cases.getItem(req.params.id) };
    },
  );

  r.post(
    '/api/requests/assign',
    {
      preValidation: requireSession(sessions, 'request.assign'),
      schema: {
        tags: ['requests'],
        summary: 'Reassign several requests at once (shift handover)',
        body: z.object({
          ids: z.array(z.string().uuid()).min(1).max(500),
          userId: z.string().uuid().nullable(),
        }),
        response: { 200: z.object({ updated: z.number() }), 404: ZError },
      },
    },
    async (req) => ({ updated: await cases.assign(req.session!, req.body.ids, req.body.userId) }),
  );

  r.put(
    '/api/requests/:id/tags',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['requests'],
        summary: 'Replace the tags of a request',
        params: ZId,
        body: z.object({ tags: z.array(z.string().max(64)).max(20) }),
        response: { 200: ZRequestResult, 400: ZError },
      },
    },
    async (req) => ({ request: await cases.setTags(req.session!, req.params.id, req.body.tags) }),
  );

  r.post(
    '/api/requests/:id/probe',
    {
      preValidation: requireSession(sessions, 'request.status'),
      schema: {
        tags: ['requests'],
        summary: 'Mark as spam or a probe by the adversary (with the reason, audited)',
        params: ZId,
        body: z.object({ reason: z.string().trim().min(1).max(500) }),
        response: { 200: ZRequestResult, 409: ZError },
      },
    },
    async (req) => ({ request: await cases.markProbe(req.session!, req.params.id, req.body.reason) }),
  );

  r.post(
    '/api/requests/:id/merge',
    {
      preValidation: requireSession(sessions, 'request.status'),
      schema: {
        tags: ['requests'],
        summary: 'Fold this duplicate into another request; returns the target',
        params: ZId,
        body: z.object({ intoId: z.string().uuid() }),
        response: { 200: ZRequestResult, 400: ZError, 409: ZError },
      },
    },
    async (req) => ({ request: await cases.merge(req.session!, req.params.id, req.body.intoId) }),
  );

  r.post(
    '/api/requests/:id/callback-done',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['requests'],
        summary: 'Mark the requested call-back as done',
        params: ZId,
        response: { 200: ZRequestResult, 409: ZError },
      },
    },
    async (req) => ({ request: await cases.markCallbackDone(req.session!, req.params.id) }),
  );

  r.post(
    '/api/requests/:id/triage',
    {
      preValidation: requireSession(sessions, 'request.status'),
      schema: {
        tags: ['requests'],
        summary:
          'Confirm the request as spam/probe (flags its identity and template for 30 days) or overrule the score',
        params: ZId,
        body: z.object({
          verdict: z.enum(['genuine', 'spam']),
          reason: z.string().trim().max(500).optional(),
        }),
        response: { 200: ZRequestResult, 404: ZError },
      },
    },
    async (req) => ({
      request: await cases.setTriageVerdict(req.session!, req.params.id, req.body.verdict, req.body.reason),
    }),
  );
}
