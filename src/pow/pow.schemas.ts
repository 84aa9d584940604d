import { z } from 'zod';
import { oneOf } from '../http/schemas.ts';
import {
  BATCH_STATUSES,
  CARD_REASONS,
  CORRESPONDENCE_STATES,
  DEADLINE_STATES,
  DELIVERY_METHODS,
  EVENT_TYPES,
  FACILITY_KINDS,
  recordStatuses,
  WELFARE_KINDS,
} from './pow.lists.ts';
import { eventDetailsSchema, isoDate, powIdentitySchema } from './record.ts';

/**
 * What the POW registry and notification-batch routes answer (the API contract). The routes serialize
 * through these (extra fields are dropped) and the console takes its types from them, so a change
 * here that the console does not follow fails `npm run typecheck`. Zod only: the console imports it.
 */

const ZScriptName = z.object({ original: z.string(), latin: z.string() });
const ZFacilityRef = z.object({ id: z.string(), name: z.string() });

export const ZFacility = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(FACILITY_KINDS),
  address: z.string(),
  capacity: z.number(),
  current: z.number(),
  closed: z.boolean(),
});

export const ZPowRecordSummary = z.object({
  id: z.string(),
  ref: z.string(),
  surname: ZScriptName,
  firstNames: ZScriptName,
  dateOfBirth: z.string().nullable(),
  status: z.enum(recordStatuses),
  facility: ZFacilityRef.nullable(),
  seriouslyIll: z.boolean(),
  version: z.number(),
  updatedAt: z.string(),
});

export const ZPowEvent = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  occurredOn: z.string(),
  facility: ZFacilityRef.nullable(),
  fromFacility: ZFacilityRef.nullable(),
  details: eventDetailsSchema.nullable(),
});

export const ZCardDuty = z.object({
  id: z.string(),
  eventId: z.string(),
  reason: z.enum(CARD_REASONS),
  eventOn: z.string(),
  dueOn: z.string(),
  sentOn: z.string().nullable(),
  state: z.enum(DEADLINE_STATES),
});

export const ZWelfareEntry = z.object({
  id: z.string(),
  kind: oneOf(WELFARE_KINDS),
  occurredOn: z.string(),
  quantity: z.number(),
  notes: z.string().nullable(),
  letterId: z.string().nullable(),
});

export const ZMonthCorrespondence = z.object({
  month: z.string(),
  letters: z.number(),
  cards: z.number(),
  state: z.enum(CORRESPONDENCE_STATES),
});

export const ZPowLetter = z.object({
  id: z.string(),
  direction: z.enum(['from_prisoner', 'to_prisoner']),
  kind: z.enum(['letter', 'card']),
  body: z.string(),
  status: z.enum(['received', 'delivered']),
  inquiryId: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});

export const ZPowRecordDetail = ZPowRecordSummary.extend({
  identity: powIdentitySchema,
  arrivedOn: z.string().nullable(),
  createdAt: z.string(),
  events: z.array(ZPowEvent),
  cardDuties: z.array(ZCardDuty),
  healthReportDue: z.string().nullable(),
  welfare: z.array(ZWelfareEntry),
  correspondence: z.array(ZMonthCorrespondence),
  /** Relatives' inquiries answered with this record. */
  inquiries: z.array(
    z.object({
      id: z.string(),
      ref: z.string(),
      channel: z.enum(['web', 'telegram', 'operator']),
      answeredAt: z.string().nullable(),
    }),
  ),
  letters: z.array(ZPowLetter),
});

export const ZPowRecordPage = z.object({ items: z.array(ZPowRecordSummary), total: z.number() });

export const ZPowDashboard = z.object({
  today: z.string(),
  /** Records per status (statuses with none are left out). */
  totals: z.record(z.string(), z.number()),
  captureCards: z.array(
    z.object({
      dutyId: z.string(),
      recordId: z.string(),
      ref: z.string(),
      reason: z.enum(CARD_REASONS),
      eventOn: z.string(),
      dueOn: z.string(),
      state: z.enum(DEADLINE_STATES),
    }),
  ),
  healthReports: z.array(
    z.object({
      recordId: z.string(),
      ref: z.string(),
      lastOn: z.string().nullable(),
      dueOn: z.string(),
      state: z.enum(DEADLINE_STATES),
    }),
  ),
  notifications: z.object({
    pending: z.number(),
    oldest: z.string().nullable(),
    state: z.enum(['none', 'pending', 'overdue']),
  }),
  correspondenceBelowMinimum: z.array(
    z.object({ id: z.string(), ref: z.string(), letters: z.number(), cards: z.number(), month: z.string() }),
  ),
  facilities: z.array(ZFacility),
});

export const ZCustodyHandover = z.object({ caseRef: z.string(), since: z.string() });

export const ZNotificationBatch = z.object({
  id: z.string(),
  number: z.number(),
  status: z.enum(BATCH_STATUSES),
  itemCount: z.number(),
  counts: z.record(z.string(), z.number()),
  keyId: z.string(),
  sha256: z.string(),
  periodFrom: z.string().nullable(),
  periodTo: z.string(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  deliveryMethod: oneOf(DELIVERY_METHODS).nullable(),
  deliveryReference: z.string().nullable(),
  voidedAt: z.string().nullable(),
  voidReason: z.string().nullable(),
});

export const ZBatchPage = z.object({ items: z.array(ZNotificationBatch), total: z.number() });

export const ZBatchPending = z.object({
  notBatched: z.record(z.string(), z.number()),
  notBatchedTotal: z.number(),
  inUndeliveredBatches: z.number(),
  oldest: z.string().nullable(),
});

export type Facility = z.infer<typeof ZFacility>;
export type PowRecordSummary = z.infer<typeof ZPowRecordSummary>;
export type PowRecordPage = z.infer<typeof ZPowRecordPage>;
export type PowEvent = z.infer<typeof ZPowEvent>;
export type CardDuty = z.infer<typeof ZCardDuty>;
export type WelfareEntry = z.infer<typeof ZWelfareEntry>;
export type MonthCorrespondence = z.infer<typeof ZMonthCorrespondence>;
export type PowLetter = z.infer<typeof ZPowLetter>;
export type PowRecordDetail = z.infer<typeof ZPowRecordDetail>;
export type PowDashboard = z.infer<typeof ZPowDashboard>;
export type CustodyHandover = z.infer<typeof ZCustodyHandover>;
export type NotificationBatch = z.infer<typeof ZNotificationBatch>;
export type BatchPage = z.infer<typeof ZBatchPage>;
export type BatchPending = z.infer<typeof ZBatchPending>;

// ---- what the registry routes take

/** Paging of the registry lists (query parameters). */
export const ZPage = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** The body of a new or edited facility. */
export const ZFacilityInput = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(FACILITY_KINDS),
  address: z.string().trim().max(500).default(''),
  capacity: z.number().int().min(0).max(1_000_000),
  closed: z.boolean().optional(),
});
export type FacilityInput = z.input<typeof ZFacilityInput>;

/** GET /api/pow/records filters. */
export const ZPowRecordQuery = z.object({
  status: z.enum(recordStatuses).optional(),
  facilityId: z.string().uuid().optional(),
  seriouslyIll: z.enum(['true', 'false']).optional(),
  q: z.string().trim().max(200).optional(),
  ...ZPage,
});

/** The body of POST /api/pow/records. */
export const ZNewPowRecord = z.object({
  identity: powIdentitySchema,
  facilityId: z.string().uuid().nullish(),
  arrivedOn: isoDate.nullish(),
  fromCaseRef: z.string().trim().max(40).nullish(),
});
export type NewPowRecord = z.input<typeof ZNewPowRecord>;

/** The body of POST /api/pow/records/:id/events (the capture comes with the record). */
export const ZPowEventInput = z.object({
  type: z.enum(EVENT_TYPES).exclude(['capture']),
  occurredOn: isoDate,
  facilityId: z.string().uuid().nullish(),
  details: eventDetailsSchema.optional(),
});
export type PowEventInput = z.input<typeof ZPowEventInput>;
/** The record filters as the console builds them (it sends seriouslyIll only when true, as 'true'). */
export type PowRecordQuery = Omit<Partial<z.output<typeof ZPowRecordQuery>>, 'seriouslyIll'> & {
  seriouslyIll?: boolean;
};

// ---- derived names the console uses
export type PowEventType = PowEvent['type'];
export type FacilityRef = NonNullable<PowEvent['facility']>;
