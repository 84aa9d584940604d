import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ZError } from '../http/schemas.ts';
import { isoDate } from '../pow/record.ts';
import { ANSWER_KINDS, INQUIRY_STATUSES } from './relatives.lists.ts';
import { ZInquiryDetail, ZInquiryPage, ZNewInquiry } from './relatives.schemas.ts';
import { LETTER_MAX, type RelativesService } from './relatives.service.ts';

const ZId = z.object({ id: z.string().uuid() });

/** The relatives desk in the console (registrars answer, operators record phone inquiries). */
export function registerRelativesRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; relatives: RelativesService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, relatives } = deps;
  const tags = ['relatives desk'];

  r.post(
    '/api/relatives/inquiries',
    {
      preValidation: requireSession(sessions, 'inquiry.create'),
      schema: {
        tags,
        summary: 'Record an inquiry taken by phone or in person',
        body: ZNewInquiry,
        response: {
          // The date of birth as understood (ISO: 15.03.1990 and 1990-3-15 both come back 1990-03-15).
          201: z.object({ id: z.string(), ref: z.string(), dateOfBirth: z.string().nullable() }),
          400: ZError,
        },
      },
    },
    async (req, reply) => {
      const { language, ...query } = req.body;
      const out = await relatives.create({
        channel: 'operator',
        language,
        query,
        actorId: req.session!.user.id,
      });
      return reply
        .code(201)
        .send({ id: out.id, ref: out.ref, dateOfBirth: query.sought.dateOfBirth ?? null });
    },
  );
  r.get(
    '/api/relatives/inquiries',
    {
      preValidation: requireSession(sessions, 'inquiry.read'),
      schema: {
        tags,
        summary: 'Inquiries (open: oldest first)',
        querystring: z.object({
          status: z.enum(INQUIRY_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: { 200: ZInquiryPage },
      },
    },
    async (req) => relatives.list(req.session!.user.id, req.query),
  );
  r.get(
    '/api/relatives/inquiries/:id',
    {
      preValidation: requireSession(sessions, 'inquiry.read'),
      schema: {
        tags,
        summary: 'One inquiry with scored registry candidates and answer templates',
        params: ZId,
        response: { 200: z.object({ item: ZInquiryDetail }), 404: ZError },
      },
    },
    async (req) => ({ item: await relatives.get(req.session!.user.id, req.params.id) }),
  );
  r.post(
    '/api/relatives/inquiries/:id/answer',
    {
      preValidation: requireSession(sessions, 'inquiry.answer'),
      schema: {
        tags,
        summary: 'Confirm and send the answer on the channel the relative used',
        params: ZId,
        body: z.object({
          kind: z.enum(ANSWER_KINDS),
          recordId: z.string().uuid().nullish(),
          message: z.string().trim().min(1).max(4000),
        }),
        response: { 200: z.object({ item: ZInquiryDetail }), 409: ZError },
      },
    },
    async (req) => ({ item: await relatives.answer(req.session!.user.id, req.params.id, req.body) }),
  );
  r.post(
    '/api/pow/records/:id/letters',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary: 'A letter or card from the prisoner (art. 71), to a confirmed relative or by post',
        params: ZId,
        body: z.object({
          kind: z.enum(['letter', 'card']),
          body: z.string().trim().min(1).max(LETTER_MAX),
          inquiryId: z.string().uuid().nullish(),
          sentOn: isoDate.optional(),
        }),
        response: { 201: z.object({ id: z.string() }), 400: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await relatives.letterFromPrisoner(req.session!.user.id, req.params.id, req.body)),
  );
  r.post(
    '/api/pow/letters/:id/delivered',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary: 'A relative’s letter was handed to the prisoner (logged in the welfare log)',
        params: ZId,
        body: z.object({ deliveredOn: isoDate.optional() }),
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      await relatives.letterDelivered(req.session!.user.id, req.params.id, req.body.deliveredOn);
      return reply.code(204).send(null);
    },
  );
}
