import { z } from 'zod';
import { PERMISSIONS } from './policies.ts';
import { ROLES } from './roles.ts';

/**
 * What the auth and user routes answer (the API contract; the console takes its types from here).
 * Zod and pure modules only: the console imports it.
 */

export const ZUser = z.object({
  id: z.string().uuid(),
  email: z.string(),
  role: z.enum(ROLES),
  mustChangePassword: z.boolean(),
  hasOrgKey: z.boolean(),
  permissions: z.array(z.enum(PERMISSIONS)),
});

export const ZLoginResult = z.object({ user: ZUser, csrfToken: z.string(), expiresAt: z.string() });

/** A registered WebAuthn security key. */
export const ZSecurityKey = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

export const ZUserSummary = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  hasOrgKey: z.boolean(),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
  languages: z.array(z.string()),
});

/** A new operator: the one-time password and TOTP enrolment URI are shown once. */
export const ZCreatedUser = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  oneTimePassword: z.string(),
  totpUri: z.string(),
  hasOrgKey: z.boolean(),
});

/** Who can be picked as an assignee (everyone may see the list; no more than this). */
export const ZDirectoryEntry = z.object({ id: z.string(), email: z.string(), role: z.enum(ROLES) });

export type User = z.infer<typeof ZUser>;
export type LoginResult = z.infer<typeof ZLoginResult>;
export type SecurityKey = z.infer<typeof ZSecurityKey>;
export type UserSummary = z.infer<typeof ZUserSummary>;
export type CreatedUser = z.infer<typeof ZCreatedUser>;
export type DirectoryEntry = z.infer<typeof ZDirectoryEntry>;
