import { Button, MultiSelect, Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CASE_STATES, type CaseState } from '../../../src/cases/case-state.ts';
import type { QueueCounts } from '../../../src/cases/cases.schemas.ts';
import {
  CALLER_CATEGORIES as CATEGORIES,
  type CallerCategory as Category,
  CHANNELS,
  type Channel,
  URGENCIES,
} from '../../../src/cases/categories.ts';
import { WORK_LANGUAGES } from '../../../src/i18n/languages.ts';
import { assignableUsers, useDirectory } from '../hooks/use-directory.ts';
import { languageName } from '../lib/labels.ts';
import { FAKES_FILTERS, type FakesFilter, type QueueFilters, type QueueView } from '../lib/queue-state.tsx';
import { URGENCY_NAMES } from './badges.tsx';

interface Props {
  view: QueueView;
  filters: QueueFilters;
  counts: QueueCounts | undefined;
  onChange(patch: Partial<QueueFilters>): void;
  onReset(): void;
}

export function activeFilterCount(f: QueueFilters): number {
  return (
    (f.status.length ? 1 : 0) +
    (f.channel.length ? 1 : 0) +
    (f.category.length ? 1 : 0) +
    (f.language.length ? 1 : 0) +
    (f.urgency !== null ? 1 : 0) +
    (f.assignee ? 1 : 0) +
    (f.tag.trim() ? 1 : 0) +
    (f.fakes !== 'show' ? 1 : 0)
  );
}

export function QueueFiltersPanel({ view, filters, counts, onChange, onReset }: Props) {
  const { t } = useTranslation();
  const { list } = useDirectory();

  // The tag filter queries the server: wait until the operator stops typing.
  const [tag, setTag] = useState(filters.tag);
  const [debouncedTag] = useDebouncedValue(tag, 400);
  useEffect(() => {
    if (debouncedTag !== filters.tag) onChange({ tag: debouncedTag });
  }, [debouncedTag, filters.tag, onChange]);
  useEffect(() => {
    if (filters.tag === '') setTag('');
  }, [filters.tag]);

  const statusData = CASE_STATES.map((s) => {
    const n = counts?.byStatus[s];
    return { value: s, label: n === undefined ? t(`status.${s}`) : `${t(`status.${s}`)} (${n})` };
  });
  const assigneeData = [
    { value: 'me', label: t('queue.filters.me') },
    { value: 'none', label: t('queue.filters.unassigned') },
    ...assignableUsers(list).map((u) => ({ value: u.id, label: u.email })),
  ];

  return (
    <div className="wf-filters" data-testid="queue-filters">
      <MultiSelect
        label={t('queue.filters.status')}
        placeholder={filters.status.length ? undefined : t('queue.views.open')}
        data={statusData}
        value={filters.status}
        onChange={(v) => onChange({ status: v as CaseState[] })}
        clearable
        size="xs"
        comboboxProps={{ withinPortal: true }}
      />
      <MultiSelect
        label={t('queue.filters.channel')}
        placeholder={filters.channel.length ? undefined : t('queue.filters.any')}
        data={CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }))}
        value={filters.channel}
        onChange={(v) => onChange({ channel: v as Channel[] })}
        clearable
        size="xs"
      />
      <MultiSelect
        label={t('queue.filters.category')}
        placeholder={filters.category.length ? undefined : t('queue.filters.any')}
        data={CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}`) }))}
        value={filters.category}
        onChange={(v) => onChange({ category: v as Category[] })}
        clearable
        size="xs"
      />
      <MultiSelect
        label={t('queue.filters.language')}
        placeholder={filters.language.length ? undefined : t('queue.filters.any')}
        data={WORK_LANGUAGES.map((l) => ({ value: l, label: languageName(t, l) }))}
        value={filters.language}
        onChange={(v) => onChange({ language: v })}
        clearable
        size="xs"
        data-testid="queue-filter-language"
      />
      <Select
        label={t('queue.filters.urgency')}
        placeholder={t('queue.filters.any')}
        data={URGENCIES.map((u) => ({ value: String(u), label: `≥ ${t(`urgency.${URGENCY_NAMES[u]}`)}` }))}
        value={filters.urgency === null ? null : String(filters.urgency)}
        onChange={(v) => onChange({ urgency: v === null ? null : Number(v) })}
        clearable
        size="xs"
      />
      <Select
        label={t('queue.filters.assignee')}
        placeholder={view === 'mine' ? t('queue.filters.me') : t('queue.filters.any')}
        data={assigneeData}
        value={view === 'mine' ? null : filters.assignee}
        onChange={(v) => onChange({ assignee: v })}
        disabled={view === 'mine'}
        clearable
        searchable
        size="xs"
      />
      <TextInput
        label={t('queue.filters.tag')}
        placeholder={t('queue.filters.any')}
        value={tag}
        onChange={(e) => setTag(e.currentTarget.value)}
        maxLength={32}
        size="xs"
      />
      <Select
        label={t('queue.filters.fakes')}
        data={FAKES_FILTERS.map((v) => ({
          value: v,
          label: t(
            v === 'show'
              ? 'queue.filters.fakesShow'
              : v === 'hide'
                ? 'queue.filters.fakesHide'
                : 'queue.filters.fakesOnly',
          ),
        }))}
        value={filters.fakes}
        onChange={(v) => v && onChange({ fakes: v as FakesFilter })}
        allowDeselect={false}
        size="xs"
        data-testid="filter-fakes"
      />
      <Button variant="subtle" size="xs" onClick={onReset} disabled={activeFilterCount(filters) === 0}>
        {t('queue.filters.reset')}
      </Button>
    </div>
  );
}
