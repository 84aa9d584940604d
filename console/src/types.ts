/**
 * Types mirroring the operator API contract (docs/api-console.md). The server is the source of
 * truth; these describe what the console relies on.
 */

export const ROLES = ['operator', 'supervisor', 'registrar', 'liaison', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CASE_STATES = [
  'new',
  'screening',
  'verified',
  'awaiting_front_contact',
  'meeting_agreed',
  'in_progress',
  'in_custody',
  'unreachable',
  'withdrawn',
  'rejected_probe',
  'closed_info_given',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CATEGORIES = [
  'serviceman_war_zone',
  'mobilized_home',
  'relative',
  'just_checking',
  'occupied_resident',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CHANNELS = ['web', 'telegram', 'whatsapp', 'sms', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Languages requesters write in (and canned replies exist for). */
export const REQUEST_LANGUAGES = ['ru', 'uk', 'en', 'ko'] as const;
/**
 * Languages requesters write in and operators work in (issue #14): the requester languages plus those
 * triage detects most (names come from Intl.DisplayNames, not the catalogue).
 */
export const WORK_LANGUAGES = [
  ...REQUEST_LANGUAGES,
  'kk',
  'tt',
  'ba',
  'ce',
  'be',
  'uz',
  'ky',
  'tg',
  'mn',
  'ne',
  'ka',
] as const;
export type RequestLanguage = (typeof REQUEST_LANGUAGES)[number];

export const URGENCIES = [0, 1, 2, 3] as const;
export type Urgency = (typeof URGENCIES)[number];

export type Permission =
  | 'queue.read'
  | 'request.read'
  | 'request.read_any'
  | 'request.reply'
  | 'request.status'
  | 'request.assign'
  | 'canned.read'
  | 'canned.suggest'
  | 'canned.manage'
  | 'supervisor.read'
  | 'user.directory'
  | 'user.read'
  | 'user.manage'
  | 'key.grant'
  | 'audit.read'
  | 'protocol.manage'
  | 'knowledge.manage'
  | 'retention.run'
  | 'stats.read'
  | 'stats.annotate'
  | 'settings.manage'
  | 'pow.read'
  | 'pow.write'
  | 'pow.origin'
  | 'facility.manage'
  | 'batch.read'
  | 'batch.manage'
  | 'inquiry.create'
  | 'inquiry.read'
  | 'inquiry.answer';

export interface User {
  id: string;
  email: string;
  role: Role;
  mustChangePassword: boolean;
  hasOrgKey: boolean;
  permissions: Permission[];
}

export interface LoginResult {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export type SlaState = 'ok' | 'warning' | 'breach';

export interface Sla {
  state: SlaState;
  dueAt: string | null;
  kind: 'first_response' | 'reply' | null;
}

export interface QueueItem {
  id: string;
  ref: string;
  channel: Channel;
  category: Category;
  language: string;
  urgency: number;
  status: CaseState;
  assigneeId: string | null;
  messageCount: number;
  awaitingReply: boolean;
  tags: string[];
  createdAt: string;
  lastRequesterAt: string;
  lastOperatorAt: string | null;
  firstResponseAt: string | null;
  /** The requester asked to be called back (voice/SMS menu); null when not, or an older server. */
  callbackRequestedAt: string | null;
  callbackDoneAt: string | null;
  /** Spam/probe score 0–100 (≥ LIKELY_FAKE_SCORE sinks in the queue) and the rules that fired. */
  spamScore: number;
  spamReasons: string[];
  /** An operator's decision on the score; null until someone decided. */
  triageVerdict: TriageVerdict | null;
  /** Language detected from the text (ru/uk/en/other); null on an older server. */
  detectedLanguage: string | null;
  /** He wrote again on a closed, unreachable or waiting case; cleared by a reply. */
  returnedAt: string | null;
  /** His last contact before that return. */
  returnedFromAt: string | null;
  sla: Sla;
}

export type TriageVerdict = 'genuine' | 'spam';

/** The server sinks requests at or above this score (likely fakes). */
export const LIKELY_FAKE_SCORE = 60;

/** Reasons the scoring rules (and operators' verdicts) give; the console has words for each. */
export const SPAM_REASONS = [
  'template-text',
  'near-duplicate-text',
  'identity-flood',
  'gibberish',
  'flagged-identity',
  'flagged-template',
  'operator-confirmed',
  'operator-overruled',
] as const;
export type SpamReason = (typeof SPAM_REASONS)[number];

export interface QueuePage {
  items: QueueItem[];
  nextCursor: string | null;
}

export type QueueSort = 'urgent' | 'newest' | 'waiting';

/** Query parameters of GET /api/requests; every field optional, empty arrays are not sent. */
export interface QueueQuery {
  status?: CaseState[];
  open?: boolean;
  category?: Category[];
  channel?: Channel[];
  language?: string[];
  urgency?: number;
  tag?: string;
  assignee?: 'me' | 'none' | string;
  awaitingReply?: boolean;
  /** true: likely fakes only; false: without them; absent: both (they sink to the bottom). */
  likelyFake?: boolean;
  sort?: QueueSort;
  limit?: number;
  cursor?: string;
}

/** GET /api/requests/counts takes the queue filters except status and assignee. */
export type CountsQuery = Pick<QueueQuery, 'category' | 'channel' | 'language' | 'urgency' | 'tag'>;

export interface QueueCounts {
  total: number;
  open: number;
  awaitingReply: number;
  unassigned: number;
  mine: number;
  slaBreached: number;
  byStatus: Partial<Record<CaseState, number>>;
}

export type MessageDirection = 'in' | 'out' | 'note' | 'system';

export type AttachmentKind = 'image' | 'voice' | 'audio' | 'document';

/** A file sent with a message: base64 bytes, decrypted with the thread (never stored in clear). */
export interface Attachment {
  kind: AttachmentKind | string;
  mime: string;
  data: string;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** Where an operator reply is on its way out through the request's channel (the outbox). */
export interface Delivery {
  status: DeliveryStatus | string;
  attempts: number;
  lastError: string | null;
}

export interface ThreadMessage {
  id: string;
  direction: MessageDirection;
  authorId: string | null;
  body: string;
  name?: string;
  contact?: string;
  attachments?: Attachment[];
  delivery?: Delivery;
  /** The channel it came by or went out on. */
  channel?: Channel;
  at: string;
}

/** Where a reply can go: the web page or a chat attached to the case; the first is where he last wrote. */
export interface ReplyRoute {
  id: string;
  channel: Channel;
  lastInboundAt: string | null;
}

export interface RequestLink {
  id: string;
  ref: string;
  status: CaseState;
  createdAt: string;
}

export interface RequestDetail {
  request: QueueItem;
  allowedTransitions: CaseState[];
  messages: ThreadMessage[];
  related: RequestLink[];
  merged: { id: string; ref: string }[];
  routes: ReplyRoute[];
  /** Earlier requests from the same chat or number. */
  wroteBefore: number;
  /** YYYY-MM-DD, when he expects to be at the front. */
  expectedFrontDate: string | null;
}

export interface CannedReply {
  id: string;
  language: string;
  title: string;
  body: string;
  updatedAt: string;
}

export interface CannedReplyInput {
  language: string;
  title: string;
  body: string;
}

export interface DirectoryEntry {
  id: string;
  email: string;
  role: Role;
}

export interface OperatorOnShift {
  id: string;
  email: string;
  role: Role;
  online: boolean;
  lastSeenAt: string | null;
  holding: number;
  awaitingReply: number;
}

export interface SupervisorOverview {
  operators: OperatorOnShift[];
  unassigned: number;
  slaBreached: QueueItem[];
}

export interface UserSummary {
  id: string;
  email: string;
  role: Role;
  hasOrgKey: boolean;
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  languages: string[];
}

export interface CreatedUser {
  id: string;
  email: string;
  role: Role;
  oneTimePassword: string;
  totpUri: string;
  hasOrgKey: boolean;
}

export interface AuditEntry {
  id: string;
  seq: string | number | null;
  at: string;
  actorType: string;
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  details: unknown;
}

export interface AuditQuery {
  action?: string;
  actorId?: string;
  subjectId?: string;
  /** YYYY-MM-DD (UTC), both days included. */
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  problems: { id: string; seq: string | null; problem: string }[];
  pending: number;
  keyedFrom: string;
  checkpoints: number;
}

/** A signed audit chain head, kept outside the database (docs/decisions/0007-audit-keyed-chain.md). */
export interface AuditCheckpoint {
  seq: string;
  hash: string;
  at: string;
  keyId: string;
  valid: boolean;
}

export interface AuditCheckpoints {
  file: string | null;
  keyId: string;
  publicKey: string;
  items: AuditCheckpoint[];
}

export interface SecurityKey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** One event of GET /api/events (SSE `event: request`). Ids only, never content. */
export interface RequestEvent {
  type: 'created' | 'message' | 'updated';
  id: string;
}

// ---- surrender protocol (checklist per request; definition for admins)

/** Protocol texts exist in all three requester languages. */
export type LocalizedText = Record<RequestLanguage, string>;

export const QUESTION_TYPES = [
  'text',
  'longtext',
  'choice',
  'multichoice',
  'number',
  'boolean',
  'date',
  'datetime_window',
  'coarse_location',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export type AnswerValue = string | number | boolean | string[] | { start: string; end: string };

export interface ProtocolQuestion {
  id: string;
  type: QuestionType;
  label: LocalizedText;
  help?: LocalizedText;
  required: boolean;
  /** Sealed to the thread key: only operators (with the org key) and the requester read it. */
  sensitive: boolean;
  options?: { value: string; label: LocalizedText }[];
  min?: number;
  max?: number;
  remindBeforeMinutes?: number;
  answer: AnswerValue | null;
  answeredBy: 'requester' | 'operator' | null;
  answeredAt: string | null;
}

export type StepAudience = 'operator' | 'requester' | 'both';

export interface ProtocolStepView {
  id: string;
  title: LocalizedText;
  audience: StepAudience;
  guidance: LocalizedText | null;
  instructions: LocalizedText | null;
  moveTo: CaseState | null;
  completed: boolean;
  completedAt: string | null;
  questions: ProtocolQuestion[];
}

/** GET /api/requests/:id/protocol. nextAction: done | answer:q1,q2 | send-instructions:step | complete:step */
export interface RequestProtocol {
  version: string;
  steps: ProtocolStepView[];
  currentStepId: string | null;
  nextAction: string;
}

/** Validation error keys of PUT …/answers (details.errors, by question id). */
export type AnswerError = 'required' | 'invalid' | 'too_long' | 'out_of_range';

export interface ProtocolVersion {
  version: string;
  publishedAt: string;
  publishedBy: string | null;
  current: boolean;
}

export interface ProtocolPublishResult {
  version: string;
  diff: string[];
  published: boolean;
}

/** details.issues of a refused protocol definition. */
export interface ProtocolIssue {
  path: string;
  message: string;
}

// ---- notifications

export type NotificationKind = 'meeting_window_soon' | 'moved_unreachable' | 'delivery_failed';

export interface OperatorNotification {
  id: string;
  kind: NotificationKind | string;
  requestId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

// ---- knowledge base

export const ARTICLE_CATEGORIES = [
  'surrender',
  'rights',
  'relatives',
  'citizenship',
  'safety',
  'about',
] as const;
export type ArticleCategory = (typeof ARTICLE_CATEGORIES)[number];

export interface ArticleListItem {
  slug: string;
  title: string;
  category: string;
  /** Plain text around the first match (search only). */
  snippet?: string;
}

export interface Article {
  slug: string;
  lang: string;
  title: string;
  category: string;
  order: number;
  /** Markdown source. */
  body: string;
  /** Rendered by the server's escaping Markdown renderer. */
  html: string;
}

export interface ArticleInput {
  title: string;
  body: string;
  category: ArticleCategory;
  order: number;
}

export interface ArticleVersion {
  version: number;
  title: string;
  createdAt: string;
  createdBy: string | null;
}

// ---- statistics (GET /api/stats/dashboard)

export interface DayCount {
  day: string;
  count: number;
}

/** Totals over the range and one row per day (every day, zeros omitted per key). */
export interface StatsBreakdown {
  totals: Record<string, number>;
  perDay: Array<{ day: string } & Record<string, number | string>>;
}

export interface StatsSpike {
  day: string;
  count: number;
  baseline: number;
  score: number;
}

export interface StatsAnnotation {
  id: string;
  day: string;
  label: string;
}

export interface StatsDashboard {
  from: string;
  to: string;
  series: DayCount[];
  byChannel: StatsBreakdown;
  byCategory: StatsBreakdown;
  byLanguage: StatsBreakdown;
  outcomes: { inCustody: number; infoGiven: number; probes: number; likelyFake: number };
  funnel: { contacted: number; verified: number; meetingAgreed: number; inCustody: number };
  firstResponse: { answered: number; meanMinutes: number | null };
  workload: Array<{ operatorId: string; operator: string; replies: number }>;
  spikes: StatsSpike[];
  annotations: StatsAnnotation[];
}

export interface StatsRange {
  from: string;
  to: string;
}

/** GET/PUT /api/settings/organisation: what the public pages and the bots show. */
export const PUBLIC_CHANNEL_KINDS = ['phone', 'telegram', 'whatsapp', 'onion', 'mirror'] as const;
export type PublicChannelKind = (typeof PUBLIC_CHANNEL_KINDS)[number];
export interface OrganisationSettings {
  name: string;
  description: string;
  channels: Array<{ kind: PublicChannelKind; value: string }>;
  /** Hash of the current logo (null: none). */
  logo: string | null;
}

/** GET/PUT /api/settings/intake */
export interface IntakeSettings {
  strictMode: boolean;
}

// ---- POW registry (GC III), notification batches and the relatives desk

export const POW_STATUSES = [
  'held',
  'in_hospital',
  'escaped',
  'dead',
  'released',
  'repatriated',
  'exchanged',
] as const;
export type PowStatus = (typeof POW_STATUSES)[number];

export const HEALTH_STATES = [
  'good_health',
  'not_wounded',
  'recovered',
  'convalescent',
  'sick',
  'slightly_wounded',
  'seriously_wounded',
] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export const DISCLOSURE_CONSENTS = ['yes', 'no', 'unknown'] as const;
export type DisclosureConsent = (typeof DISCLOSURE_CONSENTS)[number];

export const FACILITY_KINDS = ['camp', 'hospital', 'transit'] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];

/** Events a registrar records (the capture comes with the record). */
export const POW_EVENT_TYPES = [
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
export type PowEventInputType = (typeof POW_EVENT_TYPES)[number];
export type PowEventType = PowEventInputType | 'capture';

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
export type WelfareKind = (typeof WELFARE_KINDS)[number];

export const CARD_REASONS = ['arrival', 'transfer', 'hospital'] as const;
export type CardReason = (typeof CARD_REASONS)[number];

export type DeadlineState = 'done' | 'open' | 'due_soon' | 'overdue';
export type CorrespondenceState = 'met' | 'on_track' | 'behind' | 'below_minimum';

/** A name as written in the prisoner's own script and in Latin letters. */
export interface ScriptName {
  original: string;
  latin: string;
}

/** GC III art. 17 / art. 122 identity (src/pow/record.ts). */
export interface PowIdentity {
  surname: ScriptName;
  firstNames: ScriptName;
  rank?: string;
  serviceNumber?: string;
  /** YYYY, YYYY-MM or YYYY-MM-DD. */
  dateOfBirth?: string;
  placeOfBirth?: string;
  powerDependedOn?: string;
  fatherFirstName?: string;
  motherMaidenName?: string;
  personToInform?: { name: string; address: string };
  correspondenceAddress?: string;
  /** ISO 639-1; the first is the language of the capture card. */
  languages: string[];
  unit?: string;
  captureDate: string;
  capturePlace?: string;
  health: HealthState;
  healthNotes?: string;
  disclosureConsent: DisclosureConsent;
}

export interface FacilityRef {
  id: string;
  name: string;
}

export interface PowRecordSummary {
  id: string;
  ref: string;
  surname: ScriptName;
  firstNames: ScriptName;
  dateOfBirth: string | null;
  status: PowStatus;
  facility: FacilityRef | null;
  seriouslyIll: boolean;
  version: number;
  updatedAt: string;
}

export interface PowRecordQuery {
  status?: PowStatus | undefined;
  facilityId?: string | undefined;
  seriouslyIll?: boolean | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
}

export interface PowEventDetails {
  death?: { place?: string; cause?: string; burialPlace?: string; certificateBy?: string };
  health?: { seriouslyIll: boolean; report: string };
  exchangeBatch?: string;
  destination?: string;
  notes?: string;
}

export interface PowEvent {
  id: string;
  type: PowEventType;
  occurredOn: string;
  facility: FacilityRef | null;
  fromFacility: FacilityRef | null;
  details: PowEventDetails | null;
}

export interface CardDuty {
  id: string;
  eventId: string;
  reason: CardReason;
  eventOn: string;
  dueOn: string;
  sentOn: string | null;
  state: DeadlineState;
}

export interface WelfareEntry {
  id: string;
  kind: WelfareKind;
  occurredOn: string;
  quantity: number;
  notes: string | null;
  letterId: string | null;
}

export interface MonthCorrespondence {
  month: string;
  letters: number;
  cards: number;
  state: CorrespondenceState;
}

export interface PowLetter {
  id: string;
  direction: 'from_prisoner' | 'to_prisoner';
  kind: 'letter' | 'card';
  body: string;
  status: 'received' | 'delivered';
  inquiryId: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export interface PowRecordDetail extends PowRecordSummary {
  identity: PowIdentity;
  arrivedOn: string | null;
  createdAt: string;
  events: PowEvent[];
  cardDuties: CardDuty[];
  healthReportDue: string | null;
  welfare: WelfareEntry[];
  correspondence: MonthCorrespondence[];
  letters: PowLetter[];
}

export interface NewPowRecord {
  identity: PowIdentity;
  facilityId?: string;
  arrivedOn?: string;
  fromCaseRef?: string;
}

export interface PowEventInput {
  type: PowEventInputType;
  occurredOn: string;
  facilityId?: string;
  details?: PowEventDetails;
}

export interface Facility {
  id: string;
  name: string;
  kind: FacilityKind;
  address: string;
  capacity: number;
  current: number;
  closed: boolean;
}

export interface FacilityInput {
  name: string;
  kind: FacilityKind;
  address: string;
  capacity: number;
  closed?: boolean;
}

export interface PowDashboard {
  today: string;
  totals: Partial<Record<PowStatus, number>>;
  captureCards: Array<{
    dutyId: string;
    recordId: string;
    ref: string;
    reason: CardReason;
    eventOn: string;
    dueOn: string;
    state: DeadlineState;
  }>;
  healthReports: Array<{
    recordId: string;
    ref: string;
    lastOn: string | null;
    dueOn: string;
    state: DeadlineState;
  }>;
  notifications: { pending: number; oldest: string | null; state: 'none' | 'pending' | 'overdue' };
  correspondenceBelowMinimum: Array<{
    id: string;
    ref: string;
    letters: number;
    cards: number;
    month: string;
  }>;
  facilities: Facility[];
}

export interface CustodyHandover {
  caseRef: string;
  since: string;
}

export const BATCH_STATUSES = ['built', 'delivered', 'void'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export const DELIVERY_METHODS = ['email', 'portal', 'courier', 'in_person', 'other'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

export type BatchFormat = 'json' | 'sig' | 'csv' | 'pdf';

export interface NotificationBatch {
  id: string;
  number: number;
  status: BatchStatus;
  itemCount: number;
  counts: Record<string, number>;
  keyId: string;
  sha256: string;
  periodFrom: string | null;
  periodTo: string;
  createdAt: string;
  deliveredAt: string | null;
  deliveryMethod: DeliveryMethod | null;
  deliveryReference: string | null;
  voidedAt: string | null;
  voidReason: string | null;
}

export interface BatchPending {
  notBatched: Record<string, number>;
  notBatchedTotal: number;
  inUndeliveredBatches: number;
  oldest: string | null;
}

export type InquiryStatus = 'open' | 'answered';
export const ANSWER_KINDS = ['found', 'not_found', 'not_disclosed'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];
export type InquiryChannel = 'web' | 'telegram' | 'operator';

export interface SoughtPerson {
  surname: string;
  firstNames: string;
  fatherName?: string;
  dateOfBirth?: string;
  placeOfBirth?: string;
  unit?: string;
}

export interface InquirySummary {
  id: string;
  ref: string;
  channel: InquiryChannel;
  language: string;
  status: InquiryStatus;
  answerKind: AnswerKind | null;
  createdAt: string;
  sought: SoughtPerson;
}

export interface InquiryCandidate {
  recordId: string;
  ref: string;
  surname: ScriptName;
  firstNames: ScriptName;
  fatherFirstName: string | null;
  dateOfBirth: string | null;
  status: PowStatus;
  disclosureConsent: DisclosureConsent;
  /** 0..1 */
  score: number;
  likely: boolean;
  reasons: string[];
}

export interface InquiryDetail {
  id: string;
  ref: string;
  channel: InquiryChannel;
  language: string;
  status: InquiryStatus;
  createdAt: string;
  sought: SoughtPerson;
  relative: { name: string; relationship: string; contact?: string };
  message?: string;
  answer: { kind: AnswerKind; text: string; answeredAt: string | null } | null;
  matchedRecord: { id: string; ref: string } | null;
  candidates: InquiryCandidate[];
  templates: Record<AnswerKind, string>;
  letters: Array<Omit<PowLetter, 'inquiryId'>>;
  /** Telegram answers: the outbox delivery of each message sent to the relative. */
  delivery?: Array<{
    status: 'pending' | 'sending' | 'sent' | 'failed';
    error: string | null;
    sentAt: string | null;
  }>;
}

export interface NewInquiry {
  language: RequestLanguage;
  sought: SoughtPerson;
  relative: { name: string; relationship: string; contact?: string };
  message?: string;
}

// ---- phone line (never carries a requester's number: refs, outcomes and durations only)

export type CallbackWindow = 'any' | 'morning' | 'afternoon' | 'evening';

export interface VoicePanel {
  available: boolean;
  hasPhone: boolean;
  lineConfigured: boolean;
  waiting: Array<{
    callId: string;
    requestId: string | null;
    ref: string | null;
    language: string | null;
    position: number;
    waitingSec: number;
    ringingMe: boolean;
  }>;
  activeCall: {
    callId: string;
    requestId: string | null;
    ref: string | null;
    direction: 'inbound' | 'outbound';
    since: string | null;
  } | null;
}

export type CaseCall = CallView;

export interface CaseCalls {
  calls: CaseCall[];
  phone: boolean;
  smsAllowed: boolean;
  callback: { window: CallbackWindow; dueAt: string; attempts: number; lastOutcome: string | null } | null;
}

import { type CallOutcome, type CallView, VOICE_STEPS, type VoiceStep } from '../../src/voice/voice-steps.ts';

export { type CallOutcome, VOICE_STEPS, type VoiceStep };

export interface VoiceSettings {
  queueTimeoutSec: number;
  hours: { from: string; to: string } | null;
  utcOffsetMinutes: number;
  callbackSlaMinutes: number;
  recordCalls: boolean;
  menu: Partial<Record<string, Partial<Record<VoiceStep, string>>>>;
}

export interface VoicePrompt {
  language: string;
  step: string;
  durationMs: number;
  uploadedAt?: string;
}

export interface VoiceCallback {
  id: string;
  requestId: string;
  ref: string;
  language: string;
  window: CallbackWindow;
  requestedAt: string;
  dueAt: string;
  slaDeadline: string;
  breached: boolean;
  attempts: number;
  lastOutcome: string | null;
}

export interface RoutingSettings {
  autoAssignByLanguage: boolean;
}

export interface LanguagesWaiting {
  onShift: string[];
  waiting: Array<{ language: string; waiting: number; oldestAt: string }>;
}
