import fastifySwagger from '@fastify/swagger';
import Fastify from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestContext, type TestContext } from '../../test/helpers.ts';

/**
 * One API contract (issue #15): every JSON route declares what it answers with a precise zod schema,
 * which both documents it (OpenAPI) and is what the console's types are inferred from. The route list
 * comes from the OpenAPI document, so a new route without a response schema fails here.
 */

/** Routes that do not answer JSON: HTML pages, files, CSV, PDF, the event stream. */
const NOT_JSON = new Set([
  // public pages (server-rendered HTML) and their assets
  'GET /',
  'POST /requests',
  'GET /follow-up',
  'POST /follow-up',
  'POST /follow-up/answers',
  'POST /follow-up/reply',
  'GET /static/site.css',
  'GET /static/pow.js',
  'GET /kb',
  'GET /kb/{slug}',
  'GET /stats',
  'GET /find',
  'POST /find',
  'GET /find/answer',
  'POST /find/answer',
  'POST /find/letter',
  'GET /console',
  // files
  'GET /api/audit/checkpoints/export',
  'GET /api/stats/export.csv',
  'GET /api/pow/records/{id}/capture-card.pdf',
  'GET /api/pow/records/{id}/identity-card.pdf',
  'GET /api/pow/batches/{id}/export',
  // server-sent events
  'GET /api/events',
]);

/** Free-form JSON on purpose, with the reason (see the schema's comment in the route file). */
const FREE_FORM = new Set([
  // The W3C WebAuthn creation options, passed to the browser's WebAuthn API as the library made them.
  'POST /api/auth/webauthn/register/options',
]);

type JsonSchema = Record<string, unknown>;
interface OpenApi {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }> }>
  >;
}

/** Why a JSON schema says nothing about the value (z.any(), z.unknown(), a bare record), or null. */
function vagueness(schema: JsonSchema | undefined): string | null {
  if (!schema) return 'no JSON schema';
  const keys = Object.keys(schema).filter((k) => k !== 'description' && k !== '$schema');
  if (keys.length === 0) return 'any value (z.any() or z.unknown())';
  if (schema.type === 'object' && !schema.properties) return 'an object with no named fields (z.record)';
  return null;
}

/** Every route of an OpenAPI document that lacks a precise success-response schema, with the reason. */
function contractGaps(spec: OpenApi, notJson: Set<string>, freeForm: Set<string>): string[] {
  const gaps: string[] = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const route = `${method.toUpperCase()} ${path}`;
      if (notJson.has(route)) continue;
      const ok = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2'));
      if (ok.length === 0) {
        gaps.push(`${route}: no 2xx response`);
        continue;
      }
      for (const [code, res] of ok) {
        const why = vagueness(res.content?.['application/json']?.schema);
        if (why && !(freeForm.has(route) && why.startsWith('an object')))
          gaps.push(`${route} ${code}: ${why}`);
      }
    }
  }
  return gaps;
}

async function specOf(register: (app: ReturnType<typeof appWithZod>) => void): Promise<OpenApi> {
  const app = appWithZod();
  await app.register(fastifySwagger, {
    openapi: { info: { title: 't', version: '1' } },
    transform: jsonSchemaTransform,
  });
  register(app);
  await app.ready();
  const spec = app.swagger() as unknown as OpenApi;
  await app.close();
  return spec;
}
function appWithZod() {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  return app.withTypeProvider<ZodTypeProvider>();
}

describe('the checker', () => {
  it('flags z.any(), z.unknown(), a bare record and a missing schema; passes a precise one', async () => {
    const spec = await specOf((app) => {
      app.get('/any', { schema: { response: { 200: z.any() } } }, async () => ({}));
      app.get('/unknown', { schema: { response: { 200: z.unknown() } } }, async () => ({}));
      app.get(
        '/record',
        { schema: { response: { 200: z.record(z.string(), z.unknown()) } } },
        async () => ({}),
      );
      app.get('/none', async () => ({}));
      app.get('/precise', { schema: { response: { 200: z.object({ id: z.string() }) } } }, async () => ({
        id: 'x',
      }));
      app.delete('/gone', { schema: { response: { 204: z.null() } } }, async (_r, reply) =>
        reply.code(204).send(null),
      );
    });
    const gaps = contractGaps(spec, new Set(), new Set());
    expect(gaps.map((g) => g.split(' ')[1])).toEqual(['/any', '/unknown', '/record', '/none']);
  });

  it('drops a field the schema does not name (a service cannot leak one by accident)', async () => {
    const app = appWithZod();
    app.get(
      '/user',
      { schema: { response: { 200: z.object({ id: z.string() }) } } },
      async () =>
        ({
          id: 'u1',
          passwordHash: 'secret',
        }) as { id: string },
    );
    const res = await app.inject({ method: 'GET', url: '/user' });
    await app.close();
    expect(res.json()).toEqual({ id: 'u1' });
  });
});

describe('the app', () => {
  let ctx: TestContext;
  let spec: OpenApi;
  beforeAll(async () => {
    ctx = await createTestContext();
    spec = (await ctx.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as OpenApi;
  });
  afterAll(async () => ctx.close());

  it('every JSON route answers a precise schema', () => {
    expect(contractGaps(spec, NOT_JSON, FREE_FORM)).toEqual([]);
    expect(Object.keys(spec.paths).length).toBeGreaterThan(80);
  });

  it('the exemptions name routes that exist', () => {
    const routes = new Set(
      Object.entries(spec.paths).flatMap(([p, ms]) => Object.keys(ms).map((m) => `${m.toUpperCase()} ${p}`)),
    );
    for (const r of [...NOT_JSON, ...FREE_FORM]) expect(routes, r).toContain(r);
  });
});
