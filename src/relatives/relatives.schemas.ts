import { z } from 'zod';
import { oneOf } from '../http/schemas.ts';
import { LANGUAGES } from '../i18n/languages.ts';
import { humanPartialDate } from '../lib/dates.ts';
import { recordStatuses } from '../pow/pow.lists.ts';
import { ZPowLetter } from '../pow/pow.schemas.ts';
import { ANSWER_KINDS, INQUIRY_CHANNELS, INQUIRY_STATUSES } from './relatives.lists.ts';

/**
 * What the relatives-desk routes answer (the API contract; the console takes its types from here).
 * Zod only: the console imports it.
 */

export const ZSoughtPerson = z.object({
  surname: z.string(),
  firstNames: z.string(),
  fatherName: z.string().optional(),
  dateOfBirth: z.string().optional(),
  placeOfBirth: z.string().optional(),
  unit: z.string().optional(),
});

export const ZInquirySummary = z.object({
  id: z.string(),
  ref: z.string(),
  channel: z.enum(INQUIRY_CHANNELS),
  language: z.string(),
  status: z.enum(INQUIRY_STATUSES),
  answerKind: z.enum(ANSWER_KINDS).nullable(),
  createdAt: z.string(),
  sought: ZSoughtPerson,
});

export const ZInquiryPage = z.object({ items: z.array(ZInquirySummary), total: z.number() });

const ZScriptName = z.object({ original: z.string(), latin: z.string() });

export const ZInquiryCandidate = z.object({
  recordId: z.string(),
  ref: z.string(),
  surname: ZScriptName,
  firstNames: ZScriptName,
  fatherFirstName: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  status: oneOf(recordStatuses),
  disclosureConsent: z.enum(['yes', 'no', 'unknown']),
  /** 0..1 */
  score: z.number(),
  likely: z.boolean(),
  reasons: z.array(z.string()),
});

export const ZInquiryDetail = ZInquirySummary.omit({ answerKind: true }).extend({
  relative: z.object({ name: z.string(), relationship: z.string(), contact: z.string().optional() }),
  message: z.string().optional(),
  answer: z
    .object({ kind: z.enum(ANSWER_KINDS), text: z.string(), answeredAt: z.string().nullable() })
    .nullable(),
  matchedRecord: z.object({ id: z.string(), ref: z.string() }).nullable(),
  candidates: z.array(ZInquiryCandidate),
  /** Two or more likely candidates the score cannot tell apart: a registrar must look closer. */
  ambiguous: z.boolean(),
  templates: z.record(z.enum(ANSWER_KINDS), z.string()),
  letters: z.array(ZPowLetter.omit({ inquiryId: true })),
  /** Telegram answers: the outbox delivery of each message sent to the relative. */
  delivery: z.array(
    z.object({
      status: z.enum(['pending', 'sending', 'sent', 'failed']),
      error: z.string().nullable(),
      sentAt: z.string().nullable(),
    }),
  ),
});

export type SoughtPerson = z.infer<typeof ZSoughtPerson>;
export type InquirySummary = z.infer<typeof ZInquirySummary>;
export type InquiryPage = z.infer<typeof ZInquiryPage>;
export type InquiryCandidate = z.infer<typeof ZInquiryCandidate>;
export type InquiryDetail = z.infer<typeof ZInquiryDetail>;

// ---- what the relatives-desk routes take

/** An inquiry: who is sought and who asks (the web form, the bot and operators send this). */
const text = (max: number) => z.string().trim().max(max);
export const inquiryQuerySchema = z.object({
  sought: z.object({
    surname: text(200).min(1),
    firstNames: text(200).min(1),
    fatherName: text(200).optional(),
    // Day-first and unpadded forms too (15.03.1990, 1990-3-15): stored as ISO.
    dateOfBirth: humanPartialDate.optional(),
    placeOfBirth: text(200).optional(),
    unit: text(200).optional(),
  }),
  relative: z.object({
    name: text(200).min(1),
    relationship: text(100).min(1),
    contact: text(300).optional(),
  }),
  message: text(4000).optional(),
});
/** The body of POST /api/relatives/inquiries (an operator takes an inquiry by phone). */
export const ZNewInquiry = inquiryQuerySchema.extend({ language: z.enum(LANGUAGES) });
export type NewInquiry = z.input<typeof ZNewInquiry>;
