import type { AuditQuery, CountsQuery, QueueQuery, StatsRange } from '../types.ts';

/** Every TanStack Query key in one place, so live updates invalidate exactly what they should. */
export const queryKeys = {
  queueAll: ['queue'] as const,
  queue: (q: QueueQuery) => ['queue', q] as const,
  countsAll: ['counts'] as const,
  counts: (q: CountsQuery) => ['counts', q] as const,
  request: (id: string) => ['request', id] as const,
  canned: (language: string | null) => ['canned', language ?? 'all'] as const,
  cannedAll: ['canned'] as const,
  supervisor: ['supervisor'] as const,
  users: ['users'] as const,
  directory: ['directory'] as const,
  audit: (q: AuditQuery) => ['audit', q] as const,
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
};
