/** Knowledge-base sections. No imports: the console bundles this module. */
export const ARTICLE_CATEGORIES = [
  'surrender',
  'rights',
  'relatives',
  'citizenship',
  'safety',
  'about',
] as const;
export type ArticleCategory = (typeof ARTICLE_CATEGORIES)[number];
