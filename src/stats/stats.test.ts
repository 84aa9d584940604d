import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  type LoggedIn,
  login,
  submitWebRequest,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';
import { detectSpikes, SUPPRESS_BELOW, suppress } from './spikes.ts';

describe('spike detection', () => {
  it('finds exactly the known spikes in a noisy synthetic series', () => {
    // 120 days around 40/day with weekly rhythm and noise; spikes of ×3 to ×10 on known days.
    const spikeDays = new Set([30, 31, 75, 110]);
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const series = Array.from({ length: 120 }, (_, i) => {
      const base = 40 + (i % 7 === 5 || i % 7 === 6 ? -8 : 0) + Math.round((rand() - 0.5) * 12);
      const count = spikeDays.has(i) ? base * (i === 75 ? 10 : 3) : base;
      return { day: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), count };
    });
    const found = detectSpikes(series).map((s) => series.findIndex((p) => p.day === s.day));
    expect(found).toEqual([30, 31, 75, 110]);
  });

  it('stays quiet on small counts and on a steady rise', () => {
    const small = Array.from({ length: 60 }, (_, i) => ({ day: `d${i}`, count: i === 40 ? 8 : 1 }));
    expect(detectSpikes(small)).toEqual([]);
    const ramp = Array.from({ length: 60 }, (_, i) => ({ day: `d${i}`, count: 100 + i * 2 }));
    expect(detectSpikes(ramp)).toEqual([]);
  });
});

describe('suppression', () => {
  it('never shows a number below the threshold', () => {
    for (let n = 0; n < 50; n++) {
      const v = suppress(n);
      if (n < SUPPRESS_BELOW) expect(v).toBe('<10');
      else expect(v).toBe(n);
    }
  });
});

let ctx: TestContext;
let admin: TestOperator;
let s: LoggedIn;

beforeAll(async () => {
  ctx = await createTestContext({ start: new Date('2026-03-01T10:00:00Z') });
  admin = await createOperator(ctx, 'admin');
  s = await login(ctx, admin);
});
afterAll(async () => ctx.close());

describe('dashboard and public statistics', () => {
  it('rolls up requests per day with the funnel, and the public page suppresses small counts', async () => {
    // Day 1: 12 web requests (one reaches custody), day 2: 3 requests.
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { receipt } = await submitWebRequest(ctx, {
        category: i % 2 ? 'relative' : 'serviceman_war_zone',
        message: `Сообщение номер ${i} о разном ${'и другом '.repeat(i % 3)}`,
      });
      ids.push((await ctx.core.intake.findByReceipt(receipt))?.id as string);
    }
    for (const status of ['screening', 'verified', 'meeting_agreed', 'in_progress', 'in_custody']) {
      await ctx.app.inject({
        method: 'POST',
        url: `/api/requests/${ids[0]}/status`,
        headers: s.headers,
        payload: { status },
      });
    }
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${ids[1]}/replies`,
      headers: s.headers,
      payload: { body: 'ответ' },
    });
    ctx.clock.advance(86_400_000);
    s = await login(ctx, admin);
    for (let i = 0; i < 3; i++)
      await submitWebRequest(ctx, {
        category: 'just_checking',
        message: `Вопрос ${i} про гражданство и паспорт`,
      });
    const refreshed = await ctx.app.inject({
      method: 'POST',
      url: '/api/stats/refresh',
      headers: s.headers,
      payload: { from: '2026-03-01', to: '2026-03-02' },
    });
    expect(refreshed.statusCode).toBe(200);

    const dash = await ctx.app.inject({
      method: 'GET',
      url: '/api/stats/dashboard?from=2026-03-01&to=2026-03-02',
      headers: s.headers,
    });
    expect(dash.statusCode).toBe(200);
    const d = dash.json();
    expect(d.series).toEqual([
      { day: '2026-03-01', count: 12 },
      { day: '2026-03-02', count: 3 },
    ]);
    expect(d.byCategory.totals).toEqual({ serviceman_war_zone: 6, relative: 6, just_checking: 3 });
    expect(d.funnel).toEqual({ contacted: 15, verified: 1, meetingAgreed: 1, inCustody: 1 });
    expect(d.firstResponse.answered).toBe(1);
    expect(d.workload).toEqual([{ operatorId: admin.id, operator: admin.email, replies: 1 }]);

    const ann = await ctx.app.inject({
      method: 'POST',
      url: '/api/stats/annotations',
      headers: s.headers,
      payload: { day: '2026-03-01', label: 'Указ о мобилизации' },
    });
    expect(ann.statusCode).toBe(201);
    const d2 = (
      await ctx.app.inject({
        method: 'GET',
        url: '/api/stats/dashboard?from=2026-03-01&to=2026-03-02',
        headers: s.headers,
      })
    ).json();
    expect(d2.annotations).toEqual([{ id: ann.json().id, day: '2026-03-01', label: 'Указ о мобилизации' }]);

    const csv = await ctx.app.inject({
      method: 'GET',
      url: '/api/stats/export.csv?from=2026-03-01&to=2026-03-02',
      headers: s.headers,
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toMatch(/^day,channel,category,language,requests/);
    expect(lines.slice(1).reduce((a, l) => a + Number(l.split(',')[4]), 0)).toBe(15);

    const pub = await ctx.app.inject({ method: 'GET', url: '/stats?lang=en' });
    expect(pub.statusCode).toBe(200);
    expect(pub.body).not.toMatch(/<script/i);
    expect(pub.body).toContain('<svg');
    // 1 March is a Sunday: its week has 12 requests; the next week's 3 show as "<10", as do custody
    // (1) and every channel and category cell below 10.
    const cells = [...pub.body.matchAll(/<td>([^<]*)<\/td>/g)].map((m) =>
      (m[1] as string).replace('&lt;', '<'),
    );
    expect(cells).toContain('12');
    expect(cells).not.toContain('3');
    for (const c of cells) expect(c === '<10' || Number(c) >= 10, c).toBe(true);
    expect(pub.body).not.toMatch(/<td>[1-9]<\/td>/);

    const bad = await ctx.app.inject({
      method: 'GET',
      url: '/api/stats/dashboard?from=2026-03-05&to=2026-03-01',
      headers: s.headers,
    });
    expect(bad.statusCode).toBe(400);
  });
});

describe('strict mode', () => {
  it('asks a check question and refuses instant posts during an attack', async () => {
    const on = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/intake',
      headers: s.headers,
      payload: { strictMode: true },
    });
    expect(on.json()).toEqual({ strictMode: true });
    const page = await ctx.app.inject({ method: 'GET', url: '/?lang=ru' });
    expect(page.body).toContain('Чтобы показать, что вы человек');
    const token = hiddenField(page.body, 'token');
    const proof = hiddenField(page.body, 'proof');
    const words = ['ноль', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'];
    const m = /сколько будет (\S+) плюс (\S+)\?/.exec(page.body);
    const answer = String(words.indexOf(m?.[1] ?? '') + words.indexOf(m?.[2] ?? ''));
    const fields = { token, proof, lang: 'ru', category: 'other', message: 'Вопрос про плен' };
    const tooFast = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      ...form({ ...fields, answer }),
    });
    expect(tooFast.statusCode).toBe(400);
    expect(tooFast.body).toContain('слишком быстро');
    ctx.clock.advance(6000);
    const wrong = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      ...form({ ...fields, answer: String(Number(answer) + 1) }),
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Ответ на проверочный вопрос неверен');
    const right = await ctx.app.inject({ method: 'POST', url: '/requests', ...form({ ...fields, answer }) });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('receipt-code');
    await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/intake',
      headers: s.headers,
      payload: { strictMode: false },
    });
  });
});
