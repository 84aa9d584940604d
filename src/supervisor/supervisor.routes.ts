import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import type { CasesService } from '../cases/cases.service.ts';
import type { Vault } from '../crypto/vault.ts';
import { AppError } from '../errors.ts';
import type { FloodService } from '../intake/flood.service.ts';
import type { Admission } from '../lib/admission.ts';
import { ZSupervisorOverview } from './supervisor.schemas.ts';

export function registerSupervisorRoutes(
  app: FastifyInstance,
  deps: {
    sessions: SessionsService;
    cases: CasesService;
    vault: Vault;
    idleMs: number;
    flood?: FloodService | undefined;
    admission?: Admission | undefined;
  },
): void {
  const lanes = z.object({ proof: z.number(), plain: z.number() });
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/supervisor/flood',
    {
      preValidation: requireSession(deps.sessions, 'supervisor.read'),
      schema: {
        tags: ['supervisor'],
        summary:
          "What a flood costs: sunk requests held and purged, intake storage, and this instance's admission state",
        response: {
          200: z.object({
            sinkThreshold: z.number(),
            purgeAfterHours: z.number(),
            sunkHeld: z.number(),
            sunkOldestAt: z.string().nullable(),
            purgedLast24h: z.number(),
            intakeTablesBytes: z.number(),
            admission: z
              .object({
                limit: z.number(),
                inFlight: z.number(),
                queued: lanes,
                admitted: lanes,
                refused: lanes,
                latencyShortMs: z.number(),
                latencyLongMs: z.number(),
              })
              .nullable(),
          }),
        },
      },
    },
    async () => {
      if (!deps.flood) throw new AppError('not_found');
      return { ...(await deps.flood.floodReport()), admission: deps.admission?.stats() ?? null };
    },
  );

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/supervisor/overview',
    {
      preValidation: requireSession(deps.sessions, 'supervisor.read'),
      schema: {
        tags: ['supervisor'],
        summary: 'Who is on shift, what each holds, unassigned and SLA-breaching requests',
        response: {
          200: ZSupervisorOverview,
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
        slaBreached: o.slaBreached,
      };
    },
  );
}
