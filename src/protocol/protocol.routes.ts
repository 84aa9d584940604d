import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ZQueueItem } from '../cases/cases.schemas.ts';
import { ZError } from '../http/schemas.ts';
import { ZProtocol, ZProtocolPublishResult, ZProtocolVersion, ZRequestProtocol } from './protocol.schema.ts';
import type { ProtocolService } from './protocol.service.ts';

const ZId = z.object({ id: z.string().uuid() });
const ZStepParams = z.object({ id: z.string().uuid(), stepId: z.string().max(48) });
const ZAnswersBody = z.object({ answers: z.record(z.string().max(48), z.unknown()).optional() });

export function registerProtocolRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; protocol: ProtocolService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, protocol } = deps;

  r.get(
    '/api/protocol',
    {
      preValidation: requireSession(sessions, 'queue.read'),
      schema: {
        tags: ['protocol'],
        summary: 'The current protocol definition',
        response: { 200: ZProtocol },
      },
    },
    async () => protocol.current(),
  );

  r.get(
    '/api/protocol/versions',
    {
      preValidation: requireSession(sessions, 'protocol.manage'),
      schema: {
        tags: ['protocol'],
        summary: 'Published versions',
        response: {
          200: z.object({ items: z.array(ZProtocolVersion) }),
        },
      },
    },
    async () => ({ items: await protocol.listVersions() }),
  );

  r.get(
    '/api/protocol/versions/:version',
    {
      preValidation: requireSession(sessions, 'protocol.manage'),
      schema: {
        tags: ['protocol'],
        summary: 'One version',
        params: z.object({ version: z.string().max(20) }),
        response: { 200: ZProtocol, 404: ZError },
      },
    },
    async (req) => protocol.getVersion(req.params.version),
  );

  r.post(
    '/api/protocol/versions',
    {
      preValidation: requireSession(sessions, 'protocol.manage'),
      bodyLimit: 512 * 1024,
      schema: {
        tags: ['protocol'],
        summary: 'Publish a new version (validated as a whole; returns the diff against the previous one)',
        body: z.object({ definition: z.unknown(), dryRun: z.boolean().default(false) }),
        response: {
          200: ZProtocolPublishResult,
          400: ZError,
          409: ZError,
        },
      },
    },
    async (req) => {
      if (req.body.dryRun) return { ...(await protocol.preview(req.body.definition)), published: false };
      return { ...(await protocol.publish(req.session!, req.body.definition)), published: true };
    },
  );

  r.get(
    '/api/requests/:id/protocol',
    {
      preValidation: requireSession(sessions, 'request.read'),
      schema: {
        tags: ['protocol'],
        summary: 'The protocol checklist for this request, with decrypted answers (audited)',
        params: ZId,
        response: {
          200: ZRequestProtocol,
          403: ZError,
          404: ZError,
        },
      },
    },
    async (req) => protocol.operatorView(req.session!, req.params.id),
  );

  r.put(
    '/api/requests/:id/protocol/steps/:stepId/answers',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['protocol'],
        summary: 'Save answers to a step (sensitive ones sealed)',
        params: ZStepParams,
        body: ZAnswersBody.required(),
        response: { 200: z.object({ saved: z.array(z.string()) }), 400: ZError, 404: ZError },
      },
    },
    async (req) =>
      protocol.saveAnswers(
        { type: 'operator', session: req.session! },
        req.params.id,
        req.params.stepId,
        req.body.answers,
      ),
  );

  r.post(
    '/api/requests/:id/protocol/steps/:stepId/complete',
    {
      preValidation: requireSession(sessions, 'request.status'),
      schema: {
        tags: ['protocol'],
        summary:
          'Complete a step in one action: the answers typed so far are saved in the same transaction; the case moves to the step state',
        params: ZStepParams,
        body: ZAnswersBody.nullish(),
        response: {
          200: z.object({ request: ZQueueItem }),
          400: ZError,
          403: ZError,
          404: ZError,
          409: ZError,
        },
      },
    },
    async (req) => ({
      request: await protocol.completeStep(
        req.session!,
        req.params.id,
        req.params.stepId,
        req.body?.answers ?? {},
      ),
    }),
  );

  r.post(
    '/api/requests/:id/protocol/steps/:stepId/send-instructions',
    {
      preValidation: requireSession(sessions, 'request.reply'),
      schema: {
        tags: ['protocol'],
        summary: "Send the step's instructions in the requester's language",
        params: ZStepParams,
        response: { 201: z.object({ messageId: z.string() }), 404: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await protocol.sendInstructions(req.session!, req.params.id, req.params.stepId)),
  );
}
