import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  form,
  type LoggedIn,
  login,
  submitWebRequest,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';
import { loadDefaultProtocol } from './protocol.service.ts';

let ctx: TestContext;
let admin: TestOperator;
let op: TestOperator;
let adminS: LoggedIn;
let opS: LoggedIn;

async function newCase(category = 'serviceman_war_zone', lang = 'ru') {
  const { receipt } = await submitWebRequest(ctx, { category, lang, message: 'Хочу сдаться' });
  const t = await ctx.core.intake.findByReceipt(receipt);
  return { id: t?.id as string, receipt };
}

const api = (s: LoggedIn, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
  ctx.app.inject({
    method,
    url,
    headers: s.headers,
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
  op = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
  adminS = await login(ctx, admin);
  opS = await login(ctx, op);
});
afterAll(async () => ctx.close());

describe('protocol versions', () => {
  it('publishes the shipped default on first start and records it on every new request', async () => {
    const def = await loadDefaultProtocol();
    const cur = await api(opS, 'GET', '/api/protocol');
    expect(cur.json().version).toBe(def.version);
    const { id } = await newCase();
    const row = await ctx.core.db
      .selectFrom('request_threads')
      .select('protocol_version')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.protocol_version).toBe(def.version);
  });

  it('refuses a broken definition with precise errors and publishes nothing', async () => {
    const def = structuredClone(await loadDefaultProtocol()) as unknown as {
      version: string;
      steps: Array<{ id: string; moveTo?: string }>;
    };
    def.version = '2099-01-01.1';
    (def.steps[1] as { id: string }).id = (def.steps[0] as { id: string }).id;
    const res = await api(adminS, 'POST', '/api/protocol/versions', { definition: def });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues).toContainEqual({
      path: 'steps.1.id',
      message: `duplicate step id "${def.steps[0]?.id}"`,
    });
    const versions = await api(adminS, 'GET', '/api/protocol/versions');
    expect(versions.json().items.map((v: { version: string }) => v.version)).not.toContain('2099-01-01.1');
  });

  it('publishes a new version with a diff; old requests keep their version, new ones follow the new one', async () => {
    const { id: oldCase } = await newCase();
    const def = structuredClone(await loadDefaultProtocol());
    def.version = '2099-02-01.1';
    const meeting = def.steps.find((s) => s.id === 'meeting');
    if (!meeting?.instructions) throw new Error('default protocol has no meeting instructions');
    meeting.instructions.ru = `${meeting.instructions.ru}\n\nДополнение.`;
    const preview = await api(adminS, 'POST', '/api/protocol/versions', { definition: def, dryRun: true });
    expect(preview.json()).toEqual({
      version: '2099-02-01.1',
      diff: ['step meeting: instructions changed'],
      published: false,
    });
    const res = await api(adminS, 'POST', '/api/protocol/versions', { definition: def });
    expect(res.statusCode).toBe(200);
    expect(res.json().published).toBe(true);
    const again = await api(adminS, 'POST', '/api/protocol/versions', { definition: def });
    expect(again.statusCode).toBe(409);
    const audit = await ctx.core.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'protocol.publish')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ diff: ['step meeting: instructions changed'] });
    const { id: newOne } = await newCase();
    const rows = await ctx.core.db
      .selectFrom('request_threads')
      .select(['id', 'protocol_version'])
      .where('id', 'in', [oldCase, newOne])
      .execute();
    const byId = Object.fromEntries(rows.map((r) => [r.id, r.protocol_version]));
    expect(byId[newOne]).toBe('2099-02-01.1');
    expect(byId[oldCase]).not.toBe('2099-02-01.1');
  });
});

describe('a case walking the protocol', () => {
  it('stores sensitive answers sealed and the rest server-tier, and shows them in the checklist', async () => {
    const { id } = await newCase();
    const save = await api(opS, 'PUT', `/api/requests/${id}/protocol/steps/questionnaire/answers`, {
      answers: { call_name: 'Саша', situation: 'at_front', wounded: false, group_size: 3 },
    });
    expect(save.statusCode, save.body).toBe(200);
    const rows = await ctx.core.db
      .selectFrom('case_answers')
      .selectAll()
      .where('thread_id', '=', id)
      .execute();
    const byQ = Object.fromEntries(rows.map((r) => [r.question_id, r]));
    expect(byQ.call_name?.value_sealed).not.toBeNull();
    expect(byQ.call_name?.value_enc).toBeNull();
    expect(byQ.situation?.value_enc).not.toBeNull();
    expect(JSON.stringify(rows)).not.toContain('Саша');
    const view = await api(opS, 'GET', `/api/requests/${id}/protocol`);
    const q = view.json().steps[0].questions;
    expect(q.find((x: { id: string }) => x.id === 'call_name').answer).toBe('Саша');
    expect(q.find((x: { id: string }) => x.id === 'wounded').answer).toBe(false);
  });

  it('refuses invalid answers with the question named', async () => {
    const { id } = await newCase();
    const bad = await api(opS, 'PUT', `/api/requests/${id}/protocol/steps/questionnaire/answers`, {
      answers: { situation: 'on-the-moon', group_size: 500 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.errors).toEqual({ situation: 'invalid', group_size: 'out_of_range' });
    const unknown = await api(opS, 'PUT', `/api/requests/${id}/protocol/steps/questionnaire/answers`, {
      answers: { nope: 1 },
    });
    expect(unknown.statusCode).toBe(400);
    const noStep = await api(opS, 'PUT', `/api/requests/${id}/protocol/steps/nope/answers`, { answers: {} });
    expect(noStep.statusCode).toBe(404);
  });

  it('walks a serviceman from new to in_custody, step by step, with instructions sent in his language', async () => {
    const { id, receipt } = await newCase('serviceman_war_zone', 'uk');
    const complete = (step: string) =>
      api(opS, 'POST', `/api/requests/${id}/protocol/steps/${step}/complete`);
    // A step with unanswered required questions cannot be completed.
    const early = await complete('questionnaire');
    expect(early.statusCode, early.body).toBe(409);
    expect(early.json().error.details.missing).toEqual(['call_name', 'situation', 'language', 'contact']);
    // Answers may come with the completion (one action); a refusal saves none of them.
    const bad = await api(opS, 'POST', `/api/requests/${id}/protocol/steps/questionnaire/complete`, {
      answers: { call_name: 'Сокол', birth_year: 1890 },
    });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().error.details.errors)).toEqual(['birth_year']);
    const partial = await api(opS, 'POST', `/api/requests/${id}/protocol/steps/questionnaire/complete`, {
      answers: { call_name: 'Сокол', situation: 'at_front' },
    });
    expect(partial.statusCode).toBe(409);
    expect(partial.json().error.details.missing).toEqual(['language', 'contact']);
    const stillEmpty = await api(opS, 'GET', `/api/requests/${id}/protocol`);
    const questionnaire = stillEmpty.json().steps.find((s: { id: string }) => s.id === 'questionnaire') as {
      completed: boolean;
      questions: Array<{ id: string; answer: unknown }>;
    };
    expect(questionnaire.completed).toBe(false);
    expect(questionnaire.questions.find((q) => q.id === 'call_name')?.answer).toBeNull();

    const def = await ctx.core.protocol.current();
    const start = new Date(ctx.clock.now().getTime() + 3 * 3_600_000);
    const sample = (q: { type: string; options?: Array<{ value: string }> }): unknown => {
      switch (q.type) {
        case 'choice':
          return q.options?.[0]?.value;
        case 'multichoice':
          return [q.options?.[0]?.value];
        case 'number':
          return 1;
        case 'boolean':
          return true;
        case 'date':
          return '2026-12-01';
        case 'datetime_window':
          return { start: start.toISOString(), end: new Date(start.getTime() + 3_600_000).toISOString() };
        default:
          return 'ответ';
      }
    };
    const states: string[] = [];
    for (const step of def.steps.filter(
      (s) => s.appliesTo === 'all' || s.appliesTo.includes('serviceman_war_zone'),
    )) {
      const answers = Object.fromEntries(
        step.questions.filter((q) => q.required).map((q) => [q.id, sample(q)]),
      );
      if (Object.keys(answers).length) {
        const saved = await api(opS, 'PUT', `/api/requests/${id}/protocol/steps/${step.id}/answers`, {
          answers,
        });
        expect(saved.statusCode, saved.body).toBe(200);
      }
      if (step.instructions)
        expect(
          (await api(opS, 'POST', `/api/requests/${id}/protocol/steps/${step.id}/send-instructions`))
            .statusCode,
        ).toBe(201);
      const done = await complete(step.id);
      expect(done.statusCode, done.body).toBe(200);
      states.push(done.json().request.status);
    }
    expect(states.at(-1)).toBe('in_custody');
    const view = await api(opS, 'GET', `/api/requests/${id}/protocol`);
    expect(view.json()).toMatchObject({ currentStepId: null, nextAction: 'done' });

    // The requester read the meeting instructions in Ukrainian at /follow-up.
    const instructions = def.steps.find((s) => s.id === 'meeting')?.instructions?.uk as string;
    const firstLine = (instructions.split('\n')[0] as string).slice(0, 60);
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: receipt, lang: 'uk' }),
    });
    const text = page.body
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    expect(text).toContain(firstLine);
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
      'awaiting_front_contact',
      'meeting_agreed',
      'in_progress',
      'in_custody',
    ]);
  });

  it('gives relatives the information branch, ending in closed_info_given', async () => {
    const { id } = await newCase('relative');
    const view = await api(opS, 'GET', `/api/requests/${id}/protocol`);
    expect(view.json().steps.map((s: { id: string }) => s.id)).toEqual(['info_request', 'info_given']);
    const done = await api(opS, 'POST', `/api/requests/${id}/protocol/steps/info_given/complete`);
    expect(done.json().request.status).toBe('closed_info_given');
  });
});

describe('requester questionnaire on the web (no JavaScript)', () => {
  it('shows the requester steps only, saves answers, and keeps what was typed after an error', async () => {
    const { id, receipt } = await newCase('serviceman_war_zone', 'ru');
    const page = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up',
      ...form({ code: receipt, lang: 'ru' }),
    });
    expect(page.body).toContain('Анкета');
    expect(page.body).toContain('action="/follow-up/answers"');
    expect(page.body).not.toContain('name="step" value="screening"');
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/answers',
      ...form({
        code: receipt,
        lang: 'ru',
        step: 'questionnaire',
        'a.call_name': 'Лёха',
        'a.group_size': '900',
      }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Значение вне допустимого диапазона.');
    expect(bad.body).toContain('value="Лёха"');
    const ok = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/answers',
      ...form({
        code: receipt,
        lang: 'ru',
        step: 'questionnaire',
        'a.call_name': 'Лёха',
        'a.group_size': '2',
        'a.wounded': 'no',
      }),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('Ваши ответы сохранены.');
    expect(ok.body).toContain('value="Лёха"');
    const view = await api(opS, 'GET', `/api/requests/${id}/protocol`);
    const answers = Object.fromEntries(
      view
        .json()
        .steps[0].questions.map((q: { id: string; answer: unknown; answeredBy: string }) => [
          q.id,
          [q.answer, q.answeredBy],
        ]),
    );
    expect(answers.call_name).toEqual(['Лёха', 'requester']);
    expect(answers.group_size).toEqual([2, 'requester']);
    expect(answers.wounded).toEqual([false, 'requester']);
    const forged = await ctx.app.inject({
      method: 'POST',
      url: '/follow-up/answers',
      ...form({ code: receipt, lang: 'ru', step: 'verification', 'a.verified': 'yes' }),
    });
    expect(forged.statusCode).toBe(400);
  });
});

describe('timers', () => {
  it('reminds the assignee before the meeting window, once', async () => {
    const { id } = await newCase();
    await api(opS, 'POST', `/api/requests/${id}/claim`);
    const start = new Date(ctx.clock.now().getTime() + 2 * 3_600_000);
    await api(opS, 'PUT', `/api/requests/${id}/protocol/steps/meeting/answers`, {
      answers: {
        meeting_window: {
          start: start.toISOString(),
          end: new Date(start.getTime() + 1_800_000).toISOString(),
        },
      },
    });
    expect(await ctx.core.timers.runReminders()).toBe(0);
    ctx.clock.advance(61 * 60_000); // the reminder is due 60 minutes before the window
    expect(await ctx.core.timers.runReminders()).toBe(1);
    expect(await ctx.core.timers.runReminders()).toBe(0);
    opS = await login(ctx, op);
    const notes = await api(opS, 'GET', '/api/notifications?unread=true');
    expect(notes.json().items).toContainEqual(
      expect.objectContaining({ kind: 'meeting_window_soon', requestId: id }),
    );
    const nid = notes.json().items[0].id;
    expect((await api(opS, 'POST', `/api/notifications/${nid}/read`)).statusCode).toBe(204);
  });

  it('moves a case silent for 14 days to unreachable and tells the assignee', async () => {
    const { id } = await newCase();
    await api(opS, 'POST', `/api/requests/${id}/status`, { status: 'screening' });
    await api(opS, 'POST', `/api/requests/${id}/claim`);
    ctx.clock.advance(13 * 86_400_000);
    expect(await ctx.core.timers.runSilence()).toBe(0);
    ctx.clock.advance(2 * 86_400_000);
    expect(await ctx.core.timers.runSilence()).toBeGreaterThanOrEqual(1);
    const row = await ctx.core.db
      .selectFrom('request_threads')
      .select(['status', 'closed_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('unreachable');
    const n = await ctx.core.db
      .selectFrom('notifications')
      .select('kind')
      .where('request_id', '=', id)
      .execute();
    expect(n.map((x) => x.kind)).toContain('moved_unreachable');
    const entry = await ctx.core.db
      .selectFrom('audit_log')
      .select(['actor_type', 'details'])
      .where('subject_id', '=', id)
      .where('actor_type', '=', 'system')
      .executeTakeFirstOrThrow();
    expect(entry.details).toMatchObject({ to: 'unreachable', reason: 'silent' });
  });
});
