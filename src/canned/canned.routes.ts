import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ZError } from '../http/schemas.ts';
import { LANGUAGES } from '../i18n/i18n.ts';
import { ZCanned, ZCannedInput, ZCannedSuggestion } from './canned.schemas.ts';
import type { CannedService } from './canned.service.ts';

const ZSuggestionId = z.object({ id: z.string().uuid() });

export function registerCannedRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; canned: CannedService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, canned } = deps;
  r.get(
    '/api/canned-replies',
    {
      preValidation: requireSession(sessions, 'canned.read'),
      schema: {
        tags: ['canned replies'],
        summary: 'Canned replies, optionally for one language',
        querystring: z.object({ language: z.enum(LANGUAGES).optional() }),
        response: { 200: z.object({ items: z.array(ZCanned) }) },
      },
    },
    async (req) => ({ items: await canned.list(req.query.language) }),
  );
  r.post(
    '/api/canned-replies',
    {
      preValidation: requireSession(sessions, 'canned.manage'),
      schema: {
        tags: ['canned replies'],
        summary: 'Create',
        body: ZCannedInput,
        response: { 201: z.object({ item: ZCanned }), 400: ZError },
      },
    },
    async (req, reply) => reply.code(201).send({ item: await canned.create(req.session!.user.id, req.body) }),
  );
  r.put(
    '/api/canned-replies/:id',
    {
      preValidation: requireSession(sessions, 'canned.manage'),
      schema: {
        tags: ['canned replies'],
        summary: 'Update',
        params: z.object({ id: z.string().uuid() }),
        body: ZCannedInput,
        response: { 200: z.object({ item: ZCanned }), 404: ZError },
      },
    },
    async (req) => ({ item: await canned.update(req.session!.user.id, req.params.id, req.body) }),
  );
  // Suggestions (issue #15): operators propose, supervisors and admins decide (docs/decisions/0018).
  r.post(
    '/api/canned-replies/suggestions',
    {
      preValidation: requireSession(sessions, 'canned.suggest'),
      schema: {
        tags: ['canned replies'],
        summary: 'Suggest a canned reply (a supervisor or admin approves or rejects it)',
        body: ZCannedInput,
        response: { 201: z.object({ item: ZCannedSuggestion }), 400: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send({ item: await canned.suggest(req.session!.user.id, req.body) }),
  );
  r.get(
    '/api/canned-replies/suggestions',
    {
      preValidation: requireSession(sessions, 'canned.manage'),
      schema: {
        tags: ['canned replies'],
        summary: 'Suggestions waiting for a decision, oldest first',
        response: { 200: z.object({ items: z.array(ZCannedSuggestion) }) },
      },
    },
    async () => ({ items: await canned.listSuggestions() }),
  );
  r.post(
    '/api/canned-replies/suggestions/:id/approve',
    {
      preValidation: requireSession(sessions, 'canned.manage'),
      schema: {
        tags: ['canned replies'],
        summary: "Approve a suggestion (with the reviewer's edits): it becomes a canned reply",
        params: ZSuggestionId,
        body: ZCannedInput,
        response: { 201: z.object({ item: ZCanned }), 400: ZError, 404: ZError },
      },
    },
    async (req, reply) =>
      reply
        .code(201)
        .send({ item: await canned.approveSuggestion(req.session!.user.id, req.params.id, req.body) }),
  );
  r.post(
    '/api/canned-replies/suggestions/:id/reject',
    {
      preValidation: requireSession(sessions, 'canned.manage'),
      schema: {
        tags: ['canned replies'],
        summary: 'Reject a suggestion (it is deleted; the audit log keeps the decision)',
        params: ZSuggestionId,
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      await canned.rejectSuggestion(req.session!.user.id, req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.delete(
    '/api/canned-replies/:id',
    {
      preValidation: requireSession(sessions, 'canned.manage'),
      schema: {
        tags: ['canned replies'],
        summary: 'Delete',
        params: z.object({ id: z.string().uuid() }),
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      await canned.remove(req.session!.user.id, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
