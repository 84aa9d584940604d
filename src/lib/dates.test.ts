import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  hiddenField,
  type LoggedIn,
  login,
  type TestContext,
} from '../../test/helpers.ts';
import { describeDate, parsePartialDate } from './dates.ts';

/** Issue #14: dates of birth as Russians, Ukrainians and everyone else type them, said back in words. */
describe('parsePartialDate', () => {
  it('reads the usual forms, day first, into ISO', () => {
    for (const typed of [
      '15.03.1990',
      '15/03/1990',
      '1990-3-15',
      '1990-03-15',
      '15-03-1990',
      '15.3.1990',
      ' 15 . 03 . 1990 ',
      '１５.０３.１９９０',
      '15.03.1990.',
    ])
      expect(parsePartialDate(typed), typed).toBe('1990-03-15');
    expect(parsePartialDate('05.03.1990')).toBe('1990-03-05'); // 5 March, never May 3
    expect(parsePartialDate('03.1990')).toBe('1990-03');
    expect(parsePartialDate('1990-3')).toBe('1990-03');
    expect(parsePartialDate('1990')).toBe('1990');
  });

  it('refuses what is not a date rather than guessing', () => {
    for (const typed of [
      '03/15/1990',
      '31.02.1990',
      '15.03.90',
      '1990-13-01',
      '1850',
      'вчера',
      '',
      '15.03/1990',
    ])
      expect(parsePartialDate(typed), typed).toBeNull();
  });

  it('says the date back in words in the reader’s language', () => {
    expect(describeDate('1990-03-05', 'en')).toBe('5 March 1990');
    expect(describeDate('1990-03-05', 'ru')).toMatch(/^5 марта 1990/);
    expect(describeDate('1990-03-05', 'uk')).toMatch(/^5 березня 1990/);
    expect(describeDate('1990-03-05', 'ko')).toMatch(/1990년 3월 5일/);
    expect(describeDate('1990-03', 'en')).toBe('March 1990');
  });
});

let ctx: TestContext;
let operator: LoggedIn;
beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin');
  operator = await login(ctx, await createOperator(ctx, 'operator'));
});
afterAll(async () => ctx.close());

async function ask(dob: string, lang = 'ru') {
  const page = await ctx.app.inject({ method: 'GET', url: `/find?lang=${lang}` });
  const token = hiddenField(page.body, 'token');
  return ctx.app.inject({
    method: 'POST',
    url: '/find',
    ...form({
      token,
      lang,
      surname: 'Ковалёв',
      firstNames: 'Дмитрий',
      dob,
      yourName: 'Анна',
      relationship: 'мать',
    }),
  });
}

describe("the relatives' /find form and the operator API", () => {
  it('accept 15.03.1990 and the other usual forms and say what was understood', async () => {
    for (const dob of ['15.03.1990', '15/03/1990', '1990-3-15', '1990-03-15']) {
      const res = await ask(dob);
      expect(res.statusCode, dob).toBe(200);
      expect(res.body).toContain('Дата рождения понята как');
      expect(res.body).toMatch(/15 марта 1990[^<]*<\/strong> \(1990-03-15\)/);
    }
    const uk = await ask('05.03.1990', 'uk');
    expect(uk.body).toMatch(/5 березня 1990[^<]*<\/strong> \(1990-03-05\)/);
  });

  it('refuses a date it cannot read, with the forms it accepts', async () => {
    const res = await ask('03/15/1990', 'en');
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('15.03.1990, 15/03/1990, 1990-03-15');
  });

  it('the operator API stores and echoes ISO', async () => {
    for (const dob of ['15.03.1990', '15/03/1990', '1990-3-15', '1990-03-15']) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/relatives/inquiries',
        headers: operator.headers,
        payload: {
          language: 'uk',
          sought: { surname: 'Гнатюк', firstNames: 'Євген', dateOfBirth: dob },
          relative: { name: 'Марія', relationship: 'мати' },
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().dateOfBirth).toBe('1990-03-15');
    }
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/api/relatives/inquiries',
      headers: operator.headers,
      payload: {
        language: 'uk',
        sought: { surname: 'Гнатюк', firstNames: 'Євген', dateOfBirth: '31.02.1990' },
        relative: { name: 'Марія', relationship: 'мати' },
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
  });
});
