/** Who is writing: the requester's own answer, the first triage signal. */
export const CALLER_CATEGORIES = [
  'serviceman_war_zone',
  'mobilized_home',
  'relative',
  'just_checking',
  'occupied_resident',
  'other',
] as const;

export type CallerCategory = (typeof CALLER_CATEGORIES)[number];

export const CHANNELS = ['web', 'telegram', 'whatsapp', 'sms', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

/** A request's urgency, 0 (none stated) to 3 (now). */
export const URGENCIES = [0, 1, 2, 3] as const;
export type Urgency = (typeof URGENCIES)[number];
