import { readFileSync } from 'node:fs';
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
import type { PowIdentityInput } from './record.ts';

let ctx: TestContext;
let admin: TestOperator;
let registrar: LoggedIn;
let registrarOp: TestOperator;
let liaison: LoggedIn;
let operator: LoggedIn;
let liaisonOp: TestOperator;
let operatorOp: TestOperator;

/** Moves the clock (days pass in these tests) and logs everyone in again: sessions expire when idle. */
async function at(iso: string) {
  ctx.clock.set(new Date(iso));
  registrar = await login(ctx, registrarOp);
  liaison = await login(ctx, liaisonOp);
  operator = await login(ctx, operatorOp);
}

function kovalev(over: Partial<PowIdentityInput> = {}): PowIdentityInput {
  return {
    surname: { original: 'Ковалёв', latin: 'Kovalev' },
    firstNames: { original: 'Дмитрий', latin: 'Dmitrii' },
    rank: 'рядовой',
    serviceNumber: 'АБ-123456',
    dateOfBirth: '1994-03-12',
    placeOfBirth: 'Курск',
    powerDependedOn: 'Russian Federation',
    fatherFirstName: 'Сергей',
    motherMaidenName: 'Иванова',
    personToInform: { name: 'Ковалёва Анна', address: 'Курск, ул. Ленина 1' },
    languages: ['ru'],
    unit: 'в/ч 12345',
    captureDate: '2026-03-01',
    capturePlace: 'Запорожская обл.',
    health: 'slightly_wounded',
    disclosureConsent: 'yes',
    ...over,
  };
}

async function api(s: LoggedIn, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  return ctx.app.inject({ method, url, headers: s.headers, ...(payload === undefined ? {} : { payload }) });
}

async function facility(name: string, kind: 'camp' | 'hospital' = 'camp', capacity = 100) {
  const res = await api(registrar, 'POST', '/api/pow/facilities', {
    name,
    kind,
    address: 'Україна',
    capacity,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().item.id as string;
}

beforeAll(async () => {
  ctx = await createTestContext({ start: new Date('2026-03-05T10:00:00Z') });
  admin = await createOperator(ctx, 'admin');
  registrarOp = await createOperator(ctx, 'registrar', { grantKeyFrom: admin });
  registrar = await login(ctx, registrarOp);
  liaisonOp = await createOperator(ctx, 'liaison');
  liaison = await login(ctx, liaisonOp);
  operatorOp = await createOperator(ctx, 'operator', { grantKeyFrom: admin });
  operator = await login(ctx, operatorOp);
});
afterAll(async () => ctx.close());

describe('POW records', () => {
  it('registers a prisoner, counts him in the camp, and asks for the capture card within 7 days (art. 70)', async () => {
    const camp = await facility('Табір №1');
    const res = await api(registrar, 'POST', '/api/pow/records', {
      identity: kovalev(),
      facilityId: camp,
      arrivedOn: '2026-03-03',
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id, ref } = res.json();
    expect(ref).toMatch(/^PW-\d{6}$/);

    const rec = (await api(registrar, 'GET', `/api/pow/records/${id}`)).json().item;
    expect(rec.identity.surname.original).toBe('Ковалёв');
    expect(rec.status).toBe('held');
    expect(rec.facility.name).toBe('Табір №1');
    expect(rec.events.map((e: { type: string }) => e.type)).toEqual(['capture', 'arrival']);
    expect(rec.cardDuties).toEqual([
      expect.objectContaining({
        reason: 'arrival',
        eventOn: '2026-03-03',
        dueOn: '2026-03-10',
        state: 'open',
      }),
    ]);
    const facilities = (await api(registrar, 'GET', '/api/pow/facilities')).json().items;
    expect(facilities.find((f: { id: string }) => f.id === camp).current).toBe(1);

    // Every record has the same number of match keys (padding), whatever the length of the name.
    const counts = await ctx.handle.pool.query(
      'SELECT DISTINCT count(*)::int AS n FROM pow_match_keys GROUP BY record_id',
    );
    expect(counts.rows).toEqual([{ n: 32 }]);
    // Names are never stored in clear: not in the record row, not in the match keys.
    const raw = await ctx.handle.pool.query(
      'SELECT row_to_json(r)::text AS j FROM pow_records r WHERE id = $1',
      [id],
    );
    expect(raw.rows[0].j).not.toMatch(/Ковал|Koval|Дмитр|Курск/);

    // Five days later the card is due soon; after the due day the dashboard shows it overdue.
    await at('2026-03-09T10:00:00Z');
    let dash = (await api(registrar, 'GET', '/api/pow/dashboard')).json();
    expect(dash.captureCards.find((c: { ref: string }) => c.ref === ref).state).toBe('due_soon');
    await at('2026-03-11T10:00:00Z');
    dash = (await api(registrar, 'GET', '/api/pow/dashboard')).json();
    const duty = dash.captureCards.find((c: { ref: string }) => c.ref === ref);
    expect(duty.state).toBe('overdue');

    const pdf = await api(registrar, 'GET', `/api/pow/records/${id}/capture-card.pdf?duty=${duty.dutyId}`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    // The hourly job tells the registry staff once a day (counts only).
    expect(await ctx.core.registry.raiseAlarms()).toBeGreaterThanOrEqual(3);
    expect(await ctx.core.registry.raiseAlarms()).toBe(0);
    const bell = (await api(registrar, 'GET', '/api/notifications')).json();
    expect(JSON.stringify(bell)).toContain('registry_overdue');
    expect(JSON.stringify(bell)).not.toContain('Ковал');
    expect(
      (await api(registrar, 'POST', `/api/pow/card-duties/${duty.dutyId}/sent`, { sentOn: '2026-03-11' }))
        .statusCode,
    ).toBe(204);
    dash = (await api(registrar, 'GET', '/api/pow/dashboard')).json();
    expect(dash.captureCards.find((c: { ref: string }) => c.ref === ref)).toBeUndefined();
  });

  it('transfers update both facilities; hospital admission asks for a new card; death needs art. 120 data', async () => {
    const a = await facility('Табір №2');
    const b = await facility('Табір №3');
    const h = await facility('Шпиталь №1', 'hospital');
    const { id } = (
      await api(registrar, 'POST', '/api/pow/records', {
        identity: kovalev({ surname: { original: 'Шевченко', latin: 'Shevchenko' } }),
        facilityId: a,
        arrivedOn: '2026-03-04',
      })
    ).json();
    const ev = (body: object) => api(registrar, 'POST', `/api/pow/records/${id}/events`, body);
    expect((await ev({ type: 'transfer', occurredOn: '2026-03-08', facilityId: b })).statusCode).toBe(201);
    // Out of order: before the last move (or the capture) is refused.
    const early = await ev({ type: 'transfer', occurredOn: '2026-03-06', facilityId: a });
    expect(early.statusCode).toBe(400);
    expect(early.json().error.details).toEqual({ field: 'occurredOn' });
    // Details that do not belong to the event type are refused too.
    expect(
      (await ev({ type: 'escape', occurredOn: '2026-03-08', details: { death: { place: 'x' } } })).statusCode,
    ).toBe(400);
    let fs = (await api(registrar, 'GET', '/api/pow/facilities')).json().items as Array<{
      id: string;
      current: number;
    }>;
    expect(fs.find((f) => f.id === a)?.current).toBe(0);
    expect(fs.find((f) => f.id === b)?.current).toBe(1);

    // A camp is not a hospital, and the future is refused.
    expect(
      (await ev({ type: 'hospital_admission', occurredOn: '2026-03-09', facilityId: b })).json().error.code,
    ).toBe('validation_failed');
    expect(
      (await ev({ type: 'hospital_admission', occurredOn: '2027-01-01', facilityId: h })).json().error.code,
    ).toBe('validation_failed');
    expect(
      (await ev({ type: 'hospital_admission', occurredOn: '2026-03-09', facilityId: h })).statusCode,
    ).toBe(201);
    const rec = (await api(registrar, 'GET', `/api/pow/records/${id}`)).json().item;
    expect(rec.status).toBe('in_hospital');
    expect(rec.cardDuties.map((d: { reason: string }) => d.reason)).toEqual([
      'arrival',
      'transfer',
      'hospital',
    ]);

    // Weekly health reports for the seriously wounded (art. 122).
    expect(
      (
        await ev({
          type: 'health_report',
          occurredOn: '2026-03-10',
          details: { health: { seriouslyIll: true, report: 'Тяжёлое ранение бедра' } },
        })
      ).statusCode,
    ).toBe(201);
    await at('2026-03-18T10:00:00Z');
    const dash = (await api(registrar, 'GET', '/api/pow/dashboard')).json();
    expect(dash.healthReports.find((r: { recordId: string }) => r.recordId === id)).toMatchObject({
      dueOn: '2026-03-17',
      state: 'overdue',
    });

    const bad = await ev({ type: 'death', occurredOn: '2026-03-12' });
    expect(bad.statusCode).toBe(400);
    expect(
      (
        await ev({
          type: 'death',
          occurredOn: '2026-03-12',
          details: { death: { place: 'Шпиталь №1', cause: 'ранение' } },
        })
      ).statusCode,
    ).toBe(201);
    fs = (await api(registrar, 'GET', '/api/pow/facilities')).json().items;
    expect(fs.find((f) => f.id === h)?.current).toBe(0);
    // Nothing follows death.
    const after = await ev({ type: 'release', occurredOn: '2026-03-13' });
    expect(after.statusCode).toBe(409);
    expect(after.json().error.code).toBe('invalid_transition');
  });

  it('reports on the seriously wounded from registration, and owes no card once released', async () => {
    await at('2026-03-20T10:00:00Z');
    const camp = await facility('Табір №9');
    const { id, ref } = (
      await api(registrar, 'POST', '/api/pow/records', {
        identity: kovalev({
          surname: { original: 'Мельник', latin: 'Melnyk' },
          health: 'seriously_wounded',
          captureDate: '2026-03-10',
        }),
        facilityId: camp,
        arrivedOn: '2026-03-11',
      })
    ).json();
    let dash = (await api(registrar, 'GET', '/api/pow/dashboard')).json();
    expect(dash.healthReports.map((h: { ref: string }) => h.ref)).toContain(ref);
    expect(dash.captureCards.find((c: { ref: string }) => c.ref === ref).state).toBe('overdue');
    const rel = await api(registrar, 'POST', `/api/pow/records/${id}/events`, {
      type: 'release',
      occurredOn: '2026-03-19',
      details: { destination: 'ICRC' },
    });
    expect(rel.statusCode, rel.body).toBe(201);
    dash = (await api(registrar, 'GET', '/api/pow/dashboard')).json();
    expect(dash.captureCards.find((c: { ref: string }) => c.ref === ref)).toBeUndefined();
    expect(dash.healthReports.map((h: { ref: string }) => h.ref)).not.toContain(ref);
  });

  it('tracks the art. 71 minimum of two letters and four cards a month', async () => {
    await at('2026-04-25T10:00:00Z');
    const camp = await facility('Табір №4');
    const { id } = (
      await api(registrar, 'POST', '/api/pow/records', {
        identity: kovalev({ surname: { original: 'Бондаренко', latin: 'Bondarenko' } }),
        facilityId: camp,
        arrivedOn: '2026-03-04',
      })
    ).json();
    for (const kind of ['letter_sent', 'card_sent', 'card_sent']) {
      expect(
        (await api(registrar, 'POST', `/api/pow/records/${id}/welfare`, { kind, occurredOn: '2026-03-20' }))
          .statusCode,
      ).toBe(201);
    }
    expect(
      (
        await api(registrar, 'POST', `/api/pow/records/${id}/welfare`, {
          kind: 'meals',
          occurredOn: '2026-04-25',
          quantity: 3,
        })
      ).statusCode,
    ).toBe(201);
    let rec = (await api(registrar, 'GET', `/api/pow/records/${id}`)).json().item;
    expect(rec.correspondence).toEqual([
      { month: '2026-03', letters: 1, cards: 2, state: 'below_minimum' },
      { month: '2026-04', letters: 0, cards: 0, state: 'behind' },
    ]);
    // In May, March's shortfall is listed on the dashboard (April had none either).
    await at('2026-05-02T10:00:00Z');
    const dash = (await api(registrar, 'GET', '/api/pow/dashboard')).json();
    expect(dash.correspondenceBelowMinimum.map((c: { id: string }) => c.id)).toContain(id);
    for (let i = 0; i < 2; i++)
      await api(registrar, 'POST', `/api/pow/records/${id}/welfare`, {
        kind: 'letter_sent',
        occurredOn: '2026-05-01',
      });
    await api(registrar, 'POST', `/api/pow/records/${id}/welfare`, {
      kind: 'card_sent',
      occurredOn: '2026-05-01',
      quantity: 4,
    });
    rec = (await api(registrar, 'GET', `/api/pow/records/${id}`)).json().item;
    expect(rec.correspondence[1]).toEqual({ month: '2026-05', letters: 2, cards: 4, state: 'met' });
  });

  it('keeps the link to a voluntary surrender sealed', async () => {
    await at('2026-05-03T10:00:00Z');
    await submitWebRequest(ctx, { message: 'Хочу сдаться, я в Курске' });
    const t = await ctx.handle.pool.query<{ id: string; ref: string; xmin: string }>(
      "UPDATE request_threads SET status = 'in_custody', closed_at = updated_at WHERE id = (SELECT id FROM request_threads ORDER BY created_at DESC LIMIT 1) RETURNING id, ref, xmin::text AS xmin",
    );
    const caseRef = t.rows[0]?.ref as string;
    const handovers = (await api(registrar, 'GET', '/api/pow/custody-handovers')).json().items;
    expect(handovers.map((h: { caseRef: string }) => h.caseRef)).toContain(caseRef);

    const res = await api(registrar, 'POST', '/api/pow/records', {
      identity: kovalev({ surname: { original: 'Петров', latin: 'Petrov' } }),
      fromCaseRef: caseRef,
    });
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json();
    // Once only.
    expect(
      (await api(registrar, 'POST', '/api/pow/records', { identity: kovalev(), fromCaseRef: caseRef }))
        .statusCode,
    ).toBe(409);
    expect(
      (await api(registrar, 'GET', '/api/pow/custody-handovers'))
        .json()
        .items.map((h: { caseRef: string }) => h.caseRef),
    ).not.toContain(caseRef);

    // Nothing but the sealed box says where the record came from: not the record, not the audit log.
    const row = await ctx.handle.pool.query(
      'SELECT row_to_json(r)::text AS j FROM pow_records r WHERE id = $1',
      [id],
    );
    expect(row.rows[0].j).not.toContain(t.rows[0]?.id);
    const audit = await ctx.handle.pool.query(
      'SELECT details::text AS d, subject_id FROM audit_log WHERE subject_id = $1',
      [id],
    );
    for (const a of audit.rows) expect(a.d).not.toContain(t.rows[0]?.id);
    const detail = (await api(registrar, 'GET', `/api/pow/records/${id}`)).json().item;
    expect(JSON.stringify(detail)).not.toContain(caseRef);

    // Every record carries a sealed origin of one length, with or without a request, and registering
    // writes nothing to the request (a shared transaction id would link the two rows).
    const lengths = await ctx.handle.pool.query(
      'SELECT DISTINCT length(origin_sealed) AS n FROM pow_records',
    );
    expect(lengths.rows).toHaveLength(1);
    const after = await ctx.handle.pool.query<{ xmin: string }>(
      'SELECT xmin::text AS xmin FROM request_threads WHERE ref = $1',
      [caseRef],
    );
    expect(after.rows[0]?.xmin).toBe((t.rows[0] as { xmin: string }).xmin);
    // A registrar with the organisation key can open it; a liaison may not ask.
    expect((await api(registrar, 'POST', `/api/pow/records/${id}/origin`)).json()).toEqual({ caseRef });
    expect((await api(liaison, 'POST', `/api/pow/records/${id}/origin`)).statusCode).toBe(403);
    // A request not in custody cannot be registered.
    await submitWebRequest(ctx);
    const open = await ctx.handle.pool.query<{ ref: string }>(
      "SELECT ref FROM request_threads WHERE status <> 'in_custody' LIMIT 1",
    );
    const notYet = await api(registrar, 'POST', '/api/pow/records', {
      identity: kovalev(),
      fromCaseRef: open.rows[0]?.ref,
    });
    expect(notYet.json().error.code).toBe('not_found');
    expect(notYet.json().error.details).toEqual({ field: 'fromCaseRef' }); // no status of a request leaks
  });

  it('refuses bad input with stable codes and keeps the stored record', async () => {
    const { id } = (
      await api(registrar, 'POST', '/api/pow/records', {
        identity: kovalev({ surname: { original: 'Сидоров', latin: 'Sidorov' } }),
      })
    ).json();
    const cases: Array<[object, number, string]> = [
      [{ identity: { ...kovalev(), captureDate: '2026-13-45x' } }, 400, 'validation_failed'],
      [{ identity: { ...kovalev(), languages: [] } }, 400, 'validation_failed'],
      [
        { identity: { ...kovalev(), surname: { original: 'x'.repeat(5000), latin: '' } } },
        400,
        'validation_failed',
      ],
      [
        { identity: kovalev(), facilityId: '00000000-0000-4000-8000-000000000000', arrivedOn: '2026-03-02' },
        400,
        'validation_failed',
      ],
      [{ identity: kovalev({ captureDate: '2030-01-01' }) }, 400, 'validation_failed'],
      [{ identity: kovalev({ captureDate: '2026-02-30' }) }, 400, 'validation_failed'],
      [{ identity: kovalev({ dateOfBirth: '1994-13' }) }, 400, 'validation_failed'],
      [{ identity: 'not an object' }, 400, 'validation_failed'],
    ];
    for (const [body, status, code] of cases) {
      const res = await api(registrar, 'POST', '/api/pow/records', body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    // A stale version is a conflict, not a lost update.
    const put = await api(registrar, 'PUT', `/api/pow/records/${id}`, {
      identity: kovalev({ rank: 'сержант' }),
      version: 1,
    });
    expect(put.statusCode).toBe(204);
    const stale = await api(registrar, 'PUT', `/api/pow/records/${id}`, {
      identity: kovalev({ rank: 'ефрейтор' }),
      version: 1,
    });
    expect(stale.statusCode).toBe(409);
    const rec = (await api(registrar, 'GET', `/api/pow/records/${id}`)).json().item;
    expect(rec.identity.rank).toBe('сержант');
    expect(rec.version).toBe(2);
    // Events and duties: impossible dates, unknown ids and junk are client errors with codes.
    for (const [url, body, status] of [
      [`/api/pow/records/${id}/events`, { type: 'release', occurredOn: '2026-02-30' }, 400],
      [`/api/pow/records/${id}/events`, { type: 'capture', occurredOn: '2026-03-01' }, 400],
      [`/api/pow/records/${id}/events`, { type: 'arrival', occurredOn: '2026-03-01' }, 400],
      [
        `/api/pow/records/00000000-0000-4000-8000-000000000000/events`,
        { type: 'release', occurredOn: '2026-03-01' },
        404,
      ],
      [`/api/pow/records/not-a-uuid/events`, { type: 'release', occurredOn: '2026-03-01' }, 400],
      [`/api/pow/records/${id}/welfare`, { kind: 'meals', occurredOn: '2026-03-01', quantity: 10_000 }, 400],
      [`/api/pow/card-duties/00000000-0000-4000-8000-000000000000/sent`, { sentOn: '2026-03-01' }, 404],
    ] as const) {
      const res = await api(registrar, 'POST', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}: ${res.body}`).toBe(status);
      expect(res.json().error.code).toMatch(/^(validation_failed|not_found)$/);
    }
    // Operators do not read the registry.
    expect((await api(operator, 'GET', `/api/pow/records/${id}`)).statusCode).toBe(403);
  });

  it('finds records by name in any script, and audits every read', async () => {
    const res = (await api(registrar, 'GET', `/api/pow/records?q=${encodeURIComponent('Шевченко')}`)).json();
    expect(res.items.map((r: { surname: { latin: string } }) => r.surname.latin)).toContain('Shevchenko');
    const reads = await ctx.handle.pool.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action IN ('pow.record.read', 'pow.records.list') AND actor_id = $1",
      [registrarOp.id],
    );
    expect(reads.rows[0].n).toBeGreaterThan(5);
  });
});

describe('the published docs', () => {
  it('ship the batch JSON Schema', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../docs/notification-batch.schema.json', import.meta.url), 'utf8'),
    );
    expect(schema.properties.format.const).toBe('whiteflag.pow-notification/1');
  });
});
