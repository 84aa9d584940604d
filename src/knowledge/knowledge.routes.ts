import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireSession } from '../auth/auth.guard.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { AppError } from '../errors.ts';
import { layout } from '../http/page-layout.ts';
import { ZError } from '../http/schemas.ts';
import { LANGUAGES, type Language, type MessageKey, negotiateLanguage, t } from '../i18n/i18n.ts';
import { html, SafeHtml } from '../lib/html.ts';
import { ARTICLE_CATEGORIES, isSlug } from './articles.ts';
import { ZArticle, ZArticleInput, ZArticleListItem, ZArticleVersion } from './knowledge.schemas.ts';
import type { KnowledgeService } from './knowledge.service.ts';

function langOf(req: FastifyRequest): Language {
  return negotiateLanguage(
    (req.query as Record<string, unknown> | undefined)?.lang,
    req.headers['accept-language'],
  );
}

function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** Public FAQ pages (server-rendered, no JS) and the operators' search and the admins' editor API. */
export function registerKnowledgeRoutes(
  app: FastifyInstance,
  deps: { sessions: SessionsService; knowledge: KnowledgeService },
): void {
  const { knowledge, sessions } = deps;

  app.get('/kb', async (req, reply) => {
    const lang = langOf(req);
    const kb = await knowledge.load();
    const list = kb.list(lang);
    const body = html`<h1>${t(lang, 'kb.heading')}</h1><p>${t(lang, 'kb.intro')}</p>
${ARTICLE_CATEGORIES.filter((c) => list.some((a) => a.category === c)).map(
  (c) =>
    html`<h2>${t(lang, `kb.category.${c}` as MessageKey)}</h2><ul class="kb-list">${list
      .filter((a) => a.category === c)
      .map((a) => html`<li><a href="/kb/${a.slug}?lang=${lang}">${a.title}</a></li>`)}</ul>`,
)}
<p><a href="/?lang=${lang}">${t(lang, 'error.back')}</a></p>`;
    return sendHtml(reply, 200, layout(lang, '/kb', body));
  });

  app.get('/kb/:slug', async (req, reply) => {
    const lang = langOf(req);
    const slug = (req.params as { slug: string }).slug;
    if (!isSlug(slug)) throw new AppError('not_found');
    const article = (await knowledge.load()).get(slug, lang);
    if (!article) throw new AppError('not_found');
    // The article HTML comes from our own Markdown renderer, which escapes all text first.
    const body = html`<article><h1>${article.title}</h1>${new SafeHtml(article.html)}</article>
<p><a href="/kb?lang=${lang}">${t(lang, 'kb.back')}</a></p>`;
    return sendHtml(reply, 200, layout(lang, `/kb/${slug}`, body));
  });

  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/knowledge',
    {
      preValidation: requireSession(sessions),
      schema: {
        tags: ['knowledge'],
        summary: 'List articles, or search them with q',
        querystring: z.object({ lang: z.enum(LANGUAGES).default('ru'), q: z.string().max(200).optional() }),
        response: {
          200: z.object({ items: z.array(ZArticleListItem) }),
        },
      },
    },
    async (req) => {
      const kb = await knowledge.load();
      if (req.query.q) return { items: kb.search(req.query.q, req.query.lang, 20) };
      return {
        items: kb.list(req.query.lang).map((a) => ({ slug: a.slug, title: a.title, category: a.category })),
      };
    },
  );

  r.get(
    '/api/knowledge/:slug/:lang',
    {
      preValidation: requireSession(sessions),
      schema: {
        tags: ['knowledge'],
        summary: 'One article (current version)',
        params: z.object({ slug: z.string().max(80), lang: z.enum(LANGUAGES) }),
        response: { 200: ZArticle, 404: ZError },
      },
    },
    async (req) => {
      const a = (await knowledge.load()).get(req.params.slug, req.params.lang);
      if (!a) throw new AppError('not_found', 'No such article');
      return a;
    },
  );

  r.put(
    '/api/knowledge/:slug/:lang',
    {
      preValidation: requireSession(sessions, 'knowledge.manage'),
      schema: {
        tags: ['knowledge'],
        summary: 'Save a new version of an article (or create one)',
        params: z.object({
          slug: z
            .string()
            .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
            .max(80),
          lang: z.enum(LANGUAGES),
        }),
        body: ZArticleInput,
        response: { 200: z.object({ version: z.number() }), 400: ZError },
      },
    },
    async (req) => knowledge.edit(req.session!.user.id, req.params.slug, req.params.lang, req.body),
  );

  r.get(
    '/api/knowledge/:slug/:lang/versions',
    {
      preValidation: requireSession(sessions, 'knowledge.manage'),
      schema: {
        tags: ['knowledge'],
        summary: 'Version history of an article',
        params: z.object({ slug: z.string().max(80), lang: z.enum(LANGUAGES) }),
        response: {
          200: z.object({ items: z.array(ZArticleVersion) }),
          404: ZError,
        },
      },
    },
    async (req) => ({ items: await knowledge.versions(req.params.slug, req.params.lang) }),
  );
}
