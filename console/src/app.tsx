import { Alert, Center, Loader } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, type ReactNode, Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { AppHeader } from './components/app-header.tsx';
import { LiveUpdates } from './components/live-updates.tsx';
import { RoutingBanner } from './components/routing-banner.tsx';
import { ShortcutsHelp } from './components/shortcuts-help.tsx';
import { useIdleLock } from './hooks/use-idle-lock.ts';
import { useShortcuts } from './hooks/use-shortcuts.ts';
import { QueueStateProvider } from './lib/queue-state.tsx';
import { navigate, paths, usePathname, useRoute, useSearch } from './lib/router.tsx';
import { canAdminister, hasPermission, homePath, useCurrentUser, useSession } from './lib/session.tsx';
import { AdminPage } from './pages/admin-page.tsx';
import { ChangePasswordPage } from './pages/change-password-page.tsx';
import { KnowledgePage } from './pages/knowledge-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { NoAccessPage, NotFoundPage } from './pages/not-found-page.tsx';
import { QueuePage } from './pages/queue-page.tsx';
import { RequestPage } from './pages/request-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { SupervisorPage } from './pages/supervisor-page.tsx';

// The dashboards and their chart library load only when someone opens them.
const StatsPage = lazy(() => import('./pages/stats-page.tsx'));
const RegistryPage = lazy(() => import('./pages/registry-page.tsx'));
// The registry and the relatives desk: one chunk, loaded by those who work there.
const registry = () => import('./pages/registry-pages.ts');
const RecordsPage = lazy(() => registry().then((m) => ({ default: m.RecordsPage })));
const RecordNewPage = lazy(() => registry().then((m) => ({ default: m.RecordNewPage })));
const RecordPage = lazy(() => registry().then((m) => ({ default: m.RecordPage })));
const FacilitiesPage = lazy(() => registry().then((m) => ({ default: m.FacilitiesPage })));
const BatchesPage = lazy(() => registry().then((m) => ({ default: m.BatchesPage })));
const RelativesPage = lazy(() => registry().then((m) => ({ default: m.RelativesPage })));
const InquiryPage = lazy(() => registry().then((m) => ({ default: m.InquiryPage })));

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
      <RoutingBanner />
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
  const search = useSearch();
  const user = useCurrentUser();
  const can = (p: Parameters<typeof hasPermission>[1]) => hasPermission(user, p);
  const page = (allowed: boolean, node: ReactNode) =>
    allowed ? (
      <Suspense fallback={<Loader aria-label={t('app.loading')} />}>{node}</Suspense>
    ) : (
      <NoAccessPage />
    );
  switch (route.name) {
    case 'queue':
      return can('queue.read') ? <QueuePage /> : <GoHome />;
    case 'request':
      return can('queue.read') ? <RequestPage key={route.id} id={route.id} /> : <NoAccessPage />;
    case 'supervisor':
      return can('supervisor.read') ? <SupervisorPage /> : <NoAccessPage />;
    case 'stats':
      return page(can('stats.read'), <StatsPage />);
    case 'admin':
      return canAdminister(user) ? <AdminPage /> : <NoAccessPage />;
    case 'knowledge':
      // The knowledge base is open to every signed-in role (as its API is).
      return <KnowledgePage slug={route.slug} />;
    case 'settings':
      return <SettingsPage />;
    case 'registry':
      return page(can('pow.read'), <RegistryPage />);
    case 'records':
      return page(can('pow.read'), <RecordsPage />);
    case 'recordNew':
      return page(can('pow.write'), <RecordNewPage key={search} />);
    case 'record':
      return page(can('pow.read'), <RecordPage key={`${route.id}${search}`} id={route.id} />);
    case 'facilities':
      return page(can('pow.read'), <FacilitiesPage />);
    case 'batches':
      return page(can('batch.read'), <BatchesPage />);
    case 'relatives':
      return page(can('inquiry.read') || can('inquiry.create'), <RelativesPage />);
    case 'inquiry':
      return page(can('inquiry.read'), <InquiryPage key={route.id} id={route.id} />);
    case 'notFound':
      return <NotFoundPage />;
  }
}

/** The console's root for a role without the queue: its own start page instead. */
function GoHome() {
  const user = useCurrentUser();
  const home = homePath(user);
  useEffect(() => {
    if (home !== paths.queue) navigate(home, { replace: true });
  }, [home]);
  return home === paths.queue ? <NoAccessPage /> : null;
}
