import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LANGUAGES } from '../i18n/i18n.ts';
import {
  ARTICLE_CATEGORIES,
  CORE_ARTICLES,
  DEFAULT_ARTICLES_DIR,
  FULL_LANGUAGES,
  frontMatterSchema,
  type KnowledgeBase,
  KnowledgeBaseError,
  loadArticles,
  parseFrontMatter,
  renderMarkdown,
  termMatches,
  toPlainText,
} from './articles.ts';

const REQUIRED_SLUGS = [
  'how-surrender-works',
  'what-to-expect-in-custody',
  'pow-rights',
  'for-relatives',
  'mobilized-at-home',
  'occupied-regions-citizenship',
  'digital-safety',
  'about-the-hotline',
];

let kb: KnowledgeBase;
beforeAll(async () => {
  kb = await loadArticles();
});

describe('the shipped articles', () => {
  it('has every required slug in every language', () => {
    for (const slug of REQUIRED_SLUGS) {
      expect(kb.slugs).toContain(slug);
      for (const lang of LANGUAGES) expect(kb.get(slug, lang), `${slug}.${lang}`).toBeDefined();
    }
    for (const lang of LANGUAGES) expect(kb.list(lang)).toHaveLength(kb.slugs.length);
  });

  it('has one file per slug and language, each with valid front matter', async () => {
    const dir = DEFAULT_ARTICLES_DIR;
    const files = (await readdir(dir)).filter((f) => f.endsWith('.md'));
    // Every article in ru/uk/en; a further requester language has at least the core articles.
    const further = LANGUAGES.filter((l) => !FULL_LANGUAGES.includes(l));
    expect(files.length).toBeGreaterThanOrEqual(
      kb.slugs.length * FULL_LANGUAGES.length + further.length * CORE_ARTICLES.length,
    );
    expect(files.length).toBeLessThanOrEqual(kb.slugs.length * LANGUAGES.length);
    for (const file of files) {
      const parsed = parseFrontMatter(await readFile(new URL(file, dir), 'utf8'));
      expect(parsed.ok, file).toBe(true);
      if (!parsed.ok) continue;
      const fm = frontMatterSchema.safeParse(parsed.data);
      expect(fm.success, `${file}: ${fm.error?.message}`).toBe(true);
    }
  });

  it('keeps category and order identical across translations, and titles distinct within a language', () => {
    for (const slug of kb.slugs) {
      const [ru, uk, en] = LANGUAGES.map((l) => kb.get(slug, l)!);
      expect(ARTICLE_CATEGORIES).toContain(ru!.category);
      expect([uk!.category, en!.category]).toEqual([ru!.category, ru!.category]);
      expect([uk!.order, en!.order]).toEqual([ru!.order, ru!.order]);
    }
    for (const lang of LANGUAGES) {
      const titles = kb.list(lang).map((a) => a.title);
      expect(new Set(titles).size).toBe(titles.length);
    }
  });

  it('uses only the supported Markdown subset: no HTML, links, images or external addresses', () => {
    for (const lang of LANGUAGES) {
      for (const a of kb.list(lang)) {
        const where = `${a.slug}.${a.lang}.md`;
        expect(a.body, where).not.toMatch(/[<>]/);
        expect(a.body, where).not.toMatch(/\]\(|!\[|https?:|www\.|`/i);
        for (const line of a.body.split('\n')) {
          expect(line, where).not.toMatch(/^\s*(?:#{4,}|>|\||\*\s|\+\s)/);
        }
        expect(a.html, where).not.toMatch(/<(?!\/?(?:h[123]|p|ul|ol|li|strong)>)/);
      }
    }
  });

  it('cites the Third Geneva Convention articles the rights article promises', () => {
    const ru = kb.get('pow-rights', 'ru')!.body;
    const en = kb.get('pow-rights', 'en')!.body;
    for (const n of ['13', '14', '17', '26', '27', '30', '34', '71', '72', '118', '126']) {
      expect(ru).toContain(`(статья ${n})`);
      expect(en).toContain(`(Article ${n})`);
    }
    expect(ru).toContain('(статьи 109 и 110)');
    expect(en).toContain('(Articles 109 and 110)');
    expect(ru).toContain('не меньше двух писем и четырёх открыток в месяц');
    expect(en).toContain('two letters and four cards a month');
  });

  it('tells the requester that the operator gives the exact instructions', () => {
    expect(kb.get('how-surrender-works', 'ru')!.body).toContain(
      'точные указания для вашего случая даёт оператор',
    );
    expect(kb.get('how-surrender-works', 'uk')!.body).toContain(
      'точні вказівки саме для вашого випадку дає оператор',
    );
    expect(kb.get('how-surrender-works', 'en')!.body).toContain(
      'the operator gives you the exact instructions',
    );
  });

  it('lists articles by category (in the declared order), then by order', () => {
    for (const lang of LANGUAGES) {
      const list = kb.list(lang);
      const keys = list.map((a) => [ARTICLE_CATEGORIES.indexOf(a.category), a.order] as const);
      const sorted = [...keys].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      expect(keys).toEqual(sorted);
      expect(list[0]!.slug).toBe('how-surrender-works');
      expect(list.at(-1)!.slug).toBe('about-the-hotline');
    }
  });

  it('returns undefined for an unknown slug', () => {
    expect(kb.get('no-such-article', 'ru')).toBeUndefined();
  });
});

describe('search', () => {
  it('finds «Женевск» in Russian, case-insensitively, with the title hit first', () => {
    const hits = kb.search('женевск', 'ru');
    expect(hits.length).toBeGreaterThan(1);
    expect(hits[0]!.slug).toBe('pow-rights');
    expect(hits[0]!.title).toContain('Женевской');
    const bodyOnly = hits.find((h) => h.slug === 'how-surrender-works');
    expect(bodyOnly?.snippet).toMatch(/Женевской/);
    expect(kb.search('ЖЕНЕВСК', 'ru').map((h) => h.slug)).toEqual(hits.map((h) => h.slug));
  });

  it('finds "Geneva" in English with the title hit first', () => {
    const hits = kb.search('Geneva', 'en');
    expect(hits[0]!.slug).toBe('pow-rights');
    expect(hits.length).toBeGreaterThan(1);
    expect(hits.every((h) => h.snippet.length > 0 && h.snippet.length <= 210)).toBe(true);
  });

  it('matches inflected forms, ё/е and Ukrainian apostrophes', () => {
    expect(kb.search('конвенция', 'ru').map((h) => h.slug)).toContain('pow-rights');
    expect(kb.search('ещё', 'ru').length).toBeGreaterThan(0);
    expect(kb.search('еще', 'ru').length).toBe(kb.search('ещё', 'ru').length);
    expect(kb.search("зв'язок", 'uk').map((h) => h.slug)).toContain('how-surrender-works');
    expect(kb.search('звязок', 'uk').map((h) => h.slug)).toContain('how-surrender-works');
  });

  it('searches only the requested language and handles empty or junk queries', () => {
    expect(kb.search('Geneva', 'ru')).toEqual([]);
    expect(kb.search('', 'ru')).toEqual([]);
    expect(kb.search('   !!! ', 'en')).toEqual([]);
    expect(kb.search('zzzqqq', 'en')).toEqual([]);
    expect(kb.search('Tor', 'en', 2)).toHaveLength(2);
  });

  it('ranks by title hits, then by how many query words match', () => {
    const hits = kb.search('паспорт гражданство', 'ru');
    expect(hits[0]!.slug).toBe('occupied-regions-citizenship');
  });

  it('matches word prefixes and close inflections only', () => {
    expect(termMatches('женевск', 'женевской')).toBe(true);
    expect(termMatches('конвенции', 'конвенция')).toBe(true);
    expect(termMatches('rights', 'right')).toBe(true);
    expect(termMatches('плен', 'пленных')).toBe(true);
    expect(termMatches('плен', 'оплата')).toBe(false);
    expect(termMatches('tor', 'torture')).toBe(true);
    expect(termMatches('geneva', 'general')).toBe(false);
  });
});

describe('renderMarkdown', () => {
  it('escapes HTML: no raw markup passes through', () => {
    const html = renderMarkdown(
      '<script>alert("x")</script>\n\n# <img src=x onerror=alert(1)>\n\n- **<b>bold</b>**',
    );
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('<h1>&lt;img src=x onerror=alert(1)&gt;</h1>');
    expect(html).toContain('<li><strong>&lt;b&gt;bold&lt;/b&gt;</strong></li>');
  });

  it('renders headings, paragraphs, lists and bold', () => {
    const md = [
      '# One',
      '## Two',
      '### Three',
      '#### Four stays text',
      '',
      'First line',
      'same paragraph with **bold** & more.',
      '',
      '- apple',
      '- pear',
      '  continued',
      '',
      '1. first',
      '2. second',
      '',
      '3. third',
      'after the list',
    ].join('\n');
    expect(renderMarkdown(md)).toBe(
      [
        '<h1>One</h1>',
        '<h2>Two</h2>',
        '<h3>Three</h3>',
        '<p>#### Four stays text</p>',
        '<p>First line same paragraph with <strong>bold</strong> &amp; more.</p>',
        '<ul><li>apple</li><li>pear continued</li></ul>',
        '<ol><li>first</li><li>second</li></ol>',
        '<ol start="3"><li>third</li></ol>',
        '<p>after the list</p>',
      ].join('\n'),
    );
  });

  it('leaves links, images and unmatched markers as text', () => {
    expect(renderMarkdown('[a](https://x.test) ![i](y.png) **open')).toBe(
      '<p>[a](https://x.test) ![i](y.png) **open</p>',
    );
    expect(renderMarkdown('')).toBe('');
    expect(renderMarkdown('a\r\n\r\nb')).toBe('<p>a</p>\n<p>b</p>');
  });

  it('has a plain-text counterpart for plain channels', () => {
    expect(toPlainText('## Title\n\nSome **bold** text.\n\n- one\n1. two')).toBe(
      'Title\n\nSome bold text.\n\n• one\n1. two',
    );
  });
});

describe('loading a folder', () => {
  const temps: string[] = [];
  afterEach(async () => {
    await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  async function folder(files: Record<string, string>): Promise<URL> {
    const dir = await mkdtemp(join(tmpdir(), 'whiteflag-kb-'));
    temps.push(dir);
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return pathToFileURL(`${dir}/`);
  }
  const article = (title: string, category = 'about', order = '1') =>
    `---\ntitle: ${title}\ncategory: ${category}\norder: ${order}\n---\nBody of ${title}.\n`;
  const complete = {
    'faq.ru.md': article('Вопрос'),
    'faq.uk.md': article('Питання'),
    'faq.en.md': article('Question: and answer'),
  };

  async function loadError(dir: URL): Promise<KnowledgeBaseError> {
    const err = await loadArticles(dir).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KnowledgeBaseError);
    return err as KnowledgeBaseError;
  }

  it('loads a complete folder (titles may contain colons)', async () => {
    const base = await loadArticles(await folder(complete));
    expect(base.slugs).toEqual(['faq']);
    expect(base.get('faq', 'en')?.title).toBe('Question: and answer');
    expect(base.get('faq', 'ru')?.html).toBe('<p>Body of Вопрос.</p>');
  });

  it('names the missing translation', async () => {
    const { 'faq.uk.md': _omitted, ...rest } = complete;
    const err = await loadError(await folder(rest));
    expect(err.message).toContain('missing translation faq.uk.md');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.file).toMatch(/faq\.uk\.md$/);
  });

  it('names the file with broken front matter and says what is wrong', async () => {
    const err = await loadError(
      await folder({ ...complete, 'faq.uk.md': article('Питання', 'weather', 'first') }),
    );
    expect(err.message).toContain('faq.uk.md: invalid front matter');
    expect(err.message).toContain('category');
    expect(err.message).toContain('order: must be an integer');
    expect(err.problems[0]!.file).toMatch(/faq\.uk\.md$/);
  });

  it('rejects a missing front-matter block, an empty or over-long title and unknown keys', async () => {
    const cases: Record<string, string> = {
      'a.en.md': 'No front matter here.\n',
      'b.en.md': '---\ntitle: x\ncategory: about\norder: 1\n',
      'c.en.md': article(''),
      'd.en.md': article('x'.repeat(201)),
      'e.en.md': '---\ntitle: x\ncategory: about\norder: 1\nauthor: me\n---\nBody\n',
      'f.en.md': article('x', 'about', '1.5'),
      'g.en.md': '---\ntitle: x\ncategory: about\norder: 1\n---\n\n',
    };
    const err = await loadError(await folder(cases));
    const byFile = (name: string) => err.problems.filter((p) => p.file.endsWith(name)).map((p) => p.message);
    expect(byFile('a.en.md').join()).toContain('must start with a front-matter block');
    expect(byFile('b.en.md').join()).toContain('not closed');
    expect(byFile('c.en.md').join()).toContain('title: must not be empty');
    expect(byFile('d.en.md').join()).toContain('title: must be at most 200 characters');
    expect(byFile('e.en.md').join()).toMatch(/author/);
    expect(byFile('f.en.md').join()).toContain('order: must be an integer');
    expect(byFile('g.en.md').join()).toContain('no body');
  });

  it('rejects badly named files, unknown languages and inconsistent translations', async () => {
    const err = await loadError(
      await folder({
        ...complete,
        'faq.en.md': article('Question', 'about', '2'),
        'Bad Name.en.md': article('x'),
        'faq.de.md': article('Frage'),
      }),
    );
    expect(err.message).toContain('Bad Name.en.md: file name must be <slug>.<lang>.md');
    expect(err.message).toContain('faq.de.md: unknown language "de"');
    expect(err.message).toMatch(/faq\.en\.md: category\/order \(about\/2\) differ/);
  });

  it('rejects an empty or missing folder', async () => {
    expect((await loadError(await folder({}))).message).toContain('no articles found');
    expect((await loadError(new URL('./does-not-exist/', DEFAULT_ARTICLES_DIR))).message).toContain(
      'cannot read the folder',
    );
  });
});
