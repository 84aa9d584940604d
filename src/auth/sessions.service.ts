import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import { sessionWrapKey, unwrapWithKey, wrapWithKey } from '../crypto/sealed.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { createDbThrottle, type Throttle } from './login-throttle.ts';
import { verifyPassword } from './password.ts';
import { isRole, type Role } from './roles.ts';
import { matchTotpStep } from './totp.ts';
import type { UsersService } from './users.service.ts';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
  mustChangePassword: boolean;
  hasOrgKey: boolean;
}

export interface Session {
  id: Buffer;
  user: SessionUser;
  /** Opens the organisation key held (encrypted under the cookie token) in this session. */
  orgKey(): Buffer | null;
  csrfMatches(token: string | undefined): boolean;
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  /** The known-device token for this account (cookie `wf_device`): its own login throttle. */
  deviceToken: string;
  user: SessionUser;
  expiresAt: Date;
}

export interface SessionsDeps {
  db: Db;
  vault: Vault;
  audit: AuditLog;
  clock: Clock;
  users: UsersService;
  loginThrottle: Throttle;
  session: { idleMs: number; maxMs: number };
  /**
   * A login or a session holding the organisation key unlocks the routing tier of this process
   * (after a restart, the first granted operator to log in or act brings it back).
   */
  routing?: {
    status(): { unlocked: boolean };
    unlockWithOrgKey(orgSecretKey: Uint8Array, how: 'login'): Promise<boolean>;
  };
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

export function createSessionsService(deps: SessionsDeps) {
  const { db, vault, audit, clock, users, loginThrottle } = deps;
  // Known devices (OWASP "device cookies"): someone who logged in from this browser before gets a
  // throttle bucket of their own, so junk attempts against a known e-mail cannot lock its owner out.
  const deviceThrottle = createDbThrottle({
    db,
    clock,
    scope: 'device',
    capacity: 5,
    refillPerSecond: 1 / 60,
  });
  const deviceMac = (emailIndex: string, nonce: string) =>
    vault.blindIndex('login-device', `${emailIndex}|${nonce}`).subarray(0, 16).toString('base64url');
  function issueDevice(emailIndex: string): string {
    const nonce = randomBytes(16).toString('base64url');
    return `${nonce}.${deviceMac(emailIndex, nonce)}`;
  }
  /** The device's throttle key when `device` was issued for this e-mail, else null. */
  function deviceKey(emailIndex: string, device: string | undefined): string | null {
    if (!device || device.length > 100) return null;
    const [nonce, mac] = device.split('.');
    if (!nonce || !mac) return null;
    const want = Buffer.from(deviceMac(emailIndex, nonce));
    const got = Buffer.from(mac);
    return want.length === got.length && timingSafeEqual(want, got) ? `device:${nonce}` : null;
  }

  type UserRow = NonNullable<Awaited<ReturnType<UsersService['findByEmail']>>>;

  /**
   * The first factor. Every failure — unknown e-mail, wrong password, wrong or replayed second factor,
   * disabled account — gives the same error after the same work, so the response says nothing about
   * which accounts exist. Throttling is keyed by the e-mail's blind index, known or not.
   */
  async function checkPassword(
    email: string,
    password: string,
    device?: string,
  ): Promise<{
    user: UserRow;
    fail: (reason: string, code?: 'invalid_credentials' | 'totp_reused') => Promise<never>;
  }> {
    const accountKey = users.emailIndex(email).toString('base64');
    const known = deviceKey(accountKey, device);
    const [throttle, throttleKey] = known ? [deviceThrottle, known] : [loginThrottle, accountKey];
    if (!(await throttle.take(throttleKey))) {
      throw new AppError('too_many_attempts', 'Too many login attempts; wait and try again', {
        retryAfter: await throttle.retryAfter(throttleKey),
      });
    }
    const u = await users.findByEmail(email);
    const passwordOk = await verifyPassword(u?.password_hash ?? null, password);
    // `totp_reused` is the only distinct failure, and only reachable with the right password and a
    // code valid for this account right now (decision 0013): every other failure reads the same.
    const fail = async (
      reason: string,
      code: 'invalid_credentials' | 'totp_reused' = 'invalid_credentials',
    ): Promise<never> => {
      await audit.record({
        actorType: 'operator',
        actorId: u?.id ?? null,
        action: 'auth.login_failed',
        details: { reason },
      });
      if (code === 'totp_reused')
        throw new AppError('totp_reused', 'This code was already used; wait for the next one');
      throw new AppError('invalid_credentials', 'E-mail, password or code is wrong');
    };
    if (!u || !passwordOk) return fail(u ? 'password' : 'unknown');
    if (u.disabled_at) return fail('disabled');
    return { user: u, fail };
  }

  /** A fresh token at every login (no fixation); the organisation key is kept only encrypted under the token. */
  async function createSession(u: UserRow, orgKey: Buffer | null, method: string): Promise<LoginResult> {
    const accountKey = users.emailIndex(vault.decrypt(u.email_enc, 'users.email')).toString('base64');
    await loginThrottle.reset(accountKey);
    const now = clock.now();
    const token = randomBytes(32);
    const csrf = randomBytes(32);
    const expiresAt = new Date(now.getTime() + deps.session.maxMs);
    if (orgKey && deps.routing && !deps.routing.status().unlocked)
      await deps.routing.unlockWithOrgKey(orgKey, 'login').catch(() => false);
    await audit.write(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: sha256(token),
          user_id: u.id,
          csrf_hash: sha256(csrf),
          org_key_enc: orgKey ? wrapWithKey(sessionWrapKey(token), orgKey, 'session-org-key') : null,
          created_at: now,
          last_seen_at: now,
          expires_at: expiresAt,
        })
        .execute();
      await audit.append(
        {
          actorType: 'operator',
          actorId: u.id,
          action: 'auth.login',
          subjectType: 'user',
          subjectId: u.id,
          details: { method },
        },
        trx,
      );
    });
    orgKey?.fill(0);
    return {
      token: token.toString('base64url'),
      csrfToken: csrf.toString('base64url'),
      deviceToken: issueDevice(accountKey),
      expiresAt,
      user: {
        id: u.id,
        email: vault.decrypt(u.email_enc, 'users.email'),
        role: u.role as Role,
        mustChangePassword: u.must_change_password,
        hasOrgKey: u.org_key_sealed !== null,
      },
    };
  }

  /** Password + TOTP in one step; a TOTP code is accepted once (replay rejection). */
  async function login(email: string, password: string, totp: string, device?: string): Promise<LoginResult> {
    const { user: u, fail } = await checkPassword(email, password, device);
    // A phishing-resistant key replaces the phishable code: once enrolled, TOTP no longer logs in
    // (an admin's TOTP reset removes the keys and restores it).
    const hasKey = await db
      .selectFrom('webauthn_credentials')
      .select('id')
      .where('user_id', '=', u.id)
      .limit(1)
      .executeTakeFirst();
    if (hasKey) return fail('totp_after_webauthn');
    const step = matchTotpStep(vault.decrypt(u.totp_secret_enc, 'users.totp'), totp, clock.now());
    if (step === null) return fail('totp');
    const claimed = await db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', u.id)
      .where('totp_last_step', '<', String(step))
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) return fail('totp_replay', 'totp_reused');
    const orgKey = u.org_key_sealed ? await users.unlockOrgKey(u.id, password) : null;
    return createSession(u, orgKey, 'totp');
  }

  /**
   * Resolves a cookie token to a live session, enforcing idle and absolute timeouts. `touch: false` for
   * requests the console makes on its own (polling, counts, live events): they must not keep an
   * unattended console's session awake (#11).
   */
  async function authenticate(
    tokenText: string | undefined,
    opts: { touch?: boolean } = {},
  ): Promise<Session | null> {
    if (!tokenText || tokenText.length > 100) return null;
    const token = Buffer.from(tokenText, 'base64url');
    if (token.length !== 32) return null;
    const id = sha256(token);
    const now = clock.now();
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.csrf_hash',
        'sessions.org_key_enc',
        'sessions.last_seen_at',
        'sessions.expires_at',
        'users.id as user_id',
        'users.email_enc',
        'users.role',
        'users.must_change_password',
        'users.disabled_at',
        'users.org_key_sealed',
      ])
      .where('sessions.id', '=', id)
      .executeTakeFirst();
    if (!row) return null;
    const idleExpired = new Date(row.last_seen_at).getTime() + deps.session.idleMs <= now.getTime();
    if (row.disabled_at || new Date(row.expires_at) <= now || idleExpired || !isRole(row.role)) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
      return null;
    }
    // A person's request moves the idle clock, but at most one write per session every half minute
    // (each write is a commit, and the console fires several requests per click): the idle timeout
    // may come up to that much earlier, never later (decision 0017).
    const touchEveryMs = Math.min(30_000, deps.session.idleMs / 30);
    if (opts.touch !== false && now.getTime() - new Date(row.last_seen_at).getTime() >= touchEveryMs)
      await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
    const orgKeyEnc = row.org_key_enc;
    if (orgKeyEnc && deps.routing && !deps.routing.status().unlocked) {
      const k = unwrapWithKey(sessionWrapKey(token), orgKeyEnc, 'session-org-key');
      await deps.routing.unlockWithOrgKey(k, 'login').catch(() => false);
      k.fill(0);
    }
    return {
      id,
      user: {
        id: row.user_id,
        email: vault.decrypt(row.email_enc, 'users.email'),
        role: row.role,
        mustChangePassword: row.must_change_password,
        hasOrgKey: row.org_key_sealed !== null,
      },
      orgKey: () => (orgKeyEnc ? unwrapWithKey(sessionWrapKey(token), orgKeyEnc, 'session-org-key') : null),
      csrfMatches: (t) => {
        if (!t || t.length > 100) return false;
        const h = sha256(Buffer.from(t, 'base64url'));
        return timingSafeEqual(h, row.csrf_hash);
      },
    };
  }

  async function logout(session: Session): Promise<void> {
    await audit.write(async (trx, w) => {
      await trx.deleteFrom('sessions').where('id', '=', session.id).execute();
      await w.audit({ actorType: 'operator', actorId: session.user.id, action: 'auth.logout' });
    });
  }

  /**
   * Is this session still valid? For long-lived connections (live events): the same checks as
   * `authenticate`, but without counting as activity, so an open stream never keeps a session awake.
   */
  async function isAlive(sessionId: Buffer): Promise<boolean> {
    const row = await db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['sessions.last_seen_at', 'sessions.expires_at', 'users.disabled_at'])
      .where('sessions.id', '=', sessionId)
      .executeTakeFirst();
    const now = clock.now().getTime();
    return (
      !!row &&
      !row.disabled_at &&
      new Date(row.expires_at).getTime() > now &&
      new Date(row.last_seen_at).getTime() + deps.session.idleMs > now
    );
  }

  return { login, checkPassword, createSession, authenticate, isAlive, logout };
}

export type SessionsService = ReturnType<typeof createSessionsService>;
