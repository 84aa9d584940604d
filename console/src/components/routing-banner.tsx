import { Alert } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { getRoutingStatus } from '../api.ts';
import { formatDateTime } from '../lib/format.ts';

/**
 * After a restart the server holds no routing key until a granted operator logs in (or another
 * instance hands it over): channel messages wait sealed and replies wait in the outbox. Say so.
 */
export function RoutingBanner() {
  const { t, i18n } = useTranslation();
  const status = useQuery({
    queryKey: ['routing-status'],
    queryFn: ({ signal }) => getRoutingStatus(signal),
    refetchInterval: 30_000,
  });
  const s = status.data;
  if (!s || s.unlocked) return null;
  return (
    <Alert color="yellow" radius={0} py={6} role="status" data-testid="routing-locked">
      {t('routingKey.locked', {
        since: s.lockedSince ? formatDateTime(s.lockedSince, i18n.language) : '—',
        count: s.pendingUpdates,
      })}
    </Alert>
  );
}
