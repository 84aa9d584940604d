import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  type LoggedIn,
  login,
  receiptFrom,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';

let ctx: TestContext;
let admin: TestOperator;
let registrar: LoggedIn;
let operator: LoggedIn;
let held: { id: string; ref: string };
let refused: { id: string; ref: string };

async function api(s: LoggedIn, method: 'GET' | 'POST', url: string, payload?: object) {
  return ctx.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}

/** The no-JS browser: GET the form, POST it back with its token. */
async function ask(fields: Record<string, string>, lang = 'ru') {
  const page = await ctx.app.inject({ method: 'GET', url: `/find?lang=${lang}` });
  expect(page.statusCode).toBe(200);
  const token = hiddenField(page.body, 'token');
  return ctx.app.inject({ method: 'POST', url: '/find', ...form({ token, lang, ...fields }) });
}

async function readAnswer(code: string) {
  return ctx.app.inject({ method: 'POST', url: '/find/answer', ...form({ code, lang: 'ru' }) });
}

const identity = (surname: [string, string], first: [string, string], consent: 'yes' | 'no') => ({
  surname: { original: surname[0], latin: surname[1] },
  firstNames: { original: first[0], latin: first[1] },
  fatherFirstName: 'Сергей',
  dateOfBirth: '1994-03-12',
  languages: ['ru'],
  captureDate: '2026-01-02',
  health: 'good_health',
  disclosureConsent: consent,
});

beforeAll(async () => {
  ctx = await createTestContext({ start: new Date('2026-03-05T10:00:00Z') });
  admin = await createOperator(ctx, 'admin');
  registrar = await login(ctx, await createOperator(ctx, 'registrar'));
  operator = await login(ctx, await createOperator(ctx, 'operator', { grantKeyFrom: admin }));
  held = await ctx.core.registry.createRecord(admin.id, {
    identity: identity(['Ковалёв', 'Kovalev'], ['Дмитрий', 'Dmitrii'], 'yes'),
  });
  refused = await ctx.core.registry.createRecord(admin.id, {
    identity: identity(['Гнатюк', 'Hnatiuk'], ['Євген', 'Yevhen'], 'no'),
  });
});
afterAll(async () => ctx.close());

describe('relatives desk, web (no JavaScript)', () => {
  it('is reachable from the public home page', async () => {
    const home = await ctx.app.inject({ method: 'GET', url: '/?lang=uk' });
    expect(home.body).toContain('href="/find?lang=uk"');
  });

  it('keeps what was typed after a validation error and refuses a replayed form', async () => {
    const bad = await ask({
      surname: 'Ковалёв',
      firstNames: '',
      dob: '03/31/1994', // month first: refused, never guessed (12.03.1994 is accepted, issue #14)
      yourName: 'Анна',
      relationship: 'мать',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('value="Ковалёв"');
    expect(bad.body).toContain('value="03/31/1994"');
    expect(bad.body).toContain('Не удалось прочитать дату');
    expect(bad.body).not.toMatch(/<script/i);

    const page = await ctx.app.inject({ method: 'GET', url: '/find?lang=uk' });
    const token = hiddenField(page.body, 'token');
    const fields = {
      token,
      lang: 'uk',
      surname: 'Петренко',
      firstNames: 'Іван',
      yourName: 'Олена',
      relationship: 'дружина',
    };
    expect((await ctx.app.inject({ method: 'POST', url: '/find', ...form(fields) })).statusCode).toBe(200);
    const replay = await ctx.app.inject({ method: 'POST', url: '/find', ...form(fields) });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('Форма застаріла');
  });

  it('answers hostile and malformed posts with an error page, never a 500', async () => {
    const odd = [
      { url: '/find', payload: 'surname=%FF%FE&firstNames=x', ct: 'application/x-www-form-urlencoded' },
      { url: '/find', payload: '{"surname":["a","b"]}', ct: 'application/json' },
      { url: '/find', payload: `surname=${'я'.repeat(5000)}`, ct: 'application/x-www-form-urlencoded' },
      { url: '/find/answer', payload: 'code=1234', ct: 'application/x-www-form-urlencoded' },
      { url: '/find/letter', payload: 'code=abc&letter=hi', ct: 'application/x-www-form-urlencoded' },
    ];
    for (const o of odd) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: o.url,
        payload: o.payload,
        headers: { 'content-type': o.ct },
      });
      expect(res.statusCode, `${o.url} ${o.payload.slice(0, 30)}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
  });

  it('finds a transliterated, misspelt name, waits for the registrar, and shows the answer to the code holder', async () => {
    const res = await ask({
      surname: 'Kovalyov',
      firstNames: 'Dmitriy',
      fatherName: 'Sergeevich',
      dob: '1994',
      yourName: 'Анна',
      relationship: 'мать',
    });
    expect(res.statusCode).toBe(200);
    const code = receiptFrom(res.body);
    expect((await readAnswer(code)).body).toContain('id="answer-pending"');

    const list = (await api(registrar, 'GET', '/api/relatives/inquiries?status=open')).json();
    const item = list.items.find((i: { sought: { surname: string } }) => i.sought.surname === 'Kovalyov');
    const detail = (await api(registrar, 'GET', `/api/relatives/inquiries/${item.id}`)).json().item;
    expect(detail.relative).toEqual({ name: 'Анна', relationship: 'мать' });
    expect(detail.candidates[0]).toMatchObject({ recordId: held.id, likely: true });
    expect(detail.templates.found).toContain('Kovalyov');

    // Nothing is disclosed until a registrar confirms; operators cannot read or answer inquiries.
    expect((await api(operator, 'GET', `/api/relatives/inquiries/${item.id}`)).statusCode).toBe(403);
    const answer = await api(registrar, 'POST', `/api/relatives/inquiries/${item.id}/answer`, {
      kind: 'found',
      recordId: held.id,
      message: 'Ваш сын жив и находится в плену. <b>Можно писать письма.</b>',
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const again = await api(registrar, 'POST', `/api/relatives/inquiries/${item.id}/answer`, {
      kind: 'not_found',
      message: 'x',
    });
    expect(again.json().error.code).toBe('conflict');

    const page = await readAnswer(code);
    expect(page.body).toContain('Ваш сын жив и находится в плену.');
    expect(page.body).toContain('&lt;b&gt;'); // escaped, not markup
    expect(page.body).toContain('action="/find/letter"');

    // A letter to the prisoner (art. 71): waiting, then delivered and logged in his welfare log.
    const letterForm = {
      code,
      lang: 'ru',
      letter: 'Сынок, мы тебя ждём.',
      token: hiddenField(page.body, 'token'),
    };
    const sent = await ctx.app.inject({ method: 'POST', url: '/find/letter', ...form(letterForm) });
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain('ожидает передачи');
    // Refreshing the page (the same post again) does not send it twice.
    const again2 = await ctx.app.inject({ method: 'POST', url: '/find/letter', ...form(letterForm) });
    expect(again2.statusCode).toBe(400);
    expect(again2.body).toContain('Сынок, мы тебя ждём.'); // the draft is kept
    let rec = (await api(registrar, 'GET', `/api/pow/records/${held.id}`)).json().item;
    const letter = rec.letters.find((l: { body: string }) => l.body === 'Сынок, мы тебя ждём.');
    expect(letter.status).toBe('received');
    expect((await api(registrar, 'POST', `/api/pow/letters/${letter.id}/delivered`, {})).statusCode).toBe(
      204,
    );
    rec = (await api(registrar, 'GET', `/api/pow/records/${held.id}`)).json().item;
    expect(rec.welfare.map((w: { kind: string }) => w.kind)).toContain('letter_received');

    // A liaison sees the record but not the prisoner's correspondence.
    const liaison = await login(ctx, await createOperator(ctx, 'liaison'));
    const seen = (await api(liaison, 'GET', `/api/pow/records/${held.id}`)).json().item;
    expect(seen.letters).toEqual([]);
    expect(JSON.stringify(seen)).not.toContain('Сынок');
    // A letter for a record that does not exist is a 404, not a crash.
    const nowhere = await api(
      registrar,
      'POST',
      '/api/pow/records/00000000-0000-4000-8000-000000000000/letters',
      {
        kind: 'letter',
        body: 'x',
      },
    );
    expect(nowhere.statusCode).toBe(404);
    // His reply reaches the relative on the same page and counts toward his monthly minimum.
    const reply = await api(registrar, 'POST', `/api/pow/records/${held.id}/letters`, {
      kind: 'card',
      body: 'Мама, я жив, всё хорошо.',
      inquiryId: item.id,
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect((await readAnswer(code)).body).toContain('Мама, я жив, всё хорошо.');
    rec = (await api(registrar, 'GET', `/api/pow/records/${held.id}`)).json().item;
    expect(rec.correspondence[1].cards).toBe(1);

    // The inquiry and the answer are not stored in clear.
    const raw = await ctx.handle.pool.query(
      'SELECT row_to_json(i)::text AS j FROM relative_inquiries i WHERE id = $1',
      [item.id],
    );
    expect(raw.rows[0].j).not.toMatch(/Kovalyov|Анна|жив/);
  });

  it('respects a prisoner who asked that relatives not be told', async () => {
    const { id } = (
      await api(operator, 'POST', '/api/relatives/inquiries', {
        language: 'uk',
        sought: { surname: 'Гнатюк', firstNames: 'Евгений' },
        relative: { name: 'Марія', relationship: 'мати', contact: 'by phone' },
      })
    ).json();
    const detail = (await api(registrar, 'GET', `/api/relatives/inquiries/${id}`)).json().item;
    expect(detail.channel).toBe('operator');
    expect(detail.candidates[0]).toMatchObject({ recordId: refused.id, disclosureConsent: 'no' });
    // Anyone can ask: "not disclosed" reads exactly like "not held", or the answer would disclose him.
    expect(detail.templates.not_disclosed).toBe(detail.templates.not_found);
    const res = await api(registrar, 'POST', `/api/relatives/inquiries/${id}/answer`, {
      kind: 'found',
      recordId: refused.id,
      message: 'Він у полоні.',
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('conflict');
    const ok = await api(registrar, 'POST', `/api/relatives/inquiries/${id}/answer`, {
      kind: 'not_disclosed',
      message: detail.templates.not_disclosed,
    });
    // The operator who took the call is told to call back (no name in the notice).
    const bell = (await api(operator, 'GET', '/api/notifications')).json();
    expect(JSON.stringify(bell)).toContain('inquiry_answered');
    expect(JSON.stringify(bell)).not.toContain('Гнатюк');
    expect(ok.json().item.answer.kind).toBe('not_disclosed');
    expect(ok.json().item.matchedRecord).toBeNull();
  });

  it('forgets answered inquiries after the retention period, keeping the letters in the welfare log', async () => {
    const before = await ctx.handle.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM relative_inquiries WHERE status = 'answered'",
    );
    expect(before.rows[0]?.n).toBeGreaterThan(0);
    ctx.clock.advance(100 * 86_400_000);
    await ctx.core.retention.run({ vacuum: 'none' });
    const after = await ctx.handle.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM relative_inquiries WHERE status = 'answered'",
    );
    expect(after.rows[0]?.n).toBe(0);
    const letters = await ctx.handle.pool.query<{ n: number; linked: number }>(
      'SELECT count(*)::int AS n, count(inquiry_id)::int AS linked FROM pow_letters WHERE record_id = $1',
      [held.id],
    );
    expect(letters.rows[0]).toEqual({ n: 2, linked: 0 });
  });
});
