import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { AppError } from '../errors.ts';
import { ZError } from '../http/schemas.ts';
import { CHANNEL_KINDS, type OrganisationService } from './organisation.ts';
import { ZOrganisation } from './settings.schemas.ts';

const ZBody = z.object({
  name: z.string().max(200),
  description: z.string().max(1000),
  channels: z.array(z.object({ kind: z.enum(CHANNEL_KINDS), value: z.string().max(300) })).max(30),
});

export function registerOrganisationRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; organisation: OrganisationService },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const guard = requireSession(deps.sessions, 'settings.manage');
  r.get(
    '/api/settings/organisation',
    {
      preValidation: guard,
      schema: {
        tags: ['settings'],
        summary: 'The organisation shown on the public pages and by the bots',
        response: { 200: ZOrganisation },
      },
    },
    async () => deps.organisation.get(),
  );
  r.put(
    '/api/settings/organisation',
    {
      preValidation: guard,
      schema: {
        tags: ['settings'],
        summary:
          'Set the name, description and public channels (phones, bot, WhatsApp, onion, mirrors); audited',
        body: ZBody,
        response: { 200: ZOrganisation, 400: ZError },
      },
    },
    async (req) => deps.organisation.set(req.session!.user.id, req.body),
  );
  r.put(
    '/api/settings/organisation/logo',
    {
      preValidation: guard,
      bodyLimit: 3 * 1024 * 1024,
      schema: {
        tags: ['settings'],
        summary: 'Upload the logo (PNG, JPEG or WebP, base64, ≤ 2 MB); re-encoded to PNG without metadata',
        body: z.object({ image: z.string().max(3 * 1024 * 1024) }),
        response: { 200: ZOrganisation, 400: ZError, 413: ZError },
      },
    },
    async (req) => deps.organisation.setLogo(req.session!.user.id, Buffer.from(req.body.image, 'base64')),
  );
  r.delete(
    '/api/settings/organisation/logo',
    {
      preValidation: guard,
      schema: { tags: ['settings'], summary: 'Remove the logo', response: { 200: ZOrganisation } },
    },
    async (req) => deps.organisation.setLogo(req.session!.user.id, null),
  );
  // Served from our own origin, so the public pages' CSP (img-src 'self') holds.
  app.get('/org/logo.png', { schema: { hide: true } }, async (_req, reply) => {
    const png = await deps.organisation.logo();
    if (!png) throw new AppError('not_found', 'No logo');
    return reply.type('image/png').header('cache-control', 'public, max-age=3600').send(png);
  });
}
