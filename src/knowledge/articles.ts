import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LANGUAGES, type Language } from '../i18n/i18n.ts';
import { escapeHtml } from '../lib/html.ts';
import { ARTICLE_CATEGORIES, type ArticleCategory } from './article-categories.ts';

/**
 * Knowledge base: FAQ articles kept as data in `articles/<slug>.<lang>.md`, one file per language.
 * Every slug must exist in every language (ru, uk, en); a missing or broken file stops the load with an
 * error that names it, so a bad edit is caught at start-up (and by the tests), never in front of a reader.
 *
 * Each file is a small front-matter block followed by a Markdown body in a deliberately tiny subset
 * (headings, paragraphs, `-` and `1.` lists, `**bold**`), rendered by `renderMarkdown`, which escapes
 * everything: article text can never inject HTML into the public site.
 */

/**
 * Languages in which every article must exist. A further requester language (ko …) needs at least the
 * core articles; its readers see the others in English (`get` and `list` fall back). See
 * docs/adding-a-language.md.
 */
export const FULL_LANGUAGES: readonly Language[] = ['ru', 'uk', 'en'];
/** How surrender works and the rights of a prisoner of war: what every requester language must have. */
export const CORE_ARTICLES: readonly string[] = ['how-surrender-works', 'pow-rights'];

/** In display order: `list()` sorts by this order, not alphabetically. */
export { ARTICLE_CATEGORIES, type ArticleCategory };

const SLUG = '[a-z0-9]+(?:-[a-z0-9]+)*';
const SLUG_RE = new RegExp(`^${SLUG}$`);
const FILE_RE = new RegExp(`^(${SLUG})\\.([a-z]{2,3})\\.md$`);

/** Front-matter values arrive as strings (see `parseFrontMatter`); the schema types and checks them. */
export const frontMatterSchema = z.strictObject({
  title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  category: z.enum(ARTICLE_CATEGORIES),
  order: z
    .string()
    .regex(/^[+-]?\d{1,9}$/, 'must be an integer')
    .transform(Number)
    .pipe(z.int()),
});
export type FrontMatter = z.output<typeof frontMatterSchema>;

export interface Article {
  slug: string;
  lang: Language;
  title: string;
  category: ArticleCategory;
  order: number;
  /** Markdown source of the body (front matter removed). */
  body: string;
  /** `renderMarkdown(body)`: safe HTML. */
  html: string;
}

export interface SearchHit {
  slug: string;
  title: string;
  category: ArticleCategory;
  /** Plain text around the first body match (or the start of the article), at most ~200 characters. */
  snippet: string;
}

export interface KnowledgeBase {
  /** Every slug, each available in all languages. */
  readonly slugs: readonly string[];
  /** All articles in one language, sorted by category (in `ARTICLE_CATEGORIES` order), then `order`, then slug. */
  list(lang: Language): readonly Article[];
  get(slug: string, lang: Language): Article | undefined;
  /**
   * Case-insensitive word-prefix search over title and body (Cyrillic-aware: ё = е, ґ = г, apostrophes
   * ignored, so «зв’язок» matches «зв'язок» and «звязок»). Articles with a title hit rank first, then the
   * ones matching more of the query's words, then more body hits.
   */
  search(query: string, lang: Language, limit?: number): SearchHit[];
}

export interface KnowledgeBaseProblem {
  /** Absolute path of the file concerned (for a missing translation: the file that should exist). */
  file: string;
  message: string;
}

export class KnowledgeBaseError extends Error {
  override readonly name = 'KnowledgeBaseError';
  constructor(
    readonly directory: string,
    readonly problems: readonly KnowledgeBaseProblem[],
  ) {
    super(`Knowledge base in ${directory} is invalid:\n${problems.map((p) => `- ${p.message}`).join('\n')}`);
  }
}

export const DEFAULT_ARTICLES_DIR = new URL('./articles/', import.meta.url);

// ---------------------------------------------------------------------------------------------------
// Loading

/**
 * Splits `---\nkey: value\n---\nbody`. Returns the raw string values and the body, or an error message.
 * Blank lines inside the block are allowed: Biome's Markdown formatter (which `npm run lint` applies to
 * the articles) does not know front matter and puts one after the opening `---`.
 */
export function parseFrontMatter(
  source: string,
): { ok: true; data: Record<string, string>; body: string } | { ok: false; error: string } {
  const lines = source
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  if (lines[0]?.trim() !== '---') return { ok: false, error: 'must start with a front-matter block ("---")' };
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) return { ok: false, error: 'front-matter block is not closed with "---"' };
  const data: Record<string, string> = {};
  for (let i = 1; i < end; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const m = /^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m)
      return { ok: false, error: `front matter line ${i + 1} is not "key: value": ${JSON.stringify(line)}` };
    const key = m[1] as string;
    if (Object.hasOwn(data, key)) return { ok: false, error: `front matter repeats "${key}"` };
    let value = (m[2] as string).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    data[key] = value;
  }
  return {
    ok: true,
    data,
    body: lines
      .slice(end + 1)
      .join('\n')
      .trim(),
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(front matter)'}: ${issue.message}`)
    .join('; ');
}

interface IndexedArticle {
  article: Article;
  titleWords: string[];
  bodyText: string;
  bodyWords: { norm: string; index: number }[];
}

export async function loadArticles(dir: URL = DEFAULT_ARTICLES_DIR): Promise<KnowledgeBase> {
  const dirPath = fileURLToPath(dir);
  let names: string[];
  try {
    names = (await readdir(dirPath, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new KnowledgeBaseError(dirPath, [
      { file: dirPath, message: `cannot read the folder: ${(err as Error).message}` },
    ]);
  }

  const problems: KnowledgeBaseProblem[] = [];
  const bySlug = new Map<string, Map<Language, Article>>();

  for (const name of names) {
    const file = join(dirPath, name);
    const m = FILE_RE.exec(name);
    if (!m) {
      problems.push({ file, message: `${name}: file name must be <slug>.<lang>.md (slug: a-z, 0-9, "-")` });
      continue;
    }
    const slug = m[1] as string;
    const lang = m[2] as string;
    if (!(LANGUAGES as readonly string[]).includes(lang)) {
      problems.push({
        file,
        message: `${name}: unknown language "${lang}" (expected ${LANGUAGES.join(', ')})`,
      });
      continue;
    }
    const parsed = parseFrontMatter(await readFile(file, 'utf8'));
    if (!parsed.ok) {
      problems.push({ file, message: `${name}: ${parsed.error}` });
      continue;
    }
    const fm = frontMatterSchema.safeParse(parsed.data);
    if (!fm.success) {
      problems.push({ file, message: `${name}: invalid front matter: ${describeIssues(fm.error)}` });
      continue;
    }
    if (parsed.body === '') {
      problems.push({ file, message: `${name}: the article has no body` });
      continue;
    }
    const article: Article = {
      slug,
      lang: lang as Language,
      ...fm.data,
      body: parsed.body,
      html: renderMarkdown(parsed.body),
    };
    const langs = bySlug.get(slug) ?? new Map<Language, Article>();
    bySlug.set(slug, langs);
    langs.set(article.lang, article);
  }

  for (const [slug, langs] of bySlug) {
    const present = [...langs.keys()].map((l) => `${slug}.${l}.md`).join(', ');
    for (const lang of LANGUAGES) {
      if (!langs.has(lang) && (FULL_LANGUAGES.includes(lang) || CORE_ARTICLES.includes(slug))) {
        problems.push({
          file: join(dirPath, `${slug}.${lang}.md`),
          message: `missing translation ${slug}.${lang}.md (the article "${slug}" exists as ${present})`,
        });
      }
    }
    // The translations are one article: they must sit in the same place in every language's list
    // (compared with the Russian original, the main one).
    const first = langs.get(LANGUAGES[0]) ?? [...langs.values()][0];
    for (const a of langs.values()) {
      if (first && (a.category !== first.category || a.order !== first.order)) {
        problems.push({
          file: join(dirPath, `${slug}.${a.lang}.md`),
          message: `${slug}.${a.lang}.md: category/order (${a.category}/${a.order}) differ from ${slug}.${first.lang}.md (${first.category}/${first.order})`,
        });
      }
    }
  }
  if (bySlug.size === 0 && problems.length === 0) {
    problems.push({ file: dirPath, message: 'no articles found' });
  }
  if (problems.length > 0) throw new KnowledgeBaseError(dirPath, problems);

  return buildKnowledgeBase([...bySlug.values()].flatMap((langs) => [...langs.values()]));
}

/**
 * Indexes a complete set of articles (every slug in every language) for listing and search. Used for
 * the shipped files and for the versions admins edit, which live in the database.
 */
export function buildKnowledgeBase(all: readonly Article[]): KnowledgeBase {
  const bySlug = new Map<string, Map<Language, Article>>();
  for (const a of all) {
    const m = bySlug.get(a.slug) ?? new Map<Language, Article>();
    m.set(a.lang, a);
    bySlug.set(a.slug, m);
  }
  const categoryRank = (c: ArticleCategory) => ARTICLE_CATEGORIES.indexOf(c);
  const lists = new Map<Language, IndexedArticle[]>();
  for (const lang of LANGUAGES) {
    const articles = [...bySlug.values()]
      .map((langs) => langs.get(lang) ?? langs.get('en'))
      .filter((a): a is Article => a !== undefined)
      .sort(
        (a, b) =>
          categoryRank(a.category) - categoryRank(b.category) ||
          a.order - b.order ||
          (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0),
      );
    lists.set(lang, articles.map(indexArticle));
  }
  const slugs = Object.freeze([...(lists.get(LANGUAGES[0]) ?? [])].map((e) => e.article.slug));

  return {
    slugs,
    list: (lang) => (lists.get(lang) ?? []).map((e) => e.article),
    get: (slug, lang) => bySlug.get(slug)?.get(lang) ?? bySlug.get(slug)?.get('en'),
    search: (query, lang, limit = 10) => search(lists.get(lang) ?? [], query, limit),
  };
}

// ---------------------------------------------------------------------------------------------------
// Search

const WORD_RE = /[\p{L}\p{N}]+(?:['’ʼ‘`][\p{L}\p{N}]+)*/gu;

/** Case-folds and removes distinctions people do not type consistently. */
export function normalizeWord(word: string): string {
  return word
    .normalize('NFC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/ґ/g, 'г')
    .replace(/['’ʼ‘`]/g, '');
}

function words(text: string): { norm: string; index: number }[] {
  return [...text.matchAll(WORD_RE)].map((m) => ({ norm: normalizeWord(m[0]), index: m.index }));
}

/** Function words that would match almost every article. */
const STOP_WORDS = new Set(
  [
    // ru
    'и',
    'в',
    'во',
    'на',
    'с',
    'со',
    'к',
    'ко',
    'о',
    'об',
    'от',
    'до',
    'по',
    'за',
    'из',
    'у',
    'не',
    'ли',
    'же',
    'а',
    'но',
    'что',
    'как',
    'это',
    'для',
    'или',
    'если',
    'то',
    'я',
    'мне',
    'меня',
    'мой',
    'мы',
    'вы',
    'он',
    // uk
    'і',
    'й',
    'та',
    'з',
    'із',
    'зі',
    'що',
    'як',
    'це',
    'для',
    'чи',
    'якщо',
    'мені',
    'мій',
    'ви',
    'ми',
    'він',
    // en
    'a',
    'an',
    'the',
    'and',
    'or',
    'of',
    'to',
    'in',
    'on',
    'at',
    'for',
    'is',
    'are',
    'be',
    'i',
    'my',
    'me',
    'we',
    'you',
    'he',
    'how',
    'what',
    'do',
    'does',
    'can',
    'if',
  ].map(normalizeWord),
);

function queryTerms(query: string): string[] {
  const all = [...new Set(words(query.slice(0, 500)).map((w) => w.norm))].slice(0, 12);
  const meaningful = all.filter((t) => !STOP_WORDS.has(t) && t.length >= 2);
  return meaningful.length > 0 ? meaningful : all.filter((t) => t.length >= 2);
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * A query word matches a text word that starts with it («женевск» → «Женевской»), or, for words of five
 * letters or more, one that shares all but its last two letters and at least five (a crude stemmer for
 * inflected forms: «конвенции» ~ «конвенция», «rights» ~ «right», but not «geneva» ~ «general»).
 */
export function termMatches(term: string, word: string): boolean {
  if (word.startsWith(term)) return true;
  return term.length >= 5 && commonPrefix(term, word) >= Math.max(5, term.length - 2);
}

function indexArticle(article: Article): IndexedArticle {
  const bodyText = toPlainText(article.body).replace(/\s+/g, ' ').trim();
  return {
    article,
    titleWords: words(article.title).map((w) => w.norm),
    bodyText,
    bodyWords: words(bodyText),
  };
}

function search(entries: readonly IndexedArticle[], query: string, limit: number): SearchHit[] {
  const terms = queryTerms(query);
  if (terms.length === 0 || limit <= 0) return [];
  const scored: {
    entry: IndexedArticle;
    rank: number;
    titleTerms: number;
    terms: number;
    hits: number;
    at: number;
  }[] = [];
  entries.forEach((entry, rank) => {
    let titleTerms = 0;
    let matched = 0;
    let hits = 0;
    let at = -1;
    for (const term of terms) {
      const inTitle = entry.titleWords.some((w) => termMatches(term, w));
      let inBody = 0;
      for (const w of entry.bodyWords) {
        if (termMatches(term, w.norm)) {
          inBody++;
          if (at < 0 || w.index < at) at = w.index;
        }
      }
      if (inTitle) titleTerms++;
      if (inTitle || inBody > 0) matched++;
      hits += inBody;
    }
    if (matched > 0) scored.push({ entry, rank, titleTerms, terms: matched, hits, at });
  });
  scored.sort(
    (a, b) => b.titleTerms - a.titleTerms || b.terms - a.terms || b.hits - a.hits || a.rank - b.rank,
  );
  return scored.slice(0, limit).map(({ entry, at }) => ({
    slug: entry.article.slug,
    title: entry.article.title,
    category: entry.article.category,
    snippet: snippet(entry.bodyText, at),
  }));
}

const SNIPPET_BEFORE = 60;
const SNIPPET_LENGTH = 200;

function snippet(text: string, at: number): string {
  if (text.length <= SNIPPET_LENGTH) return text;
  let start = at <= SNIPPET_BEFORE ? 0 : at - SNIPPET_BEFORE;
  if (start > 0) {
    const space = text.indexOf(' ', start);
    start = space >= 0 && space < at ? space + 1 : at;
  }
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start) end = space;
  }
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Markdown

const HEADING_RE = /^(#{1,3})[ \t]+(.+?)[ \t]*$/;
const BULLET_RE = /^ {0,3}-[ \t]+(.+)$/;
const NUMBERED_RE = /^ {0,3}(\d{1,9})\.[ \t]+(.+)$/;

/** Escapes the text, then turns `**bold**` into `<strong>`: the only markup that can come out of text. */
function inline(text: string): string {
  return escapeHtml(text).replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, '<strong>$1</strong>');
}

interface OpenList {
  tag: 'ul' | 'ol';
  start: number;
  items: string[];
}

/**
 * Renders the Markdown subset used by the articles: `#`/`##`/`###` headings, paragraphs (blank-line
 * separated), `-` and `1.` lists (an indented line continues the previous item), `**bold**`. Everything
 * else, HTML included, comes out as escaped text.
 */
export function renderMarkdown(md: string): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: OpenList | null = null;

  const closeParagraph = () => {
    if (paragraph.length > 0) out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  const closeList = () => {
    if (list) {
      const open = list.tag === 'ol' && list.start !== 1 ? `<ol start="${list.start}">` : `<${list.tag}>`;
      out.push(`${open}${list.items.map((item) => `<li>${inline(item)}</li>`).join('')}</${list.tag}>`);
    }
    list = null;
  };
  const addItem = (tag: OpenList['tag'], start: number, text: string) => {
    closeParagraph();
    if (list?.tag !== tag) {
      closeList();
      list = { tag, start, items: [] };
    }
    (list as OpenList).items.push(text.trim());
  };

  for (const raw of md.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trimEnd();
    if (line.trim() === '') {
      closeParagraph();
      closeList();
      continue;
    }
    const heading = HEADING_RE.exec(line);
    if (heading) {
      closeParagraph();
      closeList();
      const level = (heading[1] as string).length;
      out.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`);
      continue;
    }
    const bullet = BULLET_RE.exec(line);
    if (bullet) {
      addItem('ul', 1, bullet[1] as string);
      continue;
    }
    const numbered = NUMBERED_RE.exec(line);
    if (numbered) {
      addItem('ol', Number(numbered[1]), numbered[2] as string);
      continue;
    }
    const open = list as OpenList | null;
    if (open && /^[ \t]{2,}\S/.test(line)) {
      const last = open.items.length - 1;
      open.items[last] = `${open.items[last]} ${line.trim()}`;
      continue;
    }
    closeList();
    paragraph.push(line.trim());
  }
  closeParagraph();
  closeList();
  return out.join('\n');
}

/**
 * The body as plain text (for snippets, search and plain-text channels such as SMS): markers removed,
 * list items as "• " / "1. ", one block per line.
 */
export function toPlainText(md: string): string {
  return md
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      const t = line.trim();
      const heading = HEADING_RE.exec(t);
      if (heading) return heading[2] as string;
      const bullet = BULLET_RE.exec(t);
      if (bullet) return `• ${bullet[1]}`;
      return t;
    })
    .join('\n')
    .replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function isSlug(s: string): boolean {
  return SLUG_RE.test(s);
}
