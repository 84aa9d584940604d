import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface OrgKeysTable {
  id: Generated<number>;
  public_key: Buffer;
  recovery_wrapped_secret: Buffer;
  /** The routing tier's box public key (crypto/routing.ts); set at bootstrap or the first unlock. */
  routing_public_key: Generated<Buffer | null>;
  created_at: Timestamp;
}

export interface RoutingKeyRequestsTable {
  id: string;
  public_key: Buffer;
  mac: Buffer;
  sealed_seed: Buffer | null;
  created_at: Timestamp;
}

export interface UsersTable {
  id: string;
  email_index: Buffer;
  email_enc: string;
  role: string;
  password_hash: string;
  kek_salt: Buffer;
  public_key: Buffer;
  wrapped_secret_key: Buffer;
  org_key_sealed: Buffer | null;
  totp_secret_enc: string;
  totp_last_step: ColumnType<string, number | string | undefined, number | string>;
  must_change_password: boolean;
  failed_logins: Generated<number>;
  locked_until: Timestamp | null;
  disabled_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Languages the operator works in (migration 0013). */
  languages: ColumnType<string[], string[] | undefined, string[]>;
}

export interface SessionsTable {
  id: Buffer;
  user_id: string;
  csrf_hash: Buffer;
  org_key_enc: Buffer | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  webauthn_challenge: string | null;
}

export interface RequestThreadsTable {
  id: string;
  ref: string;
  channel: string;
  category: string;
  language: string;
  urgency: number;
  status: string;
  public_key: Buffer;
  sk_for_org: Buffer;
  sk_for_receipt: Buffer | null;
  receipt_salt: Buffer | null;
  receipt_lookup: Buffer | null;
  identity_index: Buffer | null;
  identity_enc: string | null;
  assignee_id: string | null;
  protocol_version: string | null;
  message_count: Generated<number>;
  awaiting_reply: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_requester_at: Timestamp;
  last_operator_at: Timestamp | null;
  closed_at: Timestamp | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  merged_into: string | null;
  first_response_at: Timestamp | null;
  purged_at: Timestamp | null;
  last_inbound_at: Timestamp | null;
  callback_requested_at: Timestamp | null;
  callback_done_at: Timestamp | null;
  spam_score: Generated<number>;
  spam_reasons: ColumnType<string[], string[] | undefined, string[]>;
  sunk: ColumnType<boolean, never, never>;
  triage_verdict: 'genuine' | 'spam' | null;
  detected_language: string | null;
  text_fingerprint: Buffer | null;
  /** The expected date at the front, a timer field (`cases/timer-fields.ts`). */
  expected_front_enc: string | null;
  wait_reminders_sent: Generated<number>;
  /** The requester wrote again on a closed, unreachable or waiting case (cleared by a reply). */
  returned_at: Timestamp | null;
  /** His last contact before that return. */
  returned_from_at: Timestamp | null;
  sms_allowed: Generated<boolean>;
}

export interface ThreadMessagesTable {
  id: Generated<string>;
  thread_id: string;
  direction: 'in' | 'out' | 'note' | 'system';
  author_id: string | null;
  sealed: Buffer;
  created_at: Timestamp;
  /** Inbound: the channel it came by when it differs from the thread's (SMS and voice share a thread). */
  channel: Generated<string | null>;
}

export interface LinkCodesTable {
  code_hash: Buffer;
  thread_id: string;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  seq: string | null;
  at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  prev_hash: Buffer | null;
  hash: Buffer | null;
}

export interface AuditChainTable {
  id: Generated<boolean>;
  keyed_from_seq: string;
}

export interface LoginThrottlesTable {
  scope: string;
  key: string;
  tat: Timestamp;
}

export interface FormNoncesTable {
  nonce: Buffer;
  expires_at: Timestamp;
}

export interface CannedRepliesTable {
  id: string;
  language: string;
  title: string;
  body: string;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CannedSuggestionsTable {
  id: string;
  language: string;
  title: string;
  body: string;
  suggested_by: string | null;
  created_at: Timestamp;
}

export interface WebauthnCredentialsTable {
  id: string;
  user_id: string;
  public_key: Buffer;
  counter: ColumnType<string, number | string | undefined, number | string>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  name: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface PendingLoginsTable {
  id: Buffer;
  user_id: string;
  challenge: string;
  org_key_enc: Buffer | null;
  expires_at: Timestamp;
}

export interface ProtocolVersionsTable {
  version: string;
  definition: ColumnType<unknown, string, string>;
  published_at: Timestamp;
  published_by: string | null;
  is_current: boolean;
}

export interface CaseAnswersTable {
  thread_id: string;
  step_id: string;
  question_id: string;
  value_enc: string | null;
  value_sealed: Buffer | null;
  answered_by: 'requester' | 'operator';
  author_id: string | null;
  answered_at: Timestamp;
}

export interface CaseStepsTable {
  thread_id: string;
  step_id: string;
  completed_at: Timestamp;
  completed_by: string | null;
}

export interface CaseRemindersTable {
  thread_id: string;
  kind: string;
  due_at: Timestamp | null;
  due_enc: string | null;
  sent_at: Timestamp | null;
}

export interface NotificationsTable {
  id: Generated<string>;
  user_id: string;
  request_id: string | null;
  kind: string;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Timestamp;
  read_at: Timestamp | null;
}

export interface KnowledgeArticlesTable {
  slug: string;
  lang: string;
  version: number;
  title: string;
  category: string;
  sort_order: number;
  body: string;
  created_at: Timestamp;
  created_by: string | null;
}

export interface InboundUpdatesTable {
  channel: string;
  update_key: string;
  payload_enc: string | null;
  received_at: Timestamp;
  processed_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  /** Held by the handler running it until then (a lease; channel-intake `claim`). */
  claimed_until: Timestamp | null;
}

export interface OutboxTable {
  id: string;
  thread_id: string | null;
  inquiry_id: ColumnType<string | null, string | null | undefined, string | null>;
  message_id: string | null;
  channel: string;
  recipient_index: Buffer;
  payload_enc: string | null;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface BotConversationsTable {
  channel: string;
  identity_index: Buffer;
  state_enc: string;
  updated_at: Timestamp;
}

export interface TextBandsTable {
  band: Buffer;
  thread_id: string;
  created_at: Timestamp;
}

export interface FlaggedIdentitiesTable {
  identity_index: Buffer;
  reason: string;
  flagged_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface FlaggedFingerprintsTable {
  fingerprint: Buffer;
  flagged_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface SettingsTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface StatsDailyTable {
  day: ColumnType<string, string, string>;
  channel: string;
  category: string;
  language: string;
  requests: number;
  likely_fake: number;
  verified: number;
  meeting_agreed: number;
  in_custody: number;
  info_given: number;
  probes: number;
  first_response_count: number;
  first_response_seconds: ColumnType<string, number | string, number | string>;
}

export interface StatsAnnotationsTable {
  id: string;
  day: ColumnType<string, string, string>;
  label: string;
  created_by: string | null;
  created_at: Timestamp;
}

type DateOnly = ColumnType<string, string, string>;

export interface FacilitiesTable {
  id: string;
  name: string;
  kind: 'camp' | 'hospital' | 'transit';
  address: Generated<string>;
  capacity: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface PowRecordsTable {
  id: string;
  ref: string;
  identity_enc: string;
  origin_sealed: Buffer;
  status: string;
  facility_id: string | null;
  arrived_on: DateOnly | null;
  seriously_ill: Generated<boolean>;
  version: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PowMatchKeysTable {
  key: ColumnType<string, string | bigint, string | bigint>;
  record_id: string;
}

export interface PowEventsTable {
  id: string;
  record_id: string;
  type: string;
  occurred_on: DateOnly;
  facility_id: string | null;
  from_facility_id: string | null;
  details_enc: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface PowCardDutiesTable {
  id: string;
  record_id: string;
  event_id: string;
  reason: 'arrival' | 'transfer' | 'hospital';
  event_on: DateOnly;
  due_on: DateOnly;
  sent_on: DateOnly | null;
  sent_by: string | null;
}

export interface PowWelfareTable {
  id: string;
  record_id: string;
  kind: string;
  occurred_on: DateOnly;
  quantity: Generated<number>;
  notes_enc: string | null;
  letter_id: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface SigningKeysTable {
  id: string;
  public_key: Buffer;
  secret_key_enc: string;
  created_at: Timestamp;
  retired_at: Timestamp | null;
}

export interface NotificationBatchesTable {
  id: string;
  number: number;
  status: 'built' | 'delivered' | 'void';
  content_enc: string | null;
  sha256: Buffer;
  signature: Buffer;
  key_id: string;
  item_count: number;
  period_from: Timestamp | null;
  period_to: Timestamp;
  created_by: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  delivered_by: string | null;
  delivery_method: string | null;
  delivery_reference: string | null;
  voided_at: Timestamp | null;
  void_reason: string | null;
}

export interface PowChangesTable {
  id: Generated<string>;
  record_id: string;
  event_id: string | null;
  kind: 'record.new' | 'record.changed' | 'event';
  record_version: number;
  at: Timestamp;
  batch_id: string | null;
}

export interface RelativeInquiriesTable {
  id: string;
  ref: string;
  channel: 'web' | 'telegram' | 'operator';
  language: string;
  query_enc: string;
  receipt_lookup: Buffer | null;
  identity_index: Buffer | null;
  identity_enc: string | null;
  status: 'open' | 'answered';
  matched_record_id: string | null;
  answer_kind: 'found' | 'not_found' | 'not_disclosed' | null;
  answer_enc: string | null;
  answered_by: string | null;
  answered_at: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface PowLettersTable {
  id: string;
  record_id: string;
  inquiry_id: string | null;
  direction: 'to_prisoner' | 'from_prisoner';
  kind: 'letter' | 'card';
  body_enc: string;
  status: 'received' | 'delivered';
  created_by: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  delivered_by: string | null;
}

export interface VoiceOperatorsTable {
  user_id: string;
  phone_enc: string | null;
  available: boolean;
  updated_at: Timestamp;
}

export interface VoiceCallsTable {
  id: Generated<string>;
  provider_sid: string | null;
  thread_id: string | null;
  direction: 'inbound' | 'outbound';
  language: string | null;
  state: 'menu' | 'queued' | 'bridged' | 'voicemail' | 'ringing' | 'ended';
  outcome: 'answered' | 'voicemail' | 'missed' | 'failed' | null;
  answered_by: string | null;
  started_at: Timestamp;
  queued_at: Timestamp | null;
  answered_at: Timestamp | null;
  ended_at: Timestamp | null;
  duration_sec: number | null;
  recorded: Generated<boolean>;
}

export interface VoiceLegsTable {
  provider_sid: string;
  call_id: string;
  user_id: string;
  created_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface VoiceCallbacksTable {
  id: Generated<string>;
  thread_id: string;
  due_window: 'any' | 'morning' | 'afternoon' | 'evening';
  requested_at: Timestamp;
  due_at: Timestamp;
  done_at: Timestamp | null;
  attempts: Generated<number>;
  last_outcome: string | null;
}

export interface VoicePromptsTable {
  language: string;
  step: string;
  audio: Buffer;
  token: string;
  duration_ms: number;
  uploaded_by: string | null;
  uploaded_at: Timestamp;
}

export interface Database {
  voice_operators: VoiceOperatorsTable;
  voice_calls: VoiceCallsTable;
  voice_legs: VoiceLegsTable;
  voice_callbacks: VoiceCallbacksTable;
  voice_prompts: VoicePromptsTable;
  facilities: FacilitiesTable;
  pow_records: PowRecordsTable;
  pow_match_keys: PowMatchKeysTable;
  pow_events: PowEventsTable;
  pow_card_duties: PowCardDutiesTable;
  pow_welfare: PowWelfareTable;
  signing_keys: SigningKeysTable;
  notification_batches: NotificationBatchesTable;
  pow_changes: PowChangesTable;
  relative_inquiries: RelativeInquiriesTable;
  pow_letters: PowLettersTable;
  text_bands: TextBandsTable;
  flagged_identities: FlaggedIdentitiesTable;
  flagged_fingerprints: FlaggedFingerprintsTable;
  settings: SettingsTable;
  stats_daily: StatsDailyTable;
  stats_annotations: StatsAnnotationsTable;
  inbound_updates: InboundUpdatesTable;
  outbox: OutboxTable;
  bot_conversations: BotConversationsTable;
  protocol_versions: ProtocolVersionsTable;
  case_answers: CaseAnswersTable;
  case_steps: CaseStepsTable;
  case_reminders: CaseRemindersTable;
  notifications: NotificationsTable;
  knowledge_articles: KnowledgeArticlesTable;
  canned_replies: CannedRepliesTable;
  canned_suggestions: CannedSuggestionsTable;
  webauthn_credentials: WebauthnCredentialsTable;
  pending_logins: PendingLoginsTable;
  org_keys: OrgKeysTable;
  routing_key_requests: RoutingKeyRequestsTable;
  users: UsersTable;
  sessions: SessionsTable;
  request_threads: RequestThreadsTable;
  thread_messages: ThreadMessagesTable;
  audit_log: AuditLogTable;
  audit_chain: AuditChainTable;
  login_throttles: LoginThrottlesTable;
  form_nonces: FormNoncesTable;
  link_codes: LinkCodesTable;
}
