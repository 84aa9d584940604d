import {
  Alert,
  Button,
  Group,
  Loader,
  NativeSelect,
  NumberInput,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Language as RequestLanguage } from '../../../src/i18n/languages.ts';
import { ARTICLE_CATEGORIES, type ArticleCategory } from '../../../src/knowledge/article-categories.ts';
import type { Article } from '../../../src/knowledge/knowledge.schemas.ts';
import { listArticleVersions, saveArticle } from '../api.ts';
import { useDirectory } from '../hooks/use-directory.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { languageName } from '../lib/labels.ts';
import { notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';

const SLUG_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function isCategory(v: string): v is ArticleCategory {
  return (ARTICLE_CATEGORIES as readonly string[]).includes(v);
}

interface EditorProps {
  lang: RequestLanguage;
  /** The article being edited; null to write a new one (or a missing translation of `slug`). */
  article: Article | null;
  slug?: string;
  onCancel(): void;
  onSaved(slug: string): void;
}

/**
 * Admins edit an article in Markdown; each save is a new version (the old ones stay, audited). The
 * server renders and escapes the Markdown; nothing typed here reaches a page as HTML.
 */
export function ArticleEditor({ lang, article, slug: fixedSlug, onCancel, onSaved }: EditorProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const creating = article === null && fixedSlug === undefined;
  const [slug, setSlug] = useState(article?.slug ?? fixedSlug ?? '');
  const [title, setTitle] = useState(article?.title ?? '');
  const [category, setCategory] = useState<ArticleCategory>(
    article && isCategory(article.category) ? article.category : 'surrender',
  );
  const [order, setOrder] = useState<number | string>(article?.order ?? 100);
  const [body, setBody] = useState(article?.body ?? '');
  const [touched, setTouched] = useState(false);

  const slugError = creating && touched && !SLUG_RE.test(slug) ? t('knowledge.editor.slugInvalid') : null;
  const orderNumber = typeof order === 'number' ? order : Number(order);
  const valid =
    SLUG_RE.test(slug) &&
    title.trim() !== '' &&
    body.trim() !== '' &&
    Number.isInteger(orderNumber) &&
    orderNumber >= 0 &&
    orderNumber <= 1000;

  const save = useMutation({
    mutationFn: () => saveArticle(slug, lang, { title: title.trim(), body, category, order: orderNumber }),
    onSuccess: (r) => {
      notifySuccess(t('knowledge.editor.saved', { version: r.version }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.knowledgeAll });
      onSaved(slug);
    },
  });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (!valid || save.isPending) return;
    save.mutate();
  }

  return (
    <form onSubmit={onSubmit} aria-labelledby="kb-editor-heading" data-testid="kb-editor">
      <Stack gap="sm">
        <Title order={2} size="h4" id="kb-editor-heading">
          {creating
            ? t('knowledge.editor.createTitle', { language: languageName(t, lang) })
            : t('knowledge.editor.editTitle', { language: languageName(t, lang) })}
        </Title>
        {creating && (
          <TextInput
            label={t('knowledge.editor.slug')}
            description={t('knowledge.editor.slugHint')}
            value={slug}
            onChange={(e) => setSlug(e.currentTarget.value.toLowerCase())}
            error={slugError}
            required
            maxLength={80}
            data-testid="kb-editor-slug"
          />
        )}
        <TextInput
          label={t('knowledge.editor.title')}
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          required
          maxLength={200}
          lang={lang}
          error={touched && !title.trim() ? t('knowledge.editor.required') : null}
          data-testid="kb-editor-title"
        />
        <Group grow align="flex-start">
          <NativeSelect
            label={t('knowledge.editor.category')}
            value={category}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (isCategory(v)) setCategory(v);
            }}
            data={ARTICLE_CATEGORIES.map((c) => ({ value: c, label: t(`knowledge.categories.${c}`) }))}
            data-testid="kb-editor-category"
          />
          <NumberInput
            label={t('knowledge.editor.order')}
            description={t('knowledge.editor.orderHint')}
            value={order}
            onChange={setOrder}
            min={0}
            max={1000}
            allowDecimal={false}
            data-testid="kb-editor-order"
          />
        </Group>
        <Textarea
          label={t('knowledge.editor.body')}
          description={t('knowledge.editor.bodyHint')}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          required
          autosize
          minRows={12}
          maxRows={28}
          maxLength={50_000}
          lang={lang}
          classNames={{ input: 'wf-mono' }}
          error={touched && !body.trim() ? t('knowledge.editor.required') : null}
          data-testid="kb-editor-body"
        />
        {save.isError && (
          <Alert color="red" role="alert" p="xs">
            {describeError(t, save.error)}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel}>
            {t('app.cancel')}
          </Button>
          <Button
            type="submit"
            loading={save.isPending}
            disabled={touched && !valid}
            data-testid="kb-editor-save"
          >
            {t('knowledge.editor.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Every saved version of one article in one language, newest first (admins). */
export function ArticleVersions({ slug, lang }: { slug: string; lang: RequestLanguage }) {
  const { t, i18n } = useTranslation();
  const { byId } = useDirectory();
  const versions = useQuery({
    queryKey: queryKeys.articleVersions(slug, lang),
    queryFn: () => listArticleVersions(slug, lang),
  });
  return (
    <Stack gap="xs" mt="md">
      <Title order={3} size="h5" id="kb-versions-heading">
        {t('knowledge.versions.title')}
      </Title>
      {versions.isPending && <Loader size="xs" aria-label={t('app.loading')} />}
      {versions.isError && (
        <Text size="sm" c="red" role="alert">
          {describeError(t, versions.error)}
        </Text>
      )}
      {versions.data && (
        <div className="wf-table-scroll">
          <Table
            striped
            withTableBorder
            verticalSpacing={4}
            aria-labelledby="kb-versions-heading"
            data-testid="kb-versions"
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('knowledge.versions.version')}</Table.Th>
                <Table.Th scope="col">{t('knowledge.versions.titleColumn')}</Table.Th>
                <Table.Th scope="col">{t('knowledge.versions.at')}</Table.Th>
                <Table.Th scope="col">{t('knowledge.versions.by')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {versions.data.items.map((v, i) => (
                <Table.Tr key={v.version} data-current={i === 0}>
                  <Table.Td>
                    {v.version}
                    {i === 0 && (
                      <Text span size="xs" c="dimmed">
                        {' '}
                        ({t('knowledge.versions.current')})
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td lang={lang}>{v.title}</Table.Td>
                  <Table.Td>{formatDateTime(v.createdAt, i18n.language)}</Table.Td>
                  <Table.Td>
                    {v.createdBy
                      ? (byId.get(v.createdBy)?.email ?? v.createdBy)
                      : t('knowledge.versions.shipped')}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Stack>
  );
}
