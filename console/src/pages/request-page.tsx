import { Alert, Button, Group, Loader, Paper, Stack, Title, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getRequest } from '../api.ts';
import {
  CallbackBadge,
  ReturnedBadge,
  SlaBadge,
  SpamBadge,
  StatusBadge,
  UrgencyBadge,
} from '../components/badges.tsx';
import { CallPanel } from '../components/call-panel.tsx';
import { CaseCalls } from '../components/case-calls.tsx';
import { Composer, type ComposerMode } from '../components/composer.tsx';
import { MergeModal } from '../components/merge-modal.tsx';
import { ProbeModal } from '../components/probe-modal.tsx';
import { ProtocolChecklist } from '../components/protocol-checklist.tsx';
import { RequestActionsPanel } from '../components/request-actions.tsx';
import { RelatedRequests, RequestDetails } from '../components/request-details.tsx';
import { Thread } from '../components/thread.tsx';
import { TriagePanel } from '../components/triage-panel.tsx';
import { useDirectory } from '../hooks/use-directory.ts';
import { useNow } from '../hooks/use-now.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { useRequestActions } from '../hooks/use-request-actions.ts';
import { useShortcuts } from '../hooks/use-shortcuts.ts';
import { describeError } from '../lib/errors.ts';
import { notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { neighbourId, useQueueState } from '../lib/queue-state.tsx';
import { Link, navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

export function RequestPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const now = useNow();
  const { byId } = useDirectory();
  const { orderedIds, setSelectedId } = useQueueState();
  const actions = useRequestActions(id);
  const replyRef = useRef<HTMLTextAreaElement>(null);
  const canReply = hasPermission(user, 'request.reply');
  const [mode, setMode] = useState<ComposerMode>(canReply ? 'reply' : 'note');
  const [probeOpen, probe] = useDisclosure(false);
  const [mergeOpen, merge] = useDisclosure(false);

  const detail = useQuery({
    queryKey: queryKeys.request(id),
    queryFn: ({ signal }) => getRequest(id, signal),
    // The thread is decrypted for this session and every open is audited: no background refetching.
    refetchOnWindowFocus: false,
    staleTime: 30_000,
  });

  usePageTitle(t('request.title', { ref: detail.data?.request.ref ?? '…' }));
  const nextId = neighbourId(orderedIds, id, 1);
  const prevId = orderedIds.includes(id) ? neighbourId(orderedIds, id, -1) : null;
  const go = (target: string | null) => {
    if (!target) return;
    setSelectedId(target);
    navigate(paths.request(target));
  };
  const focusReply = () => {
    if (!canReply) return;
    setMode('reply');
    requestAnimationFrame(() => replyRef.current?.focus());
  };
  const claimable = detail.data !== undefined && detail.data.request.assigneeId !== user.id;

  useShortcuts({
    j: () => go(nextId),
    n: () => go(nextId),
    k: () => go(prevId),
    r: focusReply,
    c: () => {
      if (claimable && !actions.claim.isPending) actions.claim.mutate();
    },
  });

  const afterCaseChange = () => {
    void queryClient.invalidateQueries({ queryKey: queryKeys.request(id) });
    void queryClient.invalidateQueries({ queryKey: queryKeys.queueAll });
    void queryClient.invalidateQueries({ queryKey: queryKeys.countsAll });
  };

  const header = (
    <Group justify="space-between" wrap="nowrap" gap="sm">
      <Group gap="sm" wrap="nowrap">
        <Link to={paths.queue} size="sm">
          ← {t('request.back')}
        </Link>
        <Title order={1} size="h4" className="wf-nowrap">
          {t('request.title', { ref: detail.data?.request.ref ?? '…' })}
        </Title>
        {detail.data && (
          <>
            <StatusBadge status={detail.data.request.status} />
            <UrgencyBadge urgency={detail.data.request.urgency} />
            <SpamBadge item={detail.data.request} />
            <SlaBadge item={detail.data.request} now={now} />
            <CallbackBadge item={detail.data.request} />
            <ReturnedBadge item={detail.data.request} />
          </>
        )}
        {detail.isFetching && !detail.isPending && <Loader size="xs" aria-label={t('app.loading')} />}
      </Group>
      <Group gap={4} wrap="nowrap">
        <Tooltip label="k">
          <Button size="xs" variant="default" disabled={!prevId} onClick={() => go(prevId)}>
            ↑ {t('request.previous')}
          </Button>
        </Tooltip>
        <Tooltip label="j / n">
          <Button
            size="xs"
            variant="default"
            disabled={!nextId || nextId === id}
            onClick={() => go(nextId)}
            data-testid="next-request"
          >
            ↓ {t('request.next')}
          </Button>
        </Tooltip>
      </Group>
    </Group>
  );

  if (detail.isPending) {
    return (
      <Stack gap="sm">
        {header}
        <Loader aria-label={t('app.loading')} />
      </Stack>
    );
  }
  if (detail.isError) {
    return (
      <Stack gap="sm">
        {header}
        <Alert color="red" role="alert" title={describeError(t, detail.error)}>
          <Button size="xs" variant="light" onClick={() => void detail.refetch()}>
            {t('app.retry')}
          </Button>
        </Alert>
      </Stack>
    );
  }

  const d = detail.data;
  return (
    <Stack gap="sm">
      {header}
      <div className="wf-request-layout">
        <section className="wf-thread-col" aria-labelledby="thread-heading">
          <Stack gap="sm">
            <Title order={2} size="h5" id="thread-heading">
              {t('request.thread')}
            </Title>
            <Thread messages={d.messages} users={byId} requestLanguage={d.request.language} />
            <CaseCalls requestId={id} canReply={canReply} users={byId} />
            <Composer
              request={d.request}
              mode={mode}
              onModeChange={setMode}
              replyRef={replyRef}
              canReply={canReply}
              routes={d.routes ?? []}
            />
          </Stack>
        </section>
        <section className="wf-protocol-col" aria-label={t('protocol.title')} data-testid="protocol-column">
          <Paper withBorder p="sm">
            <ProtocolChecklist
              request={d.request}
              messages={d.messages}
              canReply={canReply}
              canComplete={hasPermission(user, 'request.status')}
            />
          </Paper>
        </section>
        <aside className="wf-side" aria-label={t('request.details')}>
          <Stack gap="sm">
            {canReply && (
              <Paper withBorder p="sm">
                <CallPanel />
              </Paper>
            )}
            <Paper withBorder p="sm">
              <RequestActionsPanel detail={d} actions={actions} onProbe={probe.open} onMerge={merge.open} />
            </Paper>
            <Paper withBorder p="sm">
              <TriagePanel request={d.request} actions={actions} />
            </Paper>
            <Paper withBorder p="sm">
              <RequestDetails detail={d} users={byId} />
            </Paper>
            <Paper withBorder p="sm">
              <RelatedRequests detail={d} />
            </Paper>
          </Stack>
        </aside>
      </div>
      <ProbeModal
        requestId={id}
        opened={probeOpen}
        onClose={probe.close}
        onDone={() => {
          probe.close();
          notifySuccess(t('request.probe.done'));
          afterCaseChange();
        }}
      />
      <MergeModal
        requestId={id}
        related={d.related}
        opened={mergeOpen}
        onClose={merge.close}
        onDone={(intoId) => {
          merge.close();
          notifySuccess(t('request.merge.done'));
          afterCaseChange();
          navigate(paths.request(intoId));
        }}
      />
    </Stack>
  );
}
