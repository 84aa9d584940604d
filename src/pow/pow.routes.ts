import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import { can } from '../auth/policies.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';
import { ZError } from '../http/schemas.ts';
import { type BatchesService, batchCsv } from './batches.service.ts';
import { toDay } from './deadlines.ts';
import { renderBatchSummary, renderCaptureCard, renderIdentityCard } from './pdf/documents.ts';
import { BATCH_FORMATS, BATCH_STATUSES, DELIVERY_METHODS, WELFARE_KINDS } from './pow.lists.ts';
import {
  ZBatchPage,
  ZBatchPending,
  ZCustodyHandover,
  ZFacility,
  ZFacilityInput,
  ZNewPowRecord,
  ZNotificationBatch,
  ZPage,
  ZPowDashboard,
  ZPowEventInput,
  ZPowRecordDetail,
  ZPowRecordPage,
  ZPowRecordQuery,
} from './pow.schemas.ts';
import { isoDate, powIdentitySchema } from './record.ts';
import type { RegistryService } from './registry.service.ts';

const ZId = z.object({ id: z.string().uuid() });

export function registerPowRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; registry: RegistryService; batches: BatchesService; clock: Clock },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, registry, batches, clock } = deps;
  const tags = ['POW registry'];
  const btags = ['notification batches'];

  // ---- public: the key receivers verify batches with ---------------------------------------------
  r.get('/.well-known/whiteflag/notification-keys.json', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .header('cache-control', 'public, max-age=300')
      .send({ format: 'whiteflag.notification-keys/1', keys: await batches.publicKeys() }),
  );

  // ---- facilities ---------------------------------------------------------------------------------
  r.get(
    '/api/pow/facilities',
    {
      preValidation: requireSession(sessions, 'pow.read'),
      schema: {
        tags,
        summary: 'Places of internment with capacity and current count',
        response: { 200: z.object({ items: z.array(ZFacility) }) },
      },
    },
    async () => ({ items: await registry.listFacilities() }),
  );
  r.post(
    '/api/pow/facilities',
    {
      preValidation: requireSession(sessions, 'facility.manage'),
      schema: {
        tags,
        summary: 'Add a facility',
        body: ZFacilityInput,
        response: { 201: z.object({ item: ZFacility }), 400: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send({ item: await registry.saveFacility(req.session!.user.id, req.body) }),
  );
  r.put(
    '/api/pow/facilities/:id',
    {
      preValidation: requireSession(sessions, 'facility.manage'),
      schema: {
        tags,
        summary: 'Change a facility',
        params: ZId,
        body: ZFacilityInput,
        response: { 200: z.object({ item: ZFacility }), 400: ZError, 404: ZError },
      },
    },
    async (req) => ({ item: await registry.saveFacility(req.session!.user.id, req.body, req.params.id) }),
  );

  // ---- records ------------------------------------------------------------------------------------
  r.get(
    '/api/pow/dashboard',
    {
      preValidation: requireSession(sessions, 'pow.read'),
      schema: {
        tags,
        summary: 'What is due and overdue: capture cards (art. 70), health reports (art. 122), notifications',
        response: { 200: ZPowDashboard },
      },
    },
    async () => registry.dashboard(),
  );
  r.get(
    '/api/pow/custody-handovers',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary: 'Requests that reached custody and have no record yet (reference and date only)',
        response: { 200: z.object({ items: z.array(ZCustodyHandover) }) },
      },
    },
    async (req) => ({ items: await registry.custodyHandovers(req.session!) }),
  );
  r.get(
    '/api/pow/records',
    {
      preValidation: requireSession(sessions, 'pow.read'),
      schema: {
        tags,
        summary: 'Records, newest change first',
        querystring: ZPowRecordQuery,
        response: { 200: ZPowRecordPage },
      },
    },
    async (req) => {
      const { q, seriouslyIll, ...rest } = req.query;
      return registry.listRecords(req.session!.user.id, {
        ...rest,
        seriouslyIll: seriouslyIll === 'true',
        refs: q && /^PW-\d+$/i.test(q) ? [q.toUpperCase()] : undefined,
        name: q && !/^PW-\d+$/i.test(q) ? q : undefined,
      });
    },
  );
  r.post(
    '/api/pow/records',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary: 'Register a prisoner of war (GC III art. 17/122), directly or from a request in custody',
        body: ZNewPowRecord,
        response: { 201: z.object({ id: z.string(), ref: z.string() }), 400: ZError, 409: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await registry.createRecord(req.session!.user.id, req.body, req.session!)),
  );
  r.get(
    '/api/pow/records/:id',
    {
      preValidation: requireSession(sessions, 'pow.read'),
      schema: {
        tags,
        summary: 'One record with events, deadlines, welfare and letters',
        params: ZId,
        response: { 200: z.object({ item: ZPowRecordDetail }), 404: ZError },
      },
    },
    async (req) => ({
      item: await registry.getRecord(req.session!.user.id, req.params.id, {
        private: can(req.session!.user.role, 'pow.write'),
      }),
    }),
  );
  r.put(
    '/api/pow/records/:id',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary: 'Correct or complete the identity (a new version, notified in the next batch)',
        params: ZId,
        body: z.object({ identity: powIdentitySchema, version: z.number().int().min(1) }),
        response: { 204: z.null(), 409: ZError },
      },
    },
    async (req, reply) => {
      await registry.updateRecord(req.session!.user.id, req.params.id, req.body);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/pow/records/:id/origin',
    {
      preValidation: requireSession(sessions, 'pow.origin'),
      schema: {
        tags,
        summary: 'Open the sealed link to the surrender request (needs the organisation key; audited)',
        params: ZId,
        response: { 200: z.object({ caseRef: z.string().nullable() }) },
      },
    },
    async (req) => registry.revealOrigin(req.session!, req.params.id),
  );
  r.post(
    '/api/pow/records/:id/events',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary:
          'Record an event: arrival, transfer, hospital, escape, death (art. 120), release, exchange, health report',
        params: ZId,
        body: ZPowEventInput,
        response: { 201: z.object({ id: z.string() }), 400: ZError, 409: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await registry.addEvent(req.session!.user.id, req.params.id, req.body)),
  );
  r.post(
    '/api/pow/records/:id/welfare',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary:
          'Welfare log: meals (art. 26), medical (art. 30), correspondence (art. 71), ICRC visits (art. 126)',
        params: ZId,
        body: z.object({
          kind: z.enum(WELFARE_KINDS),
          occurredOn: isoDate,
          quantity: z.number().int().min(1).max(100).optional(),
          notes: z.string().trim().max(4000).optional(),
        }),
        response: { 201: z.object({ id: z.string() }), 400: ZError },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await registry.addWelfare(req.session!.user.id, req.params.id, req.body)),
  );
  r.post(
    '/api/pow/card-duties/:id/sent',
    {
      preValidation: requireSession(sessions, 'pow.write'),
      schema: {
        tags,
        summary: 'The capture card of this duty was sent (art. 70)',
        params: ZId,
        body: z.object({ sentOn: isoDate }),
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      await registry.markCardSent(req.session!.user.id, req.params.id, req.body.sentOn);
      return reply.code(204).send(null);
    },
  );

  // ---- documents (PDF) ----------------------------------------------------------------------------
  const ZDoc = z.object({ secondLanguage: z.enum(['uk', 'en']).default('uk') });
  r.get(
    '/api/pow/records/:id/capture-card.pdf',
    {
      preValidation: requireSession(sessions, 'pow.read'),
      schema: {
        tags,
        summary: 'Capture card (art. 70, Annex IV B, 10 × 15 cm), bilingual',
        params: ZId,
        querystring: ZDoc.extend({ duty: z.string().uuid().optional() }),
      },
    },
    async (req, reply) => {
      const rec = await registry.identityOf(req.params.id);
      const duty = req.query.duty ? await registry.cardDuty(req.query.duty) : null;
      if (duty && duty.record_id !== rec.id) throw new AppError('not_found', 'No such capture-card duty');
      await registry.auditDocument(req.session!.user.id, rec.id, 'capture_card');
      const pdf = await renderCaptureCard({
        identity: rec.identity,
        recordRef: rec.ref,
        facility: rec.facility,
        comingFrom: duty?.comingFrom,
        reason: duty?.reason ?? 'arrival',
        issuedOn: toDay(clock.now()),
        secondLanguage: req.query.secondLanguage,
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="capture-card-${rec.ref}.pdf"`)
        .send(pdf);
    },
  );
  r.get(
    '/api/pow/records/:id/identity-card.pdf',
    {
      preValidation: requireSession(sessions, 'pow.read'),
      schema: {
        tags,
        summary: 'Identity card (art. 17, Annex IV A, 6.5 × 10 cm) for a prisoner without one',
        params: ZId,
        querystring: ZDoc,
      },
    },
    async (req, reply) => {
      const rec = await registry.identityOf(req.params.id);
      await registry.auditDocument(req.session!.user.id, rec.id, 'identity_card');
      const pdf = await renderIdentityCard({
        identity: rec.identity,
        recordRef: rec.ref,
        issuedBy: 'National Information Bureau',
        issuedOn: toDay(clock.now()),
        secondLanguage: req.query.secondLanguage,
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="identity-card-${rec.ref}.pdf"`)
        .send(pdf);
    },
  );

  // ---- notification batches -----------------------------------------------------------------------
  r.get(
    '/api/pow/batches',
    {
      preValidation: requireSession(sessions, 'batch.read'),
      schema: {
        tags: btags,
        summary: 'Batches, newest first, with the delivery log',
        querystring: z.object({ status: z.enum(BATCH_STATUSES).optional(), ...ZPage }),
        response: { 200: ZBatchPage },
      },
    },
    async (req) => batches.list(req.query),
  );
  r.get(
    '/api/pow/batches/pending',
    {
      preValidation: requireSession(sessions, 'batch.read'),
      schema: {
        tags: btags,
        summary: 'Changes not yet in a delivered batch',
        response: { 200: ZBatchPending },
      },
    },
    async () => batches.pending(),
  );
  r.post(
    '/api/pow/batches',
    {
      preValidation: requireSession(sessions, 'batch.manage'),
      schema: {
        tags: btags,
        summary: 'Build and sign a batch of every pending change',
        response: { 201: z.object({ item: ZNotificationBatch }), 409: ZError },
      },
    },
    async (req, reply) => reply.code(201).send({ item: await batches.build(req.session!.user.id) }),
  );
  r.get(
    '/api/pow/batches/:id',
    {
      preValidation: requireSession(sessions, 'batch.read'),
      schema: {
        tags: btags,
        summary: 'One batch',
        params: ZId,
        response: { 200: z.object({ item: ZNotificationBatch }), 404: ZError },
      },
    },
    async (req) => ({ item: await batches.get(req.params.id) }),
  );
  r.get(
    '/api/pow/batches/:id/export',
    {
      preValidation: requireSession(sessions, 'batch.manage'),
      schema: {
        tags: btags,
        summary: 'The batch as signed JSON, CSV, a PDF summary, or its detached signature',
        params: ZId,
        querystring: z.object({ format: z.enum(BATCH_FORMATS).default('json') }),
      },
    },
    async (req, reply) => {
      const fmt = req.query.format;
      const d = await batches.document(req.session!.user.id, req.params.id, fmt);
      const base = `whiteflag-batch-${String(d.number).padStart(5, '0')}`;
      reply.header('x-whiteflag-key-id', d.keyId).header('x-whiteflag-sha256', d.sha256);
      if (fmt === 'json') {
        return reply
          .type('application/json; charset=utf-8')
          .header('x-whiteflag-signature', d.signature.toString('base64'))
          .header('content-disposition', `attachment; filename="${base}.json"`)
          .send(d.bytes);
      }
      if (fmt === 'sig') {
        return reply
          .type('application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${base}.json.sig"`)
          .send({
            algorithm: 'Ed25519',
            keyId: d.keyId,
            signedFile: `${base}.json`,
            sha256: d.sha256,
            signature: d.signature.toString('base64'),
          });
      }
      if (fmt === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${base}.csv"`)
          .send(batchCsv(d.doc));
      }
      const pdf = await renderBatchSummary(batchSummaryInput(d.doc));
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${base}.pdf"`)
        .send(pdf);
    },
  );
  r.post(
    '/api/pow/batches/:id/delivered',
    {
      preValidation: requireSession(sessions, 'batch.manage'),
      schema: {
        tags: btags,
        summary: 'Log the delivery of a batch (when, how, the receiver’s reference)',
        params: ZId,
        body: z.object({
          method: z.enum(DELIVERY_METHODS),
          reference: z.string().trim().max(300).default(''),
          deliveredAt: z.string().datetime().optional(),
        }),
        response: { 200: z.object({ item: ZNotificationBatch }), 409: ZError },
      },
    },
    async (req) => ({ item: await batches.deliver(req.session!.user.id, req.params.id, req.body) }),
  );
  r.post(
    '/api/pow/batches/:id/void',
    {
      preValidation: requireSession(sessions, 'batch.manage'),
      schema: {
        tags: btags,
        summary: 'Void an undelivered batch: its changes are pending again',
        params: ZId,
        body: z.object({ reason: z.string().trim().min(1).max(300) }),
        response: { 200: z.object({ item: ZNotificationBatch }), 409: ZError },
      },
    },
    async (req) => ({ item: await batches.voidBatch(req.session!.user.id, req.params.id, req.body.reason) }),
  );
}

export function batchSummaryInput(doc: import('./batches.service.ts').BatchDocument) {
  const byRef = new Map(doc.records.map((r) => [r.ref, r.identity]));
  const counts: Record<string, number> = {};
  const items = [
    ...doc.records
      .filter((r) => r.change !== 'unchanged')
      .map((r) => ({
        ref: r.ref,
        surname: r.identity.surname,
        firstNames: r.identity.firstNames,
        dateOfBirth: r.identity.dateOfBirth,
        kind: `record.${r.change}`,
        facility: r.facility?.name,
      })),
    ...doc.events.map((e) => {
      const id = byRef.get(e.recordRef);
      return {
        ref: e.recordRef,
        surname: id?.surname ?? { original: '', latin: '' },
        firstNames: id?.firstNames ?? { original: '', latin: '' },
        dateOfBirth: id?.dateOfBirth,
        kind: `event.${e.type}`,
        eventDate: e.date,
        facility: e.facility?.name,
      };
    }),
  ];
  for (const i of items) counts[i.kind] = (counts[i.kind] ?? 0) + 1;
  return {
    batchNumber: doc.batch.number,
    createdAt: doc.batch.createdAt,
    from: doc.batch.periodFrom,
    to: doc.batch.periodTo,
    keyFingerprint: doc.batch.keyId,
    counts,
    items,
  };
}
