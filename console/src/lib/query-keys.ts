import type { AuditQuery } from '../../../src/audit/audit.schemas.ts';
import type { CountsQuery, QueueQuery } from '../../../src/cases/cases.schemas.ts';
import type { BatchStatus } from '../../../src/pow/pow.lists.ts';
import type { PowRecordQuery } from '../../../src/pow/pow.schemas.ts';
import type { InquiryStatus } from '../../../src/relatives/relatives.lists.ts';
import type { StatsRange } from '../../../src/stats/stats.schemas.ts';

/** Every TanStack Query key in one place, so live updates invalidate exactly what they should. */
export const queryKeys = {
  queueAll: ['queue'] as const,
  queue: (q: QueueQuery) => ['queue', q] as const,
  countsAll: ['counts'] as const,
  counts: (q: CountsQuery) => ['counts', q] as const,
  request: (id: string) => ['request', id] as const,
  /** Keyed by the rows and their latest requester message: a new message asks again. */
  previews: (rows: string[]) => ['previews', rows] as const,
  voicePanel: ['voice', 'panel'] as const,
  voiceCallbacks: ['voice', 'callbacks'] as const,
  caseCalls: (id: string) => ['voice', 'calls', id] as const,
  voiceSettings: ['voice', 'settings'] as const,
  voicePrompts: ['voice', 'prompts'] as const,
  canned: (language: string | null) => ['canned', language ?? 'all'] as const,
  cannedAll: ['canned'] as const,
  cannedSuggestions: ['canned', 'suggestions'] as const,
  supervisor: ['supervisor'] as const,
  users: ['users'] as const,
  directory: ['directory'] as const,
  audit: (q: AuditQuery) => ['audit', q] as const,
  auditCheckpoints: ['audit-checkpoints'] as const,
  securityKeys: ['security-keys'] as const,
  protocol: (requestId: string) => ['protocol', requestId] as const,
  protocolDefinition: ['protocol-definition'] as const,
  protocolVersions: ['protocol-versions'] as const,
  notifications: ['notifications'] as const,
  knowledgeAll: ['knowledge'] as const,
  knowledgeList: (lang: string, q: string) => ['knowledge', 'list', lang, q] as const,
  article: (slug: string, lang: string) => ['knowledge', 'article', slug, lang] as const,
  articleVersions: (slug: string, lang: string) => ['knowledge', 'versions', slug, lang] as const,
  statsAll: ['stats'] as const,
  stats: (r: StatsRange) => ['stats', r.from, r.to] as const,
  intakeSettings: ['settings', 'intake'] as const,
  organisation: ['settings', 'organisation'] as const,
  // POW registry: everything under 'pow' is refetched after a change to a record.
  powAll: ['pow'] as const,
  powDashboard: ['pow', 'dashboard'] as const,
  custodyHandovers: ['pow', 'custody'] as const,
  powRecords: (q: PowRecordQuery) => ['pow', 'records', q] as const,
  powRecord: (id: string) => ['pow', 'record', id] as const,
  facilities: ['pow', 'facilities'] as const,
  batchesAll: ['pow', 'batches'] as const,
  batches: (q: { status?: BatchStatus | undefined; offset: number }) =>
    ['pow', 'batches', 'list', q] as const,
  batchPending: ['pow', 'batches', 'pending'] as const,
  inquiriesAll: ['inquiries'] as const,
  inquiries: (q: { status: InquiryStatus; offset: number }) => ['inquiries', 'list', q] as const,
  inquiry: (id: string) => ['inquiries', 'one', id] as const,
};
