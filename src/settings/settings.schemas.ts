import { z } from 'zod';
import { CHANNEL_KINDS } from './public-channels.ts';

/** What the settings routes answer (the API contract; the console takes its types from here). */

/** GET/PUT /api/settings/intake */
export const ZIntake = z.object({ strictMode: z.boolean() });

/** GET/PUT /api/settings/routing */
export const ZRoutingSettings = z.object({ autoAssignByLanguage: z.boolean() });

/** GET/PUT /api/settings/organisation: what the public pages and the bots show. */
export const ZOrganisation = z.object({
  name: z.string(),
  description: z.string(),
  channels: z.array(z.object({ kind: z.enum(CHANNEL_KINDS), value: z.string() })),
  /** Hash of the current logo (null: none). */
  logo: z.string().nullable(),
});

export type IntakeSettings = z.infer<typeof ZIntake>;
export type RoutingSettings = z.infer<typeof ZRoutingSettings>;
export type OrganisationSettings = z.infer<typeof ZOrganisation>;
