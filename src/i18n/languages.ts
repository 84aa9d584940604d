/** Requester languages. Adding one: docs/adding-a-language.md. No imports: the console bundles this module. */
export const LANGUAGES = ['ru', 'uk', 'en', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];
