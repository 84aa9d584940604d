import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  login,
  submitWebRequest,
  type TestContext,
} from '../../../test/helpers.ts';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin');
});
afterAll(async () => ctx.close());

describe('public pages', () => {
  it('serves the home page in Russian by default, with a working form and no script but the optional proof of work', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<html lang="ru">');
    expect(res.body).toContain('Напишите нам');
    expect(res.body).toContain('action="/requests"');
    expect(res.body).not.toMatch(/<script(?! src="\/static\/pow\.js" defer><\/script>)/i);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('switches language with ?lang= and honours Accept-Language', async () => {
    const uk = await ctx.app.inject({ method: 'GET', url: '/?lang=uk' });
    expect(uk.body).toContain('<html lang="uk">');
    expect(uk.body).toContain('Напишіть нам');
    const en = await ctx.app.inject({
      method: 'GET',
      url: '/',
      headers: { 'accept-language': 'de;q=0.9, en;q=0.8' },
    });
    expect(en.body).toContain('Write to us');
    const bogus = await ctx.app.inject({ method: 'GET', url: '/?lang=xx' });
    expect(bogus.body).toContain('<html lang="ru">');
  });

  it('serves its stylesheet from itself (nothing from third parties)', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/static/site.css' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/css');
    const home = await ctx.app.inject({ method: 'GET', url: '/' });
    expect(home.body).not.toMatch(/https?:\/\//);
  });
});

describe('web intake', () => {
  it('accepts a request and shows a 28-digit receipt code once', async () => {
    const { receipt, res } = await submitWebRequest(ctx, { message: 'Я на передовой, хочу сдаться' });
    expect(receipt.replace(/ /g, '')).toMatch(/^\d{28}$/);
    expect(res.body).toContain('Ваше обращение отправлено');
    const rows = await ctx.core.db
      .selectFrom('request_threads')
      .select(['category', 'language', 'urgency', 'status'])
      .execute();
    expect(rows).toContainEqual({
      category: 'serviceman_war_zone',
      language: 'ru',
      urgency: 3,
      status: 'new',
    });
  });

  it('re-renders the form with what was typed and a clear error when fields are missing', async () => {
    const page = await ctx.app.inject({ method: 'GET', url: '/?lang=en' });
    const token = hiddenField(page.body, 'token');
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      ...form({ token, lang: 'en', message: '', name: 'Ivan <b>', contact: '@ivan' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Please write a message.');
    expect(res.body).toContain('Please choose who you are.');
    expect(res.body).toContain('value="Ivan &lt;b&gt;"');
    expect(res.body).toContain('value="@ivan"');
  });

  it('rejects a message over 5,000 characters in the requester language', async () => {
    const page = await ctx.app.inject({ method: 'GET', url: '/' });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      ...form({
        token: hiddenField(page.body, 'token'),
        lang: 'ru',
        category: 'relative',
        message: 'я'.repeat(5001),
      }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Сообщение слишком длинное');
  });

  it('refuses a post without a valid form token; a replayed token says "received" and files nothing', async () => {
    const missing = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      ...form({ lang: 'ru', category: 'other', message: 'x' }),
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('Срок действия формы истёк');
    const forged = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      ...form({ token: 'A'.repeat(51), lang: 'ru', category: 'other', message: 'x' }),
    });
    expect(forged.statusCode).toBe(400);

    const page = await ctx.app.inject({ method: 'GET', url: '/' });
    const token = hiddenField(page.body, 'token');
    const body = { token, lang: 'ru', category: 'other', message: 'once only' };
    const first = await ctx.app.inject({ method: 'POST', url: '/requests', ...form(body) });
    expect(first.statusCode).toBe(200);
    const before = await ctx.core.db
      .selectFrom('request_threads')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const replay = await ctx.app.inject({ method: 'POST', url: '/requests', ...form(body) });
    // A reload of the receipt page: no form to send again, no second code.
    expect(replay.statusCode).toBe(200);
    expect(replay.body).toContain('Ваше обращение получено');
    expect(replay.body).not.toContain('<textarea');
    expect(replay.body).not.toContain('receipt-code');
    const after = await ctx.core.db
      .selectFrom('request_threads')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('expires form tokens after two hours', async () => {
    const page = await ctx.app.inject({ method: 'GET', url: '/' });
    ctx.clock.advance(2 * 3_600_000 + 1000);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      ...form({ token: hiddenField(page.body, 'token'), lang: 'ru', category: 'other', message: 'late' }),
    });
    expect(res.statusCode).toBe(400);
  });

  it('refuses cross-site posts', async () => {
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
      payload: 'message=x',
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('answers hostile bodies with 4xx pages, never 500', async () => {
    const big = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `message=${'a'.repeat(70_000)}`,
    });
    expect(big.statusCode).toBe(413);
    expect(big.body).toContain('слишком велики');
    const xml = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(xml.statusCode).toBe(415);
    const repeated = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'message=a&message=b&category=other',
    });
    expect(repeated.statusCode).toBe(400);
    const badEncoding = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      payload: Buffer.from([0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x3d, 0xff, 0xfe, 0x25, 0x45, 0x30]),
    });
    expect(badEncoding.statusCode).toBe(400);
    const json = await ctx.app.inject({
      method: 'POST',
      url: '/requests',
      headers: { 'content-type': 'application/json' },
      payload: '{bad',
    });
    expect(json.statusCode).toBe(415);
  });

  it('refuses well-formed JSON bodies on every public form (415, stable code, nothing stored)', async () => {
    const before = await ctx.core.db
      .selectFrom('request_threads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    for (const url of ['/requests', '/follow-up', '/follow-up/reply', '/follow-up/answers', '/find']) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: `${url}?lang=en`,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        payload: JSON.stringify({ message: 'json body', category: 'other', lang: 'en' }),
      });
      expect(res.statusCode, url).toBe(415);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).toContain('This form could not be read');
    }
    const api = await ctx.app.inject({
      method: 'POST',
      url: '/requests?lang=en',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      payload: '{}',
    });
    expect(api.statusCode).toBe(415);
    const after = await ctx.core.db
      .selectFrom('request_threads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('shows a localized 404 page for unknown paths', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/nope?lang=uk' });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('Такої сторінки немає');
  });
});

describe('follow-up with the receipt code', () => {
  it('shows the conversation, an operator reply, and accepts a new message', async () => {
    const { receipt } = await submitWebRequest(ctx, { message: 'Первое сообщение', lang: 'ru' });
    const open = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: receipt, lang: 'ru' }),
    });
    expect(open.statusCode).toBe(200);
    expect(open.body).toContain('Первое сообщение');
    expect(open.body).toContain('Ответа пока нет');

    // The code may be typed with dashes, no spaces, or full-width digits.
    const typed = receipt.replace(/ /g, '-');
    expect(
      (await ctx.app.inject({ method: 'POST', url: '/follow-up', ...form({ code: typed }) })).statusCode,
    ).toBe(200);

    const replyForm = {
      code: receipt,
      lang: 'ru',
      message: 'Второе',
      token: hiddenField(open.body, 'token'),
    };
    const reply = await ctx.app.inject({ method: 'POST', url: '/follow-up/reply', ...form(replyForm) });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toContain('Ваше сообщение отправлено');
    expect(reply.body).toContain('Второе');
    const found = await ctx.core.intake.findByReceipt(receipt);
    const count = async () =>
      (
        await ctx.core.db
          .selectFrom('request_threads')
          .select('message_count')
          .where('id', '=', found?.id ?? '')
          .executeTakeFirstOrThrow()
      ).message_count;
    expect(await count()).toBe(2);

    // A replayed post (the same form sent again) is refused and stores nothing (#11).
    const replay = await ctx.app.inject({ method: 'POST', url: '/follow-up/reply', ...form(replyForm) });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('уже отправлена');
    expect(replay.body.match(/Второе/g)?.length).toBe(1);
    const noToken = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/reply',
      ...form({ ...replyForm, token: '' }),
    });
    expect(noToken.statusCode).toBe(400);
    expect(await count()).toBe(2);
    const thread = await ctx.core.db
      .selectFrom('request_threads')
      .select('awaiting_reply')
      .where('id', '=', found?.id ?? '')
      .executeTakeFirstOrThrow();
    expect(thread.awaiting_reply).toBe(true);
  });

  it('says clearly when no conversation matches, without a 500', async () => {
    const wrong = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: '1234 5678 1234 5678 1234 5678 1234', lang: 'en' }),
    });
    expect(wrong.statusCode).toBe(404);
    expect(wrong.body).toContain('No conversation matches this code');
    const garbage = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: "' OR 1=1 --", lang: 'en' }),
    });
    expect(garbage.statusCode).toBe(404);
    const empty = await ctx.app.inject({ method: 'POST', url: '/follow-up/reply', ...form({ lang: 'en' }) });
    expect(empty.statusCode).toBe(404);
  });

  it('keeps the draft and explains when a follow-up message is empty', async () => {
    const { receipt } = await submitWebRequest(ctx, { lang: 'en', message: 'hello' });
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/reply',
      ...form({ code: receipt, lang: 'en', message: '   ' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Please write a message.');
  });

  it('limits how often one receipt code can be used', async () => {
    const { receipt } = await submitWebRequest(ctx, { lang: 'en' });
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      statuses.push(
        (await ctx.app.inject({ method: 'POST', url: '/follow-up', ...form({ code: receipt, lang: 'en' }) }))
          .statusCode,
      );
    }
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
  });

  it('shows the operator reply to the requester', async () => {
    const { receipt } = await submitWebRequest(ctx, { lang: 'uk', message: 'Питання про полон' });
    const thread = await ctx.core.intake.findByReceipt(receipt);
    if (!thread) throw new Error('receipt does not find its thread');
    const op = await createOperator(ctx, 'operator');
    const s = await login(ctx, op);
    const r = await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${thread.id}/replies`,
      headers: s.headers,
      payload: { body: 'Ми вам допоможемо' },
    });
    expect(r.statusCode).toBe(201);
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: receipt, lang: 'uk' }),
    });
    expect(page.body).toContain('Ми вам допоможемо');
    expect(page.body).toContain('Лінія допомоги');
  });
});

describe('admission by capacity', () => {
  /** GET the form (as a browser would) and the fields a post needs; `solve` fills the proof of work. */
  async function openForm(c: TestContext, solve: boolean) {
    const page = await c.app.inject({ method: 'GET', url: '/?lang=ru' });
    const token = hiddenField(page.body, 'token');
    const fields: Record<string, string> = { token, lang: 'ru', category: 'other', message: 'Хочу сдаться' };
    if (solve) {
      const target = /data-pow="([0-9a-f]{64})"/.exec(page.body)?.[1];
      const max = Number(/data-pow-max="(\d+)"/.exec(page.body)?.[1]);
      for (let n = 0; n < max; n++)
        if (createHash('sha256').update(`${token}${n}`).digest('hex') === target) {
          fields.pow = String(n);
          break;
        }
      expect(fields.pow).toBeDefined();
    }
    return fields;
  }

  function post(c: TestContext, fields: Record<string, string>) {
    return c.app.inject({ method: 'POST', url: '/requests', ...form(fields) });
  }

  it('serves the proof-of-work script to the form page only, and the form works without it', async () => {
    const page = await ctx.app.inject({ method: 'GET', url: '/?lang=ru' });
    expect(page.body).toContain('<script src="/static/pow.js" defer></script>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const script = await ctx.app.inject({ method: 'GET', url: '/static/pow.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    const other = await ctx.app.inject({ method: 'GET', url: '/follow-up?lang=ru' });
    expect(other.headers['content-security-policy']).not.toContain('script-src');
    // No JavaScript, no proof: stored all the same while there is capacity.
    const res = await post(ctx, await openForm(ctx, false));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('receipt-code');
  });

  it('under overload admits proven posts first, refuses the excess quickly with its text kept, and recovers', async () => {
    const small = await createTestContext({
      admission: { initialLimit: 1, minLimit: 1, maxLimit: 1, queueTimeoutMs: 1500 },
    });
    const blocker = new pg.Client({ connectionString: small.dbUrl });
    try {
      await createOperator(small, 'admin');
      // The database stalls (as under a flood): inserts wait on a lock held elsewhere.
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE request_threads IN EXCLUSIVE MODE');
      const done: string[] = [];
      const track = (name: string, p: Promise<{ statusCode: number; body: string }>) =>
        p.then((r) => {
          done.push(name);
          return r;
        });
      const first = track('first', post(small, await openForm(small, false)));
      await new Promise((r) => setTimeout(r, 100));
      const plain = track('plain', post(small, await openForm(small, false)));
      const provenFields = await openForm(small, true);
      const proven = track('proven', post(small, provenFields));
      await new Promise((r) => setTimeout(r, 300));
      await blocker.query('ROLLBACK');
      const [a, b, c] = await Promise.all([first, plain, proven]);
      expect(a.statusCode).toBe(200);
      expect(c.statusCode).toBe(200);
      // The proven post came later but was stored before the plain one.
      expect(done.indexOf('proven')).toBeLessThan(done.indexOf('plain'));
      expect([200, 429]).toContain(b.statusCode);

      // A long stall: the queue refuses after its deadline with Retry-After, and the form keeps the text.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE request_threads IN EXCLUSIVE MODE');
      const stuck = post(small, await openForm(small, false));
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      const refused = await post(small, { ...(await openForm(small, false)), message: 'мой текст цел' });
      expect(refused.statusCode).toBe(429);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.body).toContain('мой текст цел');
      await blocker.query('ROLLBACK');
      expect((await stuck).statusCode).toBe(200);
      // Capacity back: the next person gets a receipt at once.
      expect((await post(small, await openForm(small, false))).statusCode).toBe(200);
      // A proof buys one place in the fast lane: the same form sent again files nothing (the re-post
      // page says the request was received, #12) and went in the plain lane.
      const again = await post(small, provenFields);
      expect(again.statusCode).toBe(200);
      expect(again.body).not.toMatch(/\d{4} \d{4} \d{4}/);
      const admin = await createOperator(small, 'supervisor');
      const s = await login(small, admin);
      const flood = await small.app.inject({
        method: 'GET',
        url: '/api/supervisor/flood',
        headers: s.headers,
      });
      expect(flood.json().admission.admitted.proof).toBe(1);
    } finally {
      await blocker.end().catch(() => undefined);
      await small.close();
    }
  }, 30_000);

  it('refuses intake with a clear error before the first admin exists', async () => {
    const empty = await createTestContext();
    try {
      const page = await empty.app.inject({ method: 'GET', url: '/' });
      const res = await empty.app.inject({
        method: 'POST',
        url: '/requests',
        ...form({ token: hiddenField(page.body, 'token'), lang: 'ru', category: 'other', message: 'x' }),
      });
      expect(res.statusCode).toBe(503);
      expect(await empty.core.db.selectFrom('request_threads').selectAll().execute()).toHaveLength(0);
    } finally {
      await empty.close();
    }
  });
});
