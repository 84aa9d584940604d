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

/** Issue #14: operators' languages, the queue's language filter, auto-assignment by language and load. */
let ctx: TestContext;
let admin: TestOperator;
let adminS: LoggedIn;
let supervisorS: LoggedIn;
let kim: TestOperator;
let park: TestOperator;
let olena: TestOperator;
let olenaS: LoggedIn;

const KOREAN = '살고 싶습니다. 쿠르스크에 있습니다. 항복하고 싶습니다. 어떻게 해야 합니까?';
const RUSSIAN = 'Здравствуйте. Я под Покровском, хочу сдаться в плен. Как это сделать безопасно?';
const GEORGIAN = 'გამარჯობა. მე ვარ რუსეთის არმიაში, მინდა დავნებდე. რა უნდა გავაკეთო?';

type Item = { id: string; assigneeId: string | null; language: string; detectedLanguage: string | null };

async function newest(s: LoggedIn): Promise<Item> {
  const q = await ctx.app.inject({
    method: 'GET',
    url: '/api/requests?sort=newest&limit=1',
    headers: s.headers,
  });
  return (q.json() as { items: Item[] }).items[0] as Item;
}

/** Posts through the public form a second later than the last one (the queue sorts by time). */
async function submit(fields: { message: string }) {
  ctx.clock.advance(1000);
  return submitWebRequest(ctx, fields);
}

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
  adminS = await login(ctx, admin);
  supervisorS = await login(ctx, await createOperator(ctx, 'supervisor'));
  kim = await createOperator(ctx, 'operator');
  park = await createOperator(ctx, 'operator');
  olena = await createOperator(ctx, 'operator');
});
afterAll(async () => ctx.close());

describe("operators' languages", () => {
  it('are set by an admin or by the operator herself, validated, listed and audited', async () => {
    const set = await ctx.app.inject({
      method: 'PUT',
      url: `/api/users/${kim.id}/languages`,
      headers: adminS.headers,
      payload: { languages: ['ko', 'ru'] },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({ languages: ['ko', 'ru'] });
    await ctx.app.inject({
      method: 'PUT',
      url: `/api/users/${park.id}/languages`,
      headers: adminS.headers,
      payload: { languages: ['ko'] },
    });
    olenaS = await login(ctx, olena);
    const own = await ctx.app.inject({
      method: 'PUT',
      url: '/api/auth/me/languages',
      headers: olenaS.headers,
      payload: { languages: ['uk', 'ru', 'uk'] },
    });
    expect(own.json()).toEqual({ languages: ['ru', 'uk'] });
    const bad = await ctx.app.inject({
      method: 'PUT',
      url: '/api/auth/me/languages',
      headers: olenaS.headers,
      payload: { languages: ['Korean!'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const others = await ctx.app.inject({
      method: 'PUT',
      url: `/api/users/${kim.id}/languages`,
      headers: olenaS.headers,
      payload: { languages: [] },
    });
    expect(others.statusCode).toBe(403);

    const users = (
      await ctx.app.inject({ method: 'GET', url: '/api/users', headers: adminS.headers })
    ).json() as {
      items: Array<{ id: string; languages: string[] }>;
    };
    expect(users.items.find((u) => u.id === kim.id)?.languages).toEqual(['ko', 'ru']);
    const audited = await ctx.core.db
      .selectFrom('audit_log')
      .select(['action', 'subject_id'])
      .where('action', '=', 'user.languages')
      .execute();
    expect(audited.map((a) => a.subject_id)).toEqual(expect.arrayContaining([kim.id, olena.id]));
  });
});

describe('auto-assignment by language and load', () => {
  it('is off by default: a new request waits in the queue', async () => {
    await submit({ message: KOREAN });
    const item = await newest(adminS);
    expect(item.detectedLanguage).toBe('ko');
    expect(item.assigneeId).toBeNull();
  });

  it('when a supervisor switches it on, offers each request to the least-loaded operator on shift who speaks it', async () => {
    const on = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/routing',
      headers: supervisorS.headers,
      payload: { autoAssignByLanguage: true },
    });
    expect(on.json()).toEqual({ autoAssignByLanguage: true });
    const audit = await ctx.core.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'settings.routing')
      .execute();
    expect(audit).toHaveLength(1);

    // Kim and Park are not logged in: nobody on shift speaks Korean yet.
    await submit({ message: KOREAN });
    expect((await newest(adminS)).assigneeId).toBeNull();
    const waiting = await ctx.app.inject({
      method: 'GET',
      url: '/api/supervisor/languages',
      headers: supervisorS.headers,
    });
    expect(waiting.statusCode).toBe(200);
    const w = waiting.json() as { onShift: string[]; waiting: Array<{ language: string; waiting: number }> };
    expect(w.onShift).toEqual(['ru', 'uk']);
    expect(w.waiting.find((x) => x.language === 'ko')?.waiting).toBe(2);

    await login(ctx, kim);
    await login(ctx, park);
    // Kim already holds a request; Park holds none, so Park gets the first Korean request.
    await ctx.core.db
      .updateTable('request_threads')
      .set({ assignee_id: kim.id })
      .where('id', '=', (await newest(adminS)).id)
      .execute();
    await submit({ message: KOREAN });
    expect((await newest(adminS)).assigneeId).toBe(park.id);
    // Now both hold one: the tie goes either way, but the next goes to the other.
    await submit({ message: KOREAN });
    const second = (await newest(adminS)).assigneeId;
    await submit({ message: KOREAN });
    const third = (await newest(adminS)).assigneeId;
    expect(new Set([second, third])).toEqual(new Set([kim.id, park.id]));

    // Russian: Olena (ru, uk, holds nothing) rather than Kim (ko, ru, holds two).
    await submit({ message: RUSSIAN });
    expect((await newest(adminS)).assigneeId).toBe(olena.id);

    // Georgian: nobody speaks it; it waits and the supervisor sees it.
    await submit({ message: GEORGIAN });
    expect((await newest(adminS)).assigneeId).toBeNull();
    const after = (
      await ctx.app.inject({ method: 'GET', url: '/api/supervisor/languages', headers: supervisorS.headers })
    ).json() as { waiting: Array<{ language: string; waiting: number }> };
    // Korean speakers are on shift now: only Georgian waits for someone.
    expect(after.waiting.map((x) => x.language)).toEqual(['ka']);

    const autoAudit = await ctx.core.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'request.auto_assign')
      .execute();
    expect(autoAudit).toHaveLength(4);
  });

  it('filters the queue by the request language, detected or chosen', async () => {
    const ko = await ctx.app.inject({
      method: 'GET',
      url: '/api/requests?language=ko&limit=200',
      headers: adminS.headers,
    });
    const items = (ko.json() as { items: Item[] }).items;
    expect(items).toHaveLength(5);
    expect(items.every((i) => i.detectedLanguage === 'ko')).toBe(true);
    const ka = await ctx.app.inject({
      method: 'GET',
      url: '/api/requests?language=ka,uk',
      headers: adminS.headers,
    });
    expect((ka.json() as { items: Item[] }).items).toHaveLength(1);
    const bad = await ctx.app.inject({
      method: 'GET',
      url: '/api/requests?language=KO1',
      headers: adminS.headers,
    });
    expect(bad.statusCode).toBe(400);
  });

  it('switched off, assigns nothing any more', async () => {
    await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/routing',
      headers: supervisorS.headers,
      payload: { autoAssignByLanguage: false },
    });
    await submit({ message: RUSSIAN });
    expect((await newest(adminS)).assigneeId).toBeNull();
    const refused = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/routing',
      headers: olenaS.headers,
      payload: { autoAssignByLanguage: true },
    });
    expect(refused.statusCode).toBe(403);
  });
});
