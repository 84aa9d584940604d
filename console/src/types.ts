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
export const REQUEST_LANGUAGES = ['ru', 'uk', 'en'] as const;
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
  | 'canned.manage'
  | 'supervisor.read'
  | 'user.directory'
  | 'user.read'
  | 'user.manage'
  | 'key.grant'
  | 'audit.read';

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
  sla: Sla;
}

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

export interface ThreadMessage {
  id: string;
  direction: MessageDirection;
  authorId: string | null;
  body: string;
  name?: string;
  contact?: string;
  at: string;
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
  limit?: number;
  cursor?: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  checked: number;
  problems: { id: string; seq: string | null; problem: string }[];
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
