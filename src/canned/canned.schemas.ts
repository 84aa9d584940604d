import { z } from 'zod';

/** What the canned-reply routes answer (the API contract; the console takes its types from here). */

export const ZCanned = z.object({
  id: z.string(),
  language: z.string(),
  title: z.string(),
  body: z.string(),
  updatedAt: z.string(),
});

export type CannedReply = z.infer<typeof ZCanned>;
