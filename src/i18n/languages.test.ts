import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  submitWebRequest,
  type TestContext,
} from '../../test/helpers.ts';
import { CORE_ARTICLES, loadArticles } from '../knowledge/articles.ts';
import { parseProtocol } from '../protocol/protocol.schema.ts';
import { BOT_FIND } from '../relatives/bot-texts.ts';
import { en } from './en.ts';
import { LANGUAGE_NAMES, LANGUAGES, t } from './i18n.ts';

/**
 * Every requester language is complete (docs/adding-a-language.md): each catalogue key, the core
 * knowledge-base articles, every requester-facing text of the shipped protocol, the bot's /find texts.
 * A language added to LANGUAGES without them fails here, with the missing pieces named.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await createOperator(ctx, 'admin');
});
afterAll(async () => ctx.close());

describe('every requester language is complete', () => {
  it('has every catalogue key, non-empty, and a name in its own script', () => {
    for (const lang of LANGUAGES) {
      const missing = Object.keys(en).filter((k) => !t(lang, k as keyof typeof en)?.trim());
      expect(missing, lang).toEqual([]);
      expect(LANGUAGE_NAMES[lang].length, lang).toBeGreaterThan(0);
      for (const k of Object.keys(BOT_FIND.en)) {
        expect(BOT_FIND[lang][k as keyof (typeof BOT_FIND)['en']], `${lang} bot ${k}`).toBeTruthy();
      }
    }
  });

  it('has the core articles: how surrender works and the rights of a prisoner of war', async () => {
    const kb = await loadArticles();
    for (const lang of LANGUAGES) {
      for (const slug of CORE_ARTICLES) expect(kb.get(slug, lang)?.lang, `${slug}.${lang}.md`).toBe(lang);
    }
  });

  it('has every requester-facing text of the shipped protocol (operator guidance may stay in English)', () => {
    const p = parseProtocol(
      JSON.parse(readFileSync(new URL('../protocol/default-protocol.json', import.meta.url), 'utf8')),
    );
    if (!p.ok) throw new Error('shipped protocol is invalid');
    const missing: string[] = [];
    for (const step of p.protocol.steps) {
      const texts: Array<[string, Record<string, string | undefined>]> = [[`${step.id}.title`, step.title]];
      if (step.instructions) texts.push([`${step.id}.instructions`, step.instructions]);
      for (const q of step.questions) {
        texts.push([`${step.id}.${q.id}.label`, q.label]);
        if (q.help) texts.push([`${step.id}.${q.id}.help`, q.help]);
        for (const o of q.options ?? []) texts.push([`${step.id}.${q.id}.${o.value}`, o.label]);
      }
      for (const lang of LANGUAGES)
        for (const [where, text] of texts) if (!text[lang]) missing.push(`${lang}: ${where}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('Korean end to end on the public site', () => {
  it('serves pages, the switcher, the knowledge base, follow-up and the questionnaire in Korean', async () => {
    const home = await ctx.app.inject({ method: 'GET', url: '/?lang=ko' });
    expect(home.body).toContain('<html lang="ko">');
    expect(home.body).toContain('우리에게 글을 쓰십시오');
    const ru = await ctx.app.inject({ method: 'GET', url: '/' });
    expect(ru.body).toContain('href="/?lang=ko"');
    expect(ru.body).toContain('한국어');
    const byHeader = await ctx.app.inject({
      method: 'GET',
      url: '/',
      headers: { 'accept-language': 'ko-KR' },
    });
    expect(byHeader.body).toContain('<html lang="ko">');

    const kb = await ctx.app.inject({ method: 'GET', url: '/kb/how-surrender-works?lang=ko' });
    expect(kb.statusCode).toBe(200);
    expect(kb.body).toContain('항복하는 방법');
    // An article not yet translated is shown in English rather than missing.
    const fallback = await ctx.app.inject({ method: 'GET', url: '/kb/digital-safety?lang=ko' });
    expect(fallback.statusCode).toBe(200);

    const { receipt, res } = await submitWebRequest(ctx, {
      lang: 'ko',
      message: '살고 싶습니다. 항복하고 싶습니다. 어떻게 해야 합니까?',
    });
    expect(res.body).toContain('요청이 전송되었습니다');
    const open = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: receipt, lang: 'ko' }),
    });
    expect(open.statusCode).toBe(200);
    expect(open.body).toContain('아직 답장이 없습니다');
    expect(open.body).toContain('어떻게 불러 드릴까요?'); // the questionnaire, from the protocol
    expect(open.body).toContain('설문 (사전 약속)');
  });
});
