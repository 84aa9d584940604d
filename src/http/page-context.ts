import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';
import type { Organisation, OrganisationService } from '../settings/organisation.ts';

/**
 * What every public page needs beyond its own content: the organisation's face and the public origin
 * the page was requested on (the main domain, a mirror, or the onion address), so that its absolute
 * links point back to that origin. Request-scoped (AsyncLocalStorage), set once per public request,
 * read by `layout()` — no page signature changes.
 *
 * The origin comes from the Host header only when it names a configured origin
 * (WHITEFLAG_PUBLIC_ORIGIN(S), or a mirror/onion the admin listed); anything else falls back to the
 * main origin, so a forged Host is never echoed into a link.
 */
export interface PageContext {
  org: Organisation;
  origin: string | null;
}

const store = new AsyncLocalStorage<PageContext>();

export function pageContext(): PageContext | undefined {
  return store.getStore();
}

/** The configured origin whose host is `host` (case-insensitive), or null. */
export function matchOrigin(host: string | undefined, trusted: readonly string[]): string | null {
  if (!host) return null;
  const h = host.toLowerCase();
  for (const o of trusted) {
    try {
      if (new URL(o).host === h) return new URL(o).origin;
    } catch {
      // not a URL: ignore
    }
  }
  return null;
}

export function trustedOrigins(configured: readonly string[], org: Organisation): string[] {
  return [
    ...configured,
    ...org.channels.flatMap((c) =>
      c.kind === 'mirror' ? [c.value] : c.kind === 'onion' ? [`http://${c.value}`] : [],
    ),
  ];
}

export function registerPageContext(
  app: FastifyInstance,
  deps: { organisation: OrganisationService; origins: readonly string[] },
): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.url.startsWith('/api/') || req.url.startsWith('/console')) return done();
    deps.organisation.get().then(
      (org) => {
        const trusted = trustedOrigins(deps.origins, org);
        const origin = matchOrigin(req.headers.host, trusted) ?? deps.origins[0] ?? null;
        store.run({ org, origin }, done);
      },
      () => done(),
    );
  });
  // Tor Browser offers the onion address to visitors of a clearnet origin (the proxy may add it too).
  app.addHook('onSend', async (_req, reply, payload) => {
    const ctx = pageContext();
    const onion = ctx?.org.channels.find((c) => c.kind === 'onion');
    const type = String(reply.getHeader('content-type') ?? '');
    if (onion && ctx?.origin?.startsWith('https://') && type.startsWith('text/html'))
      reply.header('onion-location', `http://${onion.value}${_req.url}`);
    return payload;
  });
}
