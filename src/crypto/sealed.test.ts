import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  submitWebRequest,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';
import { aeadDecrypt } from './aead.ts';
import { SERVER_TIER_COLUMNS } from './encrypted-columns.ts';
import { unwrapWithPassword } from './sealed.ts';
import { openThreadWithOrgKey, openThreadWithReceipt } from './thread-keys.ts';

const MARKER = 'MARKER-sealed-7f3a9c';
let ctx: TestContext;
let admin: TestOperator;
let receipt: string;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
  ({ receipt } = await submitWebRequest(ctx, {
    message: `Сообщение ${MARKER}`,
    name: `Имя ${MARKER}`,
    contact: `@${MARKER}`,
  }));
});
afterAll(async () => ctx.close());

/** Everything a thief holding a full database dump and the master/index keys could try as a key. */
async function attackerCandidateKeys(): Promise<Buffer[]> {
  const candidates: Buffer[] = [...ctx.keyring.masterKeys.values(), ctx.keyring.indexKey];
  const tables = [
    'org_keys',
    'users',
    'sessions',
    'request_threads',
    'thread_messages',
    'audit_log',
    'form_nonces',
  ];
  for (const table of tables) {
    const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(ctx.core.db))
      .rows;
    for (const row of rows) {
      for (const v of Object.values(row)) {
        if (Buffer.isBuffer(v)) {
          if (v.length === 32) candidates.push(v);
          // Any 32-byte window inside any binary value.
          for (let i = 0; i + 32 <= v.length; i += 16) candidates.push(v.subarray(i, i + 32));
        }
      }
    }
  }
  // Every server-tier value the master key opens.
  for (const col of SERVER_TIER_COLUMNS) {
    const rows = (
      await sql<{
        v: string | null;
      }>`SELECT ${sql.ref(col.column)} AS v FROM ${sql.table(col.table)}`.execute(ctx.core.db)
    ).rows;
    for (const r of rows)
      if (r.v) {
        if (!r.v.startsWith('wf1.')) throw new Error(`${col.table}.${col.column}: ${r.v.slice(0, 8)}`);
        candidates.push(Buffer.from(ctx.core.vault.decrypt(r.v, col.context)).subarray(0, 32));
      }
  }
  return candidates.filter((c) => c.length === 32);
}

describe('sealed tier', () => {
  it('stores no message content readable with the database and the master key', async () => {
    const thread = await ctx.core.db.selectFrom('request_threads').selectAll().executeTakeFirstOrThrow();
    const messages = await ctx.core.db.selectFrom('thread_messages').selectAll().execute();
    const org = await ctx.core.db.selectFrom('org_keys').selectAll().executeTakeFirstOrThrow();
    const users = await ctx.core.db.selectFrom('users').selectAll().execute();
    const candidates = await attackerCandidateKeys();
    expect(candidates.length).toBeGreaterThan(20);

    const opened: string[] = [];
    const attempt = (what: string, f: () => unknown) => {
      try {
        f();
        opened.push(what);
      } catch {
        // expected: nothing opens
      }
    };
    for (const key of candidates) {
      attempt('thread key via org', () =>
        openThreadWithOrgKey(ctx.core.sealer, key, {
          publicKey: thread.public_key,
          skForOrg: thread.sk_for_org,
        }),
      );
      attempt('thread key via receipt wrap', () =>
        aeadDecrypt(key, thread.sk_for_receipt as Buffer, 'thread-receipt'),
      );
      attempt('org key via recovery wrap', () =>
        aeadDecrypt(key, org.recovery_wrapped_secret, 'org-recovery'),
      );
      for (const u of users)
        attempt('user key via password wrap', () =>
          aeadDecrypt(key, u.wrapped_secret_key, 'user-secret-key'),
        );
      for (const m of messages)
        attempt('message', () =>
          ctx.core.sealer.open({ publicKey: thread.public_key, secretKey: key }, m.sealed),
        );
    }
    expect(opened).toEqual([]);
    for (const m of messages) expect(m.sealed.toString('latin1')).not.toContain(MARKER);
  });

  it('opens with an operator password (positive control) or with the receipt code', async () => {
    const thread = await ctx.core.db.selectFrom('request_threads').selectAll().executeTakeFirstOrThrow();
    const [message] = await ctx.core.db.selectFrom('thread_messages').selectAll().execute();
    const u = await ctx.core.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', admin.id)
      .executeTakeFirstOrThrow();

    await expect(unwrapWithPassword(u.wrapped_secret_key, 'not the password', u.kek_salt)).rejects.toThrow();
    const userSecret = await unwrapWithPassword(u.wrapped_secret_key, admin.password, u.kek_salt);
    const orgSecret = ctx.core.sealer.open(
      { publicKey: u.public_key, secretKey: userSecret },
      u.org_key_sealed as Buffer,
    );
    const kp = openThreadWithOrgKey(ctx.core.sealer, orgSecret, {
      publicKey: thread.public_key,
      skForOrg: thread.sk_for_org,
    });
    expect(ctx.core.sealer.open(kp, message?.sealed as Buffer).toString()).toContain(MARKER);

    const byReceipt = openThreadWithReceipt(receipt.replace(/ /g, ''), {
      publicKey: thread.public_key,
      skForReceipt: thread.sk_for_receipt as Buffer,
      receiptSalt: thread.receipt_salt as Buffer,
    });
    expect(ctx.core.sealer.open(byReceipt, message?.sealed as Buffer).toString()).toContain(MARKER);
    const wrongCode = `${receipt.replace(/ /g, '').slice(0, 27)}${(Number(receipt.at(-1)) + 1) % 10}`;
    expect(() =>
      openThreadWithReceipt(wrongCode, {
        publicKey: thread.public_key,
        skForReceipt: thread.sk_for_receipt as Buffer,
        receiptSalt: thread.receipt_salt as Buffer,
      }),
    ).toThrow();
  });

  it('recovers the organisation key with the offline recovery key only', async () => {
    const fresh = await createTestContext();
    try {
      const first = await fresh.core.users.createUser(
        { email: 'boot@example.org', role: 'admin', password: 'bootstrap password' },
        { type: 'cli', id: null },
      );
      expect(first.recoveryKey).toMatch(/^([0-9a-f]{8}-){7}[0-9a-f]{8}$/);
      const second = await fresh.core.users.createUser(
        { email: 'two@example.org', role: 'admin', password: 'second password!' },
        { type: 'cli', id: null },
      );
      expect(second.recoveryKey).toBeUndefined();
      expect(second.hasOrgKey).toBe(false);
      const { parseRecoveryKey } = await import('../auth/users.service.ts');
      const org = await fresh.core.users.openWithRecoveryKey(parseRecoveryKey(first.recoveryKey as string));
      await fresh.core.users.grantOrgKey(second.id, org, { type: 'cli', id: null });
      const opened = await fresh.core.users.unlockOrgKey(second.id, 'second password!');
      expect(opened?.equals(org)).toBe(true);
      await expect(fresh.core.users.openWithRecoveryKey(Buffer.alloc(32, 1))).rejects.toMatchObject({
        code: 'invalid_credentials',
      });
    } finally {
      await fresh.close();
    }
  });
});

/**
 * The tightened threat model (docs/decisions/0012-routing-key.md): a thief with the whole disk — every
 * table, and the key file (master key + index key) — learns no chat id, no phone number, no reply text
 * and no meeting time, and cannot confirm whether a given number or account ever wrote.
 */
describe('a disk thief with the key file', () => {
  const CHAT = '7000123456789';
  const PHONE = '+79161234567';
  const WA = '79169876543';
  const REPLY = 'REPLY-MARKER-4c1e';
  const FRONT = '2027-03-14';
  const WINDOW = '2027-04-02T05:30';
  let thief: TestContext;

  beforeAll(async () => {
    thief = await createTestContext();
    const boss = await createOperator(thief, 'admin');
    const lc = { category: 'serviceman_war_zone' as const, language: 'ru' as const };
    const tg = await thief.core.channelIntake.receive(
      { channel: 'telegram', updateKey: 'u1', identity: CHAT, text: 'хочу жить' },
      lc,
    );
    await thief.core.channelIntake.receive(
      { channel: 'sms', updateKey: 'SM1', identity: PHONE, text: 'хочу жить' },
      lc,
    );
    await thief.core.channelIntake.record('whatsapp', `wamid.${WA}`, { from: WA, text: 'хочу жить' });
    await thief.core.channelIntake.receive(
      { channel: 'whatsapp', updateKey: `wamid.${WA}`, identity: WA, text: 'хочу жить' },
      lc,
    );
    const { login } = await import('../../test/helpers.ts');
    const api = await login(thief, boss);
    const token = api.cookie.replace(/^wf_session=/, '').split(';')[0] as string;
    const session = await thief.core.sessions.authenticate(token);
    if (!session) throw new Error('no session');
    await thief.core.cases.claim(session, tg.threadId);
    await thief.core.cases.reply(session, tg.threadId, `Ответ ${REPLY}`);
    await thief.core.protocol.saveAnswers({ type: 'requester' }, tg.threadId, 'front_contact', {
      expected_front_date: FRONT,
    });
    await thief.core.protocol.saveAnswers({ type: 'operator', session }, tg.threadId, 'meeting', {
      meeting_window: { start: `${WINDOW}:00.000Z`, end: '2027-04-02T06:30:00.000Z' },
    });
    await thief.core.audit.chain();
  });
  afterAll(async () => thief?.close());

  /** Every value of every table, as the thief reads it: text as is, bytea as bytes. */
  async function dump(): Promise<Array<{ where: string; text: string | null; bytes: Buffer | null }>> {
    const tables = (
      await sql<{ t: string }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`.execute(
        thief.core.db,
      )
    ).rows.map((r) => r.t);
    const out: Array<{ where: string; text: string | null; bytes: Buffer | null }> = [];
    for (const t of tables) {
      const rows = (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(t)}`.execute(thief.core.db))
        .rows;
      for (const row of rows)
        for (const [k, v] of Object.entries(row)) {
          if (v === null || v === undefined) continue;
          if (Buffer.isBuffer(v)) out.push({ where: `${t}.${k}`, text: null, bytes: v });
          else
            out.push({
              where: `${t}.${k}`,
              text: typeof v === 'object' ? JSON.stringify(v) : String(v),
              bytes: null,
            });
        }
    }
    return out;
  }

  it('reads every master-key value, and finds no chat id, number, reply or meeting time', async () => {
    // The thief's own tools: the key file only (a fresh vault, never unlocked).
    const { createVault } = await import('./vault.ts');
    const vault = createVault(thief.keyring);
    const values = await dump();
    const readable: string[] = [];
    const perColumn = new Map<string, { master: number; routing: number }>();
    for (const v of values) {
      if (v.text === null) continue;
      const c = perColumn.get(v.where) ?? { master: 0, routing: 0 };
      if (v.text.startsWith('wf1.')) {
        const col = [...SERVER_TIER_COLUMNS].find((x) => `${x.table}.${x.column}` === v.where);
        expect(col, `${v.where} holds a master-key value but is not a server-tier column`).toBeDefined();
        readable.push(vault.decrypt(v.text, col?.context as string));
        c.master++;
      } else if (/^w[rs]1\./.test(v.text)) c.routing++;
      else readable.push(v.text);
      if (/^w[frs]1\./.test(v.text)) perColumn.set(v.where, c);
    }
    const haystack = [
      ...readable,
      ...values.filter((v) => v.bytes).map((v) => (v.bytes as Buffer).toString('latin1')),
    ];
    for (const secret of [CHAT, PHONE, PHONE.slice(1), WA, REPLY, FRONT, WINDOW, WINDOW.slice(0, 10)]) {
      expect(
        haystack.filter((h) => h.includes(secret)),
        secret,
      ).toEqual([]);
    }
    // What the thief gets, printed for the record (docs/decisions/0012-routing-key.md).
    const report = [...perColumn.entries()]
      .sort()
      .map(
        ([col, n]) =>
          `  ${col}: ${n.master} readable with the key file, ${n.routing} routing tier (unreadable)`,
      );
    console.log(`disk thief with the key file:\n${report.join('\n')}`);
    expect(perColumn.get('request_threads.identity_enc')).toEqual({ master: 0, routing: 3 });
    expect(perColumn.get('outbox.payload_enc')?.master).toBe(0);
    expect(perColumn.get('case_answers.value_enc')?.master).toBe(0);
  });

  it('cannot confirm that a known number or Telegram account wrote', async () => {
    const values = await dump();
    const bytes = values.flatMap((v) => (v.bytes ? [v.bytes] : v.text ? [Buffer.from(v.text)] : []));
    const { createHash, createHmac } = await import('node:crypto');
    const guesses: Buffer[] = [];
    const domains = [
      'channel-identity:telegram',
      'channel-identity:sms',
      'channel-identity:voice',
      'channel-identity:whatsapp',
      'channel-identity:phone',
      'outbox-recipient:telegram',
      'outbox-recipient:sms',
      'outbox-recipient:whatsapp',
      'inquiry-identity:telegram',
      'inbound-update',
    ];
    // By number or chat id, in every form the code ever used. (A provider's message id is kept only as
    // a keyed hash under the index key: it recognises a replay, and guessing it needs the message id
    // itself — a WhatsApp id has random parts beside the number it encodes.)
    for (const id of [CHAT, PHONE, PHONE.slice(1), WA, `telegram|${CHAT}`, `sms|${PHONE}`]) {
      guesses.push(createHash('sha256').update(id).digest());
      for (const key of [thief.keyring.indexKey, ...thief.keyring.masterKeys.values()])
        for (const d of domains)
          guesses.push(createHmac('sha256', key).update(`whiteflag/blind-index/${d}\0`).update(id).digest());
    }
    const hits: string[] = [];
    for (const g of guesses)
      for (const b of bytes) {
        const probe = g.subarray(0, 12);
        if (
          b.includes(probe) ||
          b.includes(Buffer.from(probe.toString('base64url'))) ||
          b.includes(Buffer.from(probe.toString('hex')))
        )
          hits.push(g.toString('hex'));
      }
    expect(hits).toEqual([]);
    // Positive control: the running (unlocked) server does find the person again.
    expect(await thief.core.channelIntake.openThreadOf('telegram', CHAT)).toBeTruthy();
  });

  it('cannot derive the routing key from anything on the disk', async () => {
    const { routingSecretsFromSeed, routingSeedOf, createRoutingVault } = await import('./routing.ts');
    const row = await thief.core.db
      .selectFrom('request_threads')
      .select('identity_enc')
      .where('identity_enc', 'is not', null)
      .executeTakeFirstOrThrow();
    const candidates: Buffer[] = [thief.keyring.indexKey, ...thief.keyring.masterKeys.values()];
    for (const v of await dump()) {
      const b = v.bytes ?? (v.text ? Buffer.from(v.text) : null);
      if (!b) continue;
      for (let i = 0; i + 32 <= b.length && i < 4096; i += 16) candidates.push(b.subarray(i, i + 32));
    }
    const opened: number[] = [];
    for (const [i, c] of candidates.entries()) {
      for (const seed of [c, routingSeedOf(c)]) {
        const r = createRoutingVault({ now: () => new Date() });
        r.unlock(routingSecretsFromSeed(seed), 'recovery');
        try {
          r.decrypt(row.identity_enc as string, 'request_threads.identity');
          opened.push(i);
        } catch {
          // expected
        }
      }
    }
    expect(candidates.length).toBeGreaterThan(100);
    expect(opened).toEqual([]);
  });
});
