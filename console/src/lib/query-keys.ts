import type { AuditQuery, CountsQuery, QueueQuery } from '../types.ts';

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
};
