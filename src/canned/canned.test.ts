import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';

/** Canned-reply suggestions (issue #15): operators propose, supervisors and admins decide. */
let ctx: TestContext;
let operatorOp: TestOperator;
let operator: LoggedIn;
let supervisor: LoggedIn;

async function api(s: LoggedIn, method: 'GET' | 'POST', url: string, payload?: object) {
  return ctx.app.inject({ method, url, headers: s.headers, ...(payload === undefined ? {} : { payload }) });
}

async function auditActions(subjectId: string): Promise<string[]> {
  const r = await ctx.handle.pool.query<{ action: string }>(
    'SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY id',
    [subjectId],
  );
  return r.rows.map((x) => x.action);
}

beforeAll(async () => {
  ctx = await createTestContext();
  const admin = await createOperator(ctx, 'admin');
  operatorOp = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
  operator = await login(ctx, operatorOp);
  supervisor = await login(ctx, await createOperator(ctx, 'supervisor', { grantKeyFrom: admin }));
});
afterAll(async () => ctx.close());

describe('canned-reply suggestions', () => {
  it('an operator suggests; a supervisor edits and approves it into the list of its language', async () => {
    const before = (await api(operator, 'GET', '/api/canned-replies?language=uk')).json().items.length;
    const res = await api(operator, 'POST', '/api/canned-replies/suggestions', {
      language: 'uk',
      title: 'Повістка',
      body: 'Повістка ще не означає відправку на фронт. Напишіть, де ви зараз.',
    });
    expect(res.statusCode, res.body).toBe(201);
    const suggestion = res.json().item;
    expect(suggestion).toMatchObject({ language: 'uk', suggestedBy: operatorOp.id });
    // Nothing in the list yet; the operator cannot see or decide the pending ones.
    expect((await api(operator, 'GET', '/api/canned-replies?language=uk')).json().items).toHaveLength(before);
    expect((await api(operator, 'GET', '/api/canned-replies/suggestions')).statusCode).toBe(403);
    const approveAsOperator = await api(
      operator,
      'POST',
      `/api/canned-replies/suggestions/${suggestion.id}/approve`,
      { language: 'uk', title: 'x', body: 'y' },
    );
    expect(approveAsOperator.statusCode).toBe(403);

    const pending = (await api(supervisor, 'GET', '/api/canned-replies/suggestions')).json().items;
    expect(pending.map((p: { id: string }) => p.id)).toEqual([suggestion.id]);
    const approved = await api(
      supervisor,
      'POST',
      `/api/canned-replies/suggestions/${suggestion.id}/approve`,
      {
        language: 'uk',
        title: 'Повістка прийшла',
        body: suggestion.body,
      },
    );
    expect(approved.statusCode, approved.body).toBe(201);
    const reply = approved.json().item;
    const list = (await api(operator, 'GET', '/api/canned-replies?language=uk')).json().items;
    expect(list).toHaveLength(before + 1);
    expect(list.find((c: { id: string }) => c.id === reply.id)).toMatchObject({ title: 'Повістка прийшла' });
    expect((await api(supervisor, 'GET', '/api/canned-replies/suggestions')).json().items).toEqual([]);
    // Decided once: approving again finds nothing.
    const again = await api(supervisor, 'POST', `/api/canned-replies/suggestions/${suggestion.id}/approve`, {
      language: 'uk',
      title: 'x',
      body: 'y',
    });
    expect(again.statusCode).toBe(404);
    expect(again.json().error.code).toBe('not_found');
    expect(await auditActions(suggestion.id)).toEqual(['canned.suggest']);
    expect(await auditActions(reply.id)).toEqual(['canned.suggestion_approve']);
  });

  it('a rejected suggestion is gone, and the decision is on the audit log', async () => {
    const { item } = (
      await api(operator, 'POST', '/api/canned-replies/suggestions', {
        language: 'ru',
        title: 'Привет',
        body: 'Привет!',
      })
    ).json();
    const r = await api(supervisor, 'POST', `/api/canned-replies/suggestions/${item.id}/reject`);
    expect(r.statusCode, r.body).toBe(204);
    expect((await api(supervisor, 'GET', '/api/canned-replies/suggestions')).json().items).toEqual([]);
    expect(await auditActions(item.id)).toEqual(['canned.suggest', 'canned.suggestion_reject']);
  });

  it('refuses empty or unknown-language suggestions with a stable code', async () => {
    for (const payload of [
      { language: 'uk', title: '  ', body: 'x' },
      { language: 'de', title: 'x', body: 'x' },
      { language: 'uk', title: 'x' },
    ]) {
      const r = await api(operator, 'POST', '/api/canned-replies/suggestions', payload);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('validation_failed');
    }
    const bad = await api(supervisor, 'POST', '/api/canned-replies/suggestions/not-a-uuid/reject');
    expect(bad.statusCode).toBe(400);
  });
});
