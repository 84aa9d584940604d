import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZError } from '../http/schemas.ts';
import { requireSession, SESSION_COOKIE } from './auth.guard.ts';
import { permissionsOf } from './policies.ts';
import { ROLES } from './roles.ts';
import type { SessionsService } from './sessions.service.ts';
import type { UsersService } from './users.service.ts';

const ZUser = z.object({
  id: z.string().uuid(),
  email: z.string(),
  role: z.enum(ROLES),
  mustChangePassword: z.boolean(),
  hasOrgKey: z.boolean(),
  permissions: z.array(z.string()),
});

export function registerAuthRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; users: UsersService; secureCookies: boolean },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, users } = deps;
  const cookieOpts = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: deps.secureCookies };

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
        response: {
          200: z.object({ user: ZUser, csrfToken: z.string(), expiresAt: z.string() }),
          401: ZError,
          429: ZError,
        },
      },
    },
    async (req, reply) => {
      const result = await sessions.login(req.body.email, req.body.password, req.body.totp);
      reply.setCookie(SESSION_COOKIE, result.token, { ...cookieOpts, expires: result.expiresAt });
      return {
        user: { ...result.user, permissions: [...permissionsOf(result.user.role)] },
        csrfToken: result.csrfToken,
        expiresAt: result.expiresAt.toISOString(),
      };
    },
  );

  r.post(
    '/api/auth/logout',
    {
      preHandler: requireSession(sessions, undefined, { allowPasswordChangePending: true }),
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
      preHandler: requireSession(sessions, undefined, { allowPasswordChangePending: true }),
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
      preHandler: requireSession(sessions, undefined, { allowPasswordChangePending: true }),
      schema: {
        tags: ['auth'],
        summary: 'Change my password; ends every session of mine (log in again)',
        body: z.object({ currentPassword: z.string().max(256), newPassword: z.string().max(256) }),
        response: { 204: z.null(), 400: ZError, 401: ZError },
      },
    },
    async (req, reply) => {
      await users.changePassword(req.session!.user.id, req.body.currentPassword, req.body.newPassword);
      reply.clearCookie(SESSION_COOKIE, cookieOpts);
      return reply.code(204).send(null);
    },
  );
}
