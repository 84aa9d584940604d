import { z } from 'zod';

/** What the knowledge-base API answers (the API contract; the console takes its types from here). */

export const ZArticleListItem = z.object({
  slug: z.string(),
  title: z.string(),
  category: z.string(),
  /** Plain text around the first match (search only). */
  snippet: z.string().optional(),
});

export const ZArticle = z.object({
  slug: z.string(),
  lang: z.string(),
  title: z.string(),
  category: z.string(),
  order: z.number(),
  /** Markdown source. */
  body: z.string(),
  /** Rendered by the server's escaping Markdown renderer. */
  html: z.string(),
});

export const ZArticleVersion = z.object({
  version: z.number(),
  title: z.string(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
});

export type ArticleListItem = z.infer<typeof ZArticleListItem>;
export type Article = z.infer<typeof ZArticle>;
export type ArticleVersion = z.infer<typeof ZArticleVersion>;
