import {
  Alert,
  Button,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StatsDashboard, StatsRange } from '../../../src/stats/stats.schemas.ts';
import { getStatsDashboard, refreshStats, statsExportUrl } from '../api.ts';
import { DateField } from '../components/date-field.tsx';
import {
  BreakdownChart,
  type BreakdownDimension,
  breakdownKeys,
  breakdownOf,
  DailyChart,
  type DailyMode,
  FunnelChart,
  OutcomesChart,
  WorkloadChart,
} from '../components/stats-charts.tsx';
import { AnnotationsPanel, SpikesTable } from '../components/stats-tables.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { notifyError, notifySuccess } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';
import {
  formatMinutes,
  formatNumber,
  matchPreset,
  percent,
  presetRange,
  rangeDays,
  rangeProblem,
  STATS_PRESETS,
} from '../lib/stats.ts';

const DIMENSIONS: BreakdownDimension[] = ['channel', 'category', 'language'];
const CUSTOM = 'custom';

/**
 * The statistics dashboard (supervisors and admins): a period, headline numbers, requests per day with
 * spikes and annotations, the split by channel/category/language, outcomes, the funnel, first response
 * and operator workload. Everything comes from one call over the server's daily rollup.
 */
export default function StatsPage() {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const queryClient = useQueryClient();
  usePageTitle(t('stats.title'));
  const canAdmin = hasPermission(user, 'stats.annotate');

  // The range being edited, and the last valid one (what is shown).
  const [draft, setDraft] = useState<StatsRange>(() => presetRange(90));
  const [range, setRange] = useState<StatsRange>(draft);
  const [mode, setMode] = useState<DailyMode>('bar');
  const [dimension, setDimension] = useState<BreakdownDimension>('channel');
  const [pickedDay, setPickedDay] = useState<{ day: string; at: number } | null>(null);

  const problem = rangeProblem(draft);
  const editRange = (patch: Partial<StatsRange>) => {
    const next = { ...draft, ...patch };
    setDraft(next);
    if (!rangeProblem(next)) setRange(next);
  };
  const preset = matchPreset(range);

  const dashboard = useQuery({
    queryKey: queryKeys.stats(range),
    queryFn: ({ signal }) => getStatsDashboard(range, signal),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });

  const refresh = useMutation({
    mutationFn: () => refreshStats(range),
    onSuccess: (r) => {
      notifySuccess(t('stats.refreshed', { count: r.rows }));
      void queryClient.invalidateQueries({ queryKey: queryKeys.statsAll });
    },
    onError: (e) => notifyError(t, e),
  });

  const pick = (day: string) => setPickedDay({ day, at: Date.now() });
  const data = dashboard.data;

  return (
    <Stack gap="md" data-testid="stats-page">
      <Group justify="space-between" align="flex-end" gap="sm" wrap="wrap">
        <Group gap="sm" align="center">
          <Title order={1} size="h3">
            {t('stats.title')}
          </Title>
          {dashboard.isFetching && <Loader size="xs" aria-label={t('app.loading')} />}
        </Group>
        <Group gap="sm" align="flex-end" wrap="wrap">
          <SegmentedControl
            aria-label={t('stats.range.label')}
            size="xs"
            value={preset ? String(preset) : CUSTOM}
            onChange={(v) => {
              if (v === CUSTOM) return;
              const r = presetRange(Number(v));
              setDraft(r);
              setRange(r);
            }}
            data={[
              ...STATS_PRESETS.map((p) => ({
                value: String(p),
                label: t('stats.range.preset', { count: p }),
              })),
              { value: CUSTOM, label: t('stats.range.custom'), disabled: true },
            ]}
            data-testid="stats-presets"
          />
          <DateField
            size="xs"
            w={140}
            label={t('stats.range.from')}
            value={draft.from}
            max={draft.to}
            onChange={(v) => editRange({ from: v })}
            error={problem === 'order' || problem === 'tooLong'}
            data-testid="stats-from"
          />
          <DateField
            size="xs"
            w={140}
            label={t('stats.range.to')}
            value={draft.to}
            min={draft.from}
            onChange={(v) => editRange({ to: v })}
            error={problem === 'order' || problem === 'tooLong'}
            data-testid="stats-to"
          />
          <Tooltip label={t('stats.exportHint')} multiline w={260}>
            <Button
              component="a"
              href={statsExportUrl(range)}
              download
              size="xs"
              variant="default"
              data-testid="stats-export"
            >
              {t('stats.export')}
            </Button>
          </Tooltip>
          {canAdmin && (
            <Tooltip label={t('stats.refreshHint')}>
              <Button
                size="xs"
                variant="light"
                onClick={() => refresh.mutate()}
                loading={refresh.isPending}
                data-testid="stats-refresh"
              >
                {t('stats.refresh')}
              </Button>
            </Tooltip>
          )}
        </Group>
      </Group>
      {problem && (
        <Text size="sm" c="red" role="alert" data-testid="stats-range-error">
          {t(`stats.range.${problem}`)}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {t('stats.range.note')}
      </Text>

      {dashboard.isError && (
        <Alert color="red" role="alert" title={describeError(t, dashboard.error)}>
          <Button size="xs" variant="light" onClick={() => void dashboard.refetch()}>
            {t('app.retry')}
          </Button>
        </Alert>
      )}
      {dashboard.isPending && <Loader aria-label={t('app.loading')} />}

      {data && (
        <StatsBody
          data={data}
          mode={mode}
          onMode={setMode}
          dimension={dimension}
          onDimension={setDimension}
          canAdmin={canAdmin}
          pickedDay={pickedDay}
          onPickDay={pick}
          lang={i18n.language}
        />
      )}
    </Stack>
  );
}

function StatsBody({
  data,
  mode,
  onMode,
  dimension,
  onDimension,
  canAdmin,
  pickedDay,
  onPickDay,
  lang,
}: {
  data: StatsDashboard;
  mode: DailyMode;
  onMode(m: DailyMode): void;
  dimension: BreakdownDimension;
  onDimension(d: BreakdownDimension): void;
  canAdmin: boolean;
  pickedDay: { day: string; at: number } | null;
  onPickDay(day: string): void;
  lang: string;
}) {
  const { t } = useTranslation();
  const total = data.series.reduce((a, p) => a + p.count, 0);
  const days = rangeDays(data);
  const empty = total === 0;
  const nf = { format: (n: number) => formatNumber(n, lang) };
  const perDay = total / Math.max(1, days);
  const share = (part: number, whole: number) =>
    whole ? t('stats.kpi.share', { pct: percent(part, whole, lang) }) : undefined;

  return (
    <>
      <div className="wf-kpis" data-testid="stats-kpis">
        <Kpi
          label={t('stats.kpi.requests')}
          value={nf.format(total)}
          hint={t('stats.kpi.perDay', { n: formatNumber(perDay, lang) })}
          testId="stats-total"
        />
        <Kpi
          label={t('stats.kpi.likelyFake')}
          value={nf.format(data.outcomes.likelyFake)}
          hint={share(data.outcomes.likelyFake, total)}
          testId="stats-likely-fake"
        />
        <Kpi
          label={t('stats.kpi.contacted')}
          value={nf.format(data.funnel.contacted)}
          hint={share(data.funnel.contacted, total)}
        />
        <Kpi
          label={t('stats.kpi.inCustody')}
          value={nf.format(data.funnel.inCustody)}
          hint={share(data.funnel.inCustody, data.funnel.contacted)}
        />
        <Kpi
          label={t('stats.kpi.firstResponse')}
          value={formatMinutes(t, data.firstResponse.meanMinutes, lang)}
          hint={t('stats.kpi.answered', { count: data.firstResponse.answered })}
          testId="stats-first-response"
        />
        <Kpi
          label={t('stats.kpi.spikes')}
          value={nf.format(data.spikes.length)}
          tone={data.spikes.length ? 'alert' : undefined}
        />
      </div>

      <ChartCard
        title={t('stats.daily.title')}
        testId="stats-chart-daily"
        empty={empty}
        emptyHint={t('stats.emptyHint')}
        hint={canAdmin && !empty ? t('stats.daily.pickHint') : undefined}
        controls={
          <SegmentedControl
            size="xs"
            aria-label={t('stats.daily.mode')}
            value={mode}
            onChange={(v) => onMode(v as DailyMode)}
            data={[
              { value: 'bar', label: t('stats.daily.bar') },
              { value: 'line', label: t('stats.daily.line') },
            ]}
            data-testid="stats-daily-mode"
          />
        }
      >
        <DailyChart data={data} mode={mode} onPickDay={canAdmin ? onPickDay : undefined} />
      </ChartCard>

      <div className="wf-stats-row wf-stats-row-wide">
        <ChartCard
          title={t('stats.breakdown.title')}
          testId="stats-chart-breakdown"
          empty={breakdownKeys(breakdownOf(data, dimension)).length === 0}
          controls={
            <SegmentedControl
              size="xs"
              aria-label={t('stats.breakdown.by')}
              value={dimension}
              onChange={(v) => onDimension(v as BreakdownDimension)}
              data={DIMENSIONS.map((d) => ({ value: d, label: t(`stats.breakdown.${d}`) }))}
              data-testid="stats-breakdown-dimension"
            />
          }
        >
          <BreakdownChart data={data} dimension={dimension} />
        </ChartCard>
        <ChartCard
          title={t('stats.funnel.title')}
          testId="stats-chart-funnel"
          empty={data.funnel.contacted === 0}
          hint={t('stats.funnel.hint')}
        >
          <FunnelChart data={data} />
        </ChartCard>
      </div>

      <div className="wf-stats-row">
        <ChartCard
          title={t('stats.outcomes.title')}
          testId="stats-chart-outcomes"
          empty={empty}
          hint={t('stats.outcomes.hint')}
        >
          <OutcomesChart data={data} />
        </ChartCard>
        <ChartCard
          title={t('stats.workload.title')}
          testId="stats-chart-workload"
          empty={data.workload.length === 0}
          emptyText={t('stats.workload.empty')}
        >
          <WorkloadChart data={data} />
        </ChartCard>
      </div>

      <div className="wf-stats-row">
        <Paper withBorder p="sm" data-testid="stats-spikes" data-count={data.spikes.length}>
          <Stack gap="xs">
            <Title order={2} size="h5">
              {t('stats.spikes.title')}
            </Title>
            <Text size="xs" c="dimmed">
              {t('stats.spikes.intro')}
            </Text>
            <SpikesTable data={data} onAnnotate={canAdmin ? onPickDay : undefined} />
          </Stack>
        </Paper>
        <Paper withBorder p="sm">
          <AnnotationsPanel data={data} canEdit={canAdmin} pickedDay={pickedDay} />
        </Paper>
      </div>
    </>
  );
}

function Kpi({
  label,
  value,
  hint,
  testId,
  tone,
}: {
  label: string;
  value: string;
  hint?: string;
  testId?: string;
  tone?: 'alert';
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

function ChartCard({
  title,
  testId,
  empty,
  emptyText,
  emptyHint,
  hint,
  controls,
  children,
}: {
  title: string;
  testId: string;
  empty: boolean;
  emptyText?: string;
  emptyHint?: string;
  hint?: string | undefined;
  controls?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="sm" component="section" data-testid={testId} data-state={empty ? 'empty' : 'ready'}>
      <Stack gap={6}>
        <Group justify="space-between" gap="xs" wrap="wrap">
          <Title order={2} size="h5">
            {title}
          </Title>
          {!empty && controls}
        </Group>
        {empty ? (
          <div className="wf-chart-empty" data-testid="stats-empty">
            <Text size="sm" fw={500}>
              {emptyText ?? t('stats.empty')}
            </Text>
            {emptyHint && (
              <Text size="xs" c="dimmed">
                {emptyHint}
              </Text>
            )}
          </div>
        ) : (
          children
        )}
        {hint && !empty && (
          <Text size="xs" c="dimmed">
            {hint}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
