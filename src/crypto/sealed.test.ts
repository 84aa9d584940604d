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
      if (r.v) candidates.push(Buffer.from(ctx.core.vault.decrypt(r.v, col.context)).subarray(0, 32));
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
