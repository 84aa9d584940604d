import { z } from 'zod';

/** What the notification routes answer (the API contract; the console takes its types from here). */

export const ZOperatorNotification = z.object({
  id: z.string(),
  /** meeting_window_soon | moved_unreachable | delivery_failed | … (the console has words for each). */
  kind: z.string(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  readAt: z.string().nullable(),
});

export type OperatorNotification = z.infer<typeof ZOperatorNotification>;
