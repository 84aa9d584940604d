import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
} from '../../test/helpers.ts';

let ctx: TestContext;
let adminS: LoggedIn;
let opS: LoggedIn;

beforeAll(async () => {
  ctx = await createTestContext();
  const admin = await createOperator(ctx, 'admin');
  adminS = await login(ctx, admin);
  opS = await login(ctx, await createOperator(ctx, 'operator', { grantKeyFrom: admin }));
});
afterAll(async () => ctx.close());

describe('knowledge base', () => {
  it('is served on the public site without JavaScript, in every language', async () => {
    const list = await ctx.app.inject({ method: 'GET', url: '/kb' });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Вопросы и ответы');
    expect(list.body).toContain('href="/kb/pow-rights?lang=ru"');
    expect(list.body).not.toMatch(/<script/i);
    const uk = await ctx.app.inject({ method: 'GET', url: '/kb/pow-rights?lang=uk' });
    expect(uk.statusCode).toBe(200);
    expect(uk.body).toContain('<html lang="uk">');
    expect(uk.body).toMatch(/<h2>[^<]+<\/h2>/);
    expect(uk.body).toContain('Женевськ');
    const en = await ctx.app.inject({ method: 'GET', url: '/kb/how-surrender-works?lang=en' });
    expect(en.body).toContain('white');
    expect((await ctx.app.inject({ method: 'GET', url: '/kb/no-such-article' })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'GET', url: '/kb/..%2F..%2Fetc' })).statusCode).toBe(404);
    const home = await ctx.app.inject({ method: 'GET', url: '/?lang=en' });
    expect(home.body).toContain('href="/kb?lang=en"');
  });

  it('is searchable by operators', async () => {
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/api/knowledge?lang=ru&q=${encodeURIComponent('Женевской конвенции')}`,
      headers: opS.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().items[0].slug).toBe('pow-rights');
    const all = await ctx.app.inject({ method: 'GET', url: '/api/knowledge?lang=en', headers: opS.headers });
    expect(all.json().items.length).toBeGreaterThanOrEqual(8);
  });

  it('keeps every admin edit as a version, shows the newest, and audits it', async () => {
    const before = await ctx.app.inject({
      method: 'GET',
      url: '/api/knowledge/digital-safety/en',
      headers: adminS.headers,
    });
    const edit = await ctx.app.inject({
      method: 'PUT',
      url: '/api/knowledge/digital-safety/en',
      headers: adminS.headers,
      payload: {
        title: 'Staying safe online',
        body: `${before.json().body}\n\nUpdated <script>alert(1)</script> advice.`,
        category: 'safety',
        order: 1,
      },
    });
    expect(edit.statusCode).toBe(200);
    expect(edit.json()).toEqual({ version: 2 });
    const page = await ctx.app.inject({ method: 'GET', url: '/kb/digital-safety?lang=en' });
    expect(page.body).toContain('Staying safe online');
    expect(page.body).toContain('&lt;script&gt;');
    expect(page.body).not.toContain('<script>alert');
    const versions = await ctx.app.inject({
      method: 'GET',
      url: '/api/knowledge/digital-safety/en/versions',
      headers: adminS.headers,
    });
    expect(versions.json().items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const audit = await ctx.core.db
      .selectFrom('audit_log')
      .select(['subject_id', 'details'])
      .where('action', '=', 'knowledge.edit')
      .execute();
    expect(audit).toEqual([{ subject_id: 'digital-safety.en', details: { version: 2 } }]);
    const bad = await ctx.app.inject({
      method: 'PUT',
      url: '/api/knowledge/digital-safety/en',
      headers: adminS.headers,
      payload: { title: '', body: 'x', category: 'nope', order: 1 },
    });
    expect(bad.statusCode).toBe(400);
  });
});
