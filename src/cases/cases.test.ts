import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  submitWebRequest,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';

let ctx: TestContext;
let admin: TestOperator;
let operator: TestOperator;
let adminS: LoggedIn;
let opS: LoggedIn;

async function threadIdOf(receipt: string): Promise<string> {
  const t = await ctx.core.intake.findByReceipt(receipt);
  if (!t) throw new Error('no thread');
  return t.id;
}

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
  operator = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
  adminS = await login(ctx, admin);
  opS = await login(ctx, operator);
});
afterAll(async () => ctx.close());

describe('queue', () => {
  it('lists metadata only, urgent first, with filters and keyset paging', async () => {
    await submitWebRequest(ctx, { category: 'just_checking', message: 'просто спрашиваю' });
    ctx.clock.advance(1000);
    await submitWebRequest(ctx, { category: 'serviceman_war_zone', message: 'я на фронте' });
    ctx.clock.advance(1000);
    await submitWebRequest(ctx, { category: 'relative', message: 'мой сын' });
    ctx.clock.advance(1000);
    await submitWebRequest(ctx, { category: 'relative', message: 'мой муж ранен' });

    const res = await ctx.app.inject({ method: 'GET', url: '/api/requests', headers: opS.headers });
    expect(res.statusCode).toBe(200);
    const { items } = res.json();
    expect(items.map((i: { category: string; urgency: number }) => [i.category, i.urgency])).toEqual([
      ['serviceman_war_zone', 3],
      ['relative', 2],
      ['relative', 1],
      ['just_checking', 0],
    ]);
    expect(JSON.stringify(items)).not.toContain('фронте');

    const relatives = await ctx.app.inject({
      method: 'GET',
      url: '/api/requests?category=relative',
      headers: opS.headers,
    });
    expect(relatives.json().items).toHaveLength(2);

    const page1 = await ctx.app.inject({
      method: 'GET',
      url: '/api/requests?limit=3&sort=newest',
      headers: opS.headers,
    });
    expect(page1.json().items).toHaveLength(3);
    expect(page1.json().nextCursor).toEqual(expect.any(String));
    const page2 = await ctx.app.inject({
      method: 'GET',
      url: `/api/requests?limit=3&sort=newest&cursor=${page1.json().nextCursor}`,
      headers: opS.headers,
    });
    expect(page2.json().items).toHaveLength(1);
    expect(page2.json().items[0].category).toBe('just_checking');
    expect(page2.json().nextCursor).toBeNull();

    const waiting = await ctx.app.inject({
      method: 'GET',
      url: '/api/requests?sort=waiting&limit=1',
      headers: opS.headers,
    });
    expect(waiting.json().items[0].category).toBe('just_checking');
  });

  it('rejects bad filters and cursors with 400', async () => {
    for (const q of [
      'status=bogus',
      'limit=0',
      'limit=1000',
      'cursor=%%%',
      'cursor=WyJ4Il0',
      'sort=random',
      'assignee=bob',
    ]) {
      const r = await ctx.app.inject({ method: 'GET', url: `/api/requests?${q}`, headers: opS.headers });
      expect(r.statusCode, q).toBe(400);
      expect(r.json().error.code).toBe('validation_failed');
    }
  });

  it('is closed to anonymous users and to roles without queue access', async () => {
    expect((await ctx.app.inject({ method: 'GET', url: '/api/requests' })).statusCode).toBe(401);
    const registrar = await createOperator(ctx, 'registrar');
    const r = await login(ctx, registrar);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/requests', headers: r.headers })).statusCode,
    ).toBe(403);
  });
});

describe('working a request', () => {
  it('decrypts the thread for an operator with the key, audits it, and records replies', async () => {
    const { receipt } = await submitWebRequest(ctx, {
      message: 'Меня зовут маркер',
      name: 'Саша',
      contact: '@sasha',
    });
    const id = await threadIdOf(receipt);
    const open = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: opS.headers });
    expect(open.statusCode).toBe(200);
    expect(open.json().messages[0]).toMatchObject({
      direction: 'in',
      body: 'Меня зовут маркер',
      name: 'Саша',
      contact: '@sasha',
    });
    expect(open.json().allowedTransitions).toContain('screening');

    const audited = await ctx.core.db
      .selectFrom('audit_log')
      .select(['actor_id', 'action'])
      .where('subject_id', '=', id)
      .where('action', '=', 'request.decrypt')
      .execute();
    expect(audited).toEqual([{ actor_id: operator.id, action: 'request.decrypt' }]);

    const reply = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: opS.headers,
      payload: { body: 'Здравствуйте' },
    });
    expect(reply.statusCode).toBe(201);
    const again = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: opS.headers });
    expect(again.json().request).toMatchObject({
      status: 'screening',
      assigneeId: operator.id,
      awaitingReply: false,
      messageCount: 2,
    });
    expect(again.json().messages[1]).toMatchObject({
      direction: 'out',
      body: 'Здравствуйте',
      authorId: operator.id,
    });
  });

  it('moves a case only along allowed transitions, with a clear 409 otherwise', async () => {
    const { receipt } = await submitWebRequest(ctx);
    const id = await threadIdOf(receipt);
    const bad = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/status`,
      headers: opS.headers,
      payload: { status: 'in_custody' },
    });
    expect(bad.statusCode).toBe(409);
    expect(bad.json().error).toMatchObject({
      code: 'invalid_transition',
      details: { from: 'new', to: 'in_custody' },
    });
    for (const status of ['screening', 'verified', 'meeting_agreed', 'in_progress', 'in_custody']) {
      const r = await ctx.app.inject({
        method: 'POST',
        url: `/api/requests/${id}/status`,
        headers: opS.headers,
        payload: { status },
      });
      expect(r.statusCode, status).toBe(200);
      expect(r.json().request.status).toBe(status);
    }
    const trail = await ctx.core.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', id)
      .where('action', '=', 'request.status')
      .orderBy('id')
      .execute();
    expect(trail.map((t) => t.details.to)).toEqual([
      'screening',
      'verified',
      'meeting_agreed',
      'in_progress',
      'in_custody',
    ]);
    const unknown = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/status`,
      headers: opS.headers,
      payload: { status: 'teleported' },
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('keeps other operators out of a request assigned to someone else (need-to-know)', async () => {
    const { receipt } = await submitWebRequest(ctx);
    const id = await threadIdOf(receipt);
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: opS.headers,
      payload: { body: 'мой' },
    });
    const other = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
    const o = await login(ctx, other);
    for (const [method, url, payload] of [
      ['GET', `/api/requests/${id}`, undefined],
      ['POST', `/api/requests/${id}/replies`, { body: 'чужой' }],
      ['POST', `/api/requests/${id}/status`, { status: 'withdrawn' }],
    ] as const) {
      const r = await ctx.app.inject({ method, url, headers: o.headers, ...(payload ? { payload } : {}) });
      expect(r.statusCode, url).toBe(403);
    }
    // A supervisor or admin can read any request.
    expect(
      (await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: adminS.headers }))
        .statusCode,
    ).toBe(200);
  });

  it('shows queue metadata but no content to an operator who was not granted the key', async () => {
    const { receipt } = await submitWebRequest(ctx);
    const id = await threadIdOf(receipt);
    const nokey = await createOperator(ctx, 'operator');
    const s = await login(ctx, nokey);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/requests', headers: s.headers })).statusCode,
    ).toBe(200);
    const r = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('key_not_granted');
  });

  it('answers 404 for unknown requests and 400 for malformed ids and bodies', async () => {
    const missing = await ctx.app.inject({
      method: 'GET',
      url: '/api/requests/00000000-0000-4000-8000-000000000000',
      headers: opS.headers,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/requests/not-a-uuid', headers: opS.headers }))
        .statusCode,
    ).toBe(400);
    const { receipt } = await submitWebRequest(ctx);
    const id = await threadIdOf(receipt);
    const empty = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: opS.headers,
      payload: { body: '   ' },
    });
    expect(empty.statusCode).toBe(400);
    const huge = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: opS.headers,
      payload: { body: 'x'.repeat(5001) },
    });
    expect(huge.statusCode).toBe(400);
  });

  it('documents the API with OpenAPI at /api/docs', async () => {
    const spec = await ctx.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(spec.statusCode).toBe(200);
    const paths = Object.keys(spec.json().paths);
    for (const p of [
      '/api/auth/login',
      '/api/requests',
      '/api/requests/{id}',
      '/api/requests/{id}/replies',
      '/api/requests/{id}/status',
      '/api/users',
    ]) {
      expect(paths).toContain(p);
    }
    const ui = await ctx.app.inject({ method: 'GET', url: '/api/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });
});
