import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import type { CasesService } from '../cases/cases.service.ts';
import type { Vault } from '../crypto/vault.ts';

export function registerSupervisorRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; cases: CasesService; vault: Vault; idleMs: number },
): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/supervisor/overview',
    {
      preValidation: requireSession(deps.sessions, 'supervisor.read'),
      schema: {
        tags: ['supervisor'],
        summary: 'Who is on shift, what each holds, unassigned and SLA-breaching requests',
        response: {
          200: z.object({
            operators: z.array(
              z.object({
                id: z.string(),
                email: z.string(),
                role: z.string(),
                online: z.boolean(),
                lastSeenAt: z.string().nullable(),
                holding: z.number(),
                awaitingReply: z.number(),
              }),
            ),
            unassigned: z.number(),
            slaBreached: z.array(z.record(z.string(), z.unknown())),
          }),
        },
      },
    },
    async () => {
      const o = await deps.cases.supervisorOverview(deps.idleMs);
      return {
        operators: o.users.map(({ emailEnc, ...u }) => ({
          ...u,
          email: deps.vault.decrypt(emailEnc, 'users.email'),
        })),
        unassigned: o.unassigned,
        slaBreached: o.slaBreached as unknown as Array<Record<string, unknown>>,
      };
    },
  );
}
