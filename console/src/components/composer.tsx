import { Button, Group, Select, Tabs, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type KeyboardEvent, type RefObject, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueItem, ReplyRoute } from '../../../src/cases/cases.schemas.ts';
import type { Language as RequestLanguage } from '../../../src/i18n/languages.ts';
import { listCannedReplies, postNote, postReply } from '../api.ts';
import { readDraft, writeDraft } from '../lib/drafts.ts';
import { languageName } from '../lib/labels.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';
import { CannedReplyModal } from './canned-replies-manager.tsx';

export type ComposerMode = 'reply' | 'note';

// The server's message size limit (LIMITS.body in src/intake/message-content.ts).
const MAX_BODY = 5000;

interface Props {
  request: QueueItem;
  mode: ComposerMode;
  onModeChange(mode: ComposerMode): void;
  replyRef: RefObject<HTMLTextAreaElement | null>;
  canReply: boolean;
  /** Where a reply can go; the first is where he last wrote. */
  routes?: ReplyRoute[];
}

function isSendKey(e: KeyboardEvent): boolean {
  return e.key === 'Enter' && (e.ctrlKey || e.metaKey);
}

/** Reply to the requester (in their language) or add an internal note; Ctrl+Enter sends either. */
export function Composer({ request, mode, onModeChange, replyRef, canReply, routes = [] }: Props) {
  const { t } = useTranslation();
  return (
    <Tabs value={mode} onChange={(v) => v && onModeChange(v as ComposerMode)} keepMounted>
      <Tabs.List aria-label={t('request.composer.label')}>
        <Tabs.Tab value="reply" disabled={!canReply} data-testid="composer-reply-tab">
          {t('request.composer.reply')}
        </Tabs.Tab>
        <Tabs.Tab value="note" data-testid="composer-note-tab">
          {t('request.composer.note')}
        </Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="reply" pt="xs">
        <ReplyForm request={request} textareaRef={replyRef} routes={routes} />
      </Tabs.Panel>
      <Tabs.Panel value="note" pt="xs">
        <NoteForm request={request} />
      </Tabs.Panel>
    </Tabs>
  );
}

function useInvalidateRequest(id: string) {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.request(id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.queueAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.countsAll });
  };
}

function ReplyForm({
  request,
  textareaRef,
  routes,
}: {
  request: QueueItem;
  textareaRef: RefObject<HTMLTextAreaElement | null>;
  routes: ReplyRoute[];
}) {
  const { t } = useTranslation();
  const [body, setBodyState] = useState(() => readDraft(request.id, 'reply'));
  const setBody = (text: string) => {
    setBodyState(text);
    writeDraft(request.id, 'reply', text);
  };
  // Empty: where he last wrote (the server decides, so a message that just came in counts).
  const [via, setVia] = useState<string | null>(null);
  const [cannedValue, setCannedValue] = useState<string | null>(null);
  // A reply worth reusing can be suggested for the canned list, before or right after sending it.
  const [lastSent, setLastSent] = useState('');
  const [suggesting, setSuggesting] = useState<string | null>(null);
  const canSuggest = hasPermission(useCurrentUser(), 'canned.suggest');
  const suggestText = body.trim() || lastSent;
  const invalidate = useInvalidateRequest(request.id);
  const language = languageName(t, request.language);

  const canned = useQuery({
    queryKey: queryKeys.canned(request.language),
    queryFn: () => listCannedReplies(request.language),
    staleTime: 5 * 60_000,
  });

  const send = useMutation({
    mutationFn: (text: string) => postReply(request.id, text, via ?? undefined),
    onSuccess: (r, text) => {
      setLastSent(text);
      setBody('');
      notifySuccess(t('request.reply.sent', { channel: t(`channel.${r.channel ?? request.channel}`) }));
      invalidate();
    },
    onError: (e) => notifyError(t, e),
  });

  function submit() {
    const text = body.trim();
    if (!text || send.isPending) return;
    send.mutate(text);
  }

  /** Puts the canned text where the cursor is, so it can open or close a reply already started. */
  function insertCanned(id: string | null) {
    const item = canned.data?.items.find((c) => c.id === id);
    setCannedValue(null);
    if (!item) return;
    const el = textareaRef.current;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    const next = body.slice(0, start) + item.body + body.slice(end);
    setBody(next);
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      const caret = start + item.body.length;
      el.setSelectionRange(caret, caret);
    });
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Textarea
        ref={textareaRef}
        label={t('request.reply.label', { language })}
        placeholder={t('request.reply.placeholder')}
        lang={request.language}
        autosize
        minRows={3}
        maxRows={8}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (isSendKey(e)) {
            e.preventDefault();
            submit();
          }
        }}
        maxLength={MAX_BODY}
        data-testid="reply-input"
      />
      <Group justify="space-between" mt="xs" gap="xs" wrap="nowrap">
        <Select
          aria-label={t('request.reply.canned')}
          placeholder={t('request.reply.canned')}
          data={(canned.data?.items ?? []).map((c) => ({ value: c.id, label: c.title }))}
          value={cannedValue}
          onChange={insertCanned}
          searchable
          nothingFoundMessage={t('request.reply.cannedNone')}
          disabled={canned.isError}
          size="xs"
          w={300}
          data-testid="canned-select"
        />
        {canSuggest && (
          <Button
            size="compact-xs"
            variant="subtle"
            disabled={!suggestText}
            onClick={() => setSuggesting(suggestText)}
            data-testid="canned-suggest"
          >
            {t('request.reply.suggest')}
          </Button>
        )}
        <Group gap="xs" wrap="nowrap">
          {routes.length > 1 && (
            <Select
              aria-label={t('request.reply.via')}
              data={[
                {
                  value: '',
                  label: t('request.reply.viaLast', { channel: t(`channel.${routes[0]?.channel ?? 'web'}`) }),
                },
                ...routes.map((r) => ({ value: r.id, label: t(`channel.${r.channel}`) })),
              ]}
              value={via ?? ''}
              onChange={(v) => setVia(v ? v : null)}
              allowDeselect={false}
              size="xs"
              w={200}
              data-testid="reply-via"
            />
          )}
          <Text size="xs" c="dimmed">
            {t('request.reply.hint')}
          </Text>
          <Button type="submit" loading={send.isPending} disabled={!body.trim()} data-testid="reply-send">
            {t('request.reply.send')}
          </Button>
        </Group>
      </Group>
      {suggesting !== null && (
        <CannedReplyModal
          editing={{ mode: 'suggest', language: request.language, body: suggesting }}
          defaultLanguage={request.language as RequestLanguage}
          onClose={() => setSuggesting(null)}
          onSaved={() => setSuggesting(null)}
        />
      )}
    </form>
  );
}

function NoteForm({ request }: { request: QueueItem }) {
  const { t } = useTranslation();
  const [body, setBodyState] = useState(() => readDraft(request.id, 'note'));
  const setBody = (text: string) => {
    setBodyState(text);
    writeDraft(request.id, 'note', text);
  };
  const ref = useRef<HTMLTextAreaElement>(null);
  const invalidate = useInvalidateRequest(request.id);

  const add = useMutation({
    mutationFn: (text: string) => postNote(request.id, text),
    onSuccess: () => {
      setBody('');
      notifySuccess(t('request.note.added'));
      invalidate();
    },
    onError: (e) => notifyError(t, e),
  });

  function submit() {
    const text = body.trim();
    if (!text || add.isPending) return;
    add.mutate(text);
  }

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Textarea
        ref={ref}
        label={t('request.note.label')}
        autosize
        minRows={3}
        maxRows={8}
        value={body}
        onChange={(e) => setBody(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (isSendKey(e)) {
            e.preventDefault();
            submit();
          }
        }}
        maxLength={MAX_BODY}
        data-testid="note-input"
      />
      <Group justify="flex-end" mt="xs" gap="xs">
        <Text size="xs" c="dimmed">
          {t('request.reply.hint')}
        </Text>
        <Button
          type="submit"
          color="yellow"
          variant="light"
          loading={add.isPending}
          disabled={!body.trim()}
          data-testid="note-add"
        >
          {t('request.note.add')}
        </Button>
      </Group>
    </form>
  );
}
