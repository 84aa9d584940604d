/**
 * The POW registry's fixed lists (GC III): the server validates against them and the console labels
 * them. No imports: the console bundles this module.
 */

export const healthStates = [
  'good_health',
  'not_wounded',
  'recovered',
  'convalescent',
  'sick',
  'slightly_wounded',
  'seriously_wounded',
] as const;

export const recordStatuses = [
  'held',
  'in_hospital',
  'escaped',
  'dead',
  'released',
  'repatriated',
  'exchanged',
] as const;

export const EVENT_TYPES = [
  'capture',
  'arrival',
  'transfer',
  'hospital_admission',
  'hospital_discharge',
  'escape',
  'death',
  'release',
  'repatriation',
  'exchange',
  'health_report',
] as const;

export const FACILITY_KINDS = ['camp', 'hospital', 'transit'] as const;
export const WELFARE_KINDS = [
  'meals',
  'medical_visit',
  'medical_certificate',
  'letter_sent',
  'card_sent',
  'letter_received',
  'card_received',
  'icrc_visit',
] as const;
export const CARD_REASONS = ['arrival', 'transfer', 'hospital'] as const;
export const DEADLINE_STATES = ['done', 'open', 'due_soon', 'overdue'] as const;
export const CORRESPONDENCE_STATES = ['met', 'on_track', 'behind', 'below_minimum'] as const;
export const BATCH_STATUSES = ['built', 'delivered', 'void'] as const;
export const DELIVERY_METHODS = ['email', 'portal', 'courier', 'in_person', 'other'] as const;
export const DISCLOSURE_CONSENTS = ['yes', 'no', 'unknown'] as const;

export type HealthState = (typeof healthStates)[number];
export type RecordStatus = (typeof recordStatuses)[number];
export type EventType = (typeof EVENT_TYPES)[number];
/** Events a registrar records (the capture comes with the record). */
export type InputEventType = Exclude<EventType, 'capture'>;
export const INPUT_EVENT_TYPES = EVENT_TYPES.filter((t): t is InputEventType => t !== 'capture');

/** The forms a notification batch exports as (GET /api/pow/batches/:id/export?format=). */
export const BATCH_FORMATS = ['json', 'csv', 'pdf', 'sig'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];
export type FacilityKind = (typeof FACILITY_KINDS)[number];
export type WelfareKind = (typeof WELFARE_KINDS)[number];
export type CardReason = (typeof CARD_REASONS)[number];
export type DeadlineState = (typeof DEADLINE_STATES)[number];
export type CorrespondenceState = (typeof CORRESPONDENCE_STATES)[number];
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
export type DisclosureConsent = (typeof DISCLOSURE_CONSENTS)[number];
