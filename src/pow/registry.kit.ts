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
import { captureCardDue, cardReasonFor, toDay } from './deadlines.ts';
import type { EventDetails, EventType, PowIdentity, RecordStatus } from './record.ts';

export type Trx = Transaction<Database>;

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
export const EVENT_RULES: Record<
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
export const INTERNED: readonly RecordStatus[] = ['held', 'in_hospital'];

/** Which details an event of each type may carry (anything else is refused, so nothing odd is notified). */
export const DETAILS_BY_TYPE: Record<EventType, readonly (keyof EventDetails)[]> = {
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

export const NIL = '00000000-0000-0000-0000-000000000000';
/** How far back the custody handover list looks. */
export const HANDOVER_DAYS = 90;

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
/** What the registry's resources share: its dependencies and the helpers over its tables. */
export function createRegistryKit(deps: PowDeps) {
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
    deps,
    today,
    decryptIdentity,
    encryptIdentity,
    writeMatchKeys,
    change,
    facilityExists,
    insertEvent,
    lockRecord,
    facilityNames,
    summary,
    openOrigin,
    custodyRequest,
    registeredThreads,
  };
}

export type RegistryKit = ReturnType<typeof createRegistryKit>;
