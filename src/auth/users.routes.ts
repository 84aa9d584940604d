import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { ZError } from '../http/schemas.ts';
import { requireSession } from './auth.guard.ts';
import { ZCreatedUser, ZDirectoryEntry, ZUserSummary } from './auth.schemas.ts';
import { ROLES } from './roles.ts';
import type { SessionsService } from './sessions.service.ts';
import type { UsersService } from './users.service.ts';

export function registerUsersRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; users: UsersService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, users } = deps;

  r.get(
    '/api/users',
    {
      preValidation: requireSession(sessions, 'user.read'),
      schema: {
        tags: ['users'],
        summary: 'List operators',
        response: { 200: z.object({ items: z.array(ZUserSummary) }) },
      },
    },
    async () => ({ items: await users.listUsers() }),
  );

  r.post(
    '/api/users',
    {
      preValidation: requireSession(sessions, 'user.manage'),
      schema: {
        tags: ['users'],
        summary: 'Create an operator; returns a one-time password and the TOTP enrolment URI (shown once)',
        body: z.object({
          email: z.string().max(254),
          role: z.enum(ROLES),
          grantKey: z.boolean().default(false),
        }),
        response: {
          201: ZCreatedUser,
          400: ZError,
          409: ZError,
        },
      },
    },
    async (req, reply) => {
      const s = req.session!;
      let orgKey: Buffer | null = null;
      if (req.body.grantKey) {
        orgKey = s.orgKey();
        if (!orgKey) throw new AppError('key_not_granted', 'You do not hold the organisation key');
      }
      try {
        const u = await users.createUser(
          { email: req.body.email, role: req.body.role },
          { type: 'operator', id: s.user.id },
          orgKey ?? undefined,
        );
        return reply.code(201).send({
          id: u.id,
          email: u.email,
          role: u.role,
          oneTimePassword: u.oneTimePassword as string,
          totpUri: u.totpUri,
          hasOrgKey: u.hasOrgKey,
        });
      } finally {
        orgKey?.fill(0);
      }
    },
  );

  r.post(
    '/api/users/:id/grant-key',
    {
      preValidation: requireSession(sessions, 'key.grant'),
      schema: {
        tags: ['users'],
        summary: 'Give a user the organisation key (they can read request content from their next login)',
        params: z.object({ id: z.string().uuid() }),
        response: { 204: z.null(), 403: ZError, 404: ZError },
      },
    },
    async (req, reply) => {
      const orgKey = req.session!.orgKey();
      if (!orgKey) throw new AppError('key_not_granted', 'You do not hold the organisation key');
      try {
        await users.grantOrgKey(req.params.id, orgKey, { type: 'operator', id: req.session!.user.id });
      } finally {
        orgKey.fill(0);
      }
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/api/users/:id/disable',
    {
      preValidation: requireSession(sessions, 'user.manage'),
      schema: {
        tags: ['users'],
        summary: 'Disable a user; their sessions end at once',
        params: z.object({ id: z.string().uuid() }),
        body: z.object({ disabled: z.boolean().default(true) }).optional(),
        response: { 204: z.null(), 404: ZError },
      },
    },
    async (req, reply) => {
      if (req.params.id === req.session!.user.id)
        throw new AppError('conflict', 'You cannot disable yourself');
      await users.setDisabled(req.params.id, req.body?.disabled ?? true, {
        type: 'operator',
        id: req.session!.user.id,
      });
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/users/directory',
    {
      preValidation: requireSession(sessions, 'user.directory'),
      schema: {
        tags: ['users'],
        summary: 'Active users (id, e-mail, role) to show names for assignees',
        response: {
          200: z.object({ items: z.array(ZDirectoryEntry) }),
        },
      },
    },
    async () => ({ items: await users.directory() }),
  );

  r.post(
    '/api/users/:id/reset-totp',
    {
      preValidation: requireSession(sessions, 'user.manage'),
      schema: {
        tags: ['users'],
        summary: 'New TOTP secret for a user who lost the device; their sessions end',
        params: z.object({ id: z.string().uuid() }),
        response: { 200: z.object({ totpUri: z.string() }), 404: ZError },
      },
    },
    async (req) => ({
      totpUri: await users.resetTotp(req.params.id, { type: 'operator', id: req.session!.user.id }),
    }),
  );
}
