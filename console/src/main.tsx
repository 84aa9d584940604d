import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './styles.css';
import { createTheme, MantineProvider, Modal } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import i18next from 'i18next';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { isApiError } from './api.ts';
import { App } from './app.tsx';
import { initI18n } from './i18n/index.ts';
import { SessionProvider } from './lib/session.tsx';

initI18n();

// Modal scroll locking (react-remove-scroll) injects a <style> element, which style-src 'self'
// refuses; styles.css locks the page scroll while a dialog is open instead.
// Every dialog's close button is named (axe: button-name), in the language the console starts in;
// dialogs that set their own label follow a later language switch too.
const theme = createTheme({
  components: {
    Modal: Modal.extend({
      defaultProps: { lockScroll: false, closeButtonProps: { 'aria-label': i18next.t('app.close') } },
    }),
  },
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not get better by asking again; network blips and 5xx get two more tries.
      retry: (count, e) => count < 2 && (!isApiError(e) || e.status === 0 || e.status >= 500),
      refetchOnWindowFocus: true,
      staleTime: 10_000,
    },
    mutations: { retry: false },
  },
});

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');

// CSP (style-src 'self'): Mantine must not inject <style> tags. Its CSS variables and global
// classes come from the imported stylesheets instead (styles.css covers the few helper classes).
createRoot(root).render(
  <StrictMode>
    <MantineProvider
      theme={theme}
      withCssVariables={false}
      withGlobalClasses={false}
      defaultColorScheme="light"
    >
      <Notifications position="bottom-right" limit={4} zIndex={1000} />
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <App />
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
