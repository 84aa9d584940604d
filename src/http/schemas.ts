import { z } from 'zod';

/** Every API error body. `code` is stable (see src/errors.ts); `message` is for humans. */
export const ZError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
