import { Alert, Button, Group, Loader, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Facility, PowDashboard } from '../../../src/pow/pow.schemas.ts';
import { getPowDashboard, listCustodyHandovers } from '../api.ts';
import { CHART_COLORS, type ChartOption, EChart, RICH_TOOLTIP } from '../components/echart.tsx';
import { DeadlineBadge, Kpi, RegistryFrame } from '../components/registry-ui.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { formatDate, formatMonth } from '../lib/pow.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { Link, navigate, paths } from '../lib/router.tsx';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

// Registrars get no live events (they hold no queue permission): the overview polls instead.
const REFRESH_MS = 30_000;

/**
 * The registrar's start page: what is due and overdue under the Third Geneva Convention (capture
 * cards, health reports, notifications, correspondence), requests handed over in custody that wait
 * for a record, and how full each facility is.
 */
export default function RegistryPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const canWrite = hasPermission(user, 'pow.write');
  usePageTitle(t('registry.title'));

  const dashboard = useQuery({
    queryKey: queryKeys.powDashboard,
    queryFn: ({ signal }) => getPowDashboard(signal),
    refetchInterval: REFRESH_MS,
  });
  const custody = useQuery({
    queryKey: queryKeys.custodyHandovers,
    queryFn: ({ signal }) => listCustodyHandovers(signal),
    enabled: canWrite,
    refetchInterval: REFRESH_MS,
  });

  const handovers = canWrite ? (
    <Section
      title={t('registry.dashboard.custody.title')}
      intro={t('registry.dashboard.custody.intro')}
      testId="custody-handovers"
    >
      {custody.isError ? (
        <Alert color="red" role="alert" p="xs">
          {describeError(t, custody.error)}
        </Alert>
      ) : custody.isPending ? (
        <Loader size="sm" aria-label={t('app.loading')} />
      ) : custody.data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('registry.dashboard.custody.empty')}
        </Text>
      ) : (
        <Table
          className="wf-badges-full"
          verticalSpacing={4}
          aria-label={t('registry.dashboard.custody.title')}
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('registry.dashboard.custody.caseRef')}</Table.Th>
              <Table.Th scope="col">{t('registry.dashboard.custody.since')}</Table.Th>
              <Table.Th scope="col">
                <span className="wf-visually-hidden">{t('registry.columns.actions')}</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {custody.data.items.map((h) => (
              <Table.Tr key={h.caseRef} data-testid={`custody-${h.caseRef}`}>
                <Table.Td className="wf-ref">{h.caseRef}</Table.Td>
                <Table.Td>
                  <DateTime iso={h.since} />
                </Table.Td>
                <Table.Td className="wf-num">
                  <Button
                    size="xs"
                    onClick={() => navigate(paths.recordNew(h.caseRef))}
                    data-testid={`custody-register-${h.caseRef}`}
                  >
                    {t('registry.dashboard.custody.register')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  ) : null;

  return (
    <RegistryFrame
      title={t('registry.title')}
      testId="registry-page"
      actions={dashboard.isFetching ? <Loader size="xs" aria-label={t('app.loading')} /> : null}
    >
      {dashboard.isError && (
        <Alert color="red" role="alert" title={describeError(t, dashboard.error)}>
          <Button size="xs" variant="light" onClick={() => void dashboard.refetch()}>
            {t('app.retry')}
          </Button>
        </Alert>
      )}
      {dashboard.isPending && <Loader aria-label={t('app.loading')} />}
      {dashboard.data ? <Overview data={dashboard.data} handovers={handovers} /> : handovers}
    </RegistryFrame>
  );
}

function DateTime({ iso }: { iso: string }) {
  const { i18n } = useTranslation();
  return <span className="wf-nowrap">{formatDateTime(iso, i18n.language)}</span>;
}

function Section({
  title,
  intro,
  testId,
  children,
}: {
  title: string;
  intro?: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="sm" component="section" data-testid={testId}>
      <Stack gap={6}>
        <Title order={2} size="h5">
          {title}
        </Title>
        {intro && (
          <Text size="xs" c="dimmed">
            {intro}
          </Text>
        )}
        {children}
      </Stack>
    </Paper>
  );
}

function Overview({ data, handovers }: { data: PowDashboard; handovers: ReactNode }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const totals = data.totals;
  const all = Object.values(totals).reduce<number>((a, b) => a + (b ?? 0), 0);
  const interned = (totals.held ?? 0) + (totals.in_hospital ?? 0);
  const n = data.notifications;
  const since = n.oldest ? formatDateTime(n.oldest, lang) : t('app.none');

  return (
    <>
      <div className="wf-kpis">
        <Kpi label={t('registry.dashboard.records')} value={all} testId="kpi-records" />
        <Kpi label={t('registry.dashboard.interned')} value={interned} testId="kpi-interned" />
        <Kpi
          label={t('registry.dashboard.seriouslyIll')}
          value={data.healthReports.length}
          testId="kpi-seriously-ill"
        />
        <Kpi
          label={t('registry.dashboard.notifications')}
          value={n.pending}
          hint={t('registry.dashboard.notificationsHint')}
          tone={n.state === 'overdue' ? 'alert' : undefined}
          testId="kpi-notifications"
        />
      </div>

      {n.state !== 'none' && (
        <Alert
          color={n.state === 'overdue' ? 'red' : 'blue'}
          variant={n.state === 'overdue' ? 'filled' : 'light'}
          role={n.state === 'overdue' ? 'alert' : 'status'}
          data-testid="notifications-alarm"
          data-state={n.state}
        >
          <Group justify="space-between" gap="sm">
            <Text size="sm">
              {n.state === 'overdue'
                ? t('registry.dashboard.notificationsOverdue', { count: n.pending, since })
                : t('registry.dashboard.notificationsPending', { count: n.pending, since })}
            </Text>
            <Button
              size="xs"
              variant={n.state === 'overdue' ? 'white' : 'light'}
              component="a"
              href={paths.batches}
              onClick={(e) => {
                e.preventDefault();
                navigate(paths.batches);
              }}
            >
              {t('registry.dashboard.openBatches')}
            </Button>
          </Group>
        </Alert>
      )}

      {handovers}

      <div className="wf-stats-row">
        <Section
          title={t('registry.dashboard.cards.title')}
          intro={t('registry.dashboard.cards.intro')}
          testId="cards-due"
        >
          {data.captureCards.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('registry.dashboard.cards.empty')}
            </Text>
          ) : (
            <div className="wf-table-scroll">
              <Table
                className="wf-badges-full"
                verticalSpacing={4}
                aria-label={t('registry.dashboard.cards.title')}
              >
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t('registry.columns.ref')}</Table.Th>
                    <Table.Th scope="col">{t('registry.columns.reason')}</Table.Th>
                    <Table.Th scope="col">{t('registry.columns.eventOn')}</Table.Th>
                    <Table.Th scope="col">{t('registry.columns.dueOn')}</Table.Th>
                    <Table.Th scope="col">{t('registry.columns.state')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.captureCards.map((c) => (
                    <Table.Tr key={c.dutyId} className="wf-deadline-row" data-state={c.state}>
                      <Table.Td>
                        <Link to={paths.record(c.recordId)} className="wf-ref">
                          {c.ref}
                        </Link>
                      </Table.Td>
                      <Table.Td>{t(`pow.cardReason.${c.reason}`)}</Table.Td>
                      <Table.Td className="wf-nowrap">{formatDate(c.eventOn, lang)}</Table.Td>
                      <Table.Td className="wf-nowrap">{formatDate(c.dueOn, lang)}</Table.Td>
                      <Table.Td>
                        <DeadlineBadge state={c.state} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
        </Section>
        <Section
          title={t('registry.dashboard.health.title')}
          intro={t('registry.dashboard.health.intro')}
          testId="health-due"
        >
          {data.healthReports.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('registry.dashboard.health.empty')}
            </Text>
          ) : (
            <div className="wf-table-scroll">
              <Table
                className="wf-badges-full"
                verticalSpacing={4}
                aria-label={t('registry.dashboard.health.title')}
              >
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t('registry.columns.ref')}</Table.Th>
                    <Table.Th scope="col">{t('registry.dashboard.health.lastOn')}</Table.Th>
                    <Table.Th scope="col">{t('registry.columns.dueOn')}</Table.Th>
                    <Table.Th scope="col">{t('registry.columns.state')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.healthReports.map((h) => (
                    <Table.Tr key={h.recordId} className="wf-deadline-row" data-state={h.state}>
                      <Table.Td>
                        <Link to={paths.record(h.recordId)} className="wf-ref">
                          {h.ref}
                        </Link>
                      </Table.Td>
                      <Table.Td className="wf-nowrap">
                        {h.lastOn ? formatDate(h.lastOn, lang) : t('registry.dashboard.health.never')}
                      </Table.Td>
                      <Table.Td className="wf-nowrap">{formatDate(h.dueOn, lang)}</Table.Td>
                      <Table.Td>
                        <DeadlineBadge state={h.state} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
        </Section>
      </div>

      <div className="wf-stats-row">
        <Section title={t('registry.dashboard.occupancy.title')} testId="occupancy">
          {data.facilities.filter((f) => !f.closed).length === 0 ? (
            <div className="wf-chart-empty">
              <Text size="sm">{t('registry.dashboard.occupancy.empty')}</Text>
            </div>
          ) : (
            <OccupancyChart facilities={data.facilities.filter((f) => !f.closed)} />
          )}
        </Section>
        <Section
          title={t('registry.dashboard.correspondence.title')}
          intro={t('registry.dashboard.correspondence.intro')}
          testId="correspondence-below"
        >
          {data.correspondenceBelowMinimum.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('registry.dashboard.correspondence.empty')}
            </Text>
          ) : (
            <div className="wf-table-scroll">
              <Table
                className="wf-badges-full"
                verticalSpacing={4}
                aria-label={t('registry.dashboard.correspondence.title')}
              >
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">{t('registry.columns.ref')}</Table.Th>
                    <Table.Th scope="col">{t('registry.dashboard.correspondence.month')}</Table.Th>
                    <Table.Th scope="col" className="wf-num">
                      {t('registry.columns.letters')}
                    </Table.Th>
                    <Table.Th scope="col" className="wf-num">
                      {t('registry.columns.cards')}
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.correspondenceBelowMinimum.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>
                        <Link to={paths.record(c.id)} className="wf-ref">
                          {c.ref}
                        </Link>
                      </Table.Td>
                      <Table.Td>{formatMonth(c.month, lang)}</Table.Td>
                      <Table.Td className="wf-num" data-low={c.letters < 2 ? 'true' : undefined}>
                        {c.letters} / 2
                      </Table.Td>
                      <Table.Td className="wf-num" data-low={c.cards < 4 ? 'true' : undefined}>
                        {c.cards} / 4
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
        </Section>
      </div>
    </>
  );
}

/** Held now against capacity, one bar pair per open facility; over capacity in red. */
function OccupancyChart({ facilities }: { facilities: Facility[] }) {
  const { t } = useTranslation();
  const option = useMemo<ChartOption>(() => {
    const current = t('registry.dashboard.occupancy.current');
    const capacity = t('registry.dashboard.occupancy.capacity');
    return {
      grid: { left: 8, right: 40, top: 32, bottom: 8, containLabel: true },
      legend: { top: 0, left: 0, data: [current, capacity] },
      tooltip: { ...RICH_TOOLTIP, trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1, splitLine: { lineStyle: { color: '#e9ecef' } } },
      yAxis: {
        type: 'category',
        inverse: true,
        data: facilities.map((f) => f.name),
        axisTick: { show: false },
        axisLabel: { width: 170, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          name: current,
          barMaxWidth: 18,
          itemStyle: { color: CHART_COLORS.blue },
          label: { show: true, position: 'right' },
          data: facilities.map((f) => ({
            value: f.current,
            itemStyle: { color: f.current > f.capacity ? CHART_COLORS.red : CHART_COLORS.blue },
          })),
        },
        {
          type: 'bar',
          name: capacity,
          barMaxWidth: 18,
          itemStyle: { color: '#ced4da' },
          label: { show: true, position: 'right', color: '#868e96' },
          data: facilities.map((f) => f.capacity),
        },
      ],
    };
  }, [facilities, t]);
  return (
    <EChart
      option={option}
      size={facilities.length > 6 ? 'lg' : 'sm'}
      label={t('registry.dashboard.occupancy.aria', {
        items: facilities.map((f) => `${f.name} ${f.current}/${f.capacity}`).join(', '),
      })}
    />
  );
}
