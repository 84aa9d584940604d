import { Alert, Badge, Group, Loader, Paper, Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { getSupervisorOverview } from '../api.ts';
import { CannedRepliesManager } from '../components/canned-replies-manager.tsx';
import { LanguageRoutingPanel } from '../components/language-routing.tsx';
import { useLiveStatus } from '../components/live-updates.tsx';
import { OperatorsTable } from '../components/operators-table.tsx';
import { SlaBreachTable } from '../components/sla-breach-table.tsx';
import { useNow } from '../hooks/use-now.ts';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { describeError } from '../lib/errors.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { hasPermission, useCurrentUser } from '../lib/session.tsx';

export function SupervisorPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const now = useNow();
  const live = useLiveStatus();
  usePageTitle(t('supervisor.title'));
  const overview = useQuery({
    queryKey: queryKeys.supervisor,
    queryFn: getSupervisorOverview,
    // Who is online changes without request events: refresh it regularly even when live.
    refetchInterval: live === 'live' ? 60_000 : 30_000,
  });

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={1} size="h3">
          {t('supervisor.title')}
        </Title>
        {overview.isFetching && <Loader size="xs" aria-label={t('app.loading')} />}
      </Group>

      {overview.isError && (
        <Alert color="red" role="alert">
          {describeError(t, overview.error)}
        </Alert>
      )}

      {overview.data && (
        <>
          <Group gap="sm">
            <Badge
              size="lg"
              variant="light"
              color={overview.data.unassigned > 0 ? 'orange' : 'gray'}
              tt="none"
              data-testid="unassigned-count"
            >
              {t('supervisor.unassigned')}: {overview.data.unassigned}
            </Badge>
            <Badge
              size="lg"
              variant="light"
              color={overview.data.slaBreached.length > 0 ? 'red' : 'green'}
              tt="none"
            >
              {t('supervisor.slaBreached')}: {overview.data.slaBreached.length}
            </Badge>
          </Group>
          <Paper withBorder p="sm">
            <Title order={2} size="h4" mb="xs">
              {t('supervisor.slaBreached')}
            </Title>
            <SlaBreachTable items={overview.data.slaBreached} now={now} />
          </Paper>
          <Paper withBorder p="sm">
            <Title order={2} size="h4" mb="xs">
              {t('supervisor.onShift')}
            </Title>
            <OperatorsTable operators={overview.data.operators} now={now} />
          </Paper>
        </>
      )}
      {overview.isPending && <Loader aria-label={t('app.loading')} />}

      <Paper withBorder p="sm">
        <LanguageRoutingPanel />
      </Paper>

      {hasPermission(user, 'canned.manage') && (
        <Paper withBorder p="sm">
          <CannedRepliesManager />
        </Paper>
      )}
    </Stack>
  );
}
