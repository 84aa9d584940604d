import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { systemClock } from '../src/clock.ts';
import { createCore } from '../src/core.ts';
import { memoryKeyring } from '../src/crypto/keyring.ts';
import { connectDatabase } from '../src/db/database.ts';
import { createLogger } from '../src/log.ts';
import type { PowIdentity } from '../src/pow/record.ts';
import { hashedMatchKeys, padMatchKeys } from '../src/pow/registry.service.ts';
import { isAmbiguous, recordMatchKeys } from '../src/relatives/matching.ts';
import { generateInquiries, generateRegistry, mulberry32 } from '../test/generators/names.ts';
import { numberFlag, UsageError } from './lib/args.ts';
import { type Benchmark, note } from './lib/benchmark.ts';
import { openBenchDatabase } from './lib/database.ts';
import { summarize } from './lib/load.ts';
import { fmt, table } from './lib/report.ts';

/**
 * Relatives-desk matching at registry scale: `--records` generated POW records (realistic Russian and
 * Ukrainian names, namesakes by design) loaded the way the registry stores them (identity encrypted,
 * HMAC'd blocking keys in pow_match_keys), then `--inquiries` generated inquiries (transliterations,
 * typos, swapped order, partial dates; 30 % about people not in the registry) run through
 * `relatives.candidates` — the function the registrar's inquiry page calls: key look-up, decryption of
 * the candidates, scoring. Reports latency percentiles (target p95 ≤ 30 ms) and precision / recall.
 */
const USAGE = `  --records N     POW records (default 200000)
  --inquiries N   inquiries to time (default 1000)
  --seed N        generator seed (default 7)`;

const bench: Benchmark = {
  usage: USAGE,
  async run({ argv, teardown, signal }) {
    let flags: Record<string, string | undefined>;
    try {
      flags = parseArgs({
        args: argv,
        strict: true,
        options: { records: { type: 'string' }, inquiries: { type: 'string' }, seed: { type: 'string' } },
      }).values;
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    const nRecords = numberFlag('records', flags.records, 200_000, { integer: true, min: 10 });
    const nInquiries = numberFlag('inquiries', flags.inquiries, 1000, { integer: true, min: 1 });
    const seed = numberFlag('seed', flags.seed, 7, { integer: true, min: 0 });

    const database = await openBenchDatabase(teardown);
    const handle = connectDatabase(database.url, 10);
    teardown.add('close pool', () => handle.close());
    const core = await createCore({
      db: handle.db,
      keyring: memoryKeyring(),
      clock: systemClock,
      log: createLogger('warn'),
      settings: { session: { idleMs: 900_000, maxMs: 36_000_000 } },
    });

    note(`generating ${nRecords.toLocaleString('en')} people`);
    const rng = mulberry32(seed);
    const people = generateRegistry(rng, nRecords);
    const recordIdOf = new Map<number, string>();
    // Every record carries a sealed origin (here: captured without a request, the nil id).
    const org = core.sealer.generateKeyPair();
    const origin = () =>
      core.sealer.seal(org.publicKey, JSON.stringify({ thread: '00000000-0000-0000-0000-000000000000' }));
    const t0 = performance.now();
    let keysTotal = 0;
    const CHUNK = 2000;
    for (let i = 0; i < people.length && !signal.aborted; i += CHUNK) {
      const ids: string[] = [];
      const refs: string[] = [];
      const blobs: string[] = [];
      const origins: Buffer[] = [];
      const keyRecs: string[] = [];
      const keys: string[] = [];
      for (const p of people.slice(i, i + CHUNK)) {
        const id = randomUUID();
        recordIdOf.set(p.id, id);
        const identity: PowIdentity = {
          ...p.identity,
          languages: [p.lang],
          captureDate: '2026-01-15',
          health: 'good_health',
          disclosureConsent: 'yes',
        } as PowIdentity;
        ids.push(id);
        refs.push(`PW-${String(p.id + 1).padStart(7, '0')}`);
        blobs.push(core.vault.encrypt(JSON.stringify(identity), 'pow_records.identity'));
        origins.push(origin());
        for (const k of padMatchKeys(hashedMatchKeys(core.vault, recordMatchKeys(identity)))) {
          keyRecs.push(id);
          keys.push(k);
        }
      }
      keysTotal += keys.length;
      await sql`INSERT INTO pow_records (id, ref, identity_enc, origin_sealed, status, created_at, updated_at)
        SELECT id, ref, enc, o, 'held', now(), now()
        FROM unnest(${ids}::uuid[], ${refs}::text[], ${blobs}::text[], ${origins}::bytea[]) AS t(id, ref, enc, o)`.execute(
        handle.db,
      );
      await sql`INSERT INTO pow_match_keys (key, record_id)
        SELECT k, r FROM unnest(${keys}::bigint[], ${keyRecs}::uuid[]) AS t(k, r) ON CONFLICT DO NOTHING`.execute(
        handle.db,
      );
      if ((i / CHUNK) % 20 === 0) note(`loaded ${(i + CHUNK).toLocaleString('en')} records`);
    }
    await sql`VACUUM ANALYZE pow_match_keys`.execute(handle.db);
    await sql`VACUUM ANALYZE pow_records`.execute(handle.db);
    const loadS = (performance.now() - t0) / 1000;

    const inquiries = generateInquiries(mulberry32(seed + 1), people, nInquiries);
    // Warm-up (caches, JIT), not measured.
    for (const q of inquiries.slice(0, 50)) await core.relatives.candidates(asSought(q.query));

    const times: number[] = [];
    let answered = 0;
    let correct = 0;
    let inRegistry = 0;
    let found = 0;
    let foundAt5 = 0;
    let ambiguous = 0;
    let retrieved = 0;
    for (const q of inquiries) {
      if (signal.aborted) break;
      const t = performance.now();
      const cands = await core.relatives.candidates(asSought(q.query));
      times.push(performance.now() - t);
      const want = q.targetId === undefined ? undefined : recordIdOf.get(q.targetId);
      const top = cands[0];
      if (isAmbiguous(cands)) ambiguous++;
      else if (top?.likely) {
        answered++;
        if (top.recordId === want) correct++;
      }
      if (want) {
        inRegistry++;
        if (top?.likely && top.recordId === want) found++;
        if (cands.slice(0, 5).some((c) => c.likely && c.recordId === want)) foundAt5++;
        if (cands.some((c) => c.recordId === want)) retrieved++;
      }
    }
    const lat = summarize(times);
    process.stdout.write(
      `\nmatch: ${nRecords.toLocaleString('en')} records (${fmt(keysTotal / nRecords)} keys each, loaded in ${fmt(loadS)} s), ` +
        `${times.length} inquiries, PostgreSQL ${database.serverVersion} (${database.mode})\n\n`,
    );
    process.stdout.write(
      `${table([
        ['', 'value', 'target'],
        ['latency p50 (ms)', fmt(lat.p50), ''],
        ['latency p95 (ms)', fmt(lat.p95), '≤ 30'],
        ['latency p99 (ms)', fmt(lat.p99), ''],
        ['latency max (ms)', fmt(lat.max), ''],
        ['precision (unambiguous top likely = right person)', fmt(answered ? correct / answered : 0, 3), ''],
        ['ambiguous (≥ 2 likely namesakes: ask for more)', fmt(ambiguous / times.length, 3), ''],
        ['recall (right person top and likely)', fmt(inRegistry ? found / inRegistry : 0, 3), ''],
        ['recall@5 (right person among shown)', fmt(inRegistry ? foundAt5 / inRegistry : 0, 3), ''],
        [
          'retrieval (right person among the 10 returned)',
          fmt(inRegistry ? retrieved / inRegistry : 0, 3),
          '',
        ],
      ])}\n`,
    );
    process.stdout.write(`verdict: p95 ${lat.p95 <= 30 ? 'PASS' : 'MISS'} (${fmt(lat.p95)} ms)\n`);
  },
};

function asSought(q: {
  surname: string | readonly string[];
  firstNames: string | readonly string[];
  fatherName?: string | readonly string[];
  dateOfBirth?: string;
}) {
  const one = (v: string | readonly string[] | undefined) => (typeof v === 'string' ? v : v?.join(' '));
  return {
    surname: one(q.surname) ?? '',
    firstNames: one(q.firstNames) ?? '',
    ...(q.fatherName ? { fatherName: one(q.fatherName) } : {}),
    ...(q.dateOfBirth ? { dateOfBirth: q.dateOfBirth } : {}),
  };
}

export default bench;
