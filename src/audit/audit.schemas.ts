import { z } from 'zod';

/** What the audit routes answer (the API contract; the console takes its types from here). */

export const ZAuditEntry = z.object({
  id: z.string(),
  seq: z.string().nullable(),
  at: z.string(),
  actorType: z.string(),
  actorId: z.string().nullable(),
  action: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  /** What the action carried (ids, codes, counts: never message content). */
  details: z.record(z.string(), z.unknown()),
});

export const ZAuditPage = z.object({ items: z.array(ZAuditEntry), nextCursor: z.string().nullable() });

export const ZAuditVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.number(),
  problems: z.array(z.object({ id: z.string(), seq: z.string().nullable(), problem: z.string() })),
  pending: z.number(),
  keyedFrom: z.string(),
  checkpoints: z.number(),
});

/** A signed audit chain head, kept outside the database (docs/decisions/0007-audit-keyed-chain.md). */
export const ZCheckpoint = z.object({
  v: z.literal(1),
  seq: z.string(),
  hash: z.string(),
  at: z.string(),
  keyedFrom: z.string(),
  keyId: z.string(),
  sig: z.string(),
});

export const ZAuditCheckpoints = z.object({
  file: z.string().nullable(),
  keyId: z.string(),
  publicKey: z.string(),
  items: z.array(ZCheckpoint.extend({ valid: z.boolean() })),
});

export type AuditEntry = z.infer<typeof ZAuditEntry>;
export type AuditVerifyResult = z.infer<typeof ZAuditVerifyResult>;
export type AuditCheckpoint = z.infer<typeof ZAuditCheckpoints>['items'][number];
export type AuditCheckpoints = z.infer<typeof ZAuditCheckpoints>;

/** GET /api/audit filters. */
export const ZAuditQuery = z.object({
  action: z.string().max(64).optional(),
  actorId: z.string().uuid().optional(),
  subjectId: z.string().max(64).optional(),
  /** Entries on or after this day (UTC), and on or before `to`. */
  from: z.string().date().optional(),
  to: z.string().date().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z
    .string()
    .regex(/^\d{1,19}$/)
    .optional(),
});
/** The audit filters as the console builds them (every field optional). */
export type AuditQuery = Partial<z.output<typeof ZAuditQuery>>;
