import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZError } from '../http/schemas.ts';
import { requireSession, SESSION_COOKIE } from './auth.guard.ts';
import { ZLoginResult, ZSecurityKey, ZUser } from './auth.schemas.ts';
import { permissionsOf } from './policies.ts';
import type { LoginResult, SessionsService } from './sessions.service.ts';
import type { UsersService } from './users.service.ts';
import type { RelyingParty, WebauthnService } from './webauthn.service.ts';

const ZWebauthnResponse = z
  .object({
    id: z.string().max(400),
    rawId: z.string().max(400),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
  })
  .passthrough();
/**
 * WebAuthn challenge options: the W3C PublicKeyCredential{Creation,Request}OptionsJSON made by
 * @simplewebauthn/server and handed to the browser's WebAuthn API untouched. Not re-described field
 * by field here: a schema that dropped an extension the library adds would break registration.
 */
const ZWebauthnOptions = z.record(z.string(), z.unknown());
/**
 * WebAuthn's RP ID and origin come from configuration only (WHITEFLAG_PUBLIC_ORIGIN, else
 * http://localhost:PORT), never from the Host header: a forged Host must not choose the origin an
 * assertion is checked against (#11).
 */
function relyingParty(publicOrigin: string | undefined): RelyingParty {
  const origin = publicOrigin ?? 'http://localhost';
  return { origin, rpID: new URL(origin).hostname };
}

const DEVICE_COOKIE = 'wf_device';

export function registerAuthRoutes(
  app: FastifyInstance,
  deps: {
    sessions: SessionsService;
    users: UsersService;
    webauthn: WebauthnService;
    secureCookies: boolean;
    publicOrigin: string | undefined;
  },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, users, webauthn } = deps;
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: deps.secureCookies };
  const loginResponse = (result: LoginResult, reply: FastifyReply) => {
    reply.setCookie(SESSION_COOKIE, result.token, { ...cookieOpts, expires: result.expiresAt });
    // Only the login routes read it; it names no one (random + MAC) and lasts half a year.
    reply.setCookie(DEVICE_COOKIE, result.deviceToken, {
      ...cookieOpts,
      path: '/api/auth/login',
      maxAge: 180 * 86_400,
    });
    return {
      user: { ...result.user, permissions: [...permissionsOf(result.user.role)] },
      csrfToken: result.csrfToken,
      expiresAt: result.expiresAt.toISOString(),
    };
  };
  r.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with e-mail, password and a TOTP code; sets the session cookie',
        body: z.object({
          email: z.string().max(254),
          password: z.string().max(256),
          totp: z.string().max(10),
        }),
        response: { 200: ZLoginResult, 401: ZError, 429: ZError },
      },
    },
    async (req, reply) =>
      loginResponse(
        await sessions.login(req.body.email, req.body.password, req.body.totp, req.cookies[DEVICE_COOKIE]),
        reply,
      ),
  );

  r.post(
    '/api/auth/login/webauthn/options',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with a security key, step 1: password, then a WebAuthn challenge',
        body: z.object({ email: z.string().max(254), password: z.string().max(256) }),
        response: {
          200: z.object({ ticket: z.string(), options: ZWebauthnOptions }),
          401: ZError,
          429: ZError,
        },
      },
    },
    async (req) => {
      const r = await webauthn.loginOptions(
        req.body.email,
        req.body.password,
        relyingParty(deps.publicOrigin),
        req.cookies[DEVICE_COOKIE],
      );
      return { ticket: r.ticket, options: r.options as unknown as Record<string, unknown> };
    },
  );

  r.post(
    '/api/auth/login/webauthn/verify',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in with a security key, step 2: the signed challenge',
        body: z.object({ ticket: z.string().max(100), response: ZWebauthnResponse }),
        response: { 200: ZLoginResult, 401: ZError },
      },
    },
    async (req, reply) =>
      loginResponse(
        await webauthn.loginVerify(
          req.body.ticket,
          req.body.response as unknown as AuthenticationResponseJSON,
          relyingParty(deps.publicOrigin),
        ),
        reply,
      ),
  );

  r.post(
    '/api/auth/webauthn/register/options',
    {
      preValidation: requireSession(sessions),
      schema: {
        tags: ['auth'],
        summary: 'Register a security key, step 1',
        response: { 200: ZWebauthnOptions },
      },
    },
    async (req) =>
      (await webauthn.registrationOptions(
        req.session!,
        relyingParty(deps.publicOrigin),
      )) as unknown as Record<string, unknown>,
  );

  r.post(
    '/api/auth/webauthn/register/verify',
    {
      preValidation: requireSession(sessions),
      schema: {
        tags: ['auth'],
        summary: 'Register a security key, step 2',
        body: z.object({ response: ZWebauthnResponse, name: z.string().trim().min(1).max(60) }),
        response: { 200: z.object({ credential: ZSecurityKey }), 400: ZError },
      },
    },
    async (req) => ({
      credential: await webauthn.registrationVerify(
        req.session!,
        req.body.response as unknown as RegistrationResponseJSON,
        req.body.name,
        relyingParty(deps.publicOrigin),
      ),
    }),
  );

  r.get(
    '/api/auth/webauthn/credentials',
    {
      preValidation: requireSession(sessions),
      schema: {
        tags: ['auth'],
        summary: 'My security keys',
        response: { 200: z.object({ items: z.array(ZSecurityKey) }) },
      },
    },
    async (req) => ({ items: await webauthn.list(req.session!.user.id) }),
  );

  r.delete(
    '/api/auth/webauthn/credentials/:id',
    {
      preValidation: requireSession(sessions),
      schema: {
        tags: ['auth'],
        summary: 'Remove one of my security keys',
        params: z.object({ id: z.string().max(400) }),
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      await webauthn.remove(req.session!.user.id, req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/auth/logout',
    {
      preValidation: requireSession(sessions, undefined, { allowPasswordChangePending: true }),
      schema: { tags: ['auth'], summary: 'End this session', response: { 204: z.null(), 401: ZError } },
    },
    async (req, reply) => {
      if (req.session) await sessions.logout(req.session);
      reply.clearCookie(SESSION_COOKIE, cookieOpts);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/auth/me',
    {
      preValidation: requireSession(sessions, undefined, { allowPasswordChangePending: true }),
      schema: {
        tags: ['auth'],
        summary: 'Who am I',
        response: { 200: z.object({ user: ZUser }), 401: ZError },
      },
    },
    async (req) => {
      const u = req.session!.user;
      return { user: { ...u, permissions: [...permissionsOf(u.role)] } };
    },
  );

  r.post(
    '/api/auth/password',
    {
      preValidation: requireSession(sessions, undefined, { allowPasswordChangePending: true }),
      schema: {
        tags: ['auth'],
        summary:
          'Change my password; ends every session of mine (log in again). A wrong current password is ' +
          'throttled per user (429 with Retry-After); ten in a row end every session of mine (401).',
        body: z.object({ currentPassword: z.string().max(256), newPassword: z.string().max(256) }),
        response: { 204: z.null(), 400: ZError, 401: ZError, 429: ZError },
      },
    },
    async (req, reply) => {
      await users.changePassword(req.session!.user.id, req.body.currentPassword, req.body.newPassword);
      reply.clearCookie(SESSION_COOKIE, cookieOpts);
      return reply.code(204).send(null);
    },
  );
}
