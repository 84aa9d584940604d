import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Session } from '../auth/sessions.service.ts';
import type { Clock } from '../clock.ts';
import type { Sealer } from '../crypto/sealed.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import {
  captureCardDue,
  cardReasonFor,
  correspondenceState,
  deadlineState,
  healthReportDue,
  notificationState,
  previousMonth,
  toDay,
} from './deadlines.ts';
import {
  type EventDetails,
  type EventType,
  isoDate,
  type PowIdentity,
  powIdentitySchema,
  type RecordStatus,
} from './record.ts';

type Trx = Transaction<Database>;

export { EVENT_TYPES, type EventDetails, type EventType, eventDetailsSchema } from './record.ts';

export interface EventInput {
  type: EventType;
  occurredOn: string;
  facilityId?: string | null;
  details?: EventDetails;
}

/**
 * Which events are possible from a status, and where they lead. A prisoner is counted in a facility
 * while `held` or `in_hospital`; every other status ends the internment.
 */
const EVENT_RULES: Record<
  EventType,
  { from: readonly RecordStatus[]; to: RecordStatus | null; needsFacility: boolean }
> = {
  capture: { from: [], to: null, needsFacility: false },
  arrival: { from: ['held'], to: 'held', needsFacility: true },
  transfer: { from: ['held'], to: 'held', needsFacility: true },
  hospital_admission: { from: ['held'], to: 'in_hospital', needsFacility: true },
  hospital_discharge: { from: ['in_hospital'], to: 'held', needsFacility: true },
  escape: { from: ['held', 'in_hospital'], to: 'escaped', needsFacility: false },
  death: { from: ['held', 'in_hospital'], to: 'dead', needsFacility: false },
  release: { from: ['held', 'in_hospital'], to: 'released', needsFacility: false },
  repatriation: { from: ['held', 'in_hospital'], to: 'repatriated', needsFacility: false },
  exchange: { from: ['held', 'in_hospital'], to: 'exchanged', needsFacility: false },
  health_report: { from: ['held', 'in_hospital'], to: null, needsFacility: false },
};
const INTERNED: readonly RecordStatus[] = ['held', 'in_hospital'];

/** Which details an event of each type may carry (anything else is refused, so nothing odd is notified). */
const DETAILS_BY_TYPE: Record<EventType, readonly (keyof EventDetails)[]> = {
  capture: ['notes'],
  arrival: ['notes'],
  transfer: ['notes'],
  hospital_admission: ['notes'],
  hospital_discharge: ['notes'],
  escape: ['notes'],
  death: ['death', 'notes'],
  release: ['destination', 'notes'],
  repatriation: ['exchangeBatch', 'destination', 'notes'],
  exchange: ['exchangeBatch', 'destination', 'notes'],
  health_report: ['health', 'notes'],
};

export interface RecordSummary {
  id: string;
  ref: string;
  surname: { original: string; latin: string };
  firstNames: { original: string; latin: string };
  dateOfBirth: string | null;
  status: RecordStatus;
  facility: { id: string; name: string } | null;
  seriouslyIll: boolean;
  version: number;
  updatedAt: string;
}

export interface FacilityView {
  id: string;
  name: string;
  kind: 'camp' | 'hospital' | 'transit';
  address: string;
  capacity: number;
  current: number;
  closed: boolean;
}

export interface PowDeps {
  db: Db;
  vault: Vault;
  sealer: Sealer;
  audit: AuditLog;
  clock: Clock;
  orgPublicKey: () => Promise<Buffer>;
  /** Plaintext blocking keys for the relatives desk's matching (src/relatives/match). */
  matchKeys: (identity: PowIdentity) => string[];
  /** Blocking keys of a free-text name search ("Ivanov Petr"), same key space. */
  searchKeys: (text: string) => string[];
}

/** The key an HMAC'd blocking key is stored under: first 8 bytes of HMAC-SHA256 as a signed bigint. */
export function matchKeyHash(vault: Vault, key: string): string {
  return vault.blindIndex('pow-match', key).readBigInt64BE(0).toString();
}

export function hashedMatchKeys(vault: Vault, keys: readonly string[]): string[] {
  return [...new Set(keys)].map((k) => matchKeyHash(vault, k));
}

const NIL = '00000000-0000-0000-0000-000000000000';
/** How far back the custody handover list looks. */
const HANDOVER_DAYS = 90;

/**
 * Every record stores the same number of keys: the real ones plus random 64-bit values (which match
 * nothing), so the count no longer hints at the length of the name (docs/decisions/0006). A name with
 * more keys than this (very long, several surnames) keeps them all.
 */
export const MATCH_KEYS_PER_RECORD = 32;

export function padMatchKeys(keys: string[]): string[] {
  const out = [...keys];
  while (out.length < MATCH_KEYS_PER_RECORD) out.push(randomBytes(8).readBigInt64BE(0).toString());
  return out;
}

export function createRegistryService(deps: PowDeps) {
  const { db, vault, sealer, audit, clock } = deps;
  const today = () => toDay(clock.now());
  const decryptIdentity = (blob: string): PowIdentity =>
    JSON.parse(vault.decrypt(blob, 'pow_records.identity')) as PowIdentity;
  const encryptIdentity = (identity: PowIdentity) =>
    vault.encrypt(JSON.stringify(identity), 'pow_records.identity');

  async function writeMatchKeys(trx: Trx, recordId: string, identity: PowIdentity) {
    await trx.deleteFrom('pow_match_keys').where('record_id', '=', recordId).execute();
    const keys = padMatchKeys(hashedMatchKeys(vault, deps.matchKeys(identity)));
    await sql`INSERT INTO pow_match_keys (key, record_id)
      SELECT k, ${recordId}::uuid FROM unnest(${keys}::bigint[]) AS k ON CONFLICT DO NOTHING`.execute(trx);
  }

  async function change(
    trx: Trx,
    recordId: string,
    kind: 'record.new' | 'record.changed' | 'event',
    version: number,
    eventId: string | null = null,
  ) {
    await trx
      .insertInto('pow_changes')
      .values({ record_id: recordId, event_id: eventId, kind, record_version: version, at: clock.now() })
      .execute();
  }

  async function facilityExists(trx: Trx | Db, id: string, kind?: 'hospital' | 'not_hospital') {
    const f = await trx
      .selectFrom('facilities')
      .select(['id', 'kind', 'closed_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!f || f.closed_at)
      throw new AppError('validation_failed', 'No such open facility', { field: 'facilityId' });
    if (kind === 'hospital' && f.kind !== 'hospital')
      throw new AppError('validation_failed', 'A hospital admission needs a hospital', {
        field: 'facilityId',
      });
    if (kind === 'not_hospital' && f.kind === 'hospital')
      throw new AppError('validation_failed', 'Internment needs a camp or transit facility', {
        field: 'facilityId',
      });
  }

  async function insertEvent(
    trx: Trx,
    rec: { id: string; status: string; facility_id: string | null; version: number; seriously_ill: boolean },
    input: EventInput,
    actorId: string | null,
  ): Promise<string> {
    const rule = EVENT_RULES[input.type];
    if (input.type === 'capture') throw new AppError('conflict', 'The capture is recorded with the record');
    if (!rule.from.includes(rec.status as RecordStatus))
      throw new AppError('invalid_transition', `A ${input.type} cannot follow status ${rec.status}`, {
        status: rec.status,
      });
    if (input.occurredOn > today())
      throw new AppError('validation_failed', 'The date is in the future', { field: 'occurredOn' });
    // Not before the capture or the last move: a date out of order would make deadlines meaningless.
    const last = await trx
      .selectFrom('pow_events')
      .select((eb) => eb.fn.max('occurred_on').as('on'))
      .where('record_id', '=', rec.id)
      .where('type', '<>', 'health_report')
      .executeTakeFirst();
    if (last?.on && input.occurredOn < last.on)
      throw new AppError('validation_failed', `The date is before the last recorded event (${last.on})`, {
        field: 'occurredOn',
      });
    const facilityId = input.facilityId ?? null;
    if (rule.needsFacility) {
      if (!facilityId) throw new AppError('validation_failed', 'Which facility?', { field: 'facilityId' });
      await facilityExists(
        trx,
        facilityId,
        input.type === 'hospital_admission' ? 'hospital' : 'not_hospital',
      );
      if (facilityId === rec.facility_id)
        throw new AppError('validation_failed', 'Already in that facility', { field: 'facilityId' });
    }
    const allowed = DETAILS_BY_TYPE[input.type];
    const extra = Object.keys(input.details ?? {}).filter((k) => !allowed.includes(k as keyof EventDetails));
    if (extra.length)
      throw new AppError('validation_failed', `A ${input.type} does not carry ${extra.join(', ')}`, {
        field: 'details',
      });
    if (input.type === 'death' && !input.details?.death)
      throw new AppError('validation_failed', 'Art. 120: the death notice needs its data', {
        field: 'details',
      });
    if (input.type === 'health_report' && !input.details?.health)
      throw new AppError('validation_failed', 'The report text is missing', { field: 'details' });
    if (input.type === 'arrival' && rec.facility_id)
      throw new AppError('invalid_transition', 'Already in a facility: record a transfer', {
        status: rec.status,
      });
    if (input.type === 'transfer' && !rec.facility_id)
      throw new AppError('invalid_transition', 'Not in a facility yet: record the arrival', {
        status: rec.status,
      });

    const id = randomUUID();
    const moves = rule.needsFacility;
    await trx
      .insertInto('pow_events')
      .values({
        id,
        record_id: rec.id,
        type: input.type,
        occurred_on: input.occurredOn,
        facility_id: moves ? facilityId : rec.facility_id,
        from_facility_id: moves ? rec.facility_id : null,
        details_enc: input.details
          ? vault.encrypt(JSON.stringify(input.details), 'pow_events.details')
          : null,
        created_by: actorId,
        created_at: clock.now(),
      })
      .execute();
    const reason = cardReasonFor(input.type);
    if (reason) {
      await trx
        .insertInto('pow_card_duties')
        .values({
          id: randomUUID(),
          record_id: rec.id,
          event_id: id,
          reason,
          event_on: input.occurredOn,
          due_on: captureCardDue(input.occurredOn),
          sent_on: null,
          sent_by: null,
        })
        .execute();
    }
    const status = rule.to ?? (rec.status as RecordStatus);
    const seriouslyIll =
      input.type === 'health_report'
        ? (input.details?.health?.seriouslyIll ?? rec.seriously_ill)
        : INTERNED.includes(status) && rec.seriously_ill;
    await trx
      .updateTable('pow_records')
      .set({
        status,
        // The prisoner leaves the facility count when internment ends; the facility stays on the events.
        facility_id: moves ? facilityId : INTERNED.includes(status) ? rec.facility_id : null,
        arrived_on: moves ? input.occurredOn : undefined,
        seriously_ill: seriouslyIll,
        updated_at: clock.now(),
      })
      .where('id', '=', rec.id)
      .execute();
    await change(trx, rec.id, 'event', rec.version, id);
    await audit.append(
      {
        actorType: actorId ? 'operator' : 'system',
        actorId,
        action: 'pow.event',
        subjectType: 'pow_record',
        subjectId: rec.id,
        details: { type: input.type, event: id },
      },
      trx,
    );
    return id;
  }

  async function lockRecord(trx: Trx, id: string) {
    const rec = await trx
      .selectFrom('pow_records')
      .select(['id', 'status', 'facility_id', 'version', 'seriously_ill', 'identity_enc', 'ref'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!rec) throw new AppError('not_found', 'No such record');
    return rec;
  }

  async function facilityNames(ids: readonly (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
    if (wanted.length === 0) return new Map();
    const rows = await db.selectFrom('facilities').select(['id', 'name']).where('id', 'in', wanted).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  function summary(
    r: {
      id: string;
      ref: string;
      identity_enc: string;
      status: string;
      facility_id: string | null;
      seriously_ill: boolean;
      version: number;
      updated_at: Date | string;
    },
    names: Map<string, string>,
  ): RecordSummary {
    const identity = decryptIdentity(r.identity_enc);
    return {
      id: r.id,
      ref: r.ref,
      surname: identity.surname,
      firstNames: identity.firstNames,
      dateOfBirth: identity.dateOfBirth ?? null,
      status: r.status as RecordStatus,
      facility: r.facility_id ? { id: r.facility_id, name: names.get(r.facility_id) ?? '' } : null,
      seriouslyIll: r.seriously_ill,
      version: r.version,
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  }

  /** The thread id in a sealed origin, or null for a record without a request (the nil id). */
  function openOrigin(orgKey: Buffer, sealed: Buffer): string | null {
    const opened = sealer.open({ publicKey: sealer.publicKeyOf(orgKey), secretKey: orgKey }, sealed);
    const thread = (JSON.parse(opened.toString('utf8')) as { thread: string }).thread;
    return thread === NIL ? null : thread;
  }

  /** A request that reached custody, by reference (refused alike when absent, merged or not in custody). */
  async function custodyRequest(ref: string): Promise<{ id: string; closedAt: Date }> {
    const t = await db
      .selectFrom('request_threads')
      .select(['id', 'status', 'merged_into', 'closed_at'])
      .where('ref', '=', ref)
      .executeTakeFirst();
    if (t?.status !== 'in_custody' || t.merged_into || !t.closed_at)
      throw new AppError('not_found', 'No request in custody with this reference', { field: 'fromCaseRef' });
    return { id: t.id, closedAt: new Date(t.closed_at) };
  }

  /**
   * The requests already registered, among records created since `since` (a request can only be
   * registered after it reached custody): their sealed origins opened with the session's org key.
   */
  async function registeredThreads(session: Session | undefined, since: Date): Promise<Set<string>> {
    const orgKey = session?.orgKey() ?? null;
    if (!orgKey)
      throw new AppError('key_not_granted', 'Registering from a request needs the organisation key');
    const out = new Set<string>();
    try {
      const rows = await db
        .selectFrom('pow_records')
        .select('origin_sealed')
        .where('created_at', '>=', new Date(since.getTime() - 86_400_000))
        .execute();
      for (const r of rows) {
        const t = r.origin_sealed ? openOrigin(orgKey, r.origin_sealed) : null;
        if (t) out.add(t);
      }
    } finally {
      orgKey.fill(0);
    }
    return out;
  }

  return {
    decryptIdentity,

    // ---- facilities -------------------------------------------------------------------------------

    async listFacilities(): Promise<FacilityView[]> {
      const rows = await sql<{
        id: string;
        name: string;
        kind: 'camp' | 'hospital' | 'transit';
        address: string;
        capacity: number;
        closed_at: Date | null;
        current: number;
      }>`
        SELECT f.id, f.name, f.kind, f.address, f.capacity, f.closed_at,
          (SELECT count(*)::int FROM pow_records r WHERE r.facility_id = f.id AND r.status IN ('held', 'in_hospital')) AS current
        FROM facilities f ORDER BY f.closed_at NULLS FIRST, f.name`.execute(db);
      return rows.rows.map((f) => ({
        id: f.id,
        name: f.name,
        kind: f.kind,
        address: f.address,
        capacity: f.capacity,
        current: f.current,
        closed: f.closed_at !== null,
      }));
    },

    async saveFacility(
      actorId: string,
      input: {
        name: string;
        kind: 'camp' | 'hospital' | 'transit';
        address: string;
        capacity: number;
        closed?: boolean;
      },
      id?: string,
    ): Promise<FacilityView> {
      const now = clock.now();
      const clash = await db
        .selectFrom('facilities')
        .select('id')
        .where('name', '=', input.name)
        .$if(id !== undefined, (q) => q.where('id', '<>', id as string))
        .executeTakeFirst();
      if (clash) throw new AppError('conflict', 'A facility with this name exists', { field: 'name' });
      const fid = id ?? randomUUID();
      if (id) {
        const r = await db
          .updateTable('facilities')
          .set({
            name: input.name,
            kind: input.kind,
            address: input.address,
            capacity: input.capacity,
            closed_at: input.closed ? now : null,
            updated_at: now,
          })
          .where('id', '=', id)
          .executeTakeFirst();
        if (r.numUpdatedRows === 0n) throw new AppError('not_found', 'No such facility');
      } else {
        await db
          .insertInto('facilities')
          .values({
            id: fid,
            name: input.name,
            kind: input.kind,
            address: input.address,
            capacity: input.capacity,
            created_at: now,
            updated_at: now,
            closed_at: null,
          })
          .execute();
      }
      await audit.append({
        actorType: 'operator',
        actorId,
        action: id ? 'facility.update' : 'facility.create',
        subjectType: 'facility',
        subjectId: fid,
      });
      audit.chainSoon();
      const all = await this.listFacilities();
      return all.find((f) => f.id === fid) as FacilityView;
    },

    // ---- records ----------------------------------------------------------------------------------

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
      const result = await db.transaction().execute(async (trx) => {
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
      audit.chainSoon();
      return result;
    },

    /** Corrects or completes the identity; a new version that goes into the next batch. */
    async updateRecord(actorId: string, id: string, input: { identity: unknown; version: number }) {
      const parsed = powIdentitySchema.safeParse(input.identity);
      if (!parsed.success)
        throw new AppError('validation_failed', 'The record is incomplete', {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      await db.transaction().execute(async (trx) => {
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
      audit.chainSoon();
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
        await audit.append({
          actorType: 'operator',
          actorId,
          action: 'pow.records.list',
          details: { shown: rows.length },
        });
        audit.chainSoon();
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
      await audit.append({
        actorType: 'operator',
        actorId,
        action: 'pow.record.read',
        subjectType: 'pow_record',
        subjectId: id,
      });
      audit.chainSoon();
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
        correspondence: await this.correspondence(id),
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
      await audit.append({
        actorType: 'operator',
        actorId,
        action: 'pow.document',
        subjectType: 'pow_record',
        subjectId: recordId,
        details: { kind },
      });
      audit.chainSoon();
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
      await audit.append({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'pow.record.origin',
        subjectType: 'pow_record',
        subjectId: id,
      });
      audit.chainSoon();
      if (!threadId) return { caseRef: null };
      const t = await db
        .selectFrom('request_threads')
        .select('ref')
        .where('id', '=', threadId)
        .executeTakeFirst();
      return { caseRef: t?.ref ?? null };
    },

    async addEvent(actorId: string, recordId: string, input: EventInput): Promise<{ id: string }> {
      if (!isoDate.safeParse(input.occurredOn).success)
        throw new AppError('validation_failed', 'Date as YYYY-MM-DD', { field: 'occurredOn' });
      const id = await db
        .transaction()
        .execute(async (trx) => insertEvent(trx, await lockRecord(trx, recordId), input, actorId));
      audit.chainSoon();
      return { id };
    },

    /** Art. 70: the capture card of this duty was sent (to the family and the Central Agency). */
    async markCardSent(actorId: string, dutyId: string, sentOn: string): Promise<void> {
      if (sentOn > today())
        throw new AppError('validation_failed', 'The date is in the future', { field: 'sentOn' });
      const r = await db
        .updateTable('pow_card_duties')
        .set({ sent_on: sentOn, sent_by: actorId })
        .where('id', '=', dutyId)
        .where('sent_on', 'is', null)
        // Not before the arrival, transfer or admission it is for.
        .where('event_on', '<=', sentOn)
        .returning('record_id')
        .executeTakeFirst();
      if (!r) throw new AppError('not_found', 'No such open capture-card duty on or before that date');
      await audit.append({
        actorType: 'operator',
        actorId,
        action: 'pow.card.sent',
        subjectType: 'pow_record',
        subjectId: r.record_id,
        details: { duty: dutyId },
      });
      audit.chainSoon();
    },

    async cardDuty(dutyId: string) {
      const d = await db
        .selectFrom('pow_card_duties')
        .selectAll()
        .where('id', '=', dutyId)
        .executeTakeFirst();
      if (!d) throw new AppError('not_found', 'No such capture-card duty');
      const ev = await db
        .selectFrom('pow_events')
        .select(['from_facility_id'])
        .where('id', '=', d.event_id)
        .executeTakeFirstOrThrow();
      const from = ev.from_facility_id
        ? await db
            .selectFrom('facilities')
            .select('name')
            .where('id', '=', ev.from_facility_id)
            .executeTakeFirst()
        : undefined;
      return { ...d, comingFrom: from?.name };
    },

    // ---- welfare (art. 26, 30, 71, 126) -----------------------------------------------------------

    async addWelfare(
      actorId: string,
      recordId: string,
      input: { kind: string; occurredOn: string; quantity?: number; notes?: string; letterId?: string },
      trx?: Trx,
    ): Promise<{ id: string }> {
      if (input.occurredOn > today())
        throw new AppError('validation_failed', 'The date is in the future', { field: 'occurredOn' });
      const run = async (t: Trx) => {
        await lockRecord(t, recordId);
        const id = randomUUID();
        await t
          .insertInto('pow_welfare')
          .values({
            id,
            record_id: recordId,
            kind: input.kind,
            occurred_on: input.occurredOn,
            quantity: input.quantity ?? 1,
            notes_enc: input.notes ? vault.encrypt(input.notes, 'pow_welfare.notes') : null,
            letter_id: input.letterId ?? null,
            created_by: actorId,
            created_at: clock.now(),
          })
          .execute();
        await audit.append(
          {
            actorType: 'operator',
            actorId,
            action: 'pow.welfare',
            subjectType: 'pow_record',
            subjectId: recordId,
            details: { kind: input.kind },
          },
          t,
        );
        return { id };
      };
      const out = trx ? await run(trx) : await db.transaction().execute(run);
      audit.chainSoon();
      return out;
    },

    /** Art. 71: letters and cards the prisoner sent, this month and the last, against the minimum. */
    async correspondence(recordId: string) {
      const month = today().slice(0, 7);
      const prev = previousMonth(month);
      const rows = await sql<{ month: string; letters: number; cards: number }>`
        SELECT to_char(occurred_on, 'YYYY-MM') AS month,
          coalesce(sum(quantity) FILTER (WHERE kind = 'letter_sent'), 0)::int AS letters,
          coalesce(sum(quantity) FILTER (WHERE kind = 'card_sent'), 0)::int AS cards
        FROM pow_welfare WHERE record_id = ${recordId} AND occurred_on >= ${`${prev}-01`}::date
        GROUP BY 1`.execute(db);
      const captured = await db
        .selectFrom('pow_events')
        .select((eb) => eb.fn.min('occurred_on').as('on'))
        .where('record_id', '=', recordId)
        .where('type', '=', 'capture')
        .executeTakeFirst();
      const from = (captured?.on ?? today()).slice(0, 7);
      // Months before the capture owe nothing.
      return [prev, month]
        .filter((m) => m >= from)
        .map((m) => {
          const r = rows.rows.find((x) => x.month === m) ?? { month: m, letters: 0, cards: 0 };
          return { ...r, state: correspondenceState(r, today()) };
        });
    },

    // ---- the registrar's dashboard ------------------------------------------------------------------

    /**
     * The daily alarm: when capture cards, health reports or notifications are overdue, every
     * registrar, liaison and admin gets one notice (at most one a day each; counts, no names).
     */
    async raiseAlarms(): Promise<number> {
      const d = await this.dashboard();
      const counts = {
        captureCards: d.captureCards.filter((c) => c.state === 'overdue').length,
        healthReports: d.healthReports.filter((h) => h.state === 'overdue').length,
        notificationsOverdue: d.notifications.state === 'overdue',
      };
      if (!counts.captureCards && !counts.healthReports && !counts.notificationsOverdue) return 0;
      const dayStart = new Date(`${d.today}T00:00:00Z`);
      const r = await sql`
        INSERT INTO notifications (user_id, kind, details, created_at)
        SELECT u.id, 'registry_overdue', ${JSON.stringify(counts)}::jsonb, ${clock.now()}
        FROM users u
        WHERE u.role IN ('registrar', 'liaison', 'admin') AND u.disabled_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.user_id = u.id AND n.kind = 'registry_overdue'
                          AND n.created_at >= ${dayStart})`.execute(db);
      return Number(r.numAffectedRows ?? 0n);
    },

    async dashboard() {
      const now = clock.now();
      const day = today();
      const month = day.slice(0, 7);
      const prev = previousMonth(month);
      const [duties, ill, pending, corr, facilities, totals] = await Promise.all([
        db
          .selectFrom('pow_card_duties as d')
          .innerJoin('pow_records as r', 'r.id', 'd.record_id')
          .select(['d.id', 'd.record_id', 'd.reason', 'd.event_on', 'd.due_on', 'r.ref'])
          .where('d.sent_on', 'is', null)
          // Once internment ends (release, death, escape…) no card is owed any more.
          .where('r.status', 'in', ['held', 'in_hospital'])
          .orderBy('d.due_on')
          .limit(500)
          .execute(),
        sql<{ id: string; ref: string; last: string | null; since: string }>`
          SELECT r.id, r.ref,
            (SELECT max(occurred_on)::text FROM pow_events e WHERE e.record_id = r.id AND e.type = 'health_report') AS last,
            coalesce((SELECT min(occurred_on)::text FROM pow_events e WHERE e.record_id = r.id AND e.type = 'health_report'), (r.created_at AT TIME ZONE 'UTC')::date::text) AS since
          FROM pow_records r WHERE r.seriously_ill AND r.status IN ('held', 'in_hospital') LIMIT 500`.execute(
          db,
        ),
        // Not in a delivered batch: pending (partial index) plus those in built, undelivered batches.
        sql<{ n: number; oldest: Date | null }>`
          SELECT coalesce(sum(n), 0)::int AS n, min(oldest) AS oldest FROM (
            SELECT count(*) AS n, min(at) AS oldest FROM pow_changes WHERE batch_id IS NULL
            UNION ALL
            SELECT count(*), min(c.at) FROM notification_batches b JOIN pow_changes c ON c.batch_id = b.id
            WHERE b.status = 'built') x`.execute(db),
        sql<{ id: string; ref: string; letters: number; cards: number }>`
          SELECT r.id, r.ref,
            coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'letter_sent'), 0)::int AS letters,
            coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'card_sent'), 0)::int AS cards
          FROM pow_records r
          LEFT JOIN pow_welfare w ON w.record_id = r.id AND w.occurred_on >= ${`${prev}-01`}::date
            AND w.occurred_on < ${`${month}-01`}::date
                    WHERE r.status IN ('held', 'in_hospital')
            AND (SELECT min(e.occurred_on) FROM pow_events e WHERE e.record_id = r.id AND e.type = 'capture') < ${`${prev}-01`}::date
          GROUP BY r.id, r.ref
          HAVING coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'letter_sent'), 0) < 2
              OR coalesce(sum(w.quantity) FILTER (WHERE w.kind = 'card_sent'), 0) < 4
          ORDER BY r.ref LIMIT 200`.execute(db),
        this.listFacilities(),
        sql<{
          status: string;
          n: number;
        }>`SELECT status, count(*)::int AS n FROM pow_records GROUP BY status`.execute(db),
      ]);
      const p = pending.rows[0] ?? { n: 0, oldest: null };
      return {
        today: day,
        totals: Object.fromEntries(totals.rows.map((t) => [t.status, t.n])) as Record<string, number>,
        captureCards: duties.map((d) => ({
          dutyId: d.id,
          recordId: d.record_id,
          ref: d.ref,
          reason: d.reason,
          eventOn: d.event_on,
          dueOn: d.due_on,
          state: deadlineState(d.due_on, null, day),
        })),
        healthReports: ill.rows
          .map((r) => {
            const dueOn = healthReportDue(r.last, r.since);
            return {
              recordId: r.id,
              ref: r.ref,
              lastOn: r.last,
              dueOn,
              state: deadlineState(dueOn, null, day),
            };
          })
          .sort((a, b) => a.dueOn.localeCompare(b.dueOn)),
        notifications: {
          pending: p.n,
          oldest: p.oldest ? new Date(p.oldest).toISOString() : null,
          state: p.oldest ? notificationState(new Date(p.oldest), now) : ('none' as const),
        },
        correspondenceBelowMinimum: corr.rows.map((r) => ({ ...r, month: prev })),
        facilities,
      };
    },
  };
}

export type RegistryService = ReturnType<typeof createRegistryService>;
