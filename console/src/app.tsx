import { Alert, Center, Loader } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { AppHeader } from './components/app-header.tsx';
import { LiveUpdates } from './components/live-updates.tsx';
import { ShortcutsHelp } from './components/shortcuts-help.tsx';
import { useIdleLock } from './hooks/use-idle-lock.ts';
import { useShortcuts } from './hooks/use-shortcuts.ts';
import { QueueStateProvider } from './lib/queue-state.tsx';
import { navigate, paths, usePathname, useRoute } from './lib/router.tsx';
import { canAdminister, hasPermission, useCurrentUser, useSession } from './lib/session.tsx';
import { AdminPage } from './pages/admin-page.tsx';
import { ChangePasswordPage } from './pages/change-password-page.tsx';
import { KnowledgePage } from './pages/knowledge-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { NoAccessPage, NotFoundPage } from './pages/not-found-page.tsx';
import { QueuePage } from './pages/queue-page.tsx';
import { RequestPage } from './pages/request-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { SupervisorPage } from './pages/supervisor-page.tsx';

// The dashboard and its chart library load only when someone opens it.
const StatsPage = lazy(() => import('./pages/stats-page.tsx'));

export function App() {
  const { t } = useTranslation();
  const { state } = useSession();
  switch (state.status) {
    case 'checking':
      return (
        <Center className="wf-center">
          <Loader aria-label={t('app.loading')} />
        </Center>
      );
    case 'anonymous':
      return <LoginPage notice={state.notice} />;
    case 'changePassword':
      return <ChangePasswordPage />;
    case 'ready':
      return (
        <QueueStateProvider>
          <LiveUpdates>
            <Console />
          </LiveUpdates>
        </QueueStateProvider>
      );
  }
}

// Matches the server's idle expiry (WHITEFLAG_SESSION_IDLE_MINUTES, 15 by default).
const IDLE_LOCK_MS = 15 * 60_000;
const IDLE_WARN_MS = 60_000;

function Console() {
  const { t } = useTranslation();
  const { endSession } = useSession();
  const [helpOpen, help] = useDisclosure(false);
  const pathname = usePathname();

  const idleWarning = useIdleLock(IDLE_LOCK_MS, IDLE_WARN_MS, () => void endSession('locked'));

  useShortcuts({
    '?': help.open,
    'g q': () => navigate(paths.queue),
  });

  // Screen readers: after a route change, start reading from the new page's content.
  useEffect(() => {
    if (pathname) document.getElementById('main')?.focus({ preventScroll: true });
  }, [pathname]);

  return (
    <>
      <a className="wf-skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <AppHeader onShowShortcuts={help.open} />
      {idleWarning && (
        <Alert color="orange" radius={0} py={6} role="alert">
          {t('lock.soon')}
        </Alert>
      )}
      <main id="main" className="wf-main" tabIndex={-1}>
        <Routes />
      </main>
      <ShortcutsHelp opened={helpOpen} onClose={help.close} />
    </>
  );
}

function Routes() {
  const { t } = useTranslation();
  const route = useRoute();
  const user = useCurrentUser();
  // The knowledge base is open to every signed-in role (as its API is); the rest needs the queue.
  if (!hasPermission(user, 'queue.read') && route.name !== 'settings' && route.name !== 'knowledge')
    return <NoAccessPage />;
  switch (route.name) {
    case 'queue':
      return <QueuePage />;
    case 'request':
      return <RequestPage key={route.id} id={route.id} />;
    case 'supervisor':
      return hasPermission(user, 'supervisor.read') ? <SupervisorPage /> : <NoAccessPage />;
    case 'stats':
      return hasPermission(user, 'stats.read') ? (
        <Suspense fallback={<Loader aria-label={t('app.loading')} />}>
          <StatsPage />
        </Suspense>
      ) : (
        <NoAccessPage />
      );
    case 'admin':
      return canAdminister(user) ? <AdminPage /> : <NoAccessPage />;
    case 'knowledge':
      return <KnowledgePage slug={route.slug} />;
    case 'settings':
      return <SettingsPage />;
    case 'notFound':
      return <NotFoundPage />;
  }
}
