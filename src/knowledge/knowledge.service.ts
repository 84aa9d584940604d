import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { isLanguage, LANGUAGES, type Language } from '../i18n/i18n.ts';
import {
  ARTICLE_CATEGORIES,
  type Article,
  type ArticleCategory,
  buildKnowledgeBase,
  type KnowledgeBase,
  loadArticles,
  renderMarkdown,
} from './articles.ts';

/**
 * The knowledge base lives in the database with every version kept (admins edit it from the console;
 * each edit is a new version and an audit entry). The shipped Markdown files seed version 1 of each
 * article on first start. The indexed knowledge base is rebuilt after an edit, and every 60 s so that
 * other instances see edits too.
 */
const REFRESH_MS = 60_000;

export function createKnowledgeService(deps: { db: Db; audit: AuditLog; clock: Clock }) {
  const { db, audit, clock } = deps;
  let cache: { kb: KnowledgeBase; at: number } | null = null;

  async function seedFromFiles(): Promise<number> {
    const files = await loadArticles();
    let inserted = 0;
    await audit.write(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(727005)`.execute(trx);
      for (const lang of LANGUAGES) {
        // A further language lists the English article where it has none of its own: seed only its own.
        for (const a of files.list(lang).filter((x) => x.lang === lang)) {
          const r = await trx
            .insertInto('knowledge_articles')
            .values({
              slug: a.slug,
              lang,
              version: 1,
              title: a.title,
              category: a.category,
              sort_order: a.order,
              body: a.body,
              created_at: clock.now(),
              created_by: null,
            })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          inserted += Number(r.numInsertedOrUpdatedRows ?? 0n);
        }
      }
    });
    cache = null;
    return inserted;
  }

  async function load(): Promise<KnowledgeBase> {
    const now = clock.now().getTime();
    if (cache && now - cache.at < REFRESH_MS) return cache.kb;
    const rows = await db
      .selectFrom('knowledge_articles as k')
      .selectAll()
      .where(({ eb, selectFrom }) =>
        eb(
          'k.version',
          '=',
          selectFrom('knowledge_articles as k2')
            .select((e) => e.fn.max('k2.version').as('v'))
            .whereRef('k2.slug', '=', 'k.slug')
            .whereRef('k2.lang', '=', 'k.lang'),
        ),
      )
      .execute();
    const articles: Article[] = rows
      .filter((r) => isLanguage(r.lang) && (ARTICLE_CATEGORIES as readonly string[]).includes(r.category))
      .map((r) => ({
        slug: r.slug,
        lang: r.lang as Language,
        title: r.title,
        category: r.category as ArticleCategory,
        order: r.sort_order,
        body: r.body,
        html: renderMarkdown(r.body),
      }));
    const kb = buildKnowledgeBase(articles);
    cache = { kb, at: now };
    return kb;
  }

  async function edit(
    actorId: string,
    slug: string,
    lang: Language,
    input: { title: string; body: string; category: ArticleCategory; order: number },
  ): Promise<{ version: number }> {
    const version = await audit.write(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(727005)`.execute(trx);
      const last = await trx
        .selectFrom('knowledge_articles')
        .select((e) => e.fn.max('version').as('v'))
        .where('slug', '=', slug)
        .where('lang', '=', lang)
        .executeTakeFirst();
      const next = Number(last?.v ?? 0) + 1;
      await trx
        .insertInto('knowledge_articles')
        .values({
          slug,
          lang,
          version: next,
          title: input.title,
          category: input.category,
          sort_order: input.order,
          body: input.body,
          created_at: clock.now(),
          created_by: actorId,
        })
        .execute();
      await audit.append(
        {
          actorType: 'operator',
          actorId,
          action: 'knowledge.edit',
          subjectType: 'article',
          subjectId: `${slug}.${lang}`,
          details: { version: next },
        },
        trx,
      );
      return next;
    });
    cache = null;
    return { version };
  }

  async function versions(slug: string, lang: Language) {
    const rows = await db
      .selectFrom('knowledge_articles')
      .select(['version', 'title', 'created_at', 'created_by'])
      .where('slug', '=', slug)
      .where('lang', '=', lang)
      .orderBy('version', 'desc')
      .execute();
    if (rows.length === 0) throw new AppError('not_found', 'No such article');
    return rows.map((r) => ({
      version: r.version,
      title: r.title,
      createdAt: new Date(r.created_at).toISOString(),
      createdBy: r.created_by,
    }));
  }

  return { seedFromFiles, load, edit, versions };
}

export type KnowledgeService = ReturnType<typeof createKnowledgeService>;
