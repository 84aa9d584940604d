import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { PowIdentity } from './record.ts';
import type { EventDetails } from './registry.service.ts';

/**
 * Notifications to humanitarian bodies (GC III art. 122/123: the National Information Bureau forwards
 * what it learns about prisoners to the Central Prisoners of War Agency). Every record creation, record
 * change and event appends a row to `pow_changes`; building a batch takes every pending change, so a
 * change is in exactly one batch that is not void, or pending. A batch is a JSON document
 * (docs/notification-batch.md, schema docs/notification-batch.schema.json), signed with Ed25519 over
 * its exact bytes; the public keys are published at /.well-known/whiteflag/notification-keys.json.
 *
 * Never in a batch: the sealed origin of a record (whether the prisoner surrendered voluntarily),
 * who entered it, when it was entered.
 */
export const BATCH_FORMAT = 'whiteflag.pow-notification/1';
const BUILD_LOCK = 727_122;

export interface BatchDocument {
  format: typeof BATCH_FORMAT;
  batch: {
    id: string;
    number: number;
    createdAt: string;
    periodFrom: string | null;
    periodTo: string;
    keyId: string;
  };
  records: Array<{
    ref: string;
    version: number;
    /** `unchanged`: not changed since an earlier batch, included because an event of this batch is about him. */
    change: 'new' | 'changed' | 'unchanged';
    status: string;
    facility: { name: string; address: string } | null;
    identity: NotifiableIdentity;
  }>;
  events: Array<{
    id: string;
    recordRef: string;
    type: string;
    date: string;
    facility: { name: string; address: string } | null;
    fromFacility: { name: string; address: string } | null;
    details: Record<string, unknown> | null;
  }>;
}

export interface BatchView {
  id: string;
  number: number;
  status: 'built' | 'delivered' | 'void';
  itemCount: number;
  counts: Record<string, number>;
  keyId: string;
  sha256: string;
  periodFrom: string | null;
  periodTo: string;
  createdAt: string;
  deliveredAt: string | null;
  deliveryMethod: string | null;
  deliveryReference: string | null;
  voidedAt: string | null;
  voidReason: string | null;
}

/**
 * What a batch says about a person: the art. 17 / art. 122 para 4 fields and the state of health
 * (art. 70 card item 11) — an allow-list. Never: whether he agreed that relatives be told (the Central
 * Agency forwards batches to his own state, art. 123), free-text health notes.
 */
export function notifiableIdentity(i: PowIdentity): NotifiableIdentity {
  const out: NotifiableIdentity = {
    surname: i.surname,
    firstNames: i.firstNames,
    languages: i.languages,
    captureDate: i.captureDate,
    health: i.health,
  };
  for (const k of NOTIFIABLE_OPTIONAL) if (i[k] !== undefined) (out as Record<string, unknown>)[k] = i[k];
  return out;
}
const NOTIFIABLE_OPTIONAL = [
  'rank',
  'serviceNumber',
  'dateOfBirth',
  'placeOfBirth',
  'powerDependedOn',
  'fatherFirstName',
  'motherMaidenName',
  'personToInform',
  'correspondenceAddress',
  'unit',
  'capturePlace',
] as const;
export type NotifiableIdentity = Pick<
  PowIdentity,
  'surname' | 'firstNames' | 'languages' | 'captureDate' | 'health'
> &
  Partial<Pick<PowIdentity, (typeof NOTIFIABLE_OPTIONAL)[number]>>;

/** Event details in a batch: the art. 120 death data, health reports, exchange and destination; no notes. */
export function notifiableDetails(d: EventDetails): Record<string, unknown> | null {
  const { notes: _notes, ...rest } = d;
  return Object.keys(rest).length ? rest : null;
}

export function keyIdOf(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('hex').slice(0, 16);
}

/** An Ed25519 public key (32 raw bytes) as a KeyObject. */
export function publicKeyFromRaw(raw: Buffer) {
  // SubjectPublicKeyInfo prefix for Ed25519 (RFC 8410).
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/** What a receiver runs: true when `signature` is a valid Ed25519 signature of `bytes` under the key. */
export function verifyBatch(bytes: Buffer, signature: Buffer, rawPublicKey: Buffer): boolean {
  try {
    return verify(null, bytes, publicKeyFromRaw(rawPublicKey), signature);
  } catch {
    return false;
  }
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with an apostrophe. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = [
  'item',
  'record_ref',
  'record_version',
  'change',
  'event_id',
  'event_type',
  'event_date',
  'status',
  'surname_latin',
  'surname_original',
  'first_names_latin',
  'first_names_original',
  'date_of_birth',
  'place_of_birth',
  'rank',
  'service_number',
  'power_depended_on',
  'father_first_name',
  'mother_maiden_name',
  'person_to_inform',
  'person_to_inform_address',
  'correspondence_address',
  'languages',
  'unit',
  'capture_date',
  'capture_place',
  'health',
  'facility',
  'from_facility',
  'details',
] as const;

export function batchCsv(doc: BatchDocument): string {
  const byRef = new Map(doc.records.map((r) => [r.ref, r]));
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const r of doc.records) {
    const i = r.identity;
    lines.push(
      [
        'record',
        r.ref,
        r.version,
        r.change,
        '',
        '',
        '',
        r.status,
        i.surname.latin,
        i.surname.original,
        i.firstNames.latin,
        i.firstNames.original,
        i.dateOfBirth,
        i.placeOfBirth,
        i.rank,
        i.serviceNumber,
        i.powerDependedOn,
        i.fatherFirstName,
        i.motherMaidenName,
        i.personToInform?.name,
        i.personToInform?.address,
        i.correspondenceAddress,
        i.languages.join(' '),
        i.unit,
        i.captureDate,
        i.capturePlace,
        i.health,
        r.facility?.name,
        '',
        '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  for (const e of doc.events) {
    const rec = byRef.get(e.recordRef);
    lines.push(
      [
        'event',
        e.recordRef,
        rec?.version ?? '',
        '',
        e.id,
        e.type,
        e.date,
        '',
        rec?.identity.surname.latin,
        rec?.identity.surname.original,
        rec?.identity.firstNames.latin,
        rec?.identity.firstNames.original,
        rec?.identity.dateOfBirth,
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        e.facility?.name,
        e.fromFacility?.name,
        e.details ? JSON.stringify(e.details) : '',
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function createBatchesService(deps: {
  db: Db;
  vault: Vault;
  audit: AuditLog;
  clock: Clock;
  decryptIdentity: (blob: string) => PowIdentity;
}) {
  const { db, vault, audit, clock } = deps;

  /** The active signing key, created on first use (its secret half is server-tier encrypted). */
  /** Creates the first signing key once, across instances (advisory lock); public reads never decrypt. */
  async function ensureSigningKey(): Promise<void> {
    await audit.write(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${BUILD_LOCK + 1})`.execute(trx);
      const exists = await trx
        .selectFrom('signing_keys')
        .select('id')
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      if (exists) return;
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
      const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
      await trx
        .insertInto('signing_keys')
        .values({
          id: keyIdOf(raw),
          public_key: raw,
          secret_key_enc: vault.encrypt(pkcs8.toString('base64'), 'signing_keys.secret'),
          created_at: clock.now(),
          retired_at: null,
        })
        .execute();
      pkcs8.fill(0);
    });
  }

  /** The active signing key (created at start by ensureSigningKey, so never missing here). */
  async function signingKey(): Promise<{ id: string; secret: ReturnType<typeof createPrivateKey> }> {
    const row = await db
      .selectFrom('signing_keys')
      .selectAll()
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const der = Buffer.from(vault.decrypt(row.secret_key_enc, 'signing_keys.secret'), 'base64');
    const secret = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    return { id: row.id, secret };
  }

  function view(b: {
    id: string;
    number: number;
    status: 'built' | 'delivered' | 'void';
    item_count: number;
    key_id: string;
    sha256: Buffer;
    period_from: Date | string | null;
    period_to: Date | string;
    created_at: Date | string;
    delivered_at: Date | string | null;
    delivery_method: string | null;
    delivery_reference: string | null;
    voided_at: Date | string | null;
    void_reason: string | null;
    counts?: Record<string, number>;
  }): BatchView {
    const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
    return {
      id: b.id,
      number: b.number,
      status: b.status,
      itemCount: b.item_count,
      counts: b.counts ?? {},
      keyId: b.key_id,
      sha256: b.sha256.toString('hex'),
      periodFrom: iso(b.period_from),
      periodTo: iso(b.period_to) as string,
      createdAt: iso(b.created_at) as string,
      deliveredAt: iso(b.delivered_at),
      deliveryMethod: b.delivery_method,
      deliveryReference: b.delivery_reference,
      voidedAt: iso(b.voided_at),
      voidReason: b.void_reason,
    };
  }

  async function countsOf(batchIds: string[]): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    if (batchIds.length === 0) return out;
    const rows = await sql<{ batch_id: string; label: string; n: number }>`
      SELECT c.batch_id, CASE WHEN c.kind = 'event' THEN 'event.' || e.type ELSE c.kind END AS label, count(*)::int AS n
      FROM pow_changes c LEFT JOIN pow_events e ON e.id = c.event_id
      WHERE c.batch_id = ANY(${batchIds}::uuid[]) GROUP BY 1, 2`.execute(db);
    for (const r of rows.rows) {
      const m = out.get(r.batch_id) ?? {};
      m[r.label] = r.n;
      out.set(r.batch_id, m);
    }
    return out;
  }

  async function load(id: string) {
    const b = await db.selectFrom('notification_batches').selectAll().where('id', '=', id).executeTakeFirst();
    if (!b) throw new AppError('not_found', 'No such batch');
    return b;
  }

  return {
    ensureSigningKey,

    async publicKeys() {
      const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute();
      return rows.map((k) => ({
        id: k.id,
        algorithm: 'Ed25519' as const,
        publicKey: k.public_key.toString('base64'),
        publicKeyPem: publicKeyFromRaw(k.public_key).export({ format: 'pem', type: 'spki' }).toString(),
        createdAt: new Date(k.created_at).toISOString(),
        retiredAt: k.retired_at ? new Date(k.retired_at).toISOString() : null,
      }));
    },

    /** Changes not in a delivered batch: not yet in any batch, or in one built but not delivered. */
    async pending() {
      const rows = await sql<{ label: string; in_batch: boolean; n: number; oldest: Date }>`
        SELECT CASE WHEN c.kind = 'event' THEN 'event.' || e.type ELSE c.kind END AS label,
          c.batch_id IS NOT NULL AS in_batch, count(*)::int AS n, min(c.at) AS oldest
        FROM pow_changes c LEFT JOIN pow_events e ON e.id = c.event_id
        LEFT JOIN notification_batches b ON b.id = c.batch_id
        WHERE c.batch_id IS NULL OR b.status = 'built'
        GROUP BY 1, 2`.execute(db);
      const notBatched: Record<string, number> = {};
      let inUndelivered = 0;
      let oldest: Date | null = null;
      for (const r of rows.rows) {
        if (r.in_batch) inUndelivered += r.n;
        else notBatched[r.label] = r.n;
        if (!oldest || new Date(r.oldest) < oldest) oldest = new Date(r.oldest);
      }
      return {
        notBatched,
        notBatchedTotal: Object.values(notBatched).reduce((a, b) => a + b, 0),
        inUndeliveredBatches: inUndelivered,
        oldest: oldest ? oldest.toISOString() : null,
      };
    },

    /** Takes every pending change into a new signed batch. */
    async build(actorId: string | null): Promise<BatchView> {
      const key = await signingKey();
      const out = await audit.write(async (trx) => {
        // One build at a time; a second one meanwhile is refused rather than queued.
        const locked = await sql<{
          ok: boolean;
        }>`SELECT pg_try_advisory_xact_lock(${BUILD_LOCK}) AS ok`.execute(trx);
        if (!locked.rows[0]?.ok) throw new AppError('conflict', 'Another batch is being built; try again');
        const changes = await trx
          .selectFrom('pow_changes')
          .select(['id', 'record_id', 'event_id', 'kind', 'at'])
          .where('batch_id', 'is', null)
          .orderBy('id')
          .forUpdate()
          .execute();
        if (changes.length === 0)
          throw new AppError('conflict', 'Nothing is pending: every change is in a batch');
        const prev = await trx
          .selectFrom('notification_batches')
          .select('period_to')
          .where('status', '<>', 'void')
          .orderBy('number', 'desc')
          .executeTakeFirst();
        const id = randomUUID();
        const now = clock.now();
        const n = await sql<{ n: number }>`SELECT nextval('notification_batch_number')::int AS n`.execute(
          trx,
        );
        const number = n.rows[0]?.n as number;
        // Records: their current version, once per batch, whether new or changed.
        const recordIds = [...new Set(changes.map((c) => c.record_id))];
        const isNew = new Set(changes.filter((c) => c.kind === 'record.new').map((c) => c.record_id));
        const isChanged = new Set(changes.filter((c) => c.kind === 'record.changed').map((c) => c.record_id));
        const recRows = await trx
          .selectFrom('pow_records as r')
          .leftJoin('facilities as f', 'f.id', 'r.facility_id')
          .select(['r.id', 'r.ref', 'r.version', 'r.status', 'r.identity_enc', 'f.name', 'f.address'])
          .where('r.id', 'in', recordIds)
          .execute();
        const byId = new Map(recRows.map((r) => [r.id, r]));
        const records: BatchDocument['records'] = recordIds.map((rid) => {
          const r = byId.get(rid);
          if (!r) throw new Error(`record ${rid} vanished`);
          return {
            ref: r.ref,
            version: r.version,
            change: isNew.has(rid) ? 'new' : isChanged.has(rid) ? 'changed' : 'unchanged',
            status: r.status,
            facility: r.name ? { name: r.name, address: r.address ?? '' } : null,
            identity: notifiableIdentity(deps.decryptIdentity(r.identity_enc)),
          };
        });
        const eventIds = changes.filter((c) => c.event_id).map((c) => c.event_id as string);
        const evRows = eventIds.length
          ? await trx
              .selectFrom('pow_events as e')
              .innerJoin('pow_records as r', 'r.id', 'e.record_id')
              .leftJoin('facilities as f', 'f.id', 'e.facility_id')
              .leftJoin('facilities as ff', 'ff.id', 'e.from_facility_id')
              .select([
                'e.id',
                'e.type',
                'e.occurred_on',
                'e.details_enc',
                'r.ref',
                'f.name as f_name',
                'f.address as f_address',
                'ff.name as ff_name',
                'ff.address as ff_address',
              ])
              .where('e.id', 'in', eventIds)
              .execute()
          : [];
        const order = new Map(eventIds.map((e, i) => [e, i]));
        evRows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
        const events: BatchDocument['events'] = evRows.map((e) => ({
          id: e.id,
          recordRef: e.ref,
          type: e.type,
          date: e.occurred_on,
          facility: e.f_name ? { name: e.f_name, address: e.f_address ?? '' } : null,
          fromFacility: e.ff_name ? { name: e.ff_name, address: e.ff_address ?? '' } : null,
          details: e.details_enc
            ? notifiableDetails(
                JSON.parse(vault.decrypt(e.details_enc, 'pow_events.details')) as EventDetails,
              )
            : null,
        }));
        const periodFrom = prev ? new Date(prev.period_to).toISOString() : null;
        const doc: BatchDocument = {
          format: BATCH_FORMAT,
          batch: {
            id,
            number,
            createdAt: now.toISOString(),
            periodFrom,
            periodTo: now.toISOString(),
            keyId: key.id,
          },
          records,
          events,
        };
        const bytes = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`, 'utf8');
        const signature = sign(null, bytes, key.secret);
        await trx
          .insertInto('notification_batches')
          .values({
            id,
            number,
            status: 'built',
            content_enc: vault.encrypt(bytes.toString('utf8'), 'notification_batches.content'),
            sha256: createHash('sha256').update(bytes).digest(),
            signature,
            key_id: key.id,
            item_count: changes.length,
            period_from: periodFrom,
            period_to: now,
            created_by: actorId,
            created_at: now,
          })
          .execute();
        await trx
          .updateTable('pow_changes')
          .set({ batch_id: id })
          .where(
            'id',
            'in',
            changes.map((c) => c.id),
          )
          .execute();
        await audit.append(
          {
            actorType: actorId ? 'operator' : 'system',
            actorId,
            action: 'pow.batch.build',
            subjectType: 'notification_batch',
            subjectId: id,
            details: { number, items: changes.length },
          },
          trx,
        );
        return id;
      });
      return this.get(out);
    },

    async list(q: { status?: 'built' | 'delivered' | 'void'; limit: number; offset: number }) {
      let base = db.selectFrom('notification_batches');
      if (q.status) base = base.where('status', '=', q.status);
      const [rows, total] = await Promise.all([
        base
          .select([
            'id',
            'number',
            'status',
            'item_count',
            'key_id',
            'sha256',
            'period_from',
            'period_to',
            'created_at',
            'delivered_at',
            'delivery_method',
            'delivery_reference',
            'voided_at',
            'void_reason',
          ])
          .orderBy('number', 'desc')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      const counts = await countsOf(rows.map((r) => r.id));
      return {
        items: rows.map((r) => view({ ...r, counts: counts.get(r.id) ?? {} })),
        total: Number(total.n),
      };
    },

    async get(id: string): Promise<BatchView> {
      const b = await load(id);
      return view({ ...b, counts: (await countsOf([id])).get(id) ?? {} });
    },

    /** The signed bytes, exactly as signed. Reading a batch is audited (it holds identities). */
    async document(actorId: string, id: string, format: string) {
      const b = await load(id);
      if (!b.content_enc) throw new AppError('not_found', 'This batch content was removed');
      await audit.record({
        actorType: 'operator',
        actorId,
        action: 'pow.batch.export',
        subjectType: 'notification_batch',
        subjectId: id,
        details: { format },
      });
      const bytes = Buffer.from(vault.decrypt(b.content_enc, 'notification_batches.content'), 'utf8');
      return {
        number: b.number,
        bytes,
        doc: JSON.parse(bytes.toString('utf8')) as BatchDocument,
        signature: b.signature,
        keyId: b.key_id,
        sha256: b.sha256.toString('hex'),
      };
    },

    /** Delivery log: when and how the batch reached the humanitarian body. */
    async deliver(
      actorId: string,
      id: string,
      input: { method: string; reference: string; deliveredAt?: string },
    ) {
      const at = input.deliveredAt ? new Date(input.deliveredAt) : clock.now();
      const built = await load(id);
      if (Number.isNaN(at.getTime()) || at > clock.now() || at < new Date(built.created_at))
        throw new AppError('validation_failed', 'Delivery time is invalid or in the future', {
          field: 'deliveredAt',
        });
      await audit.write(async (trx, w) => {
        const r = await trx
          .updateTable('notification_batches')
          .set({
            status: 'delivered',
            delivered_at: at,
            delivered_by: actorId,
            delivery_method: input.method,
            delivery_reference: input.reference,
          })
          .where('id', '=', id)
          .where('status', '=', 'built')
          .executeTakeFirst();
        if (r.numUpdatedRows === 0n) {
          await load(id);
          throw new AppError('invalid_transition', 'Only a built batch can be marked delivered');
        }
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'pow.batch.deliver',
          subjectType: 'notification_batch',
          subjectId: id,
          details: { method: input.method },
        });
      });
      return this.get(id);
    },

    /** A built batch that was never delivered (lost, wrong) is voided: its changes are pending again. */
    async voidBatch(actorId: string, id: string, reason: string) {
      await audit.write(async (trx) => {
        const r = await trx
          .updateTable('notification_batches')
          .set({ status: 'void', voided_at: clock.now(), void_reason: reason, content_enc: null })
          .where('id', '=', id)
          .where('status', '=', 'built')
          .executeTakeFirst();
        if (r.numUpdatedRows === 0n) {
          await load(id);
          throw new AppError('invalid_transition', 'Only a built, undelivered batch can be voided');
        }
        await trx.updateTable('pow_changes').set({ batch_id: null }).where('batch_id', '=', id).execute();
        await audit.append(
          {
            actorType: 'operator',
            actorId,
            action: 'pow.batch.void',
            subjectType: 'notification_batch',
            subjectId: id,
          },
          trx,
        );
      });
      return this.get(id);
    },
  };
}

export type BatchesService = ReturnType<typeof createBatchesService>;
