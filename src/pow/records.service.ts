import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Session } from '../auth/sessions.service.ts';
import { AppError } from '../errors.ts';
import { deadlineState, healthReportDue, toDay } from './deadlines.ts';
import { powIdentitySchema, type RecordStatus } from './record.ts';
import type { RegistryKit } from './registry.kit.ts';
import {
  type EventDetails,
  type EventType,
  HANDOVER_DAYS,
  hashedMatchKeys,
  INTERNED,
  NIL,
  type RecordSummary,
} from './registry.kit.ts';
import type { WelfareService } from './welfare.service.ts';

/** The prisoners' records: identity (art. 17, 122), custody handovers from cases, reads (audited) and the sealed origin. */
export function createRecordsService(kit: RegistryKit, welfareLog: Pick<WelfareService, 'correspondence'>) {
  const { db, vault, sealer, audit, clock } = kit.deps;
  const { deps } = kit;
  const {
    today,
    decryptIdentity,
    encryptIdentity,
    writeMatchKeys,
    change,
    insertEvent,
    lockRecord,
    facilityNames,
    summary,
    openOrigin,
    custodyRequest,
    registeredThreads,
  } = kit;
  return {
    /**
     * Creates a record (art. 17/122 identity). From a surrender request (`fromCaseRef`): the request
     * must be in custody and not registered yet; the link is sealed to the organisation key and kept
     * nowhere else — no audit detail, no batch, no API field says the prisoner surrendered.
     */
    async createRecord(
      actorId: string,
      input: {
        identity: unknown;
        facilityId?: string | null;
        arrivedOn?: string | null;
        fromCaseRef?: string | null;
      },
      /** The registrar's session: registering from a request needs the organisation key. */
      session?: Session,
    ): Promise<{ id: string; ref: string }> {
      const parsed = powIdentitySchema.safeParse(input.identity);
      if (!parsed.success)
        throw new AppError('validation_failed', 'The record is incomplete', {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      const identity = parsed.data;
      if (identity.captureDate > today())
        throw new AppError('validation_failed', 'The capture date is in the future', {
          field: 'captureDate',
        });
      if (input.facilityId && !input.arrivedOn)
        throw new AppError('validation_failed', 'When did he arrive at the facility?', {
          field: 'arrivedOn',
        });
      if (input.arrivedOn && input.arrivedOn < identity.captureDate)
        throw new AppError('validation_failed', 'Arrival before capture', { field: 'arrivedOn' });
      const orgPublicKey = await deps.orgPublicKey();
      const result = await audit.write(async (trx) => {
        // Every record carries a sealed origin of the same length: the request's id, or the nil id for
        // a prisoner captured without one. Nothing is written to the request itself (a write in the
        // same transaction would link the two rows through their transaction ids).
        let threadId = NIL;
        if (input.fromCaseRef) {
          const t = await custodyRequest(input.fromCaseRef);
          await sql`SELECT pg_advisory_xact_lock(hashtext(${`pow-origin:${t.id}`}))`.execute(trx);
          if ((await registeredThreads(session, t.closedAt)).has(t.id))
            throw new AppError('conflict', 'This request has already been registered');
          threadId = t.id;
        }
        const origin = sealer.seal(orgPublicKey, JSON.stringify({ thread: threadId }));
        const n = await sql<{ n: string }>`SELECT nextval('pow_record_number')::text AS n`.execute(trx);
        const ref = `PW-${(n.rows[0]?.n ?? '0').padStart(6, '0')}`;
        const id = randomUUID();
        const now = clock.now();
        await trx
          .insertInto('pow_records')
          .values({
            id,
            ref,
            identity_enc: encryptIdentity(identity),
            origin_sealed: origin,
            status: 'held',
            // Art. 122 para 7: the seriously wounded are reported on weekly from the start.
            seriously_ill: identity.health === 'seriously_wounded',
            facility_id: null,
            arrived_on: null,
            created_by: actorId,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await writeMatchKeys(trx, id, identity);
        await change(trx, id, 'record.new', 1);
        await audit.append(
          {
            actorType: 'operator',
            actorId,
            action: 'pow.record.create',
            subjectType: 'pow_record',
            subjectId: id,
          },
          trx,
        );
        // The capture itself is the first event (date and place are in the identity).
        const captureId = randomUUID();
        await trx
          .insertInto('pow_events')
          .values({
            id: captureId,
            record_id: id,
            type: 'capture',
            occurred_on: identity.captureDate,
            facility_id: null,
            from_facility_id: null,
            details_enc: null,
            created_by: actorId,
            created_at: now,
          })
          .execute();
        await change(trx, id, 'event', 1, captureId);
        if (input.facilityId) {
          await insertEvent(
            trx,
            {
              id,
              status: 'held',
              facility_id: null,
              version: 1,
              seriously_ill: identity.health === 'seriously_wounded',
            },
            { type: 'arrival', occurredOn: input.arrivedOn as string, facilityId: input.facilityId },
            actorId,
          );
        }
        return { id, ref };
      });
      return result;
    },

    /** Corrects or completes the identity; a new version that goes into the next batch. */
    async updateRecord(actorId: string, id: string, input: { identity: unknown; version: number }) {
      const parsed = powIdentitySchema.safeParse(input.identity);
      if (!parsed.success)
        throw new AppError('validation_failed', 'The record is incomplete', {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      await audit.write(async (trx) => {
        const rec = await lockRecord(trx, id);
        if (rec.version !== input.version)
          throw new AppError('conflict', 'Someone else changed this record; reload it', {
            version: rec.version,
          });
        const version = rec.version + 1;
        const before = decryptIdentity(rec.identity_enc);
        if (parsed.data.captureDate > today())
          throw new AppError('validation_failed', 'The capture date is in the future', {
            field: 'captureDate',
          });
        if (parsed.data.captureDate !== before.captureDate) {
          const first = await trx
            .selectFrom('pow_events')
            .select((eb) => eb.fn.min('occurred_on').as('on'))
            .where('record_id', '=', id)
            .where('type', '<>', 'capture')
            .executeTakeFirst();
          if (first?.on && parsed.data.captureDate > first.on)
            throw new AppError('validation_failed', 'The capture date is after later events', {
              field: 'captureDate',
            });
          await trx
            .updateTable('pow_events')
            .set({ occurred_on: parsed.data.captureDate })
            .where('record_id', '=', id)
            .where('type', '=', 'capture')
            .execute();
        }
        await trx
          .updateTable('pow_records')
          .set({
            identity_enc: encryptIdentity(parsed.data),
            version,
            updated_at: clock.now(),
            ...(parsed.data.health === 'seriously_wounded' ? { seriously_ill: true } : {}),
          })
          .where('id', '=', id)
          .execute();
        await writeMatchKeys(trx, id, parsed.data);
        await change(trx, id, 'record.changed', version);
        await audit.append(
          {
            actorType: 'operator',
            actorId,
            action: 'pow.record.update',
            subjectType: 'pow_record',
            subjectId: id,
          },
          trx,
        );
      });
    },

    async listRecords(
      actorId: string,
      q: {
        status?: RecordStatus;
        facilityId?: string;
        seriouslyIll?: boolean;
        refs?: string[];
        /** A name in any script: records sharing the most blocking keys with it, best first. */
        name?: string;
        limit: number;
        offset: number;
      },
    ): Promise<{ items: RecordSummary[]; total: number }> {
      let base = db.selectFrom('pow_records');
      if (q.name) {
        const keys = hashedMatchKeys(vault, deps.searchKeys(q.name));
        const hits = await sql<{ record_id: string }>`
          SELECT record_id FROM pow_match_keys WHERE key = ANY(${keys}::bigint[])
          GROUP BY record_id ORDER BY count(*) DESC, record_id LIMIT 200`.execute(db);
        base = base.where('id', 'in', hits.rows.length ? hits.rows.map((h) => h.record_id) : [NIL]);
      }
      if (q.status) base = base.where('status', '=', q.status);
      if (q.facilityId) base = base.where('facility_id', '=', q.facilityId);
      if (q.seriouslyIll) base = base.where('seriously_ill', '=', true);
      if (q.refs) base = base.where('ref', 'in', q.refs.length ? q.refs : ['']);
      const [rows, count] = await Promise.all([
        base
          .select([
            'id',
            'ref',
            'identity_enc',
            'status',
            'facility_id',
            'seriously_ill',
            'version',
            'updated_at',
          ])
          .orderBy('updated_at', 'desc')
          .orderBy('id', 'desc')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      const names = await facilityNames(rows.map((r) => r.facility_id));
      if (rows.length > 0) {
        await audit.record({
          actorType: 'operator',
          actorId,
          action: 'pow.records.list',
          details: { shown: rows.length },
        });
      }
      return { items: rows.map((r) => summary(r, names)), total: Number(count.n) };
    },

    /** One record with its events, card duties, welfare and letters. Every read is audited. */
    /**
     * `opts.private: false` (liaisons) leaves out the welfare notes and letters: notifications need
     * the record and its events, not the prisoner's correspondence.
     */
    async getRecord(actorId: string, id: string, opts: { private?: boolean } = {}) {
      const r = await db.selectFrom('pow_records').selectAll().where('id', '=', id).executeTakeFirst();
      if (!r) throw new AppError('not_found', 'No such record');
      const [events, duties, welfare, letters] = await Promise.all([
        db
          .selectFrom('pow_events')
          .selectAll()
          .where('record_id', '=', id)
          .orderBy('occurred_on')
          .orderBy('created_at')
          .execute(),
        db.selectFrom('pow_card_duties').selectAll().where('record_id', '=', id).orderBy('due_on').execute(),
        db
          .selectFrom('pow_welfare')
          .selectAll()
          .where('record_id', '=', id)
          .orderBy('occurred_on', 'desc')
          .orderBy('created_at', 'desc')
          .limit(200)
          .execute(),
        db
          .selectFrom('pow_letters')
          .selectAll()
          .where('record_id', '=', id)
          .orderBy('created_at', 'desc')
          .limit(100)
          .execute(),
      ]);
      const names = await facilityNames([
        r.facility_id,
        ...events.flatMap((e) => [e.facility_id, e.from_facility_id]),
      ]);
      const facilityRef = (fid: string | null) => (fid ? { id: fid, name: names.get(fid) ?? '' } : null);
      await audit.record({
        actorType: 'operator',
        actorId,
        action: 'pow.record.read',
        subjectType: 'pow_record',
        subjectId: id,
      });
      const now = today();
      const lastHealth = events.filter((e) => e.type === 'health_report').at(-1)?.occurred_on ?? null;
      const firstHealth = events.find((e) => e.type === 'health_report')?.occurred_on ?? null;
      return {
        ...summary(r, names),
        identity: decryptIdentity(r.identity_enc),
        arrivedOn: r.arrived_on,
        createdAt: new Date(r.created_at).toISOString(),
        events: events.map((e) => ({
          id: e.id,
          type: e.type as EventType,
          occurredOn: e.occurred_on,
          facility: facilityRef(e.facility_id),
          fromFacility: facilityRef(e.from_facility_id),
          details: e.details_enc
            ? (JSON.parse(vault.decrypt(e.details_enc, 'pow_events.details')) as EventDetails)
            : null,
        })),
        cardDuties: duties.map((d) => ({
          id: d.id,
          eventId: d.event_id,
          reason: d.reason,
          eventOn: d.event_on,
          dueOn: d.due_on,
          sentOn: d.sent_on,
          state: deadlineState(d.due_on, d.sent_on, now),
        })),
        healthReportDue:
          r.seriously_ill && INTERNED.includes(r.status as RecordStatus)
            ? healthReportDue(lastHealth, firstHealth ?? toDay(new Date(r.created_at)))
            : null,
        welfare: welfare.map((w) => ({
          id: w.id,
          kind: w.kind,
          occurredOn: w.occurred_on,
          quantity: w.quantity,
          notes:
            w.notes_enc && opts.private !== false ? vault.decrypt(w.notes_enc, 'pow_welfare.notes') : null,
          letterId: w.letter_id,
        })),
        correspondence: await welfareLog.correspondence(id),
        // Relatives confirmed to him (their letters go to that inquiry's channel).
        inquiries: (
          await db
            .selectFrom('relative_inquiries')
            .select(['id', 'ref', 'channel', 'answered_at'])
            .where('matched_record_id', '=', id)
            .where('answer_kind', '=', 'found')
            .orderBy('answered_at', 'desc')
            .execute()
        ).map((q) => ({
          id: q.id,
          ref: q.ref,
          channel: q.channel,
          answeredAt: q.answered_at ? new Date(q.answered_at).toISOString() : null,
        })),
        letters: (opts.private === false ? [] : letters).map((l) => ({
          id: l.id,
          direction: l.direction,
          kind: l.kind,
          body: vault.decrypt(l.body_enc, 'pow_letters.body'),
          status: l.status,
          inquiryId: l.inquiry_id,
          createdAt: new Date(l.created_at).toISOString(),
          deliveredAt: l.delivered_at ? new Date(l.delivered_at).toISOString() : null,
        })),
      };
    },

    /**
     * Requests that reached custody in the last `HANDOVER_DAYS` and were not registered yet: reference
     * and date, nothing else. Which were registered is known only by opening the records' sealed
     * origins with the organisation key, so the list needs it too.
     */
    async custodyHandovers(session: Session) {
      const since = new Date(clock.now().getTime() - HANDOVER_DAYS * 86_400_000);
      const rows = await db
        .selectFrom('request_threads')
        .select(['id', 'ref', 'closed_at'])
        .where('status', '=', 'in_custody')
        .where('merged_into', 'is', null)
        .where('closed_at', '>=', since)
        .orderBy('closed_at', 'desc')
        .limit(500)
        .execute();
      if (rows.length === 0) return [];
      const oldest = rows.reduce((m, r) => Math.min(m, new Date(r.closed_at as Date).getTime()), Infinity);
      const registered = await registeredThreads(session, new Date(oldest));
      return rows
        .filter((r) => !registered.has(r.id))
        .slice(0, 200)
        .map((r) => ({ caseRef: r.ref, since: new Date(r.closed_at as Date).toISOString() }));
    },

    async auditDocument(actorId: string, recordId: string, kind: string) {
      await audit.record({
        actorType: 'operator',
        actorId,
        action: 'pow.document',
        subjectType: 'pow_record',
        subjectId: recordId,
        details: { kind },
      });
    },

    /** The decrypted identity and facility of a record, for documents and batches (no audit: callers audit). */
    async identityOf(id: string) {
      const r = await db
        .selectFrom('pow_records')
        .select(['id', 'ref', 'identity_enc', 'facility_id', 'status', 'version'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) throw new AppError('not_found', 'No such record');
      const f = r.facility_id
        ? await db
            .selectFrom('facilities')
            .select(['name', 'address'])
            .where('id', '=', r.facility_id)
            .executeTakeFirst()
        : undefined;
      return {
        id: r.id,
        ref: r.ref,
        status: r.status as RecordStatus,
        version: r.version,
        identity: decryptIdentity(r.identity_enc),
        facility: f ? { name: f.name, address: f.address } : null,
      };
    },

    /**
     * The request a record came from, for a user holding the organisation key (the link is sealed to
     * it). Audited; the answer is only the request's reference.
     */
    async revealOrigin(session: Session, id: string): Promise<{ caseRef: string | null }> {
      const r = await db
        .selectFrom('pow_records')
        .select(['origin_sealed'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!r) throw new AppError('not_found', 'No such record');
      const orgKey = session.orgKey();
      if (!orgKey)
        throw new AppError('key_not_granted', 'Your account has not been granted the organisation key yet');
      let threadId: string | null = null;
      try {
        threadId = r.origin_sealed ? openOrigin(orgKey, r.origin_sealed) : null;
      } finally {
        orgKey.fill(0);
      }
      await audit.record({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'pow.record.origin',
        subjectType: 'pow_record',
        subjectId: id,
      });
      if (!threadId) return { caseRef: null };
      const t = await db
        .selectFrom('request_threads')
        .select('ref')
        .where('id', '=', threadId)
        .executeTakeFirst();
      return { caseRef: t?.ref ?? null };
    },
  };
}

export type RecordsService = ReturnType<typeof createRecordsService>;
