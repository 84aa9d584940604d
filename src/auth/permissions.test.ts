import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
} from '../../test/helpers.ts';
import { ROLES, type Role } from './roles.ts';

/**
 * Every operator API route × every role: allowed or refused exactly as src/auth/policies.ts says.
 * The route list comes from the OpenAPI document, so a new route without a row here fails the test.
 */
type Rule = Role[] | 'any-session' | 'public';
const ALL: Role[] = [...ROLES];
const WORKERS: Role[] = ['operator', 'supervisor', 'admin'];
const LEADS: Role[] = ['supervisor', 'admin'];
const POW_READ: Role[] = ['registrar', 'liaison', 'admin'];
const POW_WRITE: Role[] = ['registrar', 'admin'];
const BATCH_MANAGE: Role[] = ['liaison', 'admin'];

const MATRIX: Record<string, Rule> = {
  'POST /api/auth/login': 'public',
  'POST /api/auth/login/webauthn/options': 'public',
  'POST /api/auth/login/webauthn/verify': 'public',
  'POST /api/auth/logout': 'any-session',
  'GET /api/auth/me': 'any-session',
  'POST /api/auth/password': 'any-session',
  'POST /api/auth/webauthn/register/options': 'any-session',
  'POST /api/auth/webauthn/register/verify': 'any-session',
  'GET /api/auth/webauthn/credentials': 'any-session',
  'DELETE /api/auth/webauthn/credentials/{id}': 'any-session',
  'GET /api/requests': WORKERS,
  'GET /api/requests/counts': WORKERS,
  'GET /api/requests/previews': WORKERS,
  'GET /api/requests/{id}': WORKERS,
  'POST /api/requests/{id}/replies': WORKERS,
  'POST /api/requests/{id}/notes': WORKERS,
  'POST /api/requests/{id}/status': WORKERS,
  'PUT /api/requests/{id}/expected-front': WORKERS,
  'POST /api/requests/{id}/claim': WORKERS,
  'POST /api/requests/{id}/release': WORKERS,
  'POST /api/requests/{id}/assign': LEADS,
  'POST /api/requests/assign': LEADS,
  'PUT /api/requests/{id}/tags': WORKERS,
  'POST /api/requests/{id}/probe': WORKERS,
  'POST /api/requests/{id}/merge': WORKERS,
  'GET /api/canned-replies': WORKERS,
  'POST /api/canned-replies': LEADS,
  'PUT /api/canned-replies/{id}': LEADS,
  'DELETE /api/canned-replies/{id}': LEADS,
  'POST /api/canned-replies/suggestions': WORKERS,
  'GET /api/canned-replies/suggestions': LEADS,
  'POST /api/canned-replies/suggestions/{id}/approve': LEADS,
  'POST /api/canned-replies/suggestions/{id}/reject': LEADS,
  'GET /api/supervisor/overview': LEADS,
  'GET /api/supervisor/flood': LEADS,
  'GET /api/supervisor/languages': LEADS,
  'GET /api/settings/routing': LEADS,
  'PUT /api/settings/routing': LEADS,
  'GET /api/auth/me/languages': 'any-session',
  'PUT /api/auth/me/languages': 'any-session',
  'PUT /api/users/{id}/languages': ['admin'],
  'GET /api/users': LEADS,
  'POST /api/users': ['admin'],
  'GET /api/users/directory': WORKERS,
  'POST /api/users/{id}/grant-key': ['admin'],
  'POST /api/users/{id}/disable': ['admin'],
  'POST /api/users/{id}/reset-totp': ['admin'],
  'GET /api/audit': ['admin'],
  'GET /api/audit/verify': ['admin'],
  'GET /api/audit/checkpoints': ['admin'],
  'POST /api/audit/checkpoints': ['admin'],
  'GET /api/audit/checkpoints/export': ['admin'],
  'GET /api/events': WORKERS,
  'GET /api/system/routing': 'any-session',
  'GET /api/protocol': WORKERS,
  'GET /api/protocol/versions': ['admin'],
  'GET /api/protocol/versions/{version}': ['admin'],
  'POST /api/protocol/versions': ['admin'],
  'GET /api/requests/{id}/protocol': WORKERS,
  'PUT /api/requests/{id}/protocol/steps/{stepId}/answers': WORKERS,
  'POST /api/requests/{id}/protocol/steps/{stepId}/complete': WORKERS,
  'POST /api/requests/{id}/protocol/steps/{stepId}/send-instructions': WORKERS,
  'GET /api/knowledge': 'any-session',
  'GET /api/knowledge/{slug}/{lang}': 'any-session',
  'PUT /api/knowledge/{slug}/{lang}': ['admin'],
  'GET /api/knowledge/{slug}/{lang}/versions': ['admin'],
  'GET /api/notifications': 'any-session',
  'POST /api/requests/{id}/callback-done': WORKERS,
  'POST /api/requests/{id}/triage': WORKERS,
  'GET /api/stats/dashboard': LEADS,
  'GET /api/stats/export.csv': LEADS,
  'POST /api/stats/annotations': ['admin'],
  'DELETE /api/stats/annotations/{id}': ['admin'],
  'POST /api/stats/refresh': ['admin'],
  'GET /api/settings/intake': ['admin'],
  'PUT /api/settings/intake': ['admin'],
  'GET /api/settings/case-timers': ['admin'],
  'PUT /api/settings/case-timers': ['admin'],
  'GET /api/voice/panel': WORKERS,
  'PUT /api/voice/availability': WORKERS,
  'PUT /api/voice/phone': WORKERS,
  'GET /api/voice/callbacks': WORKERS,
  'GET /api/requests/{id}/calls': WORKERS,
  'POST /api/requests/{id}/call-back': WORKERS,
  'PUT /api/requests/{id}/sms-allowed': WORKERS,
  'GET /api/settings/voice': ['admin'],
  'PUT /api/settings/voice': ['admin'],
  'GET /api/voice/prompts': ['admin'],
  'PUT /api/voice/prompts/{language}/{step}': ['admin'],
  'DELETE /api/voice/prompts/{language}/{step}': ['admin'],
  'GET /api/settings/organisation': ['admin'],
  'PUT /api/settings/organisation': ['admin'],
  'PUT /api/settings/organisation/logo': ['admin'],
  'DELETE /api/settings/organisation/logo': ['admin'],
  'POST /api/notifications/{id}/read': 'any-session',
  'GET /api/pow/facilities': POW_READ,
  'POST /api/pow/facilities': POW_READ,
  'PUT /api/pow/facilities/{id}': POW_READ,
  'GET /api/pow/dashboard': POW_READ,
  'GET /api/pow/custody-handovers': POW_WRITE,
  'GET /api/pow/records': POW_READ,
  'POST /api/pow/records': POW_WRITE,
  'GET /api/pow/records/{id}': POW_READ,
  'PUT /api/pow/records/{id}': POW_WRITE,
  'POST /api/pow/records/{id}/origin': POW_WRITE,
  'POST /api/pow/records/{id}/events': POW_WRITE,
  'POST /api/pow/records/{id}/welfare': POW_WRITE,
  'POST /api/pow/records/{id}/letters': POW_WRITE,
  'POST /api/pow/card-duties/{id}/sent': POW_WRITE,
  'POST /api/pow/letters/{id}/delivered': POW_WRITE,
  'GET /api/pow/records/{id}/capture-card.pdf': POW_READ,
  'GET /api/pow/records/{id}/identity-card.pdf': POW_READ,
  'GET /api/pow/batches': POW_READ,
  'GET /api/pow/batches/pending': POW_READ,
  'POST /api/pow/batches': BATCH_MANAGE,
  'GET /api/pow/batches/{id}': POW_READ,
  'GET /api/pow/batches/{id}/export': BATCH_MANAGE,
  'POST /api/pow/batches/{id}/delivered': BATCH_MANAGE,
  'POST /api/pow/batches/{id}/void': BATCH_MANAGE,
  'POST /api/relatives/inquiries': ['operator', 'supervisor', 'registrar', 'admin'],
  'GET /api/relatives/inquiries': POW_WRITE,
  'GET /api/relatives/inquiries/{id}': POW_WRITE,
  'POST /api/relatives/inquiries/{id}/answer': POW_WRITE,
};

let ctx: TestContext;
const sessions = new Map<Role, LoggedIn>();

beforeAll(async () => {
  ctx = await createTestContext();
  const admin = await createOperator(ctx, 'admin');
  sessions.set('admin', await login(ctx, admin));
  for (const role of ALL.filter((r) => r !== 'admin')) {
    sessions.set(role, await login(ctx, await createOperator(ctx, role, { grantKeyFrom: admin })));
  }
});
afterAll(async () => ctx.close());

async function apiRoutes(): Promise<string[]> {
  const spec = (await ctx.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  const out: string[] = [];
  for (const [p, methods] of Object.entries(spec.paths)) {
    for (const m of Object.keys(methods)) out.push(`${m.toUpperCase()} ${p}`);
  }
  return out.filter((r) => r.includes(' /api/'));
}

const FAKE_ID = '00000000-0000-4000-8000-000000000000';

describe('permission matrix', () => {
  it('has a row for every API route', async () => {
    const routes = await apiRoutes();
    // /api/events is streamed (not in the JSON schema list when hidden); every listed route needs a rule.
    for (const r of routes) expect(MATRIX, r).toHaveProperty([r]);
    expect(routes.length).toBeGreaterThanOrEqual(30);
  });

  for (const [route, rule] of Object.entries(MATRIX)) {
    if (rule === 'public' || route === 'GET /api/events') continue;
    const [method, path] = route.split(' ') as ['GET' | 'POST' | 'PUT' | 'DELETE', string];
    const url = path
      .replace('{id}', route.includes('notifications') ? '1' : FAKE_ID)
      .replace('{stepId}', 'questionnaire')
      .replace('{version}', '2000-01-01.1')
      .replace('{slug}', 'pow-rights')
      .replace('{lang}', 'ru');
    it(`${route}: ${rule === 'any-session' ? 'any logged-in user' : rule.join(', ')}`, async () => {
      const anon = await ctx.app.inject({ method, url, ...(method === 'GET' ? {} : { payload: {} }) });
      expect(anon.statusCode, `${route} anonymous`).toBe(401);
      for (const role of ALL) {
        const s = sessions.get(role) as LoggedIn;
        // Logout would end the session the next rows need: check it with a throwaway session instead.
        if (route === 'POST /api/auth/logout' || route === 'POST /api/auth/password') continue;
        const res = await ctx.app.inject({
          method,
          url,
          headers: s.headers,
          ...(method === 'GET' ? {} : { payload: {} }),
        });
        const allowed = rule === 'any-session' || rule.includes(role);
        if (allowed) {
          expect(res.statusCode, `${route} as ${role}: ${res.body}`).not.toBe(401);
          expect(
            res.statusCode === 403 && res.json().error.code === 'forbidden',
            `${route} as ${role}: ${res.body}`,
          ).toBe(false);
        } else {
          expect(res.statusCode, `${route} as ${role}`).toBe(403);
          expect(res.json().error.code).toBe('forbidden');
        }
      }
    });
  }

  it('streams /api/events only to roles that work the queue', async () => {
    for (const role of ALL) {
      if (WORKERS.includes(role)) continue;
      const res = await ctx.app.inject({
        method: 'GET',
        url: '/api/events',
        headers: (sessions.get(role) as LoggedIn).headers,
      });
      expect(res.statusCode).toBe(403);
    }
  });
});
