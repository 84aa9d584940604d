import {
  Alert,
  Badge,
  Button,
  Collapse,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueCounts, QueueSort } from '../../../src/cases/cases.schemas.ts';
import { claimRequest, getQueueCounts, listQueue } from '../api.ts';
import { CallPanel } from '../components/call-panel.tsx';
import { useLiveStatus } from '../components/live-updates.tsx';
import { activeFilterCount, QueueFiltersPanel } from '../components/queue-filters.tsx';
import { QueueTable } from '../components/queue-table.tsx';
import { useDirectory } from '../hooks/use-directory.ts';
import { useNow } from '../hooks/use-now.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { useShortcuts } from '../hooks/use-shortcuts.ts';
import { describeError } from '../lib/errors.ts';
import { notifyError } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import {
  buildCountsQuery,
  buildQueueQuery,
  neighbourId,
  QUEUE_VIEWS,
  type QueueView,
  useQueueState,
} from '../lib/queue-state.tsx';
import { navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

const SORTS: QueueSort[] = ['urgent', 'newest', 'waiting'];
// Without a live stream (server not offering it, proxy cutting it), fall back to polling.
const POLL_MS = 60_000;

function viewCount(view: QueueView, counts: QueueCounts | undefined): number | undefined {
  if (!counts) return undefined;
  switch (view) {
    case 'waiting':
      return counts.awaitingReply;
    case 'mine':
      return counts.mine;
    case 'open':
      return counts.open;
  }
}

export function QueuePage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  const live = useLiveStatus();
  const now = useNow();
  const { byId } = useDirectory();
  const { view, setView, filters, updateFilters, resetFilters, setOrderedIds, selectedId, setSelectedId } =
    useQueueState();
  usePageTitle(t('queue.title'));
  const [filtersOpen, setFiltersOpen] = useState(() => activeFilterCount(filters) > 0);

  const listQuery = buildQueueQuery(view, filters);
  const countsQuery = buildCountsQuery(filters);
  const refetchInterval = live === 'live' ? false : POLL_MS;

  const list = useInfiniteQuery({
    queryKey: queryKeys.queue(listQuery),
    queryFn: ({ pageParam, signal }) => listQueue({ ...listQuery, cursor: pageParam ?? undefined }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
    refetchInterval,
  });
  const counts = useQuery({
    queryKey: queryKeys.counts(countsQuery),
    queryFn: ({ signal }) => getQueueCounts(countsQuery, signal),
    placeholderData: keepPreviousData,
    refetchInterval,
  });

  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  useEffect(() => setOrderedIds(items.map((i) => i.id)), [items, setOrderedIds]);

  useEffect(() => {
    if (selectedId)
      document.querySelector(`[data-testid="queue-row-${selectedId}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedId]);

  const claim = useMutation({
    mutationFn: (id: string) => claimRequest(id),
    onSuccess: (_r, id) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.queueAll });
      void queryClient.invalidateQueries({ queryKey: queryKeys.countsAll });
      navigate(paths.request(id));
    },
    onError: (e) => notifyError(t, e),
  });

  const ids = items.map((i) => i.id);
  const move = (step: 1 | -1) => {
    const next = neighbourId(ids, selectedId, step);
    if (next) setSelectedId(next);
  };
  const open = () => {
    if (selectedId) navigate(paths.request(selectedId));
  };
  useShortcuts({
    j: () => move(1),
    n: () => move(1),
    k: () => move(-1),
    Enter: open,
    o: open,
    c: () => {
      if (selectedId && !claim.isPending) claim.mutate(selectedId);
    },
  });

  const activeFilters = activeFilterCount(filters);

  return (
    <Stack gap="sm">
      {hasPermission(user, 'request.reply') && (
        <Paper withBorder p="sm">
          <CallPanel />
        </Paper>
      )}
      <Group justify="space-between" align="center" wrap="wrap" gap="sm">
        <Group gap="md" align="center">
          <Title order={1} size="h3">
            {t('queue.title')}
          </Title>
          <SegmentedControl
            aria-label={t('queue.views.label')}
            value={view}
            onChange={(v) => setView(v as QueueView)}
            data={QUEUE_VIEWS.map((v) => {
              const n = viewCount(v, counts.data);
              return {
                value: v,
                label: n === undefined ? t(`queue.views.${v}`) : `${t(`queue.views.${v}`)} (${n})`,
              };
            })}
            data-testid="queue-views"
          />
          {counts.data && (
            <Group gap={6}>
              <Badge variant="light" color="gray" tt="none">
                {t('queue.filters.unassigned')}: {counts.data.unassigned}
              </Badge>
              {counts.data.slaBreached > 0 && (
                <Badge variant="filled" color="red" tt="none">
                  {t('sla.breach')}: {counts.data.slaBreached}
                </Badge>
              )}
            </Group>
          )}
        </Group>
        <Group gap="sm" align="center">
          {list.isFetching && <Loader size="xs" aria-label={t('app.loading')} />}
          <Select
            aria-label={t('queue.filters.sort')}
            data={SORTS.map((s) => ({ value: s, label: t(`queue.sort.${s}`) }))}
            value={filters.sort}
            onChange={(v) => v && updateFilters({ sort: v as QueueSort })}
            allowDeselect={false}
            size="xs"
            w={230}
            data-testid="queue-sort"
          />
          <Button
            variant={activeFilters ? 'light' : 'default'}
            size="xs"
            onClick={() => setFiltersOpen((o) => !o)}
            aria-expanded={filtersOpen}
            aria-controls="queue-filters"
            rightSection={
              activeFilters ? (
                <Badge size="xs" circle>
                  {activeFilters}
                </Badge>
              ) : null
            }
          >
            {t('queue.filters.title')}
          </Button>
        </Group>
      </Group>

      <Collapse expanded={filtersOpen} id="queue-filters">
        <QueueFiltersPanel
          view={view}
          filters={filters}
          counts={counts.data}
          onChange={updateFilters}
          onReset={resetFilters}
        />
      </Collapse>

      {list.isError && (
        <Alert color="red" role="alert" title={describeError(t, list.error)}>
          <Button size="xs" variant="light" onClick={() => void list.refetch()}>
            {t('app.retry')}
          </Button>
        </Alert>
      )}

      {list.isPending ? (
        <Loader aria-label={t('app.loading')} />
      ) : items.length === 0 && !list.isError ? (
        <Text c="dimmed" py="lg" data-testid="queue-empty">
          {t('queue.empty')}
        </Text>
      ) : (
        <QueueTable
          items={items}
          selectedId={selectedId}
          currentUserId={user.id}
          users={byId}
          now={now}
          onSelect={setSelectedId}
        />
      )}

      <Group justify="space-between">
        <Text size="xs" c="dimmed" aria-live="polite">
          {t('queue.shown', { count: items.length })}
        </Text>
        {list.hasNextPage && (
          <Button
            variant="default"
            size="xs"
            onClick={() => void list.fetchNextPage()}
            loading={list.isFetchingNextPage}
            data-testid="queue-load-more"
          >
            {t('app.loadMore')}
          </Button>
        )}
      </Group>
    </Stack>
  );
}
