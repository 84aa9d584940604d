import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';
import { verifyBatch } from './batches.service.ts';
import type { PowIdentityInput } from './record.ts';

/**
 * "Nothing is ever forgotten": after any sequence of record changes, events, batch builds, deliveries
 * and voids, every event (and every record change) is in exactly one batch that is not void, or
 * pending — and every batch document says exactly what its changes are. Signatures verify with the
 * published key and fail after any byte changes.
 */
let ctx: TestContext;
let actor: TestOperator;
const camps: string[] = [];

const identity = (n: number): PowIdentityInput => ({
  disclosureConsent: 'no',
  healthNotes: 'сдался сам',
  surname: { original: `Иванов${'а'.repeat(n % 3)}`, latin: `Ivanov${'a'.repeat(n % 3)}` },
  firstNames: { original: 'Пётр', latin: 'Petr' },
  languages: ['ru'],
  captureDate: '2026-02-01',
  health: 'good_health',
  rank: `r${n}`,
});

beforeAll(async () => {
  ctx = await createTestContext({ start: new Date('2026-03-01T08:00:00Z') });
  actor = await createOperator(ctx, 'admin');
  for (const name of ['Camp A', 'Camp B']) {
    const f = await ctx.core.registry.saveFacility(actor.id, {
      name,
      kind: 'camp',
      address: '',
      capacity: 50,
    });
    camps.push(f.id);
  }
});
afterAll(async () => ctx.close());

type Cmd =
  | { t: 'create'; n: number; inCamp: boolean }
  | { t: 'update'; pick: number; n: number }
  | { t: 'event'; pick: number; kind: 'move' | 'health' | 'release' }
  | { t: 'build' }
  | { t: 'deliver'; pick: number }
  | { t: 'void'; pick: number };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ t: fc.constant('create' as const), n: fc.nat(100), inCamp: fc.boolean() }),
  fc.record({ t: fc.constant('update' as const), pick: fc.nat(), n: fc.nat(100) }),
  fc.record({
    t: fc.constant('event' as const),
    pick: fc.nat(),
    kind: fc.constantFrom('move' as const, 'health' as const, 'release' as const),
  }),
  fc.constant({ t: 'build' as const }),
  fc.record({ t: fc.constant('deliver' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('void' as const), pick: fc.nat() }),
);

async function run(c: Cmd, records: string[]) {
  const { registry, batches } = ctx.core;
  const pick = <T>(xs: T[], i: number) => (xs.length ? xs[i % xs.length] : undefined);
  ctx.clock.advance(60_000);
  const swallow = (e: unknown) => {
    // Refusals with a stable code are part of the model (no facility, nothing pending, wrong state).
    if (!(e instanceof Error && 'code' in e)) throw e;
  };
  switch (c.t) {
    case 'create': {
      const r = await registry.createRecord(actor.id, {
        identity: identity(c.n),
        ...(c.inCamp ? { facilityId: camps[c.n % 2], arrivedOn: '2026-02-02' } : {}),
      });
      records.push(r.id);
      return;
    }
    case 'update': {
      const id = pick(records, c.pick);
      if (!id) return;
      const rec = await registry.identityOf(id);
      await registry.updateRecord(actor.id, id, { identity: identity(c.n), version: rec.version });
      return;
    }
    case 'event': {
      const id = pick(records, c.pick);
      if (!id) return;
      const rec = await registry.identityOf(id);
      const day = '2026-02-20';
      if (c.kind === 'health')
        await registry
          .addEvent(actor.id, id, {
            type: 'health_report',
            occurredOn: day,
            details: { health: { seriouslyIll: true, report: 'x' }, notes: 'сдался добровольно' },
          })
          .catch(swallow);
      else if (c.kind === 'release')
        await registry.addEvent(actor.id, id, { type: 'release', occurredOn: day }).catch(swallow);
      else {
        const here = rec.facility ? (rec.facility.name === 'Camp A' ? 0 : 1) : null;
        await registry
          .addEvent(actor.id, id, {
            type: here === null ? 'arrival' : 'transfer',
            occurredOn: day,
            facilityId: camps[here === null ? 0 : 1 - here],
          })
          .catch(swallow);
      }
      return;
    }
    case 'build':
      await batches.build(actor.id).catch(swallow);
      return;
    case 'deliver':
    case 'void': {
      const built = (await batches.list({ status: 'built', limit: 200, offset: 0 })).items;
      const b = pick(built, c.pick);
      if (!b) return;
      if (c.t === 'deliver') await batches.deliver(actor.id, b.id, { method: 'email', reference: 'ref' });
      else await batches.voidBatch(actor.id, b.id, 'lost');
      return;
    }
  }
}

async function checkInvariant() {
  const pool = ctx.handle.pool;
  // 1. No change belongs to a void batch.
  const inVoid = await pool.query(
    "SELECT count(*)::int AS n FROM pow_changes c JOIN notification_batches b ON b.id = c.batch_id WHERE b.status = 'void'",
  );
  expect(inVoid.rows[0].n).toBe(0);
  // 2. Every event has exactly one change.
  const ev = await pool.query<{ id: string; batch_id: string | null; n: number }>(
    `SELECT e.id, min(c.batch_id::text) AS batch_id, count(c.id)::int AS n
     FROM pow_events e LEFT JOIN pow_changes c ON c.event_id = e.id GROUP BY e.id`,
  );
  for (const r of ev.rows) expect(r.n).toBe(1);
  // 3. Each batch document lists exactly the events and record changes its changes are.
  const live = (await ctx.core.batches.list({ limit: 200, offset: 0 })).items.filter(
    (b) => b.status !== 'void',
  );
  const seenEvents = new Map<string, string>();
  for (const b of live) {
    const d = await ctx.core.batches.document(actor.id, b.id, 'json');
    const changes = await pool.query<{ kind: string; event_id: string | null; ref: string }>(
      'SELECT c.kind, c.event_id, r.ref FROM pow_changes c JOIN pow_records r ON r.id = c.record_id WHERE c.batch_id = $1',
      [b.id],
    );
    const wantEvents = changes.rows.filter((c) => c.event_id).map((c) => c.event_id as string);
    expect(d.doc.events.map((e) => e.id).sort()).toEqual([...wantEvents].sort());
    const wantRecords = new Set(changes.rows.filter((c) => c.kind !== 'event').map((c) => c.ref));
    expect(new Set(d.doc.records.filter((r) => r.change !== 'unchanged').map((r) => r.ref))).toEqual(
      wantRecords,
    );
    expect(b.itemCount).toBe(changes.rows.length);
    for (const e of d.doc.events) {
      expect(seenEvents.has(e.id), `event ${e.id} in two batches`).toBe(false);
      seenEvents.set(e.id, b.id);
    }
  }
  // 4. Every event is in exactly one live batch document, or pending.
  for (const r of ev.rows) {
    if (r.batch_id === null) expect(seenEvents.has(r.id)).toBe(false);
    else expect(seenEvents.get(r.id)).toBe(r.batch_id);
  }
  // 5. The pending count the dashboard shows is what is not in a delivered batch.
  const pending = await ctx.core.batches.pending();
  const notDelivered = await pool.query(
    `SELECT count(*)::int AS n FROM pow_changes c LEFT JOIN notification_batches b ON b.id = c.batch_id
     WHERE c.batch_id IS NULL OR b.status <> 'delivered'`,
  );
  expect(pending.notBatchedTotal + pending.inUndeliveredBatches).toBe(notDelivered.rows[0].n);
}

describe('notification batches', () => {
  it('every event and record change is in exactly one batch or pending, whatever happens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 14 }), async (cmds) => {
        const records: string[] = [];
        for (const c of cmds) await run(c, records);
        await checkInvariant();
      }),
      { numRuns: 30 },
    );
    // The runs did build, deliver and void batches (the property is not vacuous).
    const s = await ctx.handle.pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM notification_batches GROUP BY status',
    );
    const by = Object.fromEntries(s.rows.map((r) => [r.status, r.n]));
    expect(by.delivered).toBeGreaterThan(0);
    expect(by.void).toBeGreaterThan(0);
  });

  it('signatures verify with the published key and fail after any byte changes', async () => {
    await ctx.core.registry.createRecord(actor.id, { identity: identity(7) });
    const b = await ctx.core.batches.build(actor.id);
    const d = await ctx.core.batches.document(actor.id, b.id, 'json');
    const res = await ctx.app.inject({ method: 'GET', url: '/.well-known/whiteflag/notification-keys.json' });
    const key = (res.json() as { keys: Array<{ id: string; publicKey: string }> }).keys.find(
      (k) => k.id === d.keyId,
    );
    expect(key).toBeDefined();
    const pub = Buffer.from(key?.publicKey as string, 'base64');
    expect(verifyBatch(d.bytes, d.signature, pub)).toBe(true);
    fc.assert(
      fc.property(fc.nat(d.bytes.length - 1), fc.integer({ min: 1, max: 255 }), (pos, xor) => {
        const tampered = Buffer.from(d.bytes);
        tampered[pos] = (tampered[pos] as number) ^ xor;
        return verifyBatch(tampered, d.signature, pub) === false;
      }),
      { numRuns: 300 },
    );
    // What a receiver runs: the CLI with the published keys file and the detached signature.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-batch-'));
    try {
      writeFileSync(path.join(dir, 'b.json'), d.bytes);
      writeFileSync(path.join(dir, 'keys.json'), res.body);
      writeFileSync(
        path.join(dir, 'b.json.sig'),
        JSON.stringify({ algorithm: 'Ed25519', keyId: d.keyId, signature: d.signature.toString('base64') }),
      );
      const cli = (file: string) =>
        spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            'src/cli.ts',
            'batch',
            'verify',
            file,
            path.join(dir, 'b.json.sig'),
            '--keys',
            path.join(dir, 'keys.json'),
          ],
          { encoding: 'utf8' },
        );
      const ok = cli(path.join(dir, 'b.json'));
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toContain('OK:');
      const tampered = Buffer.from(d.bytes);
      const at = tampered.indexOf('"ref"') + 10;
      tampered[at] = (tampered[at] as number) ^ 1;
      writeFileSync(path.join(dir, 'x.json'), tampered);
      const bad = cli(path.join(dir, 'x.json'));
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain('NOT VERIFIED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Appending or dropping a byte breaks it too, and so does another key.
    expect(verifyBatch(Buffer.concat([d.bytes, Buffer.from(' ')]), d.signature, pub)).toBe(false);
    expect(verifyBatch(d.bytes.subarray(1), d.signature, pub)).toBe(false);
    expect(verifyBatch(d.bytes, d.signature, Buffer.alloc(32, 1))).toBe(false);
    // The document never says how the person came into custody or who typed it in.
    expect(d.bytes.toString()).not.toMatch(
      /\borigin\b|created_?by|surrender|сдал|disclosureConsent|healthNotes|"notes"/i,
    );
  });

  it('concurrent builds never wait on each other: one batch, the others refused with conflict', async () => {
    for (let i = 0; i < 5; i++) await ctx.core.registry.createRecord(actor.id, { identity: identity(i) });
    // More builds than the pool has connections (5): none may hold one while waiting for another.
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => ctx.core.batches.build(actor.id)),
    );
    const built = results.filter((r) => r.status === 'fulfilled');
    expect(built.length).toBeGreaterThanOrEqual(1);
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('conflict');
    const pending = await ctx.core.batches.pending();
    expect(pending.notBatchedTotal).toBe(0);
  });
});
