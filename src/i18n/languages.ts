/** Requester languages. Adding one: docs/adding-a-language.md. No imports: the console bundles this module. */
export const LANGUAGES = ['ru', 'uk', 'en', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Languages requesters write in and operators work in (issue #14): the requester languages plus those
 * triage detects most (codes as triage/language.ts gives them). Operators' language skills and the
 * queue's language filter offer these; their names come from Intl.DisplayNames, not the catalogue.
 */
export const WORK_LANGUAGES = [
  ...LANGUAGES,
  'kk',
  'tt',
  'ba',
  'ce',
  'be',
  'uz',
  'ky',
  'tg',
  'mn',
  'ne',
  'ka',
] as const;
