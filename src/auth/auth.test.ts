import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  login,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';
import { totpCode } from './totp.ts';

let ctx: TestContext;
let admin: TestOperator;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
});
afterAll(async () => ctx.close());

function loginWith(email: string, password: string, totp: string) {
  return ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password, totp } });
}

describe('login', () => {
  it('needs password and TOTP, sets a strict HttpOnly cookie and returns a CSRF token', async () => {
    ctx.clock.advance(30_000);
    const res = await loginWith(admin.email, admin.password, totpCode(admin.totpSecret, ctx.clock.now()));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({ email: admin.email, role: 'admin', hasOrgKey: true });
    expect(body.csrfToken).toMatch(/^[\w-]{43}$/);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/wf_session=[\w-]{43}/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Secure');
  });

  it('gives the same answer for an unknown account, a wrong password and a wrong code', async () => {
    ctx.clock.advance(30_000);
    const code = totpCode(admin.totpSecret, ctx.clock.now());
    const unknown = await loginWith('nobody@example.org', admin.password, code);
    const wrongPw = await loginWith(admin.email, 'wrong password!!', code);
    const wrongCode = await loginWith(admin.email, admin.password, '000000');
    for (const r of [unknown, wrongPw, wrongCode]) {
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({
        error: { code: 'invalid_credentials', message: 'E-mail, password or code is wrong' },
      });
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('rejects a TOTP code that was already used (replay)', async () => {
    const op = await createOperator(ctx, 'operator');
    ctx.clock.advance(30_000);
    const code = totpCode(op.totpSecret, ctx.clock.now());
    expect((await loginWith(op.email, op.password, code)).statusCode).toBe(200);
    const replay = await loginWith(op.email, op.password, code);
    expect(replay.statusCode).toBe(401);
    // The right password with a code that already logged in: told to wait for the next code.
    expect(replay.json().error.code).toBe('totp_reused');
    expect(replay.headers['set-cookie']).toBeUndefined();
    // The same used code with a wrong password (or for an unknown e-mail) is the identical failure as
    // ever: the hint cannot be used to test passwords without a code that is valid right now.
    for (const [email, password] of [
      [op.email, 'wrong password!!'],
      ['nobody@example.org', op.password],
    ] as const) {
      const r = await loginWith(email, password, code);
      expect(r.json()).toEqual({
        error: { code: 'invalid_credentials', message: 'E-mail, password or code is wrong' },
      });
    }
    // The next code logs in.
    ctx.clock.advance(30_000);
    expect(
      (await loginWith(op.email, op.password, totpCode(op.totpSecret, ctx.clock.now()))).statusCode,
    ).toBe(200);
  });

  it('throttles repeated failures per account, known or unknown', async () => {
    const victim = await createOperator(ctx, 'operator');
    for (const email of [victim.email, 'ghost@example.org']) {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await loginWith(email, 'bad password!!', '123456')).statusCode);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(5)).toEqual([429, 429]);
    }
    const throttled = await loginWith(
      victim.email,
      victim.password,
      totpCode(victim.totpSecret, ctx.clock.now()),
    );
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().error.code).toBe('too_many_attempts');
    expect(throttled.headers['retry-after']).toBeDefined();
    ctx.clock.advance(5 * 60_000);
    await login(ctx, victim);
  });

  it('keeps the throttle across a restart and across instances (it lives in PostgreSQL)', async () => {
    const victim = await createOperator(ctx, 'operator');
    for (let i = 0; i < 5; i++)
      expect((await loginWith(victim.email, 'wrong!!', '000000')).statusCode).toBe(401);
    // A restarted (or second) instance on the same database: a new core, a new app, nothing in memory.
    const { createCore } = await import('../core.ts');
    const { buildApp } = await import('../app.ts');
    const { createEventBus } = await import('../realtime/events.ts');
    const core = await createCore({
      db: ctx.core.db,
      keyring: ctx.keyring,
      clock: ctx.clock,
      log: ctx.core.log,
      settings: ctx.core.settings,
    });
    const events = createEventBus(ctx.dbUrl, ctx.core.log);
    const restarted = await buildApp(core, {
      intakePerMinute: 6000,
      secureCookies: true,
      events,
      webhooks: [],
    });
    try {
      ctx.clock.advance(30_000);
      const res = await restarted.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: {
          email: victim.email,
          password: victim.password,
          totp: totpCode(victim.totpSecret, ctx.clock.now()),
        },
      });
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('too_many_attempts');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await restarted.close();
      await events.close();
    }
  });

  it('junk attempts against a known e-mail do not lock out its owner on a browser they used before', async () => {
    const victim = await createOperator(ctx, 'operator');
    ctx.clock.advance(30_000);
    const first = await loginWith(
      victim.email,
      victim.password,
      totpCode(victim.totpSecret, ctx.clock.now()),
    );
    expect(first.statusCode).toBe(200);
    const device = first.cookies.find((c) => c.name === 'wf_device');
    expect(device).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth/login' });
    // The adversary hammers the account without the device cookie: throttled.
    for (let i = 0; i < 8; i++) await loginWith(victim.email, 'junk password', '000000');
    ctx.clock.advance(30_000);
    expect(
      (await loginWith(victim.email, victim.password, totpCode(victim.totpSecret, ctx.clock.now())))
        .statusCode,
    ).toBe(429);
    // A device cookie of another account, or a forged one, buys nothing.
    const other = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      cookies: { wf_device: 'AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA' },
      payload: { email: victim.email, password: 'junk', totp: '000000' },
    });
    expect(other.statusCode).toBe(429);
    // The owner, with the cookie of their browser, still gets in.
    const owner = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      cookies: { wf_device: device?.value as string },
      payload: {
        email: victim.email,
        password: victim.password,
        totp: totpCode(victim.totpSecret, ctx.clock.now()),
      },
    });
    expect(owner.statusCode, owner.body).toBe(200);
  });

  it('rejects malformed login bodies with 400, not 500', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 5 } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('validation_failed');
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('bad_request');
  });
});

describe('sessions', () => {
  it('ends at logout: the same cookie no longer works', async () => {
    const s = await login(ctx, admin);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: s.headers })).statusCode,
    ).toBe(200);
    const out = await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: s.headers });
    expect(out.statusCode).toBe(204);
    const after = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: s.headers });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
  });

  it('locks after 15 idle minutes and after 10 hours in any case', async () => {
    const s = await login(ctx, admin);
    ctx.clock.advance(14 * 60_000);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: s.headers })).statusCode,
    ).toBe(200);
    ctx.clock.advance(15 * 60_000 + 1);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: s.headers })).statusCode,
    ).toBe(401);

    const t = await login(ctx, admin);
    for (let i = 0; i < 43; i++) {
      ctx.clock.advance(14 * 60_000);
      const r = await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: t.headers });
      if (i < 42) expect(r.statusCode).toBe(200);
      else expect(r.statusCode).toBe(401);
    }
  });

  it("the console's background requests (x-wf-background: 1) do not keep an idle session awake", async () => {
    const s = await login(ctx, admin);
    const me = (headers: Record<string, string>) =>
      ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers });
    // Polling every few minutes for 14 minutes: answered, but not activity.
    for (let i = 0; i < 7; i++) {
      ctx.clock.advance(2 * 60_000);
      expect((await me({ ...s.headers, 'x-wf-background': '1' })).statusCode).toBe(200);
    }
    ctx.clock.advance(60_000 + 1);
    const after = await me({ ...s.headers, 'x-wf-background': '1' });
    expect(after.statusCode).toBe(401);
    // Control: the same requests made by a person keep the session.
    const t = await login(ctx, admin);
    for (let i = 0; i < 8; i++) {
      ctx.clock.advance(2 * 60_000);
      expect((await me(t.headers)).statusCode).toBe(200);
    }
  });

  it('requires the CSRF header on state-changing requests', async () => {
    const s = await login(ctx, admin);
    const noHeader = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: s.cookie },
    });
    expect(noHeader.statusCode).toBe(403);
    expect(noHeader.json().error.code).toBe('csrf_failed');
    const wrong = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) },
    });
    expect(wrong.statusCode).toBe(403);
  });

  it('ends every session of a user on password change, and the new password works', async () => {
    const op = await createOperator(ctx, 'operator');
    const a = await login(ctx, op);
    const b = await login(ctx, op);
    const weak = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: a.headers,
      payload: { currentPassword: op.password, newPassword: 'short' },
    });
    expect(weak.statusCode).toBe(400);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: a.headers,
      payload: { currentPassword: op.password, newPassword: 'a much longer new password' },
    });
    expect(res.statusCode).toBe(204);
    for (const s of [a, b])
      expect(
        (await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: s.headers })).statusCode,
      ).toBe(401);
    op.password = 'a much longer new password';
    await login(ctx, op);
  });

  function changePassword(s: { headers: Record<string, string> }, currentPassword: string) {
    return ctx.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: s.headers,
      payload: { currentPassword, newPassword: 'a much longer new password' },
    });
  }

  it('throttles guesses at the current password per user (security review L4)', async () => {
    const op = await createOperator(ctx, 'operator');
    const a = await login(ctx, op);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await changePassword(a, `wrong guess ${i}!!`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // A second session of the same user shares the bucket, and the right password waits too.
    const b = await login(ctx, op);
    const throttled = await changePassword(b, op.password);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().error.code).toBe('too_many_attempts');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // Another user is not affected.
    const other = await createOperator(ctx, 'operator');
    const o = await login(ctx, other);
    const wrong = await changePassword(o, 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    // One attempt a minute: after a minute the right password goes through.
    ctx.clock.advance(60_000);
    expect((await changePassword(b, op.password)).statusCode).toBe(204);
    const audit = await ctx.core.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('subject_id', '=', op.id)
      .where('action', '=', 'user.password_change_failed')
      .execute();
    expect(audit).toHaveLength(5);
  });

  it('ends every session of the user after ten wrong current passwords in a row (security review L4)', async () => {
    const op = await createOperator(ctx, 'operator');
    const a = await login(ctx, op);
    const b = await login(ctx, op);
    const answers: Array<{ status: number; code: string }> = [];
    for (let i = 0; i < 10; i++) {
      if (i >= 5) ctx.clock.advance(60_000);
      const r = await changePassword(a, `wrong guess ${i}!!`);
      answers.push({ status: r.statusCode, code: r.json().error.code });
    }
    expect(answers.slice(0, 9).every((x) => x.status === 401 && x.code === 'invalid_credentials')).toBe(true);
    expect(answers[9]).toEqual({ status: 401, code: 'unauthenticated' });
    for (const s of [a, b])
      expect(
        (await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: s.headers })).statusCode,
      ).toBe(401);
    const ended = await ctx.core.db
      .selectFrom('audit_log')
      .select(['actor_id', 'details'])
      .where('subject_id', '=', op.id)
      .where('action', '=', 'auth.sessions_ended')
      .execute();
    expect(ended).toEqual([
      { actor_id: op.id, details: { reason: 'password_change_failures', failures: 10 } },
    ]);
    // The owner logs in again and the count starts afresh.
    ctx.clock.advance(60_000);
    const c = await login(ctx, op);
    expect((await changePassword(c, 'wrong again!!')).json().error.code).toBe('invalid_credentials');
  });

  it('makes a user with a one-time password change it before anything else', async () => {
    const s = await login(ctx, admin);
    const created = await ctx.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: s.headers,
      payload: { email: 'new.op@example.org', role: 'operator' },
    });
    expect(created.statusCode).toBe(201);
    const { oneTimePassword, totpUri } = created.json();
    expect(oneTimePassword).toMatch(/^[a-z0-9]{5}(-[a-z0-9]{5}){3}$/);
    expect(totpUri).toMatch(/^otpauth:\/\/totp\/Whiteflag:/);
    const op: TestOperator = {
      id: created.json().id,
      email: 'new.op@example.org',
      password: oneTimePassword,
      totpSecret: new URL(totpUri).searchParams.get('secret') as string,
      role: 'operator',
    };
    const o = await login(ctx, op);
    const queue = await ctx.app.inject({ method: 'GET', url: '/api/requests', headers: o.headers });
    expect(queue.statusCode).toBe(403);
    expect(queue.json().error.code).toBe('password_change_required');
    const changed = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: o.headers,
      payload: { currentPassword: oneTimePassword, newPassword: 'operator chosen password' },
    });
    expect(changed.statusCode).toBe(204);
    op.password = 'operator chosen password';
    const again = await login(ctx, op);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/requests', headers: again.headers })).statusCode,
    ).toBe(200);
  });

  it('stops a disabled user at once, including an open session', async () => {
    const op = await createOperator(ctx, 'operator');
    const o = await login(ctx, op);
    const s = await login(ctx, admin);
    const res = await ctx.app.inject({
      method: 'POST',
      url: `/api/users/${op.id}/disable`,
      headers: s.headers,
      payload: {},
    });
    expect(res.statusCode).toBe(204);
    expect(
      (await ctx.app.inject({ method: 'GET', url: '/api/auth/me', headers: o.headers })).statusCode,
    ).toBe(401);
    ctx.clock.advance(30_000);
    const relog = await loginWith(op.email, op.password, totpCode(op.totpSecret, ctx.clock.now()));
    expect(relog.statusCode).toBe(401);
  });
});

describe('WebAuthn relying party', () => {
  it('comes from configuration, never from a forged Host header', async () => {
    const s = await login(ctx, admin);
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/api/auth/webauthn/register/options',
      headers: { ...s.headers, host: 'evil.example:8443', 'x-forwarded-host': 'evil.example' },
    });
    expect(res.statusCode).toBe(200);
    // No WHITEFLAG_PUBLIC_ORIGIN in the test app: the configured default, localhost.
    expect(res.json().rp).toEqual({ name: 'Whiteflag', id: 'localhost' });
  });
});

describe('users API', () => {
  it('lets an admin list users and grant the organisation key; others may not', async () => {
    const s = await login(ctx, admin);
    const op = await createOperator(ctx, 'operator');
    const list = await ctx.app.inject({ method: 'GET', url: '/api/users', headers: s.headers });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.find((u: { id: string }) => u.id === op.id)).toMatchObject({
      hasOrgKey: false,
      role: 'operator',
    });
    const grant = await ctx.app.inject({
      method: 'POST',
      url: `/api/users/${op.id}/grant-key`,
      headers: s.headers,
    });
    expect(grant.statusCode).toBe(204);
    const after = await ctx.app.inject({ method: 'GET', url: '/api/users', headers: s.headers });
    expect(after.json().items.find((u: { id: string }) => u.id === op.id).hasOrgKey).toBe(true);

    const o = await login(ctx, op);
    for (const [method, url] of [
      ['GET', '/api/users'],
      ['POST', `/api/users/${admin.id}/grant-key`],
      ['POST', `/api/users/${admin.id}/disable`],
    ] as const) {
      const r = await ctx.app.inject({
        method,
        url,
        headers: o.headers,
        ...(method === 'POST' ? { payload: {} } : {}),
      });
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('forbidden');
    }
    const dup = await ctx.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: s.headers,
      payload: { email: op.email, role: 'operator' },
    });
    expect(dup.statusCode).toBe(409);
    const badRole = await ctx.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: s.headers,
      payload: { email: 'x@example.org', role: 'king' },
    });
    expect(badRole.statusCode).toBe(400);
  });
});
