import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import { generateReceiptCode } from '../crypto/receipt.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Language } from '../i18n/i18n.ts';
import type { NotificationKind } from '../notifications/notification-kinds.ts';
import type { Outbox } from '../outbox/outbox.service.ts';
import { toDay } from '../pow/deadlines.ts';
import { matchKeyHash, type RegistryService } from '../pow/registry.service.ts';
import { answerTemplates } from './answer-templates.ts';
import {
  inquiryRetrievalKeys,
  isAmbiguous,
  MATCH_THRESHOLD,
  REGISTRY_CANDIDATES,
  scoreCandidate,
} from './matching.ts';
import { inquiryQuerySchema } from './relatives.schemas.ts';

/**
 * The relatives desk: "is this person held?" (GC III art. 122/123 make the bureau answer such
 * inquiries). An inquiry arrives by the web form (no JavaScript; the relative keeps a receipt code),
 * the Telegram bot or an operator on the phone. Candidates are found with blind blocking keys and
 * scored on the decrypted identities; nothing is told to the relative until a registrar confirms, and
 * a prisoner who refused disclosure is not disclosed. The answer goes back on the channel it came by.
 */
export { inquiryQuerySchema };
export type InquiryQuery = z.infer<typeof inquiryQuerySchema>;

export type AnswerKind = 'found' | 'not_found' | 'not_disclosed';
export const LETTER_MAX = 8000;

export interface Candidate {
  recordId: string;
  ref: string;
  surname: { original: string; latin: string };
  firstNames: { original: string; latin: string };
  fatherFirstName: string | null;
  dateOfBirth: string | null;
  status: string;
  disclosureConsent: 'yes' | 'no' | 'unknown';
  score: number;
  likely: boolean;
  reasons: string[];
}

export function createRelativesService(deps: {
  db: Db;
  vault: Vault;
  /** A relative's Telegram chat id is routing tier, like a requester's. */
  routing: RoutingVault;
  audit: AuditLog;
  clock: Clock;
  registry: RegistryService;
  outbox: Outbox;
}) {
  const { db, vault, routing, audit, clock, registry } = deps;
  const receiptLookup = (code: string) => vault.blindIndex('inquiry-receipt', code);
  const decryptQuery = (blob: string) =>
    JSON.parse(vault.decrypt(blob, 'relative_inquiries.query')) as InquiryQuery;

  /**
   * Registry records that may be the sought person, best first. Blocking keys (HMAC'd) pick up to
   * REGISTRY_CANDIDATES records sharing the most (weighted) keys; their identities are decrypted and scored.
   */
  async function candidates(sought: InquiryQuery['sought']): Promise<Candidate[]> {
    const wanted = inquiryRetrievalKeys(sought);
    if (wanted.length === 0) return [];
    const keys = wanted.map((k) => matchKeyHash(vault, k.key));
    const weights = wanted.map((k) => k.weight);
    const rows = await sql<{ id: string; ref: string; identity_enc: string; status: string }>`
      SELECT r.id, r.ref, r.identity_enc, r.status
      FROM (SELECT m.record_id, sum(q.w) AS shared
            FROM unnest(${keys}::bigint[], ${weights}::int[]) AS q(key, w)
            JOIN pow_match_keys m ON m.key = q.key
            GROUP BY m.record_id ORDER BY sum(q.w) DESC, m.record_id LIMIT ${REGISTRY_CANDIDATES}) k
      JOIN pow_records r ON r.id = k.record_id
      ORDER BY k.shared DESC`.execute(db);
    const out: Candidate[] = [];
    for (const r of rows.rows) {
      const identity = registry.decryptIdentity(r.identity_enc);
      const s = scoreCandidate(sought, identity);
      out.push({
        recordId: r.id,
        ref: r.ref,
        surname: identity.surname,
        firstNames: identity.firstNames,
        fatherFirstName: identity.fatherFirstName ?? null,
        dateOfBirth: identity.dateOfBirth ?? null,
        status: r.status,
        disclosureConsent: identity.disclosureConsent,
        score: Math.round(s.score * 1000) / 1000,
        likely: s.score >= MATCH_THRESHOLD,
        reasons: s.reasons,
      });
    }
    return out.sort((a, b) => b.score - a.score).slice(0, 10);
  }

  async function load(id: string) {
    const r = await db.selectFrom('relative_inquiries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('not_found', 'No such inquiry');
    return r;
  }

  function answerView(r: {
    answer_kind: AnswerKind | null;
    answer_enc: string | null;
    answered_at: Date | string | null;
  }) {
    if (!r.answer_kind) return null;
    return {
      kind: r.answer_kind,
      text: r.answer_enc ? vault.decrypt(r.answer_enc, 'relative_inquiries.answer') : '',
      answeredAt: r.answered_at ? new Date(r.answered_at).toISOString() : null,
    };
  }

  async function lettersOfInquiry(inquiryId: string) {
    const rows = await db
      .selectFrom('pow_letters')
      .select(['id', 'direction', 'kind', 'body_enc', 'status', 'created_at', 'delivered_at'])
      .where('inquiry_id', '=', inquiryId)
      .orderBy('created_at')
      .execute();
    return rows.map((l) => ({
      id: l.id,
      direction: l.direction,
      kind: l.kind,
      body: vault.decrypt(l.body_enc, 'pow_letters.body'),
      status: l.status,
      createdAt: new Date(l.created_at).toISOString(),
      deliveredAt: l.delivered_at ? new Date(l.delivered_at).toISOString() : null,
    }));
  }

  return {
    candidates,

    async create(input: {
      channel: 'web' | 'telegram' | 'operator';
      language: Language;
      query: unknown;
      /** Telegram chat id (the answer is sent there). */
      identity?: string;
      actorId?: string;
    }): Promise<{ id: string; ref: string; receiptCode: string | null }> {
      const parsed = inquiryQuerySchema.safeParse(input.query);
      if (!parsed.success)
        throw new AppError('validation_failed', 'The inquiry is incomplete', {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      const identityIndex = input.identity
        ? routing.blindIndex('inquiry-identity:telegram', input.identity)
        : null;
      if (identityIndex) {
        // One chat may have a few open searches, not an unlimited number.
        const open = await db
          .selectFrom('relative_inquiries')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('identity_index', '=', identityIndex)
          .where('status', '=', 'open')
          .executeTakeFirstOrThrow();
        if (Number(open.n) >= 3) throw new AppError('rate_limited', 'Too many open inquiries from this chat');
      }
      const id = randomUUID();
      const ref = `RI-${randomBytes(4).toString('hex').toUpperCase()}`;
      const receiptCode = input.channel === 'web' ? generateReceiptCode() : null;
      await audit.write(async (trx, w) => {
        await trx
          .insertInto('relative_inquiries')
          .values({
            id,
            ref,
            channel: input.channel,
            language: input.language,
            query_enc: vault.encrypt(JSON.stringify(parsed.data), 'relative_inquiries.query'),
            receipt_lookup: receiptCode ? receiptLookup(receiptCode) : null,
            identity_index: identityIndex,
            identity_enc: input.identity
              ? routing.encrypt(input.identity, 'relative_inquiries.identity')
              : null,
            status: 'open',
            matched_record_id: null,
            answer_kind: null,
            answer_enc: null,
            answered_by: null,
            answered_at: null,
            created_by: input.actorId ?? null,
            created_at: clock.now(),
          })
          .execute();
        await w.audit({
          actorType: input.actorId ? 'operator' : 'requester',
          actorId: input.actorId ?? null,
          action: 'inquiry.create',
          subjectType: 'relative_inquiry',
          subjectId: id,
          details: { channel: input.channel },
        });
      });
      return { id, ref, receiptCode };
    },

    async list(actorId: string, q: { status?: 'open' | 'answered'; limit: number; offset: number }) {
      let base = db.selectFrom('relative_inquiries');
      if (q.status) base = base.where('status', '=', q.status);
      const [rows, total] = await Promise.all([
        base
          .select(['id', 'ref', 'channel', 'language', 'status', 'created_at', 'query_enc', 'answer_kind'])
          .orderBy('created_at', q.status === 'open' ? 'asc' : 'desc')
          .orderBy('id')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      if (rows.length) {
        await audit.record({
          actorType: 'operator',
          actorId,
          action: 'inquiry.list',
          details: { shown: rows.length },
        });
      }
      return {
        items: rows.map((r) => {
          const query = decryptQuery(r.query_enc);
          return {
            id: r.id,
            ref: r.ref,
            channel: r.channel,
            language: r.language,
            status: r.status,
            answerKind: r.answer_kind,
            createdAt: new Date(r.created_at).toISOString(),
            sought: query.sought,
          };
        }),
        total: Number(total.n),
      };
    },

    async get(actorId: string, id: string) {
      const r = await load(id);
      const query = decryptQuery(r.query_enc);
      await audit.record({
        actorType: 'operator',
        actorId,
        action: 'inquiry.read',
        subjectType: 'relative_inquiry',
        subjectId: id,
      });
      const found = r.status === 'open' ? await candidates(query.sought) : [];
      const matched = r.matched_record_id
        ? await db
            .selectFrom('pow_records')
            .select('ref')
            .where('id', '=', r.matched_record_id)
            .executeTakeFirst()
        : undefined;
      return {
        id: r.id,
        ref: r.ref,
        channel: r.channel,
        language: r.language,
        status: r.status,
        createdAt: new Date(r.created_at).toISOString(),
        ...query,
        answer: answerView(r),
        matchedRecord: r.matched_record_id ? { id: r.matched_record_id, ref: matched?.ref ?? '' } : null,
        candidates: found,
        ambiguous: isAmbiguous(found),
        templates: answerTemplates(r.language as Language, query),
        // Answers sent on Telegram: did they arrive? (A failure is for the registrar to follow up.)
        delivery: (
          await db
            .selectFrom('outbox')
            .select(['status', 'last_error', 'sent_at'])
            .where('inquiry_id', '=', id)
            .orderBy('created_at')
            .execute()
        ).map((o) => ({
          status: o.status,
          error: o.last_error,
          sentAt: o.sent_at ? new Date(o.sent_at).toISOString() : null,
        })),
        letters: await lettersOfInquiry(id),
      };
    },

    /**
     * The registrar's confirmed answer. `found` names a record; it is refused when the prisoner asked
     * that relatives not be told (then the answer can only be `not_disclosed`).
     */
    async answer(
      actorId: string,
      id: string,
      input: { kind: AnswerKind; recordId?: string | null; message: string },
    ) {
      await audit.write(async (trx) => {
        const r = await trx
          .selectFrom('relative_inquiries')
          .selectAll()
          .where('id', '=', id)
          .forUpdate()
          .executeTakeFirst();
        if (!r) throw new AppError('not_found', 'No such inquiry');
        if (r.status === 'answered') throw new AppError('conflict', 'This inquiry has been answered');
        let recordId: string | null = null;
        if (input.kind === 'found') {
          if (!input.recordId)
            throw new AppError('validation_failed', 'Which record was confirmed?', { field: 'recordId' });
          const rec = await trx
            .selectFrom('pow_records')
            .select(['id', 'identity_enc'])
            .where('id', '=', input.recordId)
            .executeTakeFirst();
          if (!rec) throw new AppError('not_found', 'No such record');
          if (registry.decryptIdentity(rec.identity_enc).disclosureConsent === 'no')
            throw new AppError(
              'conflict',
              'The prisoner asked that relatives not be told: answer "not disclosed"',
              {
                field: 'kind',
              },
            );
          recordId = rec.id;
        }
        await trx
          .updateTable('relative_inquiries')
          .set({
            status: 'answered',
            matched_record_id: recordId,
            answer_kind: input.kind,
            answer_enc: vault.encrypt(input.message, 'relative_inquiries.answer'),
            answered_by: actorId,
            answered_at: clock.now(),
          })
          .where('id', '=', id)
          .execute();
        // Taken by phone: the operator who took it gets a notice to call the relative back.
        if (r.channel === 'operator' && r.created_by && r.created_by !== actorId) {
          await trx
            .insertInto('notifications')
            .values({
              user_id: r.created_by,
              request_id: null,
              kind: 'inquiry_answered' satisfies NotificationKind,
              details: JSON.stringify({ inquiry: id, ref: r.ref }),
              created_at: clock.now(),
            })
            .execute();
        }
        if (r.channel === 'telegram' && r.identity_enc) {
          await deps.outbox.enqueue(trx, {
            threadId: null,
            inquiryId: id,
            messageId: null,
            channel: 'telegram',
            message: {
              to: routing.decrypt(r.identity_enc, 'relative_inquiries.identity'),
              text: input.message,
            },
          });
        }
        await audit.append(
          {
            actorType: 'operator',
            actorId,
            action: 'inquiry.answer',
            subjectType: 'relative_inquiry',
            subjectId: id,
            details: { kind: input.kind },
          },
          trx,
        );
      });
      return this.get(actorId, id);
    },

    /** The relative's view with the receipt code: the answer once given, and letters from the prisoner. */
    async readByReceipt(code: string) {
      const r = await db
        .selectFrom('relative_inquiries')
        .selectAll()
        .where('receipt_lookup', '=', receiptLookup(code))
        .executeTakeFirst();
      if (!r) return null;
      const letters = await lettersOfInquiry(r.id);
      return {
        id: r.id,
        language: r.language as Language,
        status: r.status,
        answer: answerView(r),
        canWrite: r.answer_kind === 'found' && r.matched_record_id !== null,
        letters,
      };
    },

    /** Art. 71: a relative's letter to the prisoner, relayed by the bureau (logged on delivery). */
    async letterFromRelative(inquiryId: string, body: string) {
      const r = await load(inquiryId);
      if (r.answer_kind !== 'found' || !r.matched_record_id)
        throw new AppError('conflict', 'Letters can be sent once the person has been found');
      const recordId = r.matched_record_id;
      const open = await db
        .selectFrom('pow_letters')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('inquiry_id', '=', inquiryId)
        .where('direction', '=', 'to_prisoner')
        .where('status', '=', 'received')
        .executeTakeFirstOrThrow();
      if (Number(open.n) >= 5)
        throw new AppError('rate_limited', 'Five letters are waiting to be delivered; please wait');
      const id = randomUUID();
      await audit.write(async (trx, w) => {
        await trx
          .insertInto('pow_letters')
          .values({
            id,
            record_id: recordId,
            inquiry_id: inquiryId,
            direction: 'to_prisoner',
            kind: 'letter',
            body_enc: vault.encrypt(body, 'pow_letters.body'),
            status: 'received',
            created_by: null,
            created_at: clock.now(),
            delivered_at: null,
            delivered_by: null,
          })
          .execute();
        await w.audit({
          actorType: 'requester',
          action: 'letter.received',
          subjectType: 'pow_record',
          subjectId: recordId,
          details: { letter: id },
        });
      });
      return { id };
    },

    /**
     * A prisoner's letter or card (art. 71), counted in the monthly minimum; with an inquiry it goes
     * to that relative on their channel, otherwise it is logged as sent by post.
     */
    async letterFromPrisoner(
      actorId: string,
      recordId: string,
      input: { kind: 'letter' | 'card'; body: string; inquiryId?: string | null; sentOn?: string },
    ) {
      const day = input.sentOn ?? toDay(clock.now());
      const id = randomUUID();
      await audit.write(async (trx) => {
        const rec = await trx
          .selectFrom('pow_records')
          .select('id')
          .where('id', '=', recordId)
          .forUpdate()
          .executeTakeFirst();
        if (!rec) throw new AppError('not_found', 'No such record');
        let inquiry: { id: string; channel: string; identity_enc: string | null } | undefined;
        if (input.inquiryId) {
          inquiry = await trx
            .selectFrom('relative_inquiries')
            .select(['id', 'channel', 'identity_enc'])
            .where('id', '=', input.inquiryId)
            .where('matched_record_id', '=', recordId)
            .where('answer_kind', '=', 'found')
            .executeTakeFirst();
          if (!inquiry)
            throw new AppError(
              'validation_failed',
              'That inquiry is not a confirmed relative of this prisoner',
              {
                field: 'inquiryId',
              },
            );
        }
        await trx
          .insertInto('pow_letters')
          .values({
            id,
            record_id: recordId,
            inquiry_id: inquiry?.id ?? null,
            direction: 'from_prisoner',
            kind: input.kind,
            body_enc: vault.encrypt(input.body, 'pow_letters.body'),
            status: 'delivered',
            created_by: actorId,
            created_at: clock.now(),
            delivered_at: clock.now(),
            delivered_by: actorId,
          })
          .execute();
        await registry.addWelfare(
          actorId,
          recordId,
          { kind: input.kind === 'card' ? 'card_sent' : 'letter_sent', occurredOn: day, letterId: id },
          trx,
        );
        if (inquiry?.channel === 'telegram' && inquiry.identity_enc) {
          await deps.outbox.enqueue(trx, {
            threadId: null,
            inquiryId: inquiry.id,
            messageId: null,
            channel: 'telegram',
            message: {
              to: routing.decrypt(inquiry.identity_enc, 'relative_inquiries.identity'),
              text: input.body,
            },
          });
        }
      });
      return { id };
    },

    /** A relative's letter was handed to the prisoner: logged in the welfare log (art. 71). */
    async letterDelivered(actorId: string, letterId: string, deliveredOn?: string) {
      const day = deliveredOn ?? toDay(clock.now());
      await audit.write(async (trx) => {
        const l = await trx
          .updateTable('pow_letters')
          .set({ status: 'delivered', delivered_at: clock.now(), delivered_by: actorId })
          .where('id', '=', letterId)
          .where('direction', '=', 'to_prisoner')
          .where('status', '=', 'received')
          .returning(['record_id', 'kind'])
          .executeTakeFirst();
        if (!l) throw new AppError('not_found', 'No such letter waiting for delivery');
        await registry.addWelfare(
          actorId,
          l.record_id,
          { kind: l.kind === 'card' ? 'card_received' : 'letter_received', occurredOn: day, letterId },
          trx,
        );
      });
    },
  };
}

export type RelativesService = ReturnType<typeof createRelativesService>;
