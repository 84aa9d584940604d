import { z } from 'zod';
import { ARTICLE_CATEGORIES } from './article-categories.ts';

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

/** The body of an article edit (PUT /api/knowledge/:slug/:lang). */
export const ZArticleInput = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(50_000),
  category: z.enum(ARTICLE_CATEGORIES),
  order: z.number().int().min(0).max(1000),
});
export type ArticleInput = z.input<typeof ZArticleInput>;
