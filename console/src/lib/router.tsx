import { Anchor, type AnchorProps } from '@mantine/core';
import { type MouseEvent, type ReactNode, useSyncExternalStore } from 'react';

/**
 * A tiny router on the History API: the console has a handful of screens under /console/, and the
 * server answers every unknown /console/* path with index.html.
 */
export const BASE = '/console';

export type Route =
  | { name: 'queue' }
  | { name: 'request'; id: string }
  | { name: 'supervisor' }
  | { name: 'stats' }
  | { name: 'admin' }
  | { name: 'knowledge'; slug: string | null }
  | { name: 'settings' }
  | { name: 'registry' }
  | { name: 'records' }
  | { name: 'recordNew' }
  | { name: 'record'; id: string }
  | { name: 'facilities' }
  | { name: 'batches' }
  | { name: 'relatives' }
  | { name: 'inquiry'; id: string }
  | { name: 'notFound' };

/** Routes of the POW registry (one section of the navigation). */
export const REGISTRY_ROUTES: readonly Route['name'][] = [
  'registry',
  'records',
  'recordNew',
  'record',
  'facilities',
  'batches',
];

export const paths = {
  queue: `${BASE}/`,
  request: (id: string) => `${BASE}/requests/${encodeURIComponent(id)}`,
  supervisor: `${BASE}/supervisor`,
  stats: `${BASE}/stats`,
  admin: `${BASE}/admin`,
  knowledge: (slug?: string | null) =>
    slug ? `${BASE}/knowledge/${encodeURIComponent(slug)}` : `${BASE}/knowledge`,
  settings: `${BASE}/settings`,
  registry: `${BASE}/registry`,
  records: `${BASE}/registry/records`,
  /** The new-record form, optionally for a request handed over in custody. */
  recordNew: (caseRef?: string | null) =>
    caseRef
      ? `${BASE}/registry/records/new?case=${encodeURIComponent(caseRef)}`
      : `${BASE}/registry/records/new`,
  /** A record; from the relatives desk with the confirmed inquiry, to write to that relative. */
  record: (id: string, opts: { inquiry?: { id: string; ref: string } } = {}) =>
    `${BASE}/registry/records/${encodeURIComponent(id)}${
      opts.inquiry
        ? `?inquiry=${encodeURIComponent(opts.inquiry.id)}&ref=${encodeURIComponent(opts.inquiry.ref)}`
        : ''
    }`,
  facilities: `${BASE}/registry/facilities`,
  batches: `${BASE}/registry/batches`,
  relatives: `${BASE}/relatives`,
  inquiry: (id: string) => `${BASE}/relatives/${encodeURIComponent(id)}`,
} as const;

/** One query-string parameter of the current address (the router itself matches paths only). */
export function searchParam(name: string): string | null {
  return new URLSearchParams(window.location.search).get(name);
}

export function parseRoute(pathname: string): Route {
  if (!pathname.startsWith(BASE)) return { name: 'notFound' };
  const rest = pathname.slice(BASE.length).replace(/\/+$/, '');
  if (rest === '') return { name: 'queue' };
  const request = /^\/requests\/([^/]+)$/.exec(rest);
  if (request?.[1]) return { name: 'request', id: decodeURIComponent(request[1]) };
  if (rest === '/registry/records/new') return { name: 'recordNew' };
  const record = /^\/registry\/records\/([^/]+)$/.exec(rest);
  if (record?.[1]) return { name: 'record', id: decodeURIComponent(record[1]) };
  const inquiry = /^\/relatives\/([^/]+)$/.exec(rest);
  if (inquiry?.[1]) return { name: 'inquiry', id: decodeURIComponent(inquiry[1]) };
  const article = /^\/knowledge\/([^/]+)$/.exec(rest);
  if (article?.[1]) return { name: 'knowledge', slug: decodeURIComponent(article[1]) };
  switch (rest) {
    case '/supervisor':
      return { name: 'supervisor' };
    case '/stats':
      return { name: 'stats' };
    case '/admin':
      return { name: 'admin' };
    case '/knowledge':
      return { name: 'knowledge', slug: null };
    case '/settings':
      return { name: 'settings' };
    case '/registry':
      return { name: 'registry' };
    case '/registry/records':
      return { name: 'records' };
    case '/registry/facilities':
      return { name: 'facilities' };
    case '/registry/batches':
      return { name: 'batches' };
    case '/relatives':
      return { name: 'relatives' };
    default:
      return { name: 'notFound' };
  }
}

const NAVIGATE_EVENT = 'wf:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

function getPathname(): string {
  return window.location.pathname;
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, getPathname);
}

/** The query string (`?case=…`): pages that read a parameter re-mount when it changes. */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, getSearch);
}

function getSearch(): string {
  return window.location.search;
}

export function useRoute(): Route {
  return parseRoute(usePathname());
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === window.location.pathname + window.location.search) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo(0, 0);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export function isPlainLeftClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

interface LinkProps extends AnchorProps {
  to: string;
  children: ReactNode;
  'aria-current'?: 'page' | undefined;
  'data-testid'?: string;
  onNavigate?: () => void;
}

/** A real link (middle-click, copy address work) that navigates in-app on a plain click. */
export function Link({ to, children, onNavigate, ...rest }: LinkProps) {
  return (
    <Anchor
      href={to}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => {
        if (!isPlainLeftClick(e)) return;
        e.preventDefault();
        onNavigate?.();
        navigate(to);
      }}
      {...rest}
    >
      {children}
    </Anchor>
  );
}
