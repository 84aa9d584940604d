/** The relatives desk's fixed lists. No imports: the console bundles this module. */
export const ANSWER_KINDS = ['found', 'not_found', 'not_disclosed'] as const;
export const INQUIRY_STATUSES = ['open', 'answered'] as const;
export const INQUIRY_CHANNELS = ['web', 'telegram', 'operator'] as const;

export type AnswerKind = (typeof ANSWER_KINDS)[number];
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];
export type InquiryChannel = (typeof INQUIRY_CHANNELS)[number];
