import { z } from 'zod';
import { DISCLOSURE_CONSENTS, healthStates } from './pow.lists.ts';

export {
  EVENT_TYPES,
  type EventType,
  type HealthState,
  healthStates,
  type RecordStatus,
  recordStatuses,
} from './pow.lists.ts';

/**
 * The identity a POW record holds (GC III art. 17: surname, first names, rank, date of birth,
 * army/regimental/personal/serial number; art. 122 para 4 adds place of birth, the power on which the
 * prisoner depends, father's first name, mother's maiden name, the person to be informed and the
 * address for correspondence). Names are kept as written in the prisoner's own script (`original`)
 * and in Latin letters (`latin`), because humanitarian bodies index them in Latin.
 *
 * The whole object is one server-tier ciphertext (`pow_records.identity_enc`): the bureau must produce
 * notifications unattended (see docs/decisions/0005-pow-registry.md).
 */
const text = (max: number) => z.string().trim().max(max);
const name = z.object({ original: text(200).min(1), latin: text(200) });
/** A calendar date that exists (no 2026-02-30), between 1900 and 2100. */
function realDate(s: string): boolean {
  const [y, m = 1, d = 1] = s.split('-').map(Number) as [number, number?, number?];
  if (y < 1900 || y > 2100 || m < 1 || m > 12) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
/** Full date `YYYY-MM-DD`, or only `YYYY-MM` / `YYYY` when that is all that is known. */
export const partialDate = z
  .string()
  .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'YYYY, YYYY-MM or YYYY-MM-DD')
  .refine(realDate, 'No such date');
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine(realDate, 'No such date');

export const powIdentitySchema = z.object({
  surname: name,
  firstNames: name,
  rank: text(100).optional(),
  /** Army, regimental, personal or serial number (art. 17). */
  serviceNumber: text(100).optional(),
  dateOfBirth: partialDate.optional(),
  placeOfBirth: text(200).optional(),
  /** The power on which the prisoner depends (art. 122), e.g. "Russian Federation". */
  powerDependedOn: text(200).optional(),
  fatherFirstName: text(200).optional(),
  motherMaidenName: text(200).optional(),
  personToInform: z.object({ name: text(200), address: text(500) }).optional(),
  correspondenceAddress: text(500).optional(),
  /** ISO 639-1 codes, the first is the language the capture card is written in. */
  languages: z
    .array(z.string().regex(/^[a-z]{2}$/))
    .min(1)
    .max(5),
  unit: text(200).optional(),
  captureDate: isoDate,
  capturePlace: text(200).optional(),
  /** Annex IV B item 11. */
  health: z.enum(healthStates),
  healthNotes: text(2000).optional(),
  /** Whether the prisoner agrees that relatives who ask are told he is held (respected by the relatives desk). */
  disclosureConsent: z.enum(DISCLOSURE_CONSENTS).default('unknown'),
});
export type PowIdentity = z.infer<typeof powIdentitySchema>;
export type PowIdentityInput = z.input<typeof powIdentitySchema>;
/** A name as written in one or more scripts. */
export type ScriptName = PowIdentity['surname'];

/** What an event may carry besides its date and facility; encrypted (server tier) as one value. */
export const eventDetailsSchema = z
  .object({
    /** Art. 120: death certificate data. */
    death: z
      .object({
        place: z.string().trim().max(300).optional(),
        cause: z.string().trim().max(1000).optional(),
        burialPlace: z.string().trim().max(300).optional(),
        certificateBy: z.string().trim().max(300).optional(),
      })
      .optional(),
    /** Art. 122 para 7: weekly report on the seriously ill or wounded. */
    health: z
      .object({
        seriouslyIll: z.boolean(),
        report: z.string().trim().max(4000),
      })
      .optional(),
    /** Exchange / repatriation batch label (agreed lists). */
    exchangeBatch: z.string().trim().max(100).optional(),
    /** To whom or where a released or repatriated prisoner went. */
    destination: z.string().trim().max(300).optional(),
    notes: z.string().trim().max(4000).optional(),
  })
  .strict();
export type EventDetails = z.infer<typeof eventDetailsSchema>;
