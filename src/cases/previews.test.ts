import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  submitWebRequest,
  type TestContext,
} from '../../test/helpers.ts';
import { firstWords } from './previews.service.ts';

/** The queue's message previews (issue #15): need-to-know, decrypted in the session, audited once. */
let ctx: TestContext;
let olena: LoggedIn;
let petro: LoggedIn;
let registrar: LoggedIn;
let ungranted: LoggedIn;
const ids = { open: '', mine: '' };

async function previews(s: LoggedIn, list: string[]) {
  return ctx.app.inject({
    method: 'GET',
    url: `/api/requests/previews?ids=${list.join(',')}`,
    headers: s.headers,
  });
}

async function previewAudits(): Promise<number> {
  const r = await ctx.handle.pool.query(
    "SELECT count(*)::int AS n FROM audit_log WHERE action = 'request.preview'",
  );
  return r.rows[0].n;
}

beforeAll(async () => {
  ctx = await createTestContext();
  const admin = await createOperator(ctx, 'admin');
  olena = await login(ctx, await createOperator(ctx, 'operator', { grantKeyFrom: admin }));
  petro = await login(ctx, await createOperator(ctx, 'operator', { grantKeyFrom: admin }));
  registrar = await login(ctx, await createOperator(ctx, 'registrar', { grantKeyFrom: admin }));
  ungranted = await login(ctx, await createOperator(ctx, 'operator'));
  for (const [key, message] of [
    [
      'open',
      'Я под Покровском, хочу сдаться. Нас двое, один ранен в ногу, связь только ночью, пишите коротко.',
    ],
    ['mine', 'Пришла повестка, что делать?'],
  ] as const) {
    const { receipt } = await submitWebRequest(ctx, { message });
    ids[key] = (await ctx.core.intake.findByReceipt(receipt))?.id ?? '';
  }
  const claim = await ctx.app.inject({
    method: 'POST',
    url: `/api/requests/${ids.mine}/claim`,
    headers: olena.headers,
    payload: {},
  });
  expect(claim.statusCode, claim.body).toBe(200);
});
afterAll(async () => ctx.close());

describe('queue previews', () => {
  it('shows the first words of the latest message of the rows she may open, and audits each read once', async () => {
    const res = await previews(olena, [ids.open, ids.mine]);
    expect(res.statusCode, res.body).toBe(200);
    const byId = new Map(res.json().items.map((p: { id: string; text: string }) => [p.id, p.text]));
    expect(byId.get(ids.mine)).toBe('Пришла повестка, что делать?');
    const long = byId.get(ids.open) as string;
    expect(long.startsWith('Я под Покровском, хочу сдаться.')).toBe(true);
    expect(long.endsWith('…')).toBe(true);
    expect(long.length).toBeLessThanOrEqual(91);
    expect(await previewAudits()).toBe(2);
    // The queue refreshes: the same messages are not read into the audit log again.
    await previews(olena, [ids.open, ids.mine]);
    expect(await previewAudits()).toBe(2);
  });

  it('gives another operator nothing of a request assigned to her colleague (need-to-know)', async () => {
    const res = await previews(petro, [ids.open, ids.mine]);
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((p: { id: string }) => p.id)).toEqual([ids.open]);
  });

  it('refuses roles that do not read requests, accounts without the key, and malformed lists', async () => {
    const r = await previews(registrar, [ids.open]);
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('forbidden');
    const k = await previews(ungranted, [ids.open]);
    expect(k.statusCode).toBe(403);
    expect(k.json().error.code).toBe('key_not_granted');
    for (const bad of ['', 'not-a-uuid', Array.from({ length: 101 }, () => ids.open).join(',')]) {
      const b = await ctx.app.inject({
        method: 'GET',
        url: `/api/requests/previews?ids=${bad}`,
        headers: olena.headers,
      });
      expect(b.statusCode, bad.slice(0, 20)).toBe(400);
    }
  });

  it('cuts at a word boundary', () => {
    expect(firstWords('один  два\nтри', 90)).toBe('один два три');
    expect(firstWords('раз два три четыре', 12)).toBe('раз два три…');
  });
});
