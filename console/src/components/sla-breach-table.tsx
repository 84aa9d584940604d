import { Button, Checkbox, Group, Select, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueueItem } from '../../../src/cases/cases.schemas.ts';
import { assignRequests } from '../api.ts';
import { assignableUsers, useDirectory } from '../hooks/use-directory.ts';
import { languageName } from '../lib/labels.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, paths } from '../lib/router.tsx';
import { SlaBadge, StatusBadge, UrgencyBadge } from './badges.tsx';

const UNASSIGN = '__none__';

/** Requests over their SLA, with a bulk "reassign to" for the shift supervisor. */
export function SlaBreachTable({ items, now }: { items: QueueItem[]; now: number }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { list, byId } = useDirectory();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [target, setTarget] = useState<string | null>(null);

  const visible = items.filter((i) => selected.has(i.id)).map((i) => i.id);
  const allChecked = items.length > 0 && visible.length === items.length;

  const reassign = useMutation({
    mutationFn: ({ ids, userId }: { ids: string[]; userId: string | null }) => assignRequests(ids, userId),
    onSuccess: (r) => {
      notifySuccess(t('supervisor.bulk.done', { count: r.updated }));
      setSelected(new Set());
      setTarget(null);
      void queryClient.invalidateQueries({ queryKey: queryKeys.supervisor });
      void queryClient.invalidateQueries({ queryKey: queryKeys.queueAll });
      void queryClient.invalidateQueries({ queryKey: queryKeys.countsAll });
    },
    onError: (e) => notifyError(t, e),
  });

  function toggle(id: string, on: boolean) {
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('supervisor.noBreaches')}
      </Text>
    );
  }

  return (
    <>
      <Group gap="sm" align="flex-end" mb="xs">
        <Select
          label={t('supervisor.bulk.reassignTo')}
          placeholder={t('request.actions.pickOperator')}
          data={[
            { value: UNASSIGN, label: t('request.actions.unassign') },
            ...assignableUsers(list).map((u) => ({ value: u.id, label: u.email })),
          ]}
          value={target}
          onChange={setTarget}
          searchable
          size="xs"
          w={280}
          data-testid="bulk-assignee"
        />
        <Button
          size="xs"
          disabled={visible.length === 0 || target === null}
          loading={reassign.isPending}
          onClick={() => {
            if (target === null) return;
            reassign.mutate({ ids: visible, userId: target === UNASSIGN ? null : target });
          }}
          data-testid="bulk-reassign"
        >
          {t('supervisor.bulk.apply')}
        </Button>
        <Text size="xs" c="dimmed" aria-live="polite">
          {t('supervisor.bulk.selected', { count: visible.length })}
        </Text>
      </Group>
      <div className="wf-table-scroll">
        <Table
          highlightOnHover
          verticalSpacing={6}
          aria-label={t('supervisor.slaBreached')}
          data-testid="sla-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" w={40}>
                <Checkbox
                  aria-label={t('supervisor.bulk.selectAll')}
                  checked={allChecked}
                  indeterminate={visible.length > 0 && !allChecked}
                  onChange={(e) =>
                    setSelected(e.currentTarget.checked ? new Set(items.map((i) => i.id)) : new Set())
                  }
                />
              </Table.Th>
              <Table.Th scope="col">{t('queue.columns.ref')}</Table.Th>
              <Table.Th scope="col">{t('queue.columns.category')}</Table.Th>
              <Table.Th scope="col">{t('queue.columns.language')}</Table.Th>
              <Table.Th scope="col">{t('queue.columns.urgency')}</Table.Th>
              <Table.Th scope="col">{t('queue.columns.status')}</Table.Th>
              <Table.Th scope="col">{t('queue.columns.assignee')}</Table.Th>
              <Table.Th scope="col">{t('queue.columns.sla')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((item) => (
              <Table.Tr key={item.id} data-testid={`sla-row-${item.id}`}>
                <Table.Td>
                  <Checkbox
                    aria-label={t('supervisor.bulk.select', { ref: item.ref })}
                    checked={selected.has(item.id)}
                    onChange={(e) => toggle(item.id, e.currentTarget.checked)}
                  />
                </Table.Td>
                <Table.Td>
                  <Link to={paths.request(item.id)} className="wf-ref">
                    {item.ref}
                  </Link>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{t(`category.${item.category}`)}</Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{languageName(t, item.language)}</Text>
                </Table.Td>
                <Table.Td>
                  <UrgencyBadge urgency={item.urgency} />
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={item.status} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {item.assigneeId
                      ? (byId.get(item.assigneeId)?.email ?? item.assigneeId.slice(0, 8))
                      : t('app.none')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <SlaBadge item={item} now={now} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </div>
    </>
  );
}
