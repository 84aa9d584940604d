import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import type {
  AuditCheckpoint,
  AuditCheckpoints,
  AuditEntry,
  AuditQuery,
  AuditVerifyResult,
} from '../../src/audit/audit.schemas.ts';
import type {
  CreatedUser,
  DirectoryEntry,
  LoginResult,
  SecurityKey,
  User,
  UserSummary,
} from '../../src/auth/auth.schemas.ts';
import type { Role } from '../../src/auth/roles.ts';
import type { CannedReply, CannedReplyInput, CannedSuggestion } from '../../src/canned/canned.schemas.ts';
import type { CaseState } from '../../src/cases/case-state.ts';
import type {
  CountsQuery,
  QueueCounts,
  QueueItem,
  QueuePage,
  QueueQuery,
  RequestDetail,
  RequestPreview,
  TriageVerdict,
} from '../../src/cases/cases.schemas.ts';
import type { Channel } from '../../src/cases/categories.ts';
import type { Language as RequestLanguage } from '../../src/i18n/languages.ts';
import type {
  Article,
  ArticleInput,
  ArticleListItem,
  ArticleVersion,
} from '../../src/knowledge/knowledge.schemas.ts';
import type { OperatorNotification } from '../../src/notifications/notifications.schemas.ts';
import type { BatchFormat, BatchStatus, DeliveryMethod, WelfareKind } from '../../src/pow/pow.lists.ts';
import type {
  BatchPending,
  CustodyHandover,
  Facility,
  FacilityInput,
  NewPowRecord,
  NotificationBatch,
  PowDashboard,
  PowEventInput,
  PowRecordDetail,
  PowRecordQuery,
  PowRecordSummary,
} from '../../src/pow/pow.schemas.ts';
import type { PowIdentity } from '../../src/pow/record.ts';
import type {
  ProtocolPublishResult,
  ProtocolVersion,
  RequestProtocol,
} from '../../src/protocol/protocol.schema.ts';
import type { AnswerKind, InquiryStatus } from '../../src/relatives/relatives.lists.ts';
import type { InquiryDetail, InquirySummary, NewInquiry } from '../../src/relatives/relatives.schemas.ts';
import type {
  IntakeSettings,
  OrganisationSettings,
  RoutingSettings,
} from '../../src/settings/settings.schemas.ts';
import type { StatsAnnotation, StatsDashboard, StatsRange } from '../../src/stats/stats.schemas.ts';
import type { LanguagesWaiting, SupervisorOverview } from '../../src/supervisor/supervisor.schemas.ts';
import type { RoutingStatus } from '../../src/system/routing-status.ts';
import type {
  CaseCalls,
  VoiceCallback,
  VoicePanel,
  VoicePrompt,
  VoiceSettings,
} from '../../src/voice/voice.schemas.ts';

/** Every failed API call ends up as one of these; `code` is the server's stable error code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Seconds to wait, from `details.retryAfter` or the Retry-After header (429). */
  get retryAfter(): number | null {
    const v = this.details?.retryAfter;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

// The CSRF token lives in sessionStorage: it survives a reload of this tab, dies with the tab, and
// is useless without the HttpOnly SameSite=Strict session cookie it belongs to.
const CSRF_KEY = 'wf.console.csrf';

export function getCsrfToken(): string | null {
  try {
    return sessionStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

export function setCsrfToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // Storage disabled: the token then lives only as long as this page.
  }
}

type SessionLostListener = (e: ApiError) => void;
let sessionLostListener: SessionLostListener | null = null;

/** The session provider registers here to send the operator back to the login page. */
export function onSessionLost(listener: SessionLostListener | null): void {
  sessionLostListener = listener;
}

/** 401s that mean "wrong input" rather than "your session is gone". */
const CREDENTIAL_ERRORS = new Set(['invalid_credentials', 'totp_required', 'totp_reused']);

function isSessionLost(e: ApiError): boolean {
  if (e.status === 401) return !CREDENTIAL_ERRORS.has(e.code);
  // Our token no longer matches the cookie: another tab logged in and replaced the session.
  return e.status === 403 && e.code === 'csrf_failed';
}

type Query = Record<string, string | number | boolean | readonly (string | number)[] | null | undefined>;

function toSearch(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length > 0) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * When the person last used keyboard, mouse or touch. A request made without input in the last 30 s is
 * the console's own (polling, counts, refetch after a live event): it is sent as background, so the
 * server's idle timeout runs on while nobody is at the screen (#11).
 */
let lastUserInput = Date.now();
const USER_INPUT_MS = 30_000;
if (typeof window !== 'undefined') {
  for (const ev of ['keydown', 'mousedown', 'touchstart', 'wheel'] as const)
    window.addEventListener(
      ev,
      () => {
        lastUserInput = Date.now();
      },
      { capture: true, passive: true },
    );
}

async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (Date.now() - lastUserInput > USER_INPUT_MS) headers['x-wf-background'] = '1';
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') {
    const csrf = getCsrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(`/api${path}${toSearch(opts.query)}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
      signal: opts.signal ?? null,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', e instanceof Error ? e.message : 'Network error');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    const err = parseError(res, json);
    if (isSessionLost(err)) sessionLostListener?.(err);
    throw err;
  }
  return json as T;
}

function parseError(res: Response, json: unknown): ApiError {
  let code = `http_${res.status}`;
  let message = res.statusText || 'Request failed';
  let details: Record<string, unknown> | undefined;
  if (json && typeof json === 'object' && 'error' in json) {
    const e = (json as { error: unknown }).error;
    if (e && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      if (typeof o.code === 'string') code = o.code;
      if (typeof o.message === 'string') message = o.message;
      if (o.details && typeof o.details === 'object') details = o.details as Record<string, unknown>;
    }
  }
  const retryHeader = res.headers.get('retry-after');
  if (retryHeader && details?.retryAfter === undefined) {
    const seconds = Number(retryHeader);
    if (Number.isFinite(seconds)) details = { ...details, retryAfter: seconds };
  }
  return new ApiError(res.status, code, message, details);
}

const enc = encodeURIComponent;

/**
 * Fills in fields the contract promises but an older server may not send yet, so one missing field
 * never blanks the whole queue.
 */
function normalizeItem(item: QueueItem): QueueItem {
  return {
    ...item,
    tags: item.tags ?? [],
    firstResponseAt: item.firstResponseAt ?? null,
    callbackRequestedAt: item.callbackRequestedAt ?? null,
    callbackDoneAt: item.callbackDoneAt ?? null,
    spamScore: item.spamScore ?? 0,
    spamReasons: item.spamReasons ?? [],
    triageVerdict: item.triageVerdict ?? null,
    detectedLanguage: item.detectedLanguage ?? null,
    returnedAt: item.returnedAt ?? null,
    returnedFromAt: item.returnedFromAt ?? null,
    sla: item.sla ?? { state: 'ok', dueAt: null, kind: null },
  };
}

// ---- auth

export function login(body: { email: string; password: string; totp: string }): Promise<LoginResult> {
  return request('POST', '/auth/login', { body });
}

export function loginWebauthnOptions(body: {
  email: string;
  password: string;
}): Promise<{ ticket: string; options: PublicKeyCredentialRequestOptionsJSON }> {
  return request('POST', '/auth/login/webauthn/options', { body });
}

export function loginWebauthnVerify(body: {
  ticket: string;
  response: AuthenticationResponseJSON;
}): Promise<LoginResult> {
  return request('POST', '/auth/login/webauthn/verify', { body });
}

/** Whether this server holds the routing key (the server's own schema: one contract, no copy). */
export function getRoutingStatus(signal?: AbortSignal): Promise<RoutingStatus> {
  return request<RoutingStatus>('GET', '/system/routing', { signal });
}

export function getMe(): Promise<{ user: User }> {
  return request('GET', '/auth/me');
}

export function logout(): Promise<void> {
  return request('POST', '/auth/logout');
}

export function changePassword(body: { currentPassword: string; newPassword: string }): Promise<void> {
  return request('POST', '/auth/password', { body });
}

export function webauthnRegisterOptions(): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return request('POST', '/auth/webauthn/register/options');
}

export function webauthnRegisterVerify(body: {
  response: RegistrationResponseJSON;
  name: string;
}): Promise<{ credential: SecurityKey }> {
  return request('POST', '/auth/webauthn/register/verify', { body });
}

export function listSecurityKeys(): Promise<{ items: SecurityKey[] }> {
  return request('GET', '/auth/webauthn/credentials');
}

export function deleteSecurityKey(id: string): Promise<void> {
  return request('DELETE', `/auth/webauthn/credentials/${enc(id)}`);
}

// ---- queue and requests

export async function listQueue(query: QueueQuery, signal?: AbortSignal): Promise<QueuePage> {
  const page = await request<QueuePage>('GET', '/requests', { query: { ...query }, signal });
  return { items: page.items.map(normalizeItem), nextCursor: page.nextCursor ?? null };
}

export async function getRequestPreviews(ids: string[], signal?: AbortSignal): Promise<RequestPreview[]> {
  const r = await request<{ items: RequestPreview[] }>('GET', '/requests/previews', {
    query: { ids: ids.join(',') },
    signal,
  });
  return r.items;
}

export function getQueueCounts(query: CountsQuery, signal?: AbortSignal): Promise<QueueCounts> {
  return request('GET', '/requests/counts', { query: { ...query }, signal });
}

export async function getRequest(id: string, signal?: AbortSignal): Promise<RequestDetail> {
  const d = await request<RequestDetail>('GET', `/requests/${enc(id)}`, { signal });
  return {
    request: normalizeItem(d.request),
    allowedTransitions: d.allowedTransitions ?? [],
    messages: d.messages ?? [],
    related: d.related ?? [],
    merged: d.merged ?? [],
    routes: d.routes ?? [],
    wroteBefore: d.wroteBefore ?? 0,
    expectedFrontDate: d.expectedFrontDate ?? null,
  };
}

export function postReply(
  id: string,
  body: string,
  via?: string,
): Promise<{ messageId: string; channel: Channel }> {
  return request('POST', `/requests/${enc(id)}/replies`, { body: via ? { body, via } : { body } });
}

export function setExpectedFront(id: string, date: string | null): Promise<{ request: QueueItem }> {
  return request('PUT', `/requests/${enc(id)}/expected-front`, { body: { date } });
}

export function postNote(id: string, body: string): Promise<{ messageId: string }> {
  return request('POST', `/requests/${enc(id)}/notes`, { body: { body } });
}

export function changeStatus(id: string, status: CaseState): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/status`, { body: { status } });
}

export function claimRequest(id: string): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/claim`);
}

export function releaseRequest(id: string): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/release`);
}

export function assignRequest(id: string, userId: string | null): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/assign`, { body: { userId } });
}

export function assignRequests(ids: string[], userId: string | null): Promise<{ updated: number }> {
  return request('POST', '/requests/assign', { body: { ids, userId } });
}

export function setRequestTags(id: string, tags: string[]): Promise<{ request: QueueItem }> {
  return request('PUT', `/requests/${enc(id)}/tags`, { body: { tags } });
}

export function markProbe(id: string, reason: string): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/probe`, { body: { reason } });
}

export function markCallbackDone(id: string): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/callback-done`);
}

/** Confirms the request as spam/probe (flags its identity and text for 30 days) or overrules the score. */
export function setTriageVerdict(
  id: string,
  verdict: TriageVerdict,
  reason?: string,
): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/triage`, {
    body: reason?.trim() ? { verdict, reason: reason.trim() } : { verdict },
  });
}

export function mergeRequest(id: string, intoId: string): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/merge`, { body: { intoId } });
}

// ---- canned replies

export function listCannedReplies(language?: string): Promise<{ items: CannedReply[] }> {
  return request('GET', '/canned-replies', { query: { language } });
}

export function createCannedReply(body: CannedReplyInput): Promise<{ item: CannedReply }> {
  return request('POST', '/canned-replies', { body });
}

export function updateCannedReply(id: string, body: CannedReplyInput): Promise<{ item: CannedReply }> {
  return request('PUT', `/canned-replies/${enc(id)}`, { body });
}

export function deleteCannedReply(id: string): Promise<void> {
  return request('DELETE', `/canned-replies/${enc(id)}`);
}

export function suggestCannedReply(body: CannedReplyInput): Promise<{ item: CannedSuggestion }> {
  return request('POST', '/canned-replies/suggestions', { body });
}

export function listCannedSuggestions(): Promise<{ items: CannedSuggestion[] }> {
  return request('GET', '/canned-replies/suggestions');
}

export function approveCannedSuggestion(id: string, body: CannedReplyInput): Promise<{ item: CannedReply }> {
  return request('POST', `/canned-replies/suggestions/${enc(id)}/approve`, { body });
}

export function rejectCannedSuggestion(id: string): Promise<void> {
  return request('POST', `/canned-replies/suggestions/${enc(id)}/reject`);
}

// ---- supervisor and admin

export function getSupervisorOverview(): Promise<SupervisorOverview> {
  return request<SupervisorOverview>('GET', '/supervisor/overview').then((o) => ({
    ...o,
    slaBreached: (o.slaBreached ?? []).map(normalizeItem),
  }));
}

export function getUserDirectory(): Promise<{ items: DirectoryEntry[] }> {
  return request('GET', '/users/directory');
}

export function listUsers(): Promise<{ items: UserSummary[] }> {
  return request('GET', '/users');
}

export function createUser(body: { email: string; role: Role; grantKey: boolean }): Promise<CreatedUser> {
  return request('POST', '/users', { body });
}

export function setUserDisabled(id: string, disabled: boolean): Promise<void> {
  return request('POST', `/users/${enc(id)}/disable`, { body: { disabled } });
}

export function grantOrgKey(id: string): Promise<void> {
  return request('POST', `/users/${enc(id)}/grant-key`);
}

export function resetTotp(id: string): Promise<{ totpUri: string }> {
  return request('POST', `/users/${enc(id)}/reset-totp`);
}

export function listAudit(
  query: AuditQuery,
  signal?: AbortSignal,
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  return request('GET', '/audit', { query: { ...query }, signal });
}

export function verifyAudit(): Promise<AuditVerifyResult> {
  return request('GET', '/audit/verify');
}

export function listAuditCheckpoints(signal?: AbortSignal): Promise<AuditCheckpoints> {
  return request('GET', '/audit/checkpoints', { signal });
}

export function writeAuditCheckpoint(): Promise<{ checkpoint: AuditCheckpoint | null }> {
  return request('POST', '/audit/checkpoints');
}

/** A plain link: the server answers with the checkpoint file as a download. */
export const AUDIT_CHECKPOINTS_EXPORT_URL = '/api/audit/checkpoints/export';

// ---- surrender protocol

export function getRequestProtocol(id: string, signal?: AbortSignal): Promise<RequestProtocol> {
  return request('GET', `/requests/${enc(id)}/protocol`, { signal });
}

export function saveProtocolAnswers(
  id: string,
  stepId: string,
  answers: Record<string, unknown>,
): Promise<{ saved: string[] }> {
  return request('PUT', `/requests/${enc(id)}/protocol/steps/${enc(stepId)}/answers`, { body: { answers } });
}

/** Completes a step in one action: the answers typed so far are saved with it (all or nothing). */
export function completeProtocolStep(
  id: string,
  stepId: string,
  answers: Record<string, unknown> = {},
): Promise<{ request: QueueItem }> {
  return request('POST', `/requests/${enc(id)}/protocol/steps/${enc(stepId)}/complete`, {
    body: { answers },
  });
}

export function sendStepInstructions(id: string, stepId: string): Promise<{ messageId: string }> {
  return request('POST', `/requests/${enc(id)}/protocol/steps/${enc(stepId)}/send-instructions`);
}

/** The current definition, as published (JSON). */
export function getProtocolDefinition(signal?: AbortSignal): Promise<Record<string, unknown>> {
  return request('GET', '/protocol', { signal });
}

export function listProtocolVersions(): Promise<{ items: ProtocolVersion[] }> {
  return request('GET', '/protocol/versions');
}

/** Validates and diffs (dryRun) or publishes a new version; a refused one has details.issues. */
export function publishProtocol(definition: unknown, dryRun: boolean): Promise<ProtocolPublishResult> {
  return request('POST', '/protocol/versions', { body: { definition, dryRun } });
}

// ---- notifications

export function listNotifications(
  unread: boolean,
  signal?: AbortSignal,
): Promise<{ items: OperatorNotification[] }> {
  return request('GET', '/notifications', { query: { unread: unread ? 'true' : undefined }, signal });
}

export function markNotificationRead(id: string): Promise<void> {
  return request('POST', `/notifications/${enc(id)}/read`);
}

// ---- knowledge base

export function listArticles(
  lang: RequestLanguage,
  q: string,
  signal?: AbortSignal,
): Promise<{ items: ArticleListItem[] }> {
  return request('GET', '/knowledge', { query: { lang, q: q.trim() || undefined }, signal });
}

export function getArticle(slug: string, lang: RequestLanguage, signal?: AbortSignal): Promise<Article> {
  return request('GET', `/knowledge/${enc(slug)}/${enc(lang)}`, { signal });
}

export function saveArticle(
  slug: string,
  lang: RequestLanguage,
  body: ArticleInput,
): Promise<{ version: number }> {
  return request('PUT', `/knowledge/${enc(slug)}/${enc(lang)}`, { body });
}

export function listArticleVersions(
  slug: string,
  lang: RequestLanguage,
): Promise<{ items: ArticleVersion[] }> {
  return request('GET', `/knowledge/${enc(slug)}/${enc(lang)}/versions`);
}

// ---- statistics

export function getStatsDashboard(range: StatsRange, signal?: AbortSignal): Promise<StatsDashboard> {
  return request('GET', '/stats/dashboard', { query: { from: range.from, to: range.to }, signal });
}

/** A plain link: the session cookie goes with it, and the server answers with a file download. */
export function statsExportUrl(range: StatsRange): string {
  return `/api/stats/export.csv${toSearch({ from: range.from, to: range.to })}`;
}

export function addStatsAnnotation(body: { day: string; label: string }): Promise<StatsAnnotation> {
  return request('POST', '/stats/annotations', { body });
}

export function deleteStatsAnnotation(id: string): Promise<void> {
  return request('DELETE', `/stats/annotations/${enc(id)}`);
}

/** Recomputes the rollup for the range now (the server refreshes recent days every ten minutes). */
export function refreshStats(range: StatsRange): Promise<{ rows: number }> {
  return request('POST', '/stats/refresh', { body: range });
}

// ---- settings

export function getIntakeSettings(signal?: AbortSignal): Promise<IntakeSettings> {
  return request('GET', '/settings/intake', { signal });
}

export function setIntakeSettings(body: IntakeSettings): Promise<IntakeSettings> {
  return request('PUT', '/settings/intake', { body });
}

// ---- phone line

export function getVoicePanel(signal?: AbortSignal): Promise<VoicePanel> {
  return request('GET', '/voice/panel', { signal });
}

export function setAvailability(available: boolean): Promise<VoicePanel> {
  return request('PUT', '/voice/availability', { body: { available } });
}

export function setMyPhone(phone: string | null): Promise<VoicePanel> {
  return request('PUT', '/voice/phone', { body: { phone } });
}

export function listVoiceCallbacks(signal?: AbortSignal): Promise<{ items: VoiceCallback[] }> {
  return request('GET', '/voice/callbacks', { signal });
}

export function getCaseCalls(id: string, signal?: AbortSignal): Promise<CaseCalls> {
  return request('GET', `/requests/${encodeURIComponent(id)}/calls`, { signal });
}

export function callBack(id: string): Promise<{ callId: string }> {
  return request('POST', `/requests/${encodeURIComponent(id)}/call-back`);
}

export function setSmsAllowed(id: string, allowed: boolean): Promise<{ smsAllowed: boolean }> {
  return request('PUT', `/requests/${encodeURIComponent(id)}/sms-allowed`, { body: { allowed } });
}

export function getVoiceSettings(signal?: AbortSignal): Promise<VoiceSettings> {
  return request('GET', '/settings/voice', { signal });
}

export function saveVoiceSettings(body: VoiceSettings): Promise<VoiceSettings> {
  return request('PUT', '/settings/voice', { body });
}

export function listVoicePrompts(signal?: AbortSignal): Promise<{ items: VoicePrompt[] }> {
  return request('GET', '/voice/prompts', { signal });
}

export function uploadVoicePrompt(language: string, step: string, audioBase64: string): Promise<VoicePrompt> {
  return request('PUT', `/voice/prompts/${language}/${step}`, { body: { audio: audioBase64 } });
}

export function deleteVoicePrompt(language: string, step: string): Promise<void> {
  return request('DELETE', `/voice/prompts/${language}/${step}`);
}

export function getOrganisation(signal?: AbortSignal): Promise<OrganisationSettings> {
  return request('GET', '/settings/organisation', { signal });
}

export function setOrganisation(body: Omit<OrganisationSettings, 'logo'>): Promise<OrganisationSettings> {
  return request('PUT', '/settings/organisation', { body });
}

/** The image as base64; the server re-encodes it (metadata dropped). null removes the logo. */
export function setOrganisationLogo(image: string | null): Promise<OrganisationSettings> {
  return image === null
    ? request('DELETE', '/settings/organisation/logo')
    : request('PUT', '/settings/organisation/logo', { body: { image } });
}

// ---- POW registry

export function getPowDashboard(signal?: AbortSignal): Promise<PowDashboard> {
  return request('GET', '/pow/dashboard', { signal });
}

export function listCustodyHandovers(signal?: AbortSignal): Promise<{ items: CustodyHandover[] }> {
  return request('GET', '/pow/custody-handovers', { signal });
}

export function listPowRecords(
  q: PowRecordQuery,
  signal?: AbortSignal,
): Promise<{ items: PowRecordSummary[]; total: number }> {
  return request('GET', '/pow/records', {
    query: {
      status: q.status,
      facilityId: q.facilityId,
      seriouslyIll: q.seriouslyIll ? 'true' : undefined,
      q: q.q?.trim() || undefined,
      limit: q.limit,
      offset: q.offset,
    },
    signal,
  });
}

export function createPowRecord(body: NewPowRecord): Promise<{ id: string; ref: string }> {
  return request('POST', '/pow/records', { body });
}

export function getPowRecord(id: string, signal?: AbortSignal): Promise<{ item: PowRecordDetail }> {
  return request('GET', `/pow/records/${enc(id)}`, { signal });
}

export function updatePowRecord(id: string, identity: PowIdentity, version: number): Promise<void> {
  return request('PUT', `/pow/records/${enc(id)}`, { body: { identity, version } });
}

export function addPowEvent(id: string, body: PowEventInput): Promise<{ id: string }> {
  return request('POST', `/pow/records/${enc(id)}/events`, { body });
}

export function addWelfare(
  id: string,
  body: { kind: WelfareKind; occurredOn: string; quantity?: number; notes?: string },
): Promise<{ id: string }> {
  return request('POST', `/pow/records/${enc(id)}/welfare`, { body });
}

export function markCardSent(dutyId: string, sentOn: string): Promise<void> {
  return request('POST', `/pow/card-duties/${enc(dutyId)}/sent`, { body: { sentOn } });
}

/** Plain links: the session cookie goes with them and the server answers with a PDF download. */
export function captureCardUrl(recordId: string, dutyId: string | null, secondLanguage: 'uk' | 'en'): string {
  return `/api/pow/records/${enc(recordId)}/capture-card.pdf${toSearch({ duty: dutyId, secondLanguage })}`;
}

export function identityCardUrl(recordId: string, secondLanguage: 'uk' | 'en'): string {
  return `/api/pow/records/${enc(recordId)}/identity-card.pdf${toSearch({ secondLanguage })}`;
}

export function revealOrigin(id: string): Promise<{ caseRef: string | null }> {
  return request('POST', `/pow/records/${enc(id)}/origin`);
}

export function addPrisonerLetter(
  id: string,
  body: { kind: 'letter' | 'card'; body: string; inquiryId?: string },
): Promise<{ id: string }> {
  return request('POST', `/pow/records/${enc(id)}/letters`, { body });
}

export function markLetterDelivered(letterId: string): Promise<void> {
  return request('POST', `/pow/letters/${enc(letterId)}/delivered`, { body: {} });
}

export function listFacilities(signal?: AbortSignal): Promise<{ items: Facility[] }> {
  return request('GET', '/pow/facilities', { signal });
}

export function createFacility(body: FacilityInput): Promise<{ item: Facility }> {
  return request('POST', '/pow/facilities', { body });
}

export function updateFacility(id: string, body: FacilityInput): Promise<{ item: Facility }> {
  return request('PUT', `/pow/facilities/${enc(id)}`, { body });
}

// ---- notification batches

export function listBatches(
  q: { status?: BatchStatus | undefined; limit: number; offset: number },
  signal?: AbortSignal,
): Promise<{ items: NotificationBatch[]; total: number }> {
  return request('GET', '/pow/batches', { query: { ...q }, signal });
}

export function getBatchPending(signal?: AbortSignal): Promise<BatchPending> {
  return request('GET', '/pow/batches/pending', { signal });
}

export function buildBatch(): Promise<{ item: NotificationBatch }> {
  return request('POST', '/pow/batches', { body: {} });
}

export function batchExportUrl(id: string, format: BatchFormat): string {
  return `/api/pow/batches/${enc(id)}/export${toSearch({ format })}`;
}

export function markBatchDelivered(
  id: string,
  body: { method: DeliveryMethod; reference: string },
): Promise<{ item: NotificationBatch }> {
  return request('POST', `/pow/batches/${enc(id)}/delivered`, { body });
}

export function voidBatch(id: string, reason: string): Promise<{ item: NotificationBatch }> {
  return request('POST', `/pow/batches/${enc(id)}/void`, { body: { reason } });
}

// ---- relatives desk

export function listInquiries(
  q: { status?: InquiryStatus | undefined; limit: number; offset: number },
  signal?: AbortSignal,
): Promise<{ items: InquirySummary[]; total: number }> {
  return request('GET', '/relatives/inquiries', { query: { ...q }, signal });
}

export function getInquiry(id: string, signal?: AbortSignal): Promise<{ item: InquiryDetail }> {
  return request('GET', `/relatives/inquiries/${enc(id)}`, { signal });
}

export function answerInquiry(
  id: string,
  body: { kind: AnswerKind; recordId?: string; message: string },
): Promise<{ item: InquiryDetail }> {
  return request('POST', `/relatives/inquiries/${enc(id)}/answer`, { body });
}

export function createInquiry(body: NewInquiry): Promise<{ id: string; ref: string }> {
  return request('POST', '/relatives/inquiries', { body });
}

// ---- routing by language (issue #14)

export function getMyLanguages(signal?: AbortSignal): Promise<{ languages: string[] }> {
  return request('GET', '/auth/me/languages', { signal });
}

export function setMyLanguages(languages: string[]): Promise<{ languages: string[] }> {
  return request('PUT', '/auth/me/languages', { body: { languages } });
}

export function setUserLanguages(id: string, languages: string[]): Promise<{ languages: string[] }> {
  return request('PUT', `/users/${enc(id)}/languages`, { body: { languages } });
}

export function getRoutingSettings(signal?: AbortSignal): Promise<RoutingSettings> {
  return request('GET', '/settings/routing', { signal });
}

export function setRoutingSettings(body: RoutingSettings): Promise<RoutingSettings> {
  return request('PUT', '/settings/routing', { body });
}

export function getLanguagesWaiting(signal?: AbortSignal): Promise<LanguagesWaiting> {
  return request('GET', '/supervisor/languages', { signal });
}
