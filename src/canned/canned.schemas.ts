import { z } from 'zod';
import { LANGUAGES } from '../i18n/languages.ts';
import { LIMITS } from '../intake/limits.ts';

/** What the canned-reply routes answer (the API contract; the console takes its types from here). */

export const ZCanned = z.object({
  id: z.string(),
  language: z.string(),
  title: z.string(),
  body: z.string(),
  updatedAt: z.string(),
});

export type CannedReply = z.infer<typeof ZCanned>;

/** The body of a new or edited canned reply (and of a suggestion). */
export const ZCannedInput = z.object({
  language: z.enum(LANGUAGES),
  title: z.string().trim().min(1).max(120),
  body: z.string().trim().min(1).max(LIMITS.body),
});
export type CannedReplyInput = z.input<typeof ZCannedInput>;

/** A reply an operator proposed for the canned list, waiting for a supervisor or admin. */
export const ZCannedSuggestion = z.object({
  id: z.string(),
  language: z.string(),
  title: z.string(),
  body: z.string(),
  /** The operator who suggested it (null once that account is deleted). */
  suggestedBy: z.string().nullable(),
  createdAt: z.string(),
});
export type CannedSuggestion = z.infer<typeof ZCannedSuggestion>;
