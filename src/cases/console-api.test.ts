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
let op: TestOperator;
let sup: TestOperator;
let adminS: LoggedIn;
let opS: LoggedIn;
let supS: LoggedIn;

async function newRequest(fields: Parameters<typeof submitWebRequest>[1] = {}): Promise<string> {
  const { receipt } = await submitWebRequest(ctx, fields);
  const t = await ctx.core.intake.findByReceipt(receipt);
  if (!t) throw new Error('no thread');
  return t.id;
}

function call(s: LoggedIn, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  return ctx.app.inject({
    method,
    url,
    headers: s.headers,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
  op = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
  sup = await createOperator(ctx, 'supervisor', { grantKeyFrom: admin });
  [adminS, opS, supS] = [await login(ctx, admin), await login(ctx, op), await login(ctx, sup)];
});
afterAll(async () => ctx.close());

describe('claiming and assignment', () => {
  it('claims, refuses a second claimer, releases, and lets a supervisor reassign in bulk', async () => {
    const a = await newRequest();
    const b = await newRequest();
    const claimed = await call(opS, 'POST', `/api/requests/${a}/claim`);
    expect(claimed.statusCode).toBe(200);
    expect(claimed.json().request.assigneeId).toBe(op.id);
    const other = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
    const otherS = await login(ctx, other);
    const clash = await call(otherS, 'POST', `/api/requests/${a}/claim`);
    expect(clash.statusCode).toBe(403);
    expect((await call(supS, 'POST', `/api/requests/${a}/claim`)).statusCode).toBe(409);

    const released = await call(opS, 'POST', `/api/requests/${a}/release`);
    expect(released.json().request.assigneeId).toBeNull();

    const bulk = await call(supS, 'POST', '/api/requests/assign', { ids: [a, b], userId: other.id });
    expect(bulk.statusCode).toBe(200);
    expect(bulk.json().updated).toBe(2);
    const mine = await call(otherS, 'GET', '/api/requests?assignee=me');
    expect(
      mine
        .json()
        .items.map((i: { id: string }) => i.id)
        .sort(),
    ).toEqual([a, b].sort());
    expect((await call(opS, 'POST', '/api/requests/assign', { ids: [a], userId: op.id })).statusCode).toBe(
      403,
    );
    const toRegistrar = await createOperator(ctx, 'registrar');
    expect(
      (await call(supS, 'POST', `/api/requests/${a}/assign`, { userId: toRegistrar.id })).statusCode,
    ).toBe(400);
    const one = await call(supS, 'POST', `/api/requests/${a}/assign`, { userId: null });
    expect(one.json().request.assigneeId).toBeNull();
  });
});

describe('notes, tags, probes and merges', () => {
  it('keeps notes internal: operators see them, the requester never does', async () => {
    const { receipt } = await submitWebRequest(ctx, { message: 'вопрос' });
    const id = (await ctx.core.intake.findByReceipt(receipt))?.id as string;
    expect(
      (await call(opS, 'POST', `/api/requests/${id}/notes`, { body: 'похоже на провокацию' })).statusCode,
    ).toBe(201);
    const view = await call(opS, 'GET', `/api/requests/${id}`);
    expect(view.json().messages.map((m: { direction: string }) => m.direction)).toEqual(['in', 'note']);
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ code: receipt }).toString(),
    });
    expect(page.body).toContain('вопрос');
    expect(page.body).not.toContain('провокацию');
  });

  it('normalises tags and filters the queue by them', async () => {
    const id = await newRequest();
    const res = await call(opS, 'PUT', `/api/requests/${id}/tags`, { tags: ['Kharkiv', 'group', 'kharkiv'] });
    expect(res.statusCode).toBe(200);
    expect(res.json().request.tags).toEqual(['group', 'kharkiv']);
    const filtered = await call(opS, 'GET', '/api/requests?tag=kharkiv');
    expect(filtered.json().items.map((i: { id: string }) => i.id)).toEqual([id]);
    const bad = await call(opS, 'PUT', `/api/requests/${id}/tags`, { tags: ['has space'] });
    expect(bad.statusCode).toBe(400);
  });

  it('marks a probe with its reason on the audit log', async () => {
    const id = await newRequest({ category: 'other', message: 'тест тест' });
    const res = await call(opS, 'POST', `/api/requests/${id}/probe`, { reason: 'шаблонный текст, 40 копий' });
    expect(res.statusCode).toBe(200);
    expect(res.json().request.status).toBe('rejected_probe');
    const entry = await ctx.core.db
      .selectFrom('audit_log')
      .select('details')
      .where('subject_id', '=', id)
      .where('action', '=', 'request.status')
      .executeTakeFirstOrThrow();
    expect(entry.details).toMatchObject({ to: 'rejected_probe', reason: 'шаблонный текст, 40 копий' });
    const again = await call(opS, 'POST', `/api/requests/${id}/probe`, { reason: 'x' });
    expect(again.statusCode).toBe(409);
  });

  it('merges a duplicate: it leaves the queue and its messages show in the target thread', async () => {
    const target = await newRequest({ message: 'первое обращение' });
    const { receipt } = await submitWebRequest(ctx, { message: 'повтор того же' });
    const dup = (await ctx.core.intake.findByReceipt(receipt))?.id as string;
    const res = await call(opS, 'POST', `/api/requests/${dup}/merge`, { intoId: target });
    expect(res.statusCode).toBe(200);
    expect(res.json().request.id).toBe(target);
    const queue = await call(opS, 'GET', '/api/requests?limit=200');
    expect(queue.json().items.map((i: { id: string }) => i.id)).not.toContain(dup);
    const view = await call(opS, 'GET', `/api/requests/${target}`);
    expect(view.json().messages.map((m: { body: string }) => m.body)).toEqual([
      'первое обращение',
      'повтор того же',
    ]);
    expect(view.json().merged).toEqual([{ id: dup, ref: expect.any(String) }]);
    expect((await call(opS, 'POST', `/api/requests/${target}/merge`, { intoId: target })).statusCode).toBe(
      400,
    );

    // The duplicate's requester keeps writing: the target shows it and waits for a reply.
    await call(opS, 'POST', `/api/requests/${target}/replies`, { body: 'ответ' });
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ code: receipt }).toString(),
    });
    const token = /name="token" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/reply',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ code: receipt, message: 'ещё вопрос', token }).toString(),
    });
    const after = await call(opS, 'GET', `/api/requests/${target}`);
    expect(after.json().request.awaitingReply).toBe(true);
    expect(after.json().messages.at(-1).body).toBe('ещё вопрос');
  });
});

describe('counts, SLA and the supervisor view', () => {
  it('counts per filter and flags SLA breaches by urgency', async () => {
    const fresh = await createTestContext();
    try {
      const a = await createOperator(fresh, 'admin');
      let s = await login(fresh, a);
      await submitWebRequest(fresh, { category: 'serviceman_war_zone' });
      await submitWebRequest(fresh, { category: 'just_checking' });
      await submitWebRequest(fresh, { category: 'relative' });
      let counts = await fresh.app.inject({ method: 'GET', url: '/api/requests/counts', headers: s.headers });
      expect(counts.json()).toMatchObject({
        total: 3,
        open: 3,
        awaitingReply: 3,
        unassigned: 3,
        mine: 0,
        slaBreached: 0,
        byStatus: { new: 3 },
      });
      fresh.clock.advance(16 * 60_000); // urgency 3 is due within 15 minutes
      s = await login(fresh, a); // (the idle session has locked itself meanwhile)
      counts = await fresh.app.inject({ method: 'GET', url: '/api/requests/counts', headers: s.headers });
      expect(counts.json().slaBreached).toBe(1);
      const q = await fresh.app.inject({ method: 'GET', url: '/api/requests', headers: s.headers });
      expect(q.json().items.map((i: { sla: { state: string } }) => i.sla.state)).toEqual([
        'breach',
        'ok',
        'ok',
      ]);
      const relatives = await fresh.app.inject({
        method: 'GET',
        url: '/api/requests/counts?category=relative',
        headers: s.headers,
      });
      expect(relatives.json().total).toBe(1);
      const overview = await fresh.app.inject({
        method: 'GET',
        url: '/api/supervisor/overview',
        headers: s.headers,
      });
      expect(overview.statusCode).toBe(200);
      expect(overview.json()).toMatchObject({
        unassigned: 3,
        operators: [{ email: a.email, online: true, holding: 0 }],
      });
      expect(overview.json().slaBreached).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });
});

describe('canned replies', () => {
  it('a fresh install has a useful set in every language, seeded once', async () => {
    for (const [language, title] of [
      ['ru', 'Сохраните код квитанции'],
      ['uk', 'Збережіть код квитанції'],
      ['en', 'Keep your receipt code'],
    ] as const) {
      const r = await call(opS, 'GET', `/api/canned-replies?language=${language}`);
      const items = r.json().items as Array<{ title: string; body: string; language: string }>;
      expect(items.length).toBeGreaterThanOrEqual(5);
      expect(items.every((i) => i.language === language && i.body.length > 20)).toBe(true);
      expect(items.map((i) => i.title)).toContain(title);
    }
    // A restart seeds nothing more: supervisors' edits and deletions stay as they left them.
    const before = (await call(opS, 'GET', '/api/canned-replies')).json().items.length;
    expect(await ctx.core.canned.seedDefaults()).toBe(0);
    expect((await call(opS, 'GET', '/api/canned-replies')).json().items.length).toBe(before);
  });

  it('are managed by supervisors and read by operators per language', async () => {
    const created = await call(supS, 'POST', '/api/canned-replies', {
      language: 'ru',
      title: 'Приветствие',
      body: 'Здравствуйте! Мы на связи.',
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().item.id;
    await call(supS, 'POST', '/api/canned-replies', { language: 'uk', title: 'Вітання', body: 'Вітаємо!' });
    const ru = await call(opS, 'GET', '/api/canned-replies?language=ru');
    const ruTitles = ru.json().items.map((i: { title: string }) => i.title);
    expect(ruTitles).toContain('Приветствие');
    expect(ruTitles).not.toContain('Вітання');
    expect(
      (await call(opS, 'POST', '/api/canned-replies', { language: 'ru', title: 'x', body: 'y' })).statusCode,
    ).toBe(403);
    const upd = await call(supS, 'PUT', `/api/canned-replies/${id}`, {
      language: 'ru',
      title: 'Приветствие',
      body: 'Здравствуйте!',
    });
    expect(upd.json().item.body).toBe('Здравствуйте!');
    expect((await call(supS, 'DELETE', `/api/canned-replies/${id}`)).statusCode).toBe(204);
    expect((await call(supS, 'DELETE', `/api/canned-replies/${id}`)).statusCode).toBe(404);
    expect(
      (await call(supS, 'POST', '/api/canned-replies', { language: 'de', title: 'x', body: 'y' })).statusCode,
    ).toBe(400);
  });
});

describe('admin', () => {
  it('resets a TOTP (ending the user sessions), lists the directory and pages the audit log', async () => {
    const victim = await createOperator(ctx, 'operator');
    const vs = await login(ctx, victim);
    const reset = await call(adminS, 'POST', `/api/users/${victim.id}/reset-totp`);
    expect(reset.statusCode).toBe(200);
    expect(reset.json().totpUri).toMatch(/^otpauth:\/\//);
    expect((await call(vs, 'GET', '/api/auth/me')).statusCode).toBe(401);
    victim.totpSecret = new URL(reset.json().totpUri).searchParams.get('secret') as string;
    await login(ctx, victim);

    const dir = await call(opS, 'GET', '/api/users/directory');
    expect(dir.json().items.map((u: { email: string }) => u.email)).toContain(victim.email);

    const page1 = await call(adminS, 'GET', '/api/audit?limit=5');
    expect(page1.json().items).toHaveLength(5);
    const page2 = await call(adminS, 'GET', `/api/audit?limit=5&cursor=${page1.json().nextCursor}`);
    expect(Number(page2.json().items[0].id)).toBeLessThan(Number(page1.json().items[4].id));
    const resets = await call(adminS, 'GET', '/api/audit?action=user.reset_totp');
    expect(resets.json().items).toHaveLength(1);
    expect(resets.json().items[0]).toMatchObject({ actorId: admin.id, subjectId: victim.id });
    expect((await call(opS, 'GET', '/api/audit')).statusCode).toBe(403);
  });
});
