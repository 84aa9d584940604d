import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import { routingSecretsFromSeed, routingSeedOf } from '../crypto/routing.ts';
import {
  type Sealer,
  unwrapWithKey,
  unwrapWithPassword,
  wrapWithKey,
  wrapWithPassword,
} from '../crypto/sealed.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Throttle } from './login-throttle.ts';
import { generateOneTimePassword, hashPassword, PASSWORD_MAX, PASSWORD_MIN } from './password.ts';
import type { Role } from './roles.ts';
import { generateTotpSecret, totpUri } from './totp.ts';

export interface UsersDeps {
  db: Db;
  vault: Vault;
  sealer: Sealer;
  audit: AuditLog;
  clock: Clock;
  /**
   * Per user (keyed by id): guesses at the current password from an open session. Each costs an
   * Argon2id run, so this also caps the CPU one session can burn.
   */
  passwordChangeThrottle: Throttle;
  /** Whoever holds the organisation key for an instant (bootstrap, a grant) unlocks the routing tier. */
  routing?: { unlockWithOrgKey(orgSecretKey: Uint8Array, how: 'bootstrap' | 'login'): Promise<boolean> };
}

/** After this many wrong current passwords in a row, every session of the user ends. */
export const PASSWORD_CHANGE_MAX_FAILURES = 10;

export interface Actor {
  type: 'operator' | 'cli';
  id: string | null;
}

export interface CreatedUser {
  id: string;
  email: string;
  role: Role;
  /** Set when the password was generated: shown once. */
  oneTimePassword: string | undefined;
  totpUri: string;
  /** Set for the bootstrap user only: the offline recovery key for the organisation key, shown once. */
  recoveryKey: string | undefined;
  hasOrgKey: boolean;
}

export interface UserSummary {
  id: string;
  email: string;
  role: Role;
  hasOrgKey: boolean;
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: string;
  /** The languages the user works in (routing by language). */
  languages: string[];
}

const BOOTSTRAP_LOCK = 727003;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function checkPasswordStrength(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new AppError('validation_failed', `Password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`, {
      field: 'password',
    });
  }
}

/** Recovery key as 8 groups of 8 hex digits, to print and lock away. */
function formatRecoveryKey(key: Buffer): string {
  return key.toString('hex').replace(/(.{8})(?=.)/g, '$1-');
}

export function parseRecoveryKey(text: string): Buffer {
  const hex = text.replace(/[\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new AppError('validation_failed', 'Recovery key must be 64 hex digits');
  return Buffer.from(hex, 'hex');
}

export function createUsersService(deps: UsersDeps) {
  const { db, vault, sealer, audit, clock, passwordChangeThrottle } = deps;
  /** Wrong current passwords in a row, per user id (per process, like the throttle). */
  const passwordChangeFailures = new Map<string, number>();

  function emailIndex(email: string): Buffer {
    return vault.blindIndex('user-email', normalizeEmail(email));
  }

  async function createUser(
    input: { email: string; role: Role; password?: string | undefined },
    actor: Actor,
    grantFromOrgKey?: Uint8Array,
  ): Promise<CreatedUser> {
    const email = normalizeEmail(input.email);
    if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) {
      throw new AppError('validation_failed', 'Invalid e-mail address', { field: 'email' });
    }
    const oneTimePassword = input.password === undefined ? generateOneTimePassword() : undefined;
    const password = input.password ?? (oneTimePassword as string);
    checkPasswordStrength(password);

    const userKeys = sealer.generateKeyPair();
    const { salt, wrapped } = await wrapWithPassword(userKeys.secretKey, password);
    const passwordHash = await hashPassword(password);
    const totpSecret = generateTotpSecret();
    const id = randomUUID();
    const now = clock.now();

    let bootstrapOrgSecret: Uint8Array | null = null;
    const result = await audit.write(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`.execute(trx);
      const existing = await trx
        .selectFrom('users')
        .select('id')
        .where('email_index', '=', emailIndex(email))
        .executeTakeFirst();
      if (existing) throw new AppError('conflict', 'A user with this e-mail already exists');
      const org = await trx.selectFrom('org_keys').select('public_key').executeTakeFirst();
      let orgKeySealed: Buffer | null = null;
      let recoveryKey: string | undefined;
      if (!org) {
        // Bootstrap: the first user gets the organisation key; it is also wrapped once under an offline
        // recovery key so that losing every operator password does not lose every conversation.
        const orgKeys = sealer.generateKeyPair();
        const recovery = randomBytes(32);
        const seed = routingSeedOf(orgKeys.secretKey);
        await trx
          .insertInto('org_keys')
          .values({
            public_key: Buffer.from(orgKeys.publicKey),
            recovery_wrapped_secret: wrapWithKey(recovery, orgKeys.secretKey, 'org-recovery'),
            routing_public_key: routingSecretsFromSeed(seed).boxPublicKey,
            created_at: now,
          })
          .execute();
        seed.fill(0);
        bootstrapOrgSecret = orgKeys.secretKey;
        orgKeySealed = sealer.seal(userKeys.publicKey, orgKeys.secretKey);
        recoveryKey = formatRecoveryKey(recovery);
      } else if (grantFromOrgKey) {
        orgKeySealed = sealer.seal(userKeys.publicKey, grantFromOrgKey);
      }
      await trx
        .insertInto('users')
        .values({
          id,
          email_index: emailIndex(email),
          email_enc: vault.encrypt(email, 'users.email'),
          role: input.role,
          password_hash: passwordHash,
          kek_salt: salt,
          public_key: Buffer.from(userKeys.publicKey),
          wrapped_secret_key: wrapped,
          org_key_sealed: orgKeySealed,
          totp_secret_enc: vault.encrypt(totpSecret, 'users.totp'),
          must_change_password: oneTimePassword !== undefined,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await audit.append(
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'user.create',
          subjectType: 'user',
          subjectId: id,
          details: { role: input.role, bootstrap: recoveryKey !== undefined, orgKey: orgKeySealed !== null },
        },
        trx,
      );
      return { recoveryKey, hasOrgKey: orgKeySealed !== null };
    });
    const orgSecret = bootstrapOrgSecret ?? grantFromOrgKey;
    if (orgSecret && deps.routing) await deps.routing.unlockWithOrgKey(orgSecret, 'bootstrap');
    if (bootstrapOrgSecret) Buffer.from(bootstrapOrgSecret).fill(0);
    return {
      id,
      email,
      role: input.role,
      oneTimePassword,
      totpUri: totpUri(totpSecret, email),
      recoveryKey: result.recoveryKey,
      hasOrgKey: result.hasOrgKey,
    };
  }

  /** Opens the organisation private key with a user's password (login, CLI grants). */
  async function unlockOrgKey(userId: string, password: string): Promise<Buffer | null> {
    const u = await db
      .selectFrom('users')
      .select(['wrapped_secret_key', 'kek_salt', 'public_key', 'org_key_sealed'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!u?.org_key_sealed) return null;
    const userSecret = await unwrapWithPassword(u.wrapped_secret_key, password, u.kek_salt);
    try {
      return sealer.open({ publicKey: u.public_key, secretKey: userSecret }, u.org_key_sealed);
    } finally {
      userSecret.fill(0);
    }
  }

  async function grantOrgKey(targetUserId: string, orgSecretKey: Uint8Array, actor: Actor): Promise<void> {
    const org = await db.selectFrom('org_keys').select('public_key').executeTakeFirst();
    if (!org || !Buffer.from(sealer.publicKeyOf(orgSecretKey)).equals(org.public_key)) {
      throw new AppError('key_not_granted', 'The organisation key offered does not match');
    }
    const target = await db
      .selectFrom('users')
      .select(['public_key', 'disabled_at'])
      .where('id', '=', targetUserId)
      .executeTakeFirst();
    if (!target) throw new AppError('not_found', 'No such user');
    if (target.disabled_at) throw new AppError('conflict', 'User is disabled');
    await audit.write(async (trx) => {
      await trx
        .updateTable('users')
        .set({ org_key_sealed: sealer.seal(target.public_key, orgSecretKey), updated_at: clock.now() })
        .where('id', '=', targetUserId)
        .execute();
      await audit.append(
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'key.grant',
          subjectType: 'user',
          subjectId: targetUserId,
        },
        trx,
      );
    });
  }

  /** Recovery: opens the organisation key with the offline recovery key. */
  async function openWithRecoveryKey(recoveryKey: Buffer): Promise<Buffer> {
    const org = await db.selectFrom('org_keys').select('recovery_wrapped_secret').executeTakeFirst();
    if (!org) throw new AppError('not_found', 'No organisation key yet');
    try {
      return unwrapWithKey(recoveryKey, org.recovery_wrapped_secret, 'org-recovery');
    } catch {
      throw new AppError('invalid_credentials', 'Recovery key does not open the organisation key');
    }
  }

  async function changePassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
    checkPasswordStrength(newPassword);
    // Someone holding a session (an unlocked console left behind) must not get unlimited guesses at
    // the password: 5, then one a minute, and the sessions end after PASSWORD_CHANGE_MAX_FAILURES.
    if (!(await passwordChangeThrottle.take(userId))) {
      throw new AppError('too_many_attempts', 'Too many attempts; wait and try again', {
        retryAfter: await passwordChangeThrottle.retryAfter(userId),
      });
    }
    const u = await db
      .selectFrom('users')
      .select(['wrapped_secret_key', 'kek_salt'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!u) throw new AppError('not_found');
    let secret: Buffer;
    try {
      secret = await unwrapWithPassword(u.wrapped_secret_key, currentPassword, u.kek_salt);
    } catch {
      return wrongCurrentPassword(userId);
    }
    passwordChangeFailures.delete(userId);
    await passwordChangeThrottle.reset(userId);
    const { salt, wrapped } = await wrapWithPassword(secret, newPassword);
    secret.fill(0);
    const passwordHash = await hashPassword(newPassword);
    await audit.write(async (trx) => {
      await trx
        .updateTable('users')
        .set({
          password_hash: passwordHash,
          kek_salt: salt,
          wrapped_secret_key: wrapped,
          must_change_password: false,
          updated_at: clock.now(),
        })
        .where('id', '=', userId)
        .execute();
      // Every session of this user ends: a changed password means "someone else may have had it".
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await audit.append(
        {
          actorType: 'operator',
          actorId: userId,
          action: 'user.password_change',
          subjectType: 'user',
          subjectId: userId,
        },
        trx,
      );
    });
  }

  /**
   * A wrong current password is audited; the PASSWORD_CHANGE_MAX_FAILURES-th in a row ends every
   * session of the user (whoever guesses holds a session that is not theirs, or will log in again).
   */
  async function wrongCurrentPassword(userId: string): Promise<never> {
    const failures = (passwordChangeFailures.get(userId) ?? 0) + 1;
    const endSessions = failures >= PASSWORD_CHANGE_MAX_FAILURES;
    if (endSessions) passwordChangeFailures.delete(userId);
    else passwordChangeFailures.set(userId, failures);
    await audit.write(async (trx) => {
      if (endSessions) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await audit.append(
        {
          actorType: 'operator',
          actorId: userId,
          action: endSessions ? 'auth.sessions_ended' : 'user.password_change_failed',
          subjectType: 'user',
          subjectId: userId,
          details: endSessions ? { reason: 'password_change_failures', failures } : { failures },
        },
        trx,
      );
    });
    if (endSessions) {
      throw new AppError('unauthenticated', 'Too many wrong passwords: every session ended; log in again');
    }
    throw new AppError('invalid_credentials', 'Current password is wrong');
  }

  async function setDisabled(userId: string, disabled: boolean, actor: Actor): Promise<void> {
    await audit.write(async (trx) => {
      const r = await trx
        .updateTable('users')
        .set({
          disabled_at: disabled ? clock.now() : null,
          updated_at: clock.now(),
          // A disabled operator keeps nothing that opens conversations; enabling needs a fresh grant.
          ...(disabled ? { org_key_sealed: null } : {}),
        })
        .where('id', '=', userId)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) throw new AppError('not_found', 'No such user');
      if (disabled) await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await audit.append(
        {
          actorType: actor.type,
          actorId: actor.id,
          action: disabled ? 'user.disable' : 'user.enable',
          subjectType: 'user',
          subjectId: userId,
        },
        trx,
      );
    });
  }

  async function listUsers(): Promise<UserSummary[]> {
    const rows = await db
      .selectFrom('users')
      .select([
        'id',
        'email_enc',
        'role',
        'org_key_sealed',
        'disabled_at',
        'must_change_password',
        'created_at',
        'languages',
      ])
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      email: vault.decrypt(r.email_enc, 'users.email'),
      role: r.role as Role,
      hasOrgKey: r.org_key_sealed !== null,
      disabled: r.disabled_at !== null,
      mustChangePassword: r.must_change_password,
      createdAt: new Date(r.created_at).toISOString(),
      languages: r.languages,
    }));
  }

  /** Names for assignee ids, for everyone who works the queue. */
  async function directory(): Promise<Array<{ id: string; email: string; role: Role }>> {
    const rows = await db
      .selectFrom('users')
      .select(['id', 'email_enc', 'role'])
      .where('disabled_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      email: vault.decrypt(r.email_enc, 'users.email'),
      role: r.role as Role,
    }));
  }

  /** A lost authenticator: a new TOTP secret, and every session of that user ends. */
  async function resetTotp(userId: string, actor: Actor): Promise<string> {
    const secret = generateTotpSecret();
    const email = await audit.write(async (trx) => {
      const u = await trx
        .updateTable('users')
        .set({
          totp_secret_enc: vault.encrypt(secret, 'users.totp'),
          totp_last_step: 0,
          updated_at: clock.now(),
        })
        .where('id', '=', userId)
        .returning('email_enc')
        .executeTakeFirst();
      if (!u) throw new AppError('not_found', 'No such user');
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await trx.deleteFrom('webauthn_credentials').where('user_id', '=', userId).execute();
      await audit.append(
        {
          actorType: actor.type,
          actorId: actor.id,
          action: 'user.reset_totp',
          subjectType: 'user',
          subjectId: userId,
        },
        trx,
      );
      return vault.decrypt(u.email_enc, 'users.email');
    });
    return totpUri(secret, email);
  }

  async function findByEmail(email: string) {
    return db.selectFrom('users').selectAll().where('email_index', '=', emailIndex(email)).executeTakeFirst();
  }

  return {
    createUser,
    unlockOrgKey,
    grantOrgKey,
    openWithRecoveryKey,
    changePassword,
    setDisabled,
    listUsers,
    directory,
    resetTotp,
    findByEmail,
    emailIndex,
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
