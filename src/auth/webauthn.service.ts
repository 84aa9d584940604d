import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import { sessionWrapKey, unwrapWithKey, wrapWithKey } from '../crypto/sealed.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { LoginResult, Session, SessionsService } from './sessions.service.ts';
import type { UsersService } from './users.service.ts';

/**
 * WebAuthn security keys as the phishing-resistant second factor (ASVS L3), instead of TOTP. The
 * password is still needed: it unwraps the operator's key. Login is two calls; between them the
 * unwrapped organisation key waits in `pending_logins`, encrypted under the ticket the client holds.
 */
export interface RelyingParty {
  rpID: string;
  origin: string;
}

const PENDING_MS = 2 * 60_000;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

export function createWebauthnService(deps: {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  users: UsersService;
  sessions: SessionsService;
}) {
  const { db, audit, clock, users, sessions } = deps;

  async function credentialsOf(userId: string) {
    return db.selectFrom('webauthn_credentials').selectAll().where('user_id', '=', userId).execute();
  }

  return {
    async registrationOptions(session: Session, rp: RelyingParty) {
      const existing = await credentialsOf(session.user.id);
      const options = await generateRegistrationOptions({
        rpName: 'Whiteflag',
        rpID: rp.rpID,
        userName: session.user.email,
        userID: Buffer.from(session.user.id.replace(/-/g, ''), 'hex'),
        attestationType: 'none',
        excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
        authenticatorSelection: { residentKey: 'discouraged', userVerification: 'preferred' },
      });
      await db
        .updateTable('sessions')
        .set({ webauthn_challenge: options.challenge })
        .where('id', '=', session.id)
        .execute();
      return options;
    },

    async registrationVerify(
      session: Session,
      response: RegistrationResponseJSON,
      name: string,
      rp: RelyingParty,
    ) {
      const s = await db
        .selectFrom('sessions')
        .select('webauthn_challenge')
        .where('id', '=', session.id)
        .executeTakeFirst();
      if (!s?.webauthn_challenge) throw new AppError('bad_request', 'Ask for registration options first');
      await db
        .updateTable('sessions')
        .set({ webauthn_challenge: null })
        .where('id', '=', session.id)
        .execute();
      let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
      try {
        verified = await verifyRegistrationResponse({
          response,
          expectedChallenge: s.webauthn_challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.rpID,
          requireUserVerification: false,
        });
      } catch (e) {
        throw new AppError(
          'validation_failed',
          `Security key response rejected: ${e instanceof Error ? e.message : 'invalid'}`,
        );
      }
      if (!verified.verified) throw new AppError('validation_failed', 'Security key response rejected');
      const c = verified.registrationInfo.credential;
      const now = clock.now();
      await audit.write(async (trx, w) => {
        await trx
          .insertInto('webauthn_credentials')
          .values({
            id: c.id,
            user_id: session.user.id,
            public_key: Buffer.from(c.publicKey),
            counter: c.counter,
            transports: c.transports ?? [],
            name,
            created_at: now,
          })
          .execute();
        await w.audit({
          actorType: 'operator',
          actorId: session.user.id,
          action: 'auth.webauthn_register',
          subjectType: 'user',
          subjectId: session.user.id,
        });
      });
      return { id: c.id, name, createdAt: now.toISOString(), lastUsedAt: null };
    },

    async list(userId: string) {
      const rows = await credentialsOf(userId);
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        createdAt: new Date(r.created_at).toISOString(),
        lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
      }));
    },

    async remove(userId: string, id: string) {
      await audit.write(async (trx, w) => {
        const r = await trx
          .deleteFrom('webauthn_credentials')
          .where('user_id', '=', userId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (r.numDeletedRows === 0n) throw new AppError('not_found', 'No such security key');
        await w.audit({
          actorType: 'operator',
          actorId: userId,
          action: 'auth.webauthn_remove',
          subjectType: 'user',
          subjectId: userId,
        });
      });
    },

    /** Step 1: the password (same checks and same failures as the TOTP login), then a challenge. */
    async loginOptions(email: string, password: string, rp: RelyingParty, device?: string) {
      const { user, fail } = await sessions.checkPassword(email, password, device);
      const creds = await credentialsOf(user.id);
      if (creds.length === 0) return fail('no_webauthn');
      const options = await generateAuthenticationOptions({
        rpID: rp.rpID,
        allowCredentials: creds.map((c) => ({ id: c.id, transports: c.transports })),
        userVerification: 'preferred',
      });
      const ticket = randomBytes(32);
      const orgKey = user.org_key_sealed ? await users.unlockOrgKey(user.id, password) : null;
      await db
        .insertInto('pending_logins')
        .values({
          id: sha256(ticket),
          user_id: user.id,
          challenge: options.challenge,
          org_key_enc: orgKey ? wrapWithKey(sessionWrapKey(ticket), orgKey, 'pending-login') : null,
          expires_at: new Date(clock.now().getTime() + PENDING_MS),
        })
        .execute();
      orgKey?.fill(0);
      await db.deleteFrom('pending_logins').where('expires_at', '<', clock.now()).execute();
      return { ticket: ticket.toString('base64url'), options };
    },

    /** Step 2: the signed challenge; a ticket is used once. */
    async loginVerify(
      ticketText: string,
      response: AuthenticationResponseJSON,
      rp: RelyingParty,
    ): Promise<LoginResult> {
      const ticket = Buffer.from(ticketText, 'base64url');
      const pending = await db
        .deleteFrom('pending_logins')
        .where('id', '=', sha256(ticket))
        .returningAll()
        .executeTakeFirst();
      if (!pending || new Date(pending.expires_at) <= clock.now()) {
        throw new AppError('invalid_credentials', 'E-mail, password or code is wrong');
      }
      const cred = await db
        .selectFrom('webauthn_credentials')
        .selectAll()
        .where('id', '=', response.id)
        .where('user_id', '=', pending.user_id)
        .executeTakeFirst();
      const failed = async (): Promise<never> => {
        await audit.record({
          actorType: 'operator',
          actorId: pending.user_id,
          action: 'auth.login_failed',
          details: { reason: 'webauthn' },
        });
        throw new AppError('invalid_credentials', 'E-mail, password or code is wrong');
      };
      if (!cred) return failed();
      let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
      try {
        result = await verifyAuthenticationResponse({
          response,
          expectedChallenge: pending.challenge,
          expectedOrigin: rp.origin,
          expectedRPID: rp.rpID,
          credential: {
            id: cred.id,
            publicKey: new Uint8Array(cred.public_key),
            counter: Number(cred.counter),
            transports: cred.transports as never,
          },
          requireUserVerification: false,
        });
      } catch {
        return failed();
      }
      if (!result.verified) return failed();
      await db
        .updateTable('webauthn_credentials')
        .set({ counter: result.authenticationInfo.newCounter, last_used_at: clock.now() })
        .where('id', '=', cred.id)
        .execute();
      const user = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', pending.user_id)
        .executeTakeFirstOrThrow();
      if (user.disabled_at) return failed();
      const orgKey = pending.org_key_enc
        ? unwrapWithKey(sessionWrapKey(ticket), pending.org_key_enc, 'pending-login')
        : null;
      return sessions.createSession(user, orgKey, 'webauthn');
    },
  };
}

export type WebauthnService = ReturnType<typeof createWebauthnService>;
