import { Badge, Group, Pagination, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  CorrespondenceState,
  DeadlineState,
  DisclosureConsent,
  RecordStatus as PowStatus,
} from '../../../src/pow/pow.lists.ts';
import type { ScriptName } from '../../../src/pow/record.ts';
import { listFacilities } from '../api.ts';
import { pageRange } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { isPlainLeftClick, navigate, paths, useRoute } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

/** The registry's own sections, under the main navigation. */
export function RegistryNav() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const route = useRoute();
  const items: Array<{ to: string; label: string; active: boolean; testId: string }> = [
    {
      to: paths.registry,
      label: t('registry.nav.dashboard'),
      active: route.name === 'registry',
      testId: 'registry-nav-dashboard',
    },
    {
      to: paths.records,
      label: t('registry.nav.records'),
      active: route.name === 'records' || route.name === 'record',
      testId: 'registry-nav-records',
    },
  ];
  if (hasPermission(user, 'pow.write'))
    items.push({
      to: paths.recordNew(),
      label: t('registry.nav.newRecord'),
      active: route.name === 'recordNew',
      testId: 'registry-nav-new',
    });
  items.push({
    to: paths.facilities,
    label: t('registry.nav.facilities'),
    active: route.name === 'facilities',
    testId: 'registry-nav-facilities',
  });
  if (hasPermission(user, 'batch.read'))
    items.push({
      to: paths.batches,
      label: t('registry.nav.batches'),
      active: route.name === 'batches',
      testId: 'registry-nav-batches',
    });
  return (
    <nav aria-label={t('registry.nav.label')} className="wf-subnav">
      {items.map((item) => (
        <a
          key={item.to}
          href={item.to}
          aria-current={item.active ? 'page' : undefined}
          data-testid={item.testId}
          onClick={(e) => {
            if (!isPlainLeftClick(e)) return;
            e.preventDefault();
            navigate(item.to);
          }}
        >
          {item.label}
        </a>
      ))}
    </nav>
  );
}

/** Page frame for the registry: section navigation, a title, actions on the right. */
export function RegistryFrame({
  title,
  actions,
  children,
  testId,
}: {
  title: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  testId: string;
}) {
  return (
    <Stack gap="md" data-testid={testId}>
      <RegistryNav />
      <Group justify="space-between" align="center" gap="sm" wrap="wrap">
        <Title order={1} size="h3">
          {title}
        </Title>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
      {children}
    </Stack>
  );
}

const STATUS_COLORS: Record<PowStatus, string> = {
  held: 'blue',
  in_hospital: 'orange',
  escaped: 'grape',
  dead: 'dark',
  released: 'teal',
  repatriated: 'green',
  exchanged: 'cyan',
};

export function PowStatusBadge({ status }: { status: PowStatus }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLORS[status] ?? 'gray'} variant="light" radius="sm" tt="none" data-status={status}>
      {t(`pow.status.${status}`)}
    </Badge>
  );
}

export function SeriouslyIllBadge() {
  const { t } = useTranslation();
  return (
    <Badge color="red" variant="filled" radius="sm" tt="none" size="sm">
      {t('pow.seriouslyIll')}
    </Badge>
  );
}

const DEADLINE_COLORS: Record<DeadlineState, string> = {
  done: 'teal',
  open: 'gray',
  due_soon: 'orange',
  overdue: 'red',
};

export function DeadlineBadge({ state }: { state: DeadlineState }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={DEADLINE_COLORS[state]}
      variant={state === 'overdue' ? 'filled' : 'light'}
      radius="sm"
      tt="none"
      data-state={state}
    >
      {t(`pow.deadline.${state}`)}
    </Badge>
  );
}

const CORRESPONDENCE_COLORS: Record<CorrespondenceState | 'before', string> = {
  met: 'teal',
  on_track: 'gray',
  behind: 'orange',
  below_minimum: 'red',
  before: 'gray',
};

/** A month against the art. 71 minimum; `before`: the month before his capture (nothing owed). */
export function CorrespondenceBadge({ state }: { state: CorrespondenceState | 'before' }) {
  const { t } = useTranslation();
  return (
    <Badge color={CORRESPONDENCE_COLORS[state]} variant="light" radius="sm" tt="none" data-state={state}>
      {t(`pow.correspondence.${state}`)}
    </Badge>
  );
}

export function ConsentBadge({ consent }: { consent: DisclosureConsent }) {
  const { t } = useTranslation();
  const color = consent === 'yes' ? 'teal' : consent === 'no' ? 'red' : 'gray';
  return (
    <Badge
      color={color}
      variant={consent === 'no' ? 'filled' : 'light'}
      radius="sm"
      tt="none"
      data-consent={consent}
    >
      {t(`pow.consent.${consent}`)}
    </Badge>
  );
}

/** A name as written, with its Latin form under it (when different). */
export function ScriptNames({ surname, firstNames }: { surname: ScriptName; firstNames: ScriptName }) {
  const original = `${surname.original} ${firstNames.original}`.trim();
  const latin = `${surname.latin} ${firstNames.latin}`.trim();
  return (
    <div className="wf-names">
      <span className="wf-names-original">{original}</span>
      {latin && latin !== original && <span className="wf-names-latin">{latin}</span>}
    </div>
  );
}

export function Kpi({
  label,
  value,
  hint,
  testId,
  tone,
}: {
  label: string;
  value: string | number;
  hint?: string;
  testId?: string;
  tone?: 'alert' | 'warn' | undefined;
}) {
  return (
    <Paper withBorder p="xs" className="wf-kpi" data-tone={tone}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text className="wf-kpi-value" data-testid={testId}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}

/** "21–40 of 57" and page buttons, for lists paged with limit/offset. */
export function Pager({
  offset,
  limit,
  count,
  total,
  onOffset,
  testId,
}: {
  offset: number;
  limit: number;
  count: number;
  total: number;
  onOffset: (offset: number) => void;
  testId?: string;
}) {
  const { t } = useTranslation();
  const r = pageRange(offset, count, total);
  const pages = Math.max(1, Math.ceil(total / limit));
  return (
    <Group justify="space-between" gap="sm" data-testid={testId}>
      <Text size="sm" c="dimmed" data-testid={testId ? `${testId}-range` : undefined}>
        {t('pow.paging', r)}
      </Text>
      {pages > 1 && (
        <Pagination
          size="sm"
          total={pages}
          value={Math.floor(offset / limit) + 1}
          onChange={(p) => onOffset((p - 1) * limit)}
          aria-label={t('pow.pagingLabel')}
        />
      )}
    </Group>
  );
}

/** Places of internment (for pickers and filters); everyone in the registry may read them. */
export function useFacilities() {
  return useQuery({
    queryKey: queryKeys.facilities,
    queryFn: ({ signal }) => listFacilities(signal),
    staleTime: 30_000,
  });
}

/** A titled box on a record or inquiry page. */
export function SectionCard({
  title,
  testId,
  actions,
  children,
}: {
  title: string;
  testId: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="sm" component="section" data-testid={testId} aria-label={title}>
      <Stack gap="sm">
        <Group justify="space-between" gap="xs">
          <Title order={2} size="h5">
            {title}
          </Title>
          {actions}
        </Group>
        {children}
      </Stack>
    </Paper>
  );
}

/**
 * Form fields side by side from 48em up, stacked below. A class, not Mantine's SimpleGrid: its
 * responsive columns come as a runtime <style> tag, which the console's CSP refuses.
 */
export function FormGrid({ cols, children }: { cols: 2 | 3; children: ReactNode }) {
  return (
    <div className="wf-form-grid" data-cols={cols}>
      {children}
    </div>
  );
}
