import { ActionIcon, Button, Group, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StatsAnnotation, StatsDashboard } from '../../../src/stats/stats.schemas.ts';
import { addStatsAnnotation, deleteStatsAnnotation } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { formatDay, formatNumber, isDay } from '../lib/stats.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { DateField } from './date-field.tsx';

/** Spike days with their baseline and score, and what admins noted on those days. */
export function SpikesTable({
  data,
  onAnnotate,
}: {
  data: StatsDashboard;
  onAnnotate?: (day: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const notes = new Map<string, string[]>();
  for (const a of data.annotations) notes.set(a.day, [...(notes.get(a.day) ?? []), a.label]);
  if (data.spikes.length === 0)
    return (
      <Text size="sm" c="dimmed" data-testid="stats-spikes-empty">
        {t('stats.spikes.empty')}
      </Text>
    );
  return (
    <div className="wf-table-scroll">
      <Table striped verticalSpacing={4} aria-label={t('stats.spikes.tableLabel')}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">{t('stats.spikes.day')}</Table.Th>
            <Table.Th scope="col" className="wf-num">
              {t('stats.spikes.count')}
            </Table.Th>
            <Table.Th scope="col" className="wf-num">
              {t('stats.spikes.baseline')}
            </Table.Th>
            <Table.Th scope="col" className="wf-num">
              {t('stats.spikes.score')}
            </Table.Th>
            <Table.Th scope="col">{t('stats.spikes.notes')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.spikes.map((s) => (
            <Table.Tr key={s.day} data-testid="stats-spike-row">
              <Table.Td className="wf-nowrap">{formatDay(s.day, i18n.language, true)}</Table.Td>
              <Table.Td className="wf-num">{s.count}</Table.Td>
              <Table.Td className="wf-num">{formatNumber(s.baseline, i18n.language)}</Table.Td>
              <Table.Td className="wf-num">{formatNumber(s.score, i18n.language)}</Table.Td>
              <Table.Td>
                {notes.get(s.day)?.join('; ') ??
                  (onAnnotate ? (
                    <Button size="compact-xs" variant="subtle" onClick={() => onAnnotate(s.day)}>
                      {t('stats.spikes.annotate')}
                    </Button>
                  ) : (
                    t('app.none')
                  ))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

/**
 * The annotations of the shown period; admins add (day + label) and remove them. `pickedDay` comes
 * from a click on the daily chart or a spike row.
 */
export function AnnotationsPanel({
  data,
  canEdit,
  pickedDay,
}: {
  data: StatsDashboard;
  canEdit: boolean;
  pickedDay: { day: string; at: number } | null;
}) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [day, setDay] = useState(data.to);
  const [label, setLabel] = useState('');
  const [toDelete, setToDelete] = useState<StatsAnnotation | null>(null);

  useEffect(() => {
    if (pickedDay) {
      setDay(pickedDay.day);
      document.getElementById('annotation-label')?.focus();
    }
  }, [pickedDay]);

  const add = useMutation({
    mutationFn: () => addStatsAnnotation({ day, label: label.trim() }),
    onSuccess: (a) => {
      setLabel('');
      notifySuccess(
        t(
          a.day < data.from || a.day > data.to ? 'stats.annotations.addedOutside' : 'stats.annotations.added',
        ),
      );
      void queryClient.invalidateQueries({ queryKey: queryKeys.statsAll });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => deleteStatsAnnotation(id),
    onSuccess: () => {
      setToDelete(null);
      notifySuccess(t('stats.annotations.deleted'));
      void queryClient.invalidateQueries({ queryKey: queryKeys.statsAll });
    },
    onError: (e) => {
      setToDelete(null);
      notifyError(t, e);
    },
  });

  const valid = isDay(day) && label.trim().length > 0 && label.trim().length <= 200;

  return (
    <Stack gap="xs" data-testid="stats-annotations">
      <Title order={2} size="h5">
        {t('stats.annotations.title')}
      </Title>
      <Text size="xs" c="dimmed">
        {t('stats.annotations.intro')}
      </Text>
      {data.annotations.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('stats.annotations.empty')}
        </Text>
      ) : (
        <ul className="wf-annotations" aria-label={t('stats.annotations.tableLabel')}>
          {data.annotations.map((a) => (
            <li key={a.id} data-testid="stats-annotation">
              <span className="wf-annotation-day">{formatDay(a.day, i18n.language, true)}</span>
              <span className="wf-annotation-label">{a.label}</span>
              {canEdit && (
                <Tooltip label={t('stats.annotations.deleteLabel', { label: a.label })}>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    size="sm"
                    aria-label={t('stats.annotations.deleteLabel', { label: a.label })}
                    onClick={() => setToDelete(a)}
                  >
                    <span aria-hidden="true">×</span>
                  </ActionIcon>
                </Tooltip>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) add.mutate();
          }}
        >
          <Group gap="xs" align="flex-end" wrap="nowrap">
            <DateField
              label={t('stats.annotations.day')}
              value={day}
              onChange={(v) => setDay(v)}
              required
              size="xs"
              w={150}
              data-testid="annotation-day"
            />
            <TextInput
              id="annotation-label"
              label={t('stats.annotations.label')}
              placeholder={t('stats.annotations.labelPlaceholder')}
              value={label}
              onChange={(e) => setLabel(e.currentTarget.value)}
              maxLength={200}
              required
              size="xs"
              flex={1}
              data-testid="annotation-label"
            />
            <Button
              type="submit"
              size="xs"
              disabled={!valid}
              loading={add.isPending}
              data-testid="annotation-add"
            >
              {t('stats.annotations.add')}
            </Button>
          </Group>
          {add.isError && (
            <Text size="xs" c="red" role="alert" mt={4}>
              {describeError(t, add.error)}
            </Text>
          )}
        </form>
      )}
      <ConfirmDialog
        opened={toDelete !== null}
        title={t('stats.annotations.title')}
        message={
          toDelete
            ? t('stats.annotations.deleteConfirm', {
                label: toDelete.label,
                day: formatDay(toDelete.day, i18n.language, true),
              })
            : ''
        }
        loading={remove.isPending}
        onCancel={() => setToDelete(null)}
        onConfirm={() => toDelete && remove.mutate(toDelete.id)}
      />
    </Stack>
  );
}
