import {
  Alert,
  Button,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CannedReply, CannedReplyInput, CannedSuggestion } from '../../../src/canned/canned.schemas.ts';
import {
  LANGUAGES as REQUEST_LANGUAGES,
  type Language as RequestLanguage,
} from '../../../src/i18n/languages.ts';
import {
  approveCannedSuggestion,
  createCannedReply,
  deleteCannedReply,
  listCannedReplies,
  listCannedSuggestions,
  rejectCannedSuggestion,
  suggestCannedReply,
  updateCannedReply,
} from '../api.ts';
import { useDirectory } from '../hooks/use-directory.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';

export type Editing =
  | { mode: 'create' }
  | { mode: 'edit'; item: CannedReply }
  /** An operator proposes a reply (from one they wrote). */
  | { mode: 'suggest'; language: string; body: string }
  /** A supervisor reviews a proposal: edits, then approves. */
  | { mode: 'review'; suggestion: CannedSuggestion };

/** Supervisors keep the quick replies operators insert, one list per requester language. */
export function CannedRepliesManager() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [language, setLanguage] = useState<RequestLanguage>('ru');
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<CannedReply | null>(null);

  const list = useQuery({
    queryKey: queryKeys.canned(language),
    queryFn: () => listCannedReplies(language),
  });

  const remove = useMutation({
    mutationFn: (id: string) => deleteCannedReply(id),
    onSuccess: () => {
      setDeleting(null);
      notifySuccess(t('supervisor.canned.deleted'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.cannedAll });
    },
    onError: (e) => notifyError(t, e),
  });

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h4">
          {t('supervisor.canned.title')}
        </Title>
        <Group gap="sm">
          <SegmentedControl
            aria-label={t('supervisor.canned.language')}
            size="xs"
            value={language}
            onChange={(v) => setLanguage(v as RequestLanguage)}
            data={REQUEST_LANGUAGES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
          />
          <Button size="xs" onClick={() => setEditing({ mode: 'create' })} data-testid="canned-new">
            {t('supervisor.canned.new')}
          </Button>
        </Group>
      </Group>
      {list.isError ? (
        <Alert color="red" role="alert">
          {describeError(t, list.error)}
        </Alert>
      ) : list.data && list.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('supervisor.canned.empty')}
        </Text>
      ) : (
        <Table verticalSpacing={6} aria-label={t('supervisor.canned.title')} data-testid="canned-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('supervisor.canned.titleField')}</Table.Th>
              <Table.Th scope="col">{t('supervisor.canned.body')}</Table.Th>
              <Table.Th scope="col">{t('supervisor.canned.updated')}</Table.Th>
              <Table.Th scope="col" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(list.data?.items ?? []).map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td fw={600}>{item.title}</Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2} lang={item.language}>
                    {item.body}
                  </Text>
                </Table.Td>
                <Table.Td className="wf-nowrap">{formatDateTime(item.updatedAt, i18n.language)}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <Button
                      size="compact-xs"
                      variant="default"
                      onClick={() => setEditing({ mode: 'edit', item })}
                    >
                      {t('app.edit')}
                    </Button>
                    <Button size="compact-xs" variant="light" color="red" onClick={() => setDeleting(item)}>
                      {t('app.delete')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <CannedSuggestions onReview={(suggestion) => setEditing({ mode: 'review', suggestion })} />
      {editing && (
        <CannedReplyModal
          editing={editing}
          defaultLanguage={language}
          onClose={() => setEditing(null)}
          onSaved={(lang) => {
            setEditing(null);
            setLanguage(lang);
          }}
        />
      )}
      <ConfirmDialog
        opened={deleting !== null}
        title={t('app.delete')}
        message={t('supervisor.canned.deleteConfirm', { title: deleting?.title ?? '' })}
        danger
        loading={remove.isPending}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      />
    </Stack>
  );
}

interface ModalProps {
  editing: Editing;
  defaultLanguage: RequestLanguage;
  onClose(): void;
  onSaved(language: RequestLanguage): void;
}

function initialOf(editing: Editing): { language?: string; title: string; body: string } {
  switch (editing.mode) {
    case 'create':
      return { title: '', body: '' };
    case 'edit':
      return editing.item;
    case 'suggest':
      return { language: editing.language, title: '', body: editing.body };
    case 'review':
      return editing.suggestion;
  }
}

function saveCanned(editing: Editing, input: CannedReplyInput): Promise<unknown> {
  switch (editing.mode) {
    case 'create':
      return createCannedReply(input);
    case 'edit':
      return updateCannedReply(editing.item.id, input);
    case 'suggest':
      return suggestCannedReply(input);
    case 'review':
      return approveCannedSuggestion(editing.suggestion.id, input);
  }
}

const MODAL_TEXT = {
  create: { title: 'supervisor.canned.createTitle', save: 'app.save', done: 'supervisor.canned.saved' },
  edit: { title: 'supervisor.canned.editTitle', save: 'app.save', done: 'supervisor.canned.saved' },
  suggest: {
    title: 'supervisor.canned.suggestTitle',
    save: 'supervisor.canned.suggest',
    done: 'supervisor.canned.suggested',
  },
  review: {
    title: 'supervisor.canned.reviewTitle',
    save: 'supervisor.canned.approve',
    done: 'supervisor.canned.approved',
  },
} as const;

/** Create or edit a canned reply, suggest one (operators), or review a suggestion (supervisors). */
export function CannedReplyModal({ editing, defaultLanguage, onClose, onSaved }: ModalProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const initial = initialOf(editing);
  const text = MODAL_TEXT[editing.mode];
  // The server takes only requester languages; an item in another keeps the list's language.
  const [language, setLanguage] = useState<RequestLanguage>(
    REQUEST_LANGUAGES.find((l) => l === initial.language) ?? defaultLanguage,
  );
  const [title, setTitle] = useState(initial.title);
  const [body, setBody] = useState(initial.body);

  const save = useMutation({
    mutationFn: (input: CannedReplyInput) => saveCanned(editing, input),
    onSuccess: () => {
      notifySuccess(t(text.done));
      void queryClient.invalidateQueries({ queryKey: queryKeys.cannedAll });
      onSaved(language);
    },
  });

  return (
    <Modal
      opened
      onClose={onClose}
      title={t(text.title)}
      size="lg"
      closeButtonProps={{ 'aria-label': t('app.close') }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (title.trim() && body.trim()) save.mutate({ language, title: title.trim(), body: body.trim() });
        }}
      >
        <Stack gap="sm">
          {editing.mode === 'suggest' && <Text size="sm">{t('supervisor.canned.suggestIntro')}</Text>}
          <Select
            label={t('supervisor.canned.language')}
            data={REQUEST_LANGUAGES.map((l) => ({ value: l, label: t(`language.${l}`) }))}
            value={language}
            onChange={(v) => {
              const l = REQUEST_LANGUAGES.find((x) => x === v);
              if (l) setLanguage(l);
            }}
            allowDeselect={false}
          />
          <TextInput
            label={t('supervisor.canned.titleField')}
            required
            maxLength={120}
            value={title}
            onChange={(e) => setTitle(e.currentTarget.value)}
            data-autofocus
            data-testid="canned-title"
          />
          <Textarea
            label={t('supervisor.canned.body')}
            required
            autosize
            minRows={5}
            maxRows={14}
            maxLength={5000}
            lang={language}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            data-testid="canned-body"
          />
          {save.isError && (
            <Alert color="red" role="alert">
              {describeError(t, save.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('app.cancel')}
            </Button>
            <Button
              type="submit"
              loading={save.isPending}
              disabled={!title.trim() || !body.trim()}
              data-testid="canned-save"
            >
              {t(text.save)}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** What operators suggested, waiting for a supervisor or admin: review (edit, approve) or reject. */
function CannedSuggestions({ onReview }: { onReview(s: CannedSuggestion): void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const { byId } = useDirectory();
  const [rejecting, setRejecting] = useState<CannedSuggestion | null>(null);
  const list = useQuery({ queryKey: queryKeys.cannedSuggestions, queryFn: listCannedSuggestions });
  const reject = useMutation({
    mutationFn: (id: string) => rejectCannedSuggestion(id),
    onSuccess: () => {
      setRejecting(null);
      notifySuccess(t('supervisor.canned.rejected'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.cannedSuggestions });
    },
    onError: (e) => notifyError(t, e),
  });
  const items = list.data?.items ?? [];
  return (
    <Stack gap="xs" data-testid="canned-suggestions">
      <Title order={3} size="h5">
        {t('supervisor.canned.suggestions')} ({items.length})
      </Title>
      <Text size="sm" c="dimmed">
        {t('supervisor.canned.suggestionsIntro')}
      </Text>
      {list.isError ? (
        <Alert color="red" role="alert">
          {describeError(t, list.error)}
        </Alert>
      ) : list.data && items.length === 0 ? (
        <Text size="sm">{t('supervisor.canned.noSuggestions')}</Text>
      ) : (
        <Table verticalSpacing={6} aria-label={t('supervisor.canned.suggestions')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('supervisor.canned.titleField')}</Table.Th>
              <Table.Th scope="col">{t('supervisor.canned.body')}</Table.Th>
              <Table.Th scope="col">{t('supervisor.canned.language')}</Table.Th>
              <Table.Th scope="col" />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((s) => (
              <Table.Tr key={s.id} data-testid={`canned-suggestion-${s.title}`}>
                <Table.Td fw={600}>{s.title}</Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2} lang={s.language}>
                    {s.body}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('supervisor.canned.suggestedBy', {
                      who: (s.suggestedBy && byId.get(s.suggestedBy)?.email) ?? '—',
                      at: formatDateTime(s.createdAt, i18n.language),
                    })}
                  </Text>
                </Table.Td>
                <Table.Td>{t(`language.${s.language}`, { defaultValue: s.language })}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <Button
                      size="compact-xs"
                      onClick={() => onReview(s)}
                      data-testid="canned-suggestion-review"
                    >
                      {t('supervisor.canned.review')}
                    </Button>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setRejecting(s)}
                      data-testid="canned-suggestion-reject"
                    >
                      {t('supervisor.canned.reject')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmDialog
        opened={rejecting !== null}
        title={t('supervisor.canned.reject')}
        message={t('supervisor.canned.rejectConfirm', { title: rejecting?.title ?? '' })}
        danger
        loading={reject.isPending}
        onCancel={() => setRejecting(null)}
        onConfirm={() => rejecting && reject.mutate(rejecting.id)}
      />
    </Stack>
  );
}
