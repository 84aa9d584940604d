import { Badge, Group, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type MouseEvent, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { DirectoryEntry } from '../../../src/auth/auth.schemas.ts';
import type { QueueItem } from '../../../src/cases/cases.schemas.ts';
import { getRequestPreviews } from '../api.ts';
import { languageName, requestLanguage } from '../lib/labels.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';
import {
  CallbackBadge,
  isLikelyFake,
  ReturnedBadge,
  SlaBadge,
  SpamBadge,
  StatusBadge,
  UrgencyBadge,
} from './badges.tsx';

interface Props {
  items: QueueItem[];
  selectedId: string | null;
  currentUserId: string;
  users: Map<string, DirectoryEntry>;
  now: number;
  onSelect(id: string): void;
}

/**
 * The first words of each row's latest requester message, for the rows on screen only, decrypted by
 * the server in this session (audited once per message). Without the organisation key: no previews.
 */
function useRequestPreviews(items: QueueItem[]): Map<string, string> {
  const user = useCurrentUser();
  const enabled = user.hasOrgKey && hasPermission(user, 'request.read') && items.length > 0;
  const rows = useMemo(() => items.map((i) => `${i.id}@${i.lastRequesterAt}`), [items]);
  const previews = useQuery({
    queryKey: queryKeys.previews(rows),
    queryFn: ({ signal }) =>
      getRequestPreviews(
        items.slice(0, 100).map((i) => i.id),
        signal,
      ),
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
    // Old previews stay on screen while the next page's are fetched.
    placeholderData: (prev) => prev,
  });
  return useMemo(() => new Map((previews.data ?? []).map((p) => [p.id, p.text])), [previews.data]);
}

export function QueueTable({ items, selectedId, currentUserId, users, now, onSelect }: Props) {
  const { t } = useTranslation();
  const previews = useRequestPreviews(items);

  function assigneeName(id: string | null): string {
    if (!id) return t('app.none');
    if (id === currentUserId) return t('queue.filters.me');
    return users.get(id)?.email ?? id.slice(0, 8);
  }

  function onRowClick(e: MouseEvent<HTMLTableRowElement>, id: string) {
    // The ref cell holds a real link; clicks elsewhere on the row open the request too.
    if ((e.target as HTMLElement).closest('a, button, input')) return;
    onSelect(id);
    navigate(paths.request(id));
  }

  return (
    <div className="wf-table-scroll">
      <Table
        className="wf-queue-table"
        highlightOnHover
        verticalSpacing={6}
        horizontalSpacing="sm"
        aria-label={t('queue.tableLabel')}
        data-testid="queue-table"
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('queue.columns.ref')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.category')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.language')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.channel')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.urgency')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.status')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.assignee')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.sla')}</Table.Th>
            <Table.Th scope="col">{t('queue.columns.tags')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((item) => (
            <Table.Tr
              key={item.id}
              className="wf-queue-row"
              data-selected={item.id === selectedId ? 'true' : undefined}
              aria-selected={item.id === selectedId}
              data-testid={`queue-row-${item.id}`}
              data-likely-fake={isLikelyFake(item) && item.triageVerdict !== 'genuine' ? 'true' : undefined}
              onClick={(e) => onRowClick(e, item.id)}
            >
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <Link to={paths.request(item.id)} className="wf-ref" onNavigate={() => onSelect(item.id)}>
                    {item.ref}
                  </Link>
                  {item.awaitingReply && (
                    // Said in words: an unexplained orange "!" dot meant nothing to a new operator.
                    <Badge size="xs" variant="light" color="orange" tt="none" data-testid="awaiting-badge">
                      {t('queue.awaiting')}
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={1}>
                  {t(`category.${item.category}`)}
                </Text>
                {previews.get(item.id) && (
                  <Text
                    size="xs"
                    c="dimmed"
                    lineClamp={1}
                    maw={340}
                    lang={requestLanguage(item)}
                    data-testid="queue-preview"
                  >
                    {previews.get(item.id)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text
                  size="sm"
                  tt="uppercase"
                  title={languageName(t, requestLanguage(item))}
                  data-testid={`queue-language-${item.id}`}
                >
                  {requestLanguage(item)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t(`channel.${item.channel}`)}</Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <UrgencyBadge urgency={item.urgency} />
                  <SpamBadge item={item} />
                </Group>
              </Table.Td>
              <Table.Td>
                <Group gap={4} wrap="nowrap">
                  <StatusBadge status={item.status} />
                  <ReturnedBadge item={item} />
                  <CallbackBadge item={item} />
                </Group>
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={1} maw={180}>
                  {assigneeName(item.assigneeId)}
                </Text>
              </Table.Td>
              <Table.Td>
                <SlaBadge item={item} now={now} />
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {item.tags.map((tag) => (
                    <Badge key={tag} size="xs" variant="outline" color="gray" tt="none">
                      {tag}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
