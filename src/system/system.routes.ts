import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import type { RoutingKeeper } from '../crypto/routing-keeper.ts';
import type { Db } from '../db/database.ts';
import { ZRoutingStatus } from './routing-status.ts';

/**
 * The state of this instance's routing key, for the console's "locked since …" banner. Any operator
 * may see it: it says only whether replies and channel messages can flow right now.
 */
export function registerSystemRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; routingKeeper: RoutingKeeper; db: Db },
): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/system/routing',
    {
      preValidation: requireSession(deps.sessions),
      schema: {
        tags: ['system'],
        summary: 'Whether this server holds the routing key (replies and channel messages flow)',
        response: { 200: ZRoutingStatus },
      },
    },
    async () => {
      const pending = await deps.db
        .selectFrom('inbound_updates')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('processed_at', 'is', null)
        .where('payload_enc', 'is not', null)
        .executeTakeFirstOrThrow();
      return { ...deps.routingKeeper.status(), pendingUpdates: Number(pending.n) };
    },
  );
}
