import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { ZError } from '../http/schemas.ts';
import { ZPreviewsResponse } from './cases.schemas.ts';
import type { PreviewsService } from './previews.service.ts';

/** At most one queue page of rows (the queue's largest page is 100). */
const MAX_IDS = 100;

export const ZPreviewsQuery = z.object({
  ids: z
    .string()
    .min(1)
    .max(MAX_IDS * 37)
    .transform((s) => s.split(','))
    .pipe(z.array(z.string().uuid()).min(1).max(MAX_IDS)),
});

export function registerPreviewRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; previews: PreviewsService },
): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/requests/previews',
    {
      preValidation: requireSession(deps.sessions, 'request.read'),
      schema: {
        tags: ['requests'],
        summary:
          "The first words of the requester's latest message, for the queue rows on screen that you may open (decrypted in your session; audited once per message)",
        querystring: ZPreviewsQuery,
        response: { 200: ZPreviewsResponse, 400: ZError, 403: ZError },
      },
    },
    async (req) => ({ items: await deps.previews.previewRequests(req.session!, req.query.ids) }),
  );
}
