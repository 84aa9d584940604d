import { z } from 'zod';

/** The routing key's state on one server (the console's "locked since …" banner). */
export const ZRoutingStatus = z.object({
  unlocked: z.boolean(),
  lockedSince: z.string().nullable(),
  unlockedAt: z.string().nullable(),
  /** Provider updates recorded sealed and not yet processed (they run once unlocked). */
  pendingUpdates: z.number().int(),
});
export type RoutingStatus = z.infer<typeof ZRoutingStatus>;
