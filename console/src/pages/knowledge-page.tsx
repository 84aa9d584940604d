import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  LANGUAGES as REQUEST_LANGUAGES,
  type Language as RequestLanguage,
} from '../../../src/i18n/languages.ts';
import { ARTICLE_CATEGORIES } from '../../../src/knowledge/article-categories.ts';
import type { ArticleListItem } from '../../../src/knowledge/knowledge.schemas.ts';
import { getArticle, isApiError, listArticles } from '../api.ts';
import { ArticleEditor, ArticleVersions } from '../components/knowledge-editor.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { languageName } from '../lib/labels.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

const LANG_KEY = 'wf.console.kbLang';

function initialLanguage(uiLanguage: string): RequestLanguage {
  try {
    const v = sessionStorage.getItem(LANG_KEY);
    if (v && (REQUEST_LANGUAGES as readonly string[]).includes(v)) return v as RequestLanguage;
  } catch {
    // Storage disabled: fall through.
  }
  return (REQUEST_LANGUAGES as readonly string[]).includes(uiLanguage)
    ? (uiLanguage as RequestLanguage)
    : 'ru';
}

export function categoryLabel(t: TFunction, c: string): string {
  return (ARTICLE_CATEGORIES as readonly string[]).includes(c)
    ? t(`knowledge.categories.${c as (typeof ARTICLE_CATEGORIES)[number]}`)
    : c;
}

type Mode = { kind: 'read' } | { kind: 'edit' } | { kind: 'create' };

/**
 * The knowledge base the public FAQ is built from, for operators answering questions: search, read
 * in any of the requesters' languages, and (admins) edit with every version kept.
 */
export function KnowledgePage({ slug }: { slug: string | null }) {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const canEdit = hasPermission(user, 'knowledge.manage');
  const [lang, setLangState] = useState<RequestLanguage>(() => initialLanguage(i18n.language));
  const [query, setQuery] = useState('');
  const [debounced] = useDebouncedValue(query.trim(), 250);
  const [mode, setMode] = useState<Mode>({ kind: 'read' });
  usePageTitle(t('knowledge.title'));

  const setLang = (l: RequestLanguage) => {
    setLangState(l);
    setMode({ kind: 'read' });
    try {
      sessionStorage.setItem(LANG_KEY, l);
    } catch {
      // Storage disabled: the choice lasts for this page only.
    }
  };

  const list = useQuery({
    queryKey: queryKeys.knowledgeList(lang, debounced),
    queryFn: ({ signal }) => listArticles(lang, debounced, signal),
    staleTime: 60_000,
    placeholderData: (prev) => prev,
  });

  const article = useQuery({
    queryKey: queryKeys.article(slug ?? '', lang),
    queryFn: ({ signal }) => getArticle(slug ?? '', lang, signal),
    enabled: slug !== null,
    staleTime: 60_000,
    retry: false,
  });

  // The link itself navigates; opening an article leaves any editor.
  const open = () => setMode({ kind: 'read' });

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h3">
          {t('knowledge.title')}
        </Title>
        <Group gap="sm">
          <Text size="sm" id="kb-lang-label">
            {t('knowledge.contentLanguage')}
          </Text>
          <SegmentedControl
            size="xs"
            aria-labelledby="kb-lang-label"
            value={lang}
            onChange={(v) => setLang(v as RequestLanguage)}
            data={REQUEST_LANGUAGES.map((l) => ({
              value: l,
              label: (
                <span lang={l} title={languageName(t, l)}>
                  {l.toUpperCase()}
                </span>
              ),
            }))}
            data-testid="kb-language"
          />
          {canEdit && (
            <Button
              size="xs"
              variant="light"
              onClick={() => setMode({ kind: 'create' })}
              data-testid="kb-new"
            >
              {t('knowledge.new')}
            </Button>
          )}
        </Group>
      </Group>
      <div className="wf-kb-layout">
        <Paper withBorder p="sm" component="nav" aria-label={t('knowledge.listLabel')}>
          <Stack gap="sm">
            <TextInput
              type="search"
              label={t('knowledge.search')}
              placeholder={t('knowledge.searchPlaceholder')}
              value={query}
              onChange={(e) => setQuery(e.currentTarget.value)}
              maxLength={200}
              size="sm"
              data-testid="kb-search"
              rightSection={list.isFetching ? <Loader size={14} aria-label={t('app.loading')} /> : null}
            />
            {list.isError && (
              <Alert color="red" role="alert" p="xs">
                {describeError(t, list.error)}
              </Alert>
            )}
            {list.data && (
              <ArticleList
                items={list.data.items}
                searching={debounced !== ''}
                current={slug}
                onOpen={open}
              />
            )}
          </Stack>
        </Paper>
        <Paper withBorder p="md" className="wf-kb-article-pane">
          {mode.kind === 'create' ? (
            <ArticleEditor
              lang={lang}
              article={null}
              onCancel={() => setMode({ kind: 'read' })}
              onSaved={(s) => {
                setMode({ kind: 'read' });
                navigate(paths.knowledge(s));
              }}
            />
          ) : slug === null ? (
            <Text c="dimmed" size="sm">
              {t('knowledge.pick')}
            </Text>
          ) : article.isPending ? (
            <Loader aria-label={t('app.loading')} />
          ) : article.isError ? (
            isApiError(article.error) && article.error.code === 'not_found' ? (
              <Stack gap="sm" data-testid="kb-missing">
                <Text>{t('knowledge.missingInLanguage', { language: languageName(t, lang) })}</Text>
                {canEdit && (
                  <Group>
                    <Button size="xs" onClick={() => setMode({ kind: 'edit' })}>
                      {t('knowledge.writeTranslation')}
                    </Button>
                  </Group>
                )}
                {mode.kind === 'edit' && (
                  <ArticleEditor
                    lang={lang}
                    article={null}
                    slug={slug}
                    onCancel={() => setMode({ kind: 'read' })}
                    onSaved={() => setMode({ kind: 'read' })}
                  />
                )}
              </Stack>
            ) : (
              <Alert color="red" role="alert">
                {describeError(t, article.error)}
              </Alert>
            )
          ) : mode.kind === 'edit' ? (
            <ArticleEditor
              lang={lang}
              article={article.data}
              onCancel={() => setMode({ kind: 'read' })}
              onSaved={() => setMode({ kind: 'read' })}
            />
          ) : (
            <Stack gap="sm">
              <Group justify="space-between" align="flex-start" wrap="nowrap">
                <Stack gap={4}>
                  <Title order={2} size="h3" lang={lang} data-testid="kb-article-title">
                    {article.data.title}
                  </Title>
                  <Group gap={6}>
                    <Badge variant="light" tt="none">
                      {categoryLabel(t, article.data.category)}
                    </Badge>
                    <Badge variant="light" color="gray" tt="none">
                      {languageName(t, lang)}
                    </Badge>
                  </Group>
                </Stack>
                {canEdit && (
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => setMode({ kind: 'edit' })}
                    data-testid="kb-edit"
                  >
                    {t('app.edit')}
                  </Button>
                )}
              </Group>
              <div
                className="wf-article"
                lang={lang}
                data-testid="kb-article"
                // Safe: this HTML is produced by the server's own Markdown renderer
                // (src/knowledge/articles.ts renderMarkdown), which escapes all article text before
                // adding its own tags; it is the same HTML the public /kb pages serve. Never pass
                // anything else here.
                // biome-ignore lint/security/noDangerouslySetInnerHtml: server-rendered, escaped Markdown (see above)
                dangerouslySetInnerHTML={{ __html: article.data.html }}
              />
              {canEdit && <ArticleVersions slug={article.data.slug} lang={lang} />}
            </Stack>
          )}
        </Paper>
      </div>
    </Stack>
  );
}

function ArticleList({
  items,
  searching,
  current,
  onOpen,
}: {
  items: ArticleListItem[];
  searching: boolean;
  current: string | null;
  onOpen(): void;
}) {
  const { t } = useTranslation();
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="kb-empty">
        {searching ? t('knowledge.noResults') : t('knowledge.empty')}
      </Text>
    );
  }
  const link = (a: ArticleListItem) => (
    <Link
      to={paths.knowledge(a.slug)}
      size="sm"
      aria-current={a.slug === current ? 'page' : undefined}
      onNavigate={onOpen}
      data-testid={`kb-item-${a.slug}`}
    >
      {a.title}
    </Link>
  );
  if (searching) {
    return (
      <ul
        className="wf-plain-list wf-kb-results"
        aria-label={t('knowledge.results', { count: items.length })}
      >
        {items.map((a) => (
          <li key={a.slug}>
            {link(a)}
            {a.snippet && (
              <Text size="xs" c="dimmed" lineClamp={3}>
                {a.snippet}
              </Text>
            )}
          </li>
        ))}
      </ul>
    );
  }
  const categories = [...new Set(items.map((a) => a.category))];
  return (
    <Stack gap="xs">
      {categories.map((c) => (
        <section key={c} aria-label={categoryLabel(t, c)}>
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            {categoryLabel(t, c)}
          </Text>
          <ul className="wf-plain-list">
            {items
              .filter((a) => a.category === c)
              .map((a) => (
                <li key={a.slug}>{link(a)}</li>
              ))}
          </ul>
        </section>
      ))}
    </Stack>
  );
}
