/**
 * The console's names for the API contract. Response shapes are inferred from the server's zod
 * response schemas (src/<feature>/<feature>.schemas.ts) and the fixed lists come from the server's
 * modules, so a server change the console does not follow fails `npm run typecheck`. Only re-exports
 * and derived types belong here, plus the few view types listed at the end that the server has no
 * schema for yet (docs/decisions/0019-one-api-contract.md).
 *
 * Runtime values come only from modules without zod, so the console bundle stays free of it.
 */

import type { CaseState } from '../../src/cases/case-state.ts';
import type { CallerCategory, Channel } from '../../src/cases/categories.ts';
import { LANGUAGES } from '../../src/i18n/languages.ts';
import type { ArticleCategory } from '../../src/knowledge/article-categories.ts';
import { EVENT_TYPES, type FacilityKind, type RecordStatus } from '../../src/pow/pow.lists.ts';
import type { PowEvent } from '../../src/pow/pow.schemas.ts';
import type { EventDetails, PowIdentity } from '../../src/pow/record.ts';
import type { ProtocolQuestionView } from '../../src/protocol/protocol.schema.ts';
import type { SoughtPerson } from '../../src/relatives/relatives.schemas.ts';

export type {
  AuditCheckpoint,
  AuditCheckpoints,
  AuditEntry,
  AuditVerifyResult,
} from '../../src/audit/audit.schemas.ts';
// ---- response shapes (inferred from the server's zod schemas)
export type {
  CreatedUser,
  DirectoryEntry,
  LoginResult,
  SecurityKey,
  User,
  UserSummary,
} from '../../src/auth/auth.schemas.ts';
// ---- fixed lists (server modules without zod)
export { PERMISSIONS, type Permission } from '../../src/auth/policies.ts';
export { ROLES, type Role } from '../../src/auth/roles.ts';
export type { CannedReply } from '../../src/canned/canned.schemas.ts';
export { CASE_STATES, type CaseState } from '../../src/cases/case-state.ts';
export type {
  Attachment,
  Delivery,
  MessageDirection,
  QueueCounts,
  QueueItem,
  QueuePage,
  ReplyRoute,
  RequestDetail,
  RequestLink,
  Sla,
  SlaState,
  ThreadMessage,
  TriageVerdict,
} from '../../src/cases/cases.schemas.ts';
export {
  CALLER_CATEGORIES as CATEGORIES,
  type CallerCategory as Category,
  CHANNELS,
  type Channel,
  URGENCIES,
  type Urgency,
} from '../../src/cases/categories.ts';
export { LANGUAGES as REQUEST_LANGUAGES } from '../../src/i18n/languages.ts';
export { ARTICLE_CATEGORIES, type ArticleCategory } from '../../src/knowledge/article-categories.ts';
export type { Article, ArticleListItem, ArticleVersion } from '../../src/knowledge/knowledge.schemas.ts';
export type { OperatorNotification } from '../../src/notifications/notifications.schemas.ts';
export {
  BATCH_STATUSES,
  type BatchStatus,
  CARD_REASONS,
  type CardReason,
  type CorrespondenceState,
  DELIVERY_METHODS,
  type DeadlineState,
  type DeliveryMethod,
  DISCLOSURE_CONSENTS,
  type DisclosureConsent,
  FACILITY_KINDS,
  type FacilityKind,
  type HealthState,
  healthStates as HEALTH_STATES,
  type RecordStatus as PowStatus,
  recordStatuses as POW_STATUSES,
  WELFARE_KINDS,
  type WelfareKind,
} from '../../src/pow/pow.lists.ts';
export type {
  BatchPending,
  CardDuty,
  CustodyHandover,
  Facility,
  MonthCorrespondence,
  NotificationBatch,
  PowDashboard,
  PowEvent,
  PowLetter,
  PowRecordDetail,
  PowRecordSummary,
  WelfareEntry,
} from '../../src/pow/pow.schemas.ts';
export type { PowIdentity } from '../../src/pow/record.ts';
export type { AnswerError } from '../../src/protocol/answers.ts';
export type {
  AnswerValue,
  LocalizedText,
  ProtocolPublishResult,
  ProtocolStepView,
  ProtocolVersion,
  QuestionType,
  RequestProtocol,
  StepAudience,
} from '../../src/protocol/protocol.schema.ts';
export {
  ANSWER_KINDS,
  type AnswerKind,
  type InquiryChannel,
  type InquiryStatus,
} from '../../src/relatives/relatives.lists.ts';
export type {
  InquiryCandidate,
  InquiryDetail,
  InquirySummary,
  SoughtPerson,
} from '../../src/relatives/relatives.schemas.ts';
export {
  CHANNEL_KINDS as PUBLIC_CHANNEL_KINDS,
  type PublicChannelKind,
} from '../../src/settings/public-channels.ts';
export type {
  IntakeSettings,
  OrganisationSettings,
  RoutingSettings,
} from '../../src/settings/settings.schemas.ts';
export type {
  DayCount,
  StatsAnnotation,
  StatsBreakdown,
  StatsDashboard,
  StatsSpike,
} from '../../src/stats/stats.schemas.ts';
export type {
  LanguagesWaiting,
  OperatorOnShift,
  SupervisorOverview,
} from '../../src/supervisor/supervisor.schemas.ts';
export { SINK_THRESHOLD as LIKELY_FAKE_SCORE } from '../../src/triage/sink-threshold.ts';
export type {
  CaseCalls,
  VoiceCallback,
  VoicePanel,
  VoicePrompt,
  VoiceSettings,
} from '../../src/voice/voice.schemas.ts';
export type { CallView as CaseCall } from '../../src/voice/voice-steps.ts';
export {
  CALLBACK_WINDOWS,
  type CallbackWindow,
  type CallOutcome,
  VOICE_STEPS,
  type VoiceStep,
} from '../../src/voice/voice-steps.ts';

// ---- derived names
export type RequestLanguage = (typeof LANGUAGES)[number];
/** A question of a request's checklist, with its answer. */
export type ProtocolQuestion = ProtocolQuestionView;
export type ScriptName = PowIdentity['surname'];
export type FacilityRef = NonNullable<PowEvent['facility']>;
export type PowEventDetails = EventDetails;
export type PowEventType = PowEvent['type'];
/** Events a registrar records (the capture comes with the record). */
export type PowEventInputType = Exclude<PowEventType, 'capture'>;
export const POW_EVENT_TYPES = EVENT_TYPES.filter((t): t is PowEventInputType => t !== 'capture');

// ---- not yet taken from the server: console view lists, request shapes (query and body), the SSE
// event (src/realtime/events.ts imports pg) and the spam reason codes (issue #15 follow-up)

/**
 * Languages requesters write in and operators work in (issue #14): the requester languages plus those
 * triage detects most (names come from Intl.DisplayNames, not the catalogue).
 */
export const WORK_LANGUAGES = [
  ...LANGUAGES,
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

export type QueueSort = 'urgent' | 'newest' | 'waiting';

/** Query parameters of GET /api/requests; every field optional, empty arrays are not sent. */
export interface QueueQuery {
  status?: CaseState[];
  open?: boolean;
  category?: CallerCategory[];
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

export interface CannedReplyInput {
  language: string;
  title: string;
  body: string;
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

/** One event of GET /api/events (SSE `event: request`). Ids only, never content. */
export interface RequestEvent {
  type: 'created' | 'message' | 'updated';
  id: string;
}

/** details.issues of a refused protocol definition. */
export interface ProtocolIssue {
  path: string;
  message: string;
}

// ---- notifications

export type NotificationKind = 'meeting_window_soon' | 'moved_unreachable' | 'delivery_failed';

export interface ArticleInput {
  title: string;
  body: string;
  category: ArticleCategory;
  order: number;
}

export interface StatsRange {
  from: string;
  to: string;
}

export interface PowRecordQuery {
  status?: RecordStatus | undefined;
  facilityId?: string | undefined;
  seriouslyIll?: boolean | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
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

export interface FacilityInput {
  name: string;
  kind: FacilityKind;
  address: string;
  capacity: number;
  closed?: boolean;
}

export type BatchFormat = 'json' | 'sig' | 'csv' | 'pdf';

export interface NewInquiry {
  language: RequestLanguage;
  sought: SoughtPerson;
  relative: { name: string; relationship: string; contact?: string };
  message?: string;
}
