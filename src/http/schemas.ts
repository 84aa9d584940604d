import { z } from 'zod';

/** Every API error body. `code` is stable (see src/errors.ts); `message` is for humans. */
export const ZError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

/**
 * A value the service types as a plain string (a text column) that the contract promises is one of
 * `values`: the handler may return a string, the serializer checks it, and the inferred type the
 * console reads is the narrow union.
 */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().pipe(z.enum(values));
