import type { Role } from './roles.ts';

/**
 * Who may do what, in one place. Least privilege (threat model): an operator sees the queue's
 * metadata and the requests that are unassigned or assigned to them, not the whole archive;
 * registrars and liaisons work on the POW registry and never read surrender requests.
 */
export const PERMISSIONS = [
  'queue.read',
  'request.read',
  'request.read_any',
  'request.reply',
  'request.status',
  'request.assign',
  'canned.read',
  'canned.suggest',
  'canned.manage',
  'supervisor.read',
  'user.directory',
  'user.read',
  'user.manage',
  'key.grant',
  'audit.read',
  'protocol.manage',
  'knowledge.manage',
  'retention.run',
  'stats.read',
  'stats.annotate',
  'settings.manage',
  'pow.read',
  'pow.write',
  'pow.origin',
  'facility.manage',
  'batch.read',
  'batch.manage',
  'inquiry.create',
  'inquiry.read',
  'inquiry.answer',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const MATRIX: Record<Role, readonly Permission[]> = {
  operator: [
    'queue.read',
    'request.read',
    'request.reply',
    'request.status',
    'canned.read',
    'canned.suggest',
    'user.directory',
    'inquiry.create',
  ],
  supervisor: [
    'queue.read',
    'request.read',
    'request.read_any',
    'request.reply',
    'request.status',
    'request.assign',
    'canned.read',
    'canned.suggest',
    'canned.manage',
    'supervisor.read',
    'user.directory',
    'user.read',
    'stats.read',
    'inquiry.create',
  ],
  // The registrar keeps the GC III records and answers relatives; the link to a surrender request is
  // sealed (pow.origin needs the organisation key too).
  registrar: [
    'pow.read',
    'pow.write',
    'pow.origin',
    'facility.manage',
    'batch.read',
    'inquiry.create',
    'inquiry.read',
    'inquiry.answer',
  ],
  // The liaison sends notification batches to the ICRC / UN and keeps the facility list.
  liaison: ['pow.read', 'facility.manage', 'batch.read', 'batch.manage'],
  admin: [
    'queue.read',
    'request.read',
    'request.read_any',
    'request.reply',
    'request.status',
    'request.assign',
    'canned.read',
    'canned.suggest',
    'canned.manage',
    'supervisor.read',
    'user.directory',
    'user.read',
    'user.manage',
    'key.grant',
    'audit.read',
    'protocol.manage',
    'knowledge.manage',
    'retention.run',
    'stats.read',
    'stats.annotate',
    'settings.manage',
    'pow.read',
    'pow.write',
    'pow.origin',
    'facility.manage',
    'batch.read',
    'batch.manage',
    'inquiry.create',
    'inquiry.read',
    'inquiry.answer',
  ],
};

export function can(role: Role, permission: Permission): boolean {
  return MATRIX[role].includes(permission);
}

/** Need-to-know on one request: assigned to this user, or unassigned, unless the role reads any. */
export function canAccessRequest(
  user: { id: string; role: Role },
  thread: { assigneeId: string | null },
): boolean {
  if (!can(user.role, 'request.read')) return false;
  if (can(user.role, 'request.read_any')) return true;
  return thread.assigneeId === null || thread.assigneeId === user.id;
}

export function permissionsOf(role: Role): readonly Permission[] {
  return MATRIX[role];
}
