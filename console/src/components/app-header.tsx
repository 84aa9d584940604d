import { ActionIcon, Badge, Button, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { isPlainLeftClick, navigate, paths, REGISTRY_ROUTES, useRoute } from '../lib/router.tsx';
import { canAdminister, hasPermission, useCurrentUser, useSession } from '../lib/session.tsx';
import { LanguageSwitch } from './language-switch.tsx';
import { useLiveStatus } from './live-updates.tsx';
import { NotificationsBell } from './notifications-bell.tsx';

interface NavItem {
  to: string;
  label: string;
  active: boolean;
}

export function AppHeader({ onShowShortcuts }: { onShowShortcuts: () => void }) {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const { endSession } = useSession();
  const route = useRoute();
  const live = useLiveStatus();

  const queue = hasPermission(user, 'queue.read');
  const items: NavItem[] = [];
  if (queue)
    items.push({
      to: paths.queue,
      label: t('nav.queue'),
      active: route.name === 'queue' || route.name === 'request',
    });
  if (hasPermission(user, 'pow.read'))
    items.push({
      to: paths.registry,
      label: t('nav.registry'),
      active: REGISTRY_ROUTES.includes(route.name),
    });
  if (hasPermission(user, 'inquiry.read') || hasPermission(user, 'inquiry.create'))
    items.push({
      to: paths.relatives,
      label: t('nav.relatives'),
      active: route.name === 'relatives' || route.name === 'inquiry',
    });
  items.push({ to: paths.knowledge(), label: t('nav.knowledge'), active: route.name === 'knowledge' });
  if (hasPermission(user, 'supervisor.read'))
    items.push({ to: paths.supervisor, label: t('nav.supervisor'), active: route.name === 'supervisor' });
  if (hasPermission(user, 'stats.read'))
    items.push({ to: paths.stats, label: t('nav.stats'), active: route.name === 'stats' });
  if (canAdminister(user))
    items.push({ to: paths.admin, label: t('nav.admin'), active: route.name === 'admin' });
  items.push({ to: paths.settings, label: t('nav.settings'), active: route.name === 'settings' });

  return (
    <header className="wf-header">
      <div className="wf-brand">
        <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" />
        <span>{t('app.name')}</span>
      </div>
      <nav aria-label={t('nav.label')} className="wf-nav">
        {items.map((item) => (
          <a
            key={item.to}
            href={item.to}
            aria-current={item.active ? 'page' : undefined}
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
      <div className="wf-header-right">
        {/* Live updates are about requests: only for those who work the queue. */}
        {queue && (
          <Tooltip label={live === 'live' ? t('header.liveTitle') : t('header.offlineTitle')}>
            <Badge
              variant="dot"
              color={live === 'live' ? 'green' : live === 'connecting' ? 'yellow' : 'gray'}
              tt="none"
              data-testid="live-status"
              data-live={live}
            >
              {live === 'live' ? t('header.live') : t('header.offline')}
            </Badge>
          </Tooltip>
        )}
        {/* Notices: request events for the queue, deadline alarms for the registry. */}
        {(queue || hasPermission(user, 'pow.read')) && <NotificationsBell />}
        <div className="wf-user" data-testid="whoami">
          <span className="wf-user-email" title={t('header.signedInAs', { email: user.email })}>
            {user.email}
          </span>
          <span>
            <Badge size="xs" variant="light" tt="none">
              {t(`roles.${user.role}`)}
            </Badge>
          </span>
        </div>
        <LanguageSwitch />
        <Tooltip label={t('header.shortcuts')}>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={t('header.shortcuts')}
            onClick={onShowShortcuts}
          >
            <span aria-hidden="true">?</span>
          </ActionIcon>
        </Tooltip>
        <Button
          variant="default"
          size="xs"
          onClick={() => void endSession('logged_out')}
          data-testid="logout"
        >
          {t('header.logout')}
        </Button>
      </div>
    </header>
  );
}
