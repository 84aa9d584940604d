import { ActionIcon, Button, Group, Loader, Popover, Stack, Text, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { QueuePage, RequestDetail } from '../../../src/cases/cases.schemas.ts';
import type { OperatorNotification } from '../../../src/notifications/notifications.schemas.ts';
import { listNotifications, markNotificationRead } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { formatDateTime } from '../lib/format.ts';
import { notifyError } from '../lib/notify.ts';
import { queryKeys } from '../lib/query-keys.ts';
import { navigate, paths } from '../lib/router.tsx';

// Live events refetch the list at once; this catches what happens without one (a timer firing).
const REFRESH_MS = 60_000;

function BellIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
      />
    </svg>
  );
}

/** What a notification says, by kind; details come from the server (timers, outbox). */
export function describeNotification(t: TFunction, n: OperatorNotification): { title: string; text: string } {
  switch (n.kind) {
    case 'meeting_window_soon':
      return {
        title: t('notifications.kinds.meeting_window_soon'),
        text: t('notifications.text.meeting_window_soon'),
      };
    case 'moved_unreachable': {
      const days = typeof n.details.days === 'number' ? n.details.days : null;
      return {
        title: t('notifications.kinds.moved_unreachable'),
        text: days
          ? t('notifications.text.moved_unreachable', { days })
          : t('notifications.text.moved_unreachable_plain'),
      };
    }
    case 'delivery_failed': {
      const error = typeof n.details.error === 'string' ? n.details.error : '';
      return {
        title: t('notifications.kinds.delivery_failed'),
        text: error
          ? t('notifications.text.delivery_failed', { error })
          : t('notifications.text.delivery_failed_plain'),
      };
    }
    case 'request_returned': {
      const days = typeof n.details.days === 'number' ? n.details.days : 0;
      return {
        title: t('notifications.kinds.request_returned'),
        text: t('notifications.text.request_returned', { days }),
      };
    }
    case 'front_date_passed': {
      const days = typeof n.details.overdueDays === 'number' ? n.details.overdueDays : 0;
      return {
        title: t('notifications.kinds.front_date_passed'),
        text: t('notifications.text.front_date_passed', { days }),
      };
    }
    case 'inquiry_answered':
      return {
        title: t('notifications.kinds.inquiry_answered'),
        text: t('notifications.text.inquiry_answered'),
      };
    case 'registry_overdue': {
      const num = (v: unknown) => (typeof v === 'number' ? v : 0);
      return {
        title: t('notifications.kinds.registry_overdue'),
        text: t('notifications.text.registry_overdue', {
          cards: num(n.details.captureCards),
          reports: num(n.details.healthReports),
          notify: n.details.notificationsOverdue ? t('notifications.text.registry_overdue_notify') : '',
        }),
      };
    }
    default:
      return { title: n.kind, text: '' };
  }
}

/**
 * The bell in the header: unread notifications for this operator, each leading to its request.
 * Opening one marks it read.
 */
export function NotificationsBell() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const list = useQuery({
    queryKey: queryKeys.notifications,
    queryFn: ({ signal }) => listNotifications(true, signal),
    refetchInterval: REFRESH_MS,
    staleTime: 10_000,
  });
  const items = list.data?.items ?? [];
  const count = items.length;

  const markRead = useMutation({
    mutationFn: (ids: string[]) => Promise.all(ids.map((id) => markNotificationRead(id))),
    onMutate: (ids) => {
      queryClient.setQueryData<{ items: OperatorNotification[] }>(queryKeys.notifications, (old) =>
        old ? { items: old.items.filter((n) => !ids.includes(n.id)) } : old,
      );
    },
    onError: (e) => notifyError(t, e),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: queryKeys.notifications }),
  });

  /** The request's reference when a list or page in the cache knows it (no extra decrypting call). */
  const refOf = (requestId: string): string => {
    const detail = queryClient.getQueryData<RequestDetail>(queryKeys.request(requestId));
    if (detail) return detail.request.ref;
    for (const [, page] of queryClient.getQueriesData<QueuePage>({ queryKey: queryKeys.queueAll })) {
      const hit = page?.items?.find((i) => i.id === requestId);
      if (hit) return hit.ref;
    }
    return requestId.slice(0, 8);
  };

  const label = count > 0 ? t('notifications.labelUnread', { count }) : t('notifications.label');

  return (
    <Popover
      opened={opened}
      onChange={setOpened}
      position="bottom-end"
      width={360}
      shadow="md"
      withArrow
      trapFocus
      returnFocus
    >
      <Popover.Target>
        <Tooltip label={label} disabled={opened}>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={label}
            aria-haspopup="dialog"
            aria-expanded={opened}
            onClick={() => setOpened((o) => !o)}
            className="wf-bell"
            data-testid="notifications-bell"
            data-count={count}
          >
            <BellIcon />
            {count > 0 && (
              <span className="wf-bell-count" aria-hidden="true" data-testid="notifications-count">
                {count > 99 ? '99+' : count}
              </span>
            )}
          </ActionIcon>
        </Tooltip>
      </Popover.Target>
      <Popover.Dropdown p="xs" aria-label={t('notifications.title')} data-testid="notifications-dropdown">
        <Group justify="space-between" mb={6}>
          <Text fw={700} size="sm">
            {t('notifications.title')}
          </Text>
          {count > 1 && (
            <Button
              size="compact-xs"
              variant="subtle"
              onClick={() => markRead.mutate(items.map((n) => n.id))}
              data-testid="notifications-read-all"
            >
              {t('notifications.readAll')}
            </Button>
          )}
        </Group>
        {list.isPending && <Loader size="xs" aria-label={t('app.loading')} />}
        {list.isError && (
          <Text size="sm" c="red" role="alert">
            {describeError(t, list.error)}
          </Text>
        )}
        {list.isSuccess && count === 0 && (
          <Text size="sm" c="dimmed" data-testid="notifications-empty">
            {t('notifications.empty')}
          </Text>
        )}
        {count > 0 && (
          <ul className="wf-notifications">
            {items.map((n) => {
              const { title, text } = describeNotification(t, n);
              const inquiry =
                n.kind === 'inquiry_answered' && typeof n.details.inquiry === 'string'
                  ? n.details.inquiry
                  : null;
              const href = n.requestId ? paths.request(n.requestId) : inquiry ? paths.inquiry(inquiry) : null;
              return (
                <li key={n.id} data-testid={`notification-${n.id}`} data-kind={n.kind}>
                  <Stack gap={2} className="wf-notification-main">
                    {href ? (
                      <a
                        href={href}
                        className="wf-notification-link"
                        onClick={(e) => {
                          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                          e.preventDefault();
                          markRead.mutate([n.id]);
                          setOpened(false);
                          navigate(href);
                        }}
                      >
                        {title} ·{' '}
                        <span className="wf-ref">
                          {n.requestId ? refOf(n.requestId) : String(n.details.ref ?? '')}
                        </span>
                      </a>
                    ) : (
                      <Text size="sm" fw={600}>
                        {title}
                      </Text>
                    )}
                    {text && (
                      <Text size="xs" className="wf-notification-text">
                        {text}
                      </Text>
                    )}
                    <Text size="xs" c="dimmed">
                      <time dateTime={n.createdAt}>{formatDateTime(n.createdAt, i18n.language)}</time>
                    </Text>
                  </Stack>
                  <Tooltip label={t('notifications.markRead')}>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      size="sm"
                      aria-label={t('notifications.markReadOne', { title })}
                      onClick={() => markRead.mutate([n.id])}
                      data-testid={`notification-read-${n.id}`}
                    >
                      <span aria-hidden="true">✓</span>
                    </ActionIcon>
                  </Tooltip>
                </li>
              );
            })}
          </ul>
        )}
      </Popover.Dropdown>
    </Popover>
  );
}
