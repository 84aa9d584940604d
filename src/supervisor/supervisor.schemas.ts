import { z } from 'zod';
import { ROLES } from '../auth/roles.ts';
import { ZQueueItem } from '../cases/cases.schemas.ts';
import { oneOf } from '../http/schemas.ts';

/** What the supervisor routes answer (the API contract; the console takes its types from here). */

export const ZOperatorOnShift = z.object({
  id: z.string(),
  email: z.string(),
  role: oneOf(ROLES),
  online: z.boolean(),
  lastSeenAt: z.string().nullable(),
  holding: z.number(),
  awaitingReply: z.number(),
});

export const ZSupervisorOverview = z.object({
  operators: z.array(ZOperatorOnShift),
  unassigned: z.number(),
  slaBreached: z.array(ZQueueItem),
});

/** Languages on shift, and open requests waiting in a language nobody on shift speaks. */
export const ZLanguagesWaiting = z.object({
  onShift: z.array(z.string()),
  waiting: z.array(z.object({ language: z.string(), waiting: z.number(), oldestAt: z.string() })),
});

export type OperatorOnShift = z.infer<typeof ZOperatorOnShift>;
export type SupervisorOverview = z.infer<typeof ZSupervisorOverview>;
export type LanguagesWaiting = z.infer<typeof ZLanguagesWaiting>;
