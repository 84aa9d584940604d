import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOperator,
  createTestContext,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';

/** A new operator who can read requests is one CLI command (issue #15 item 1). */
let ctx: TestContext;
let admin: TestOperator;

beforeAll(async () => {
  ctx = await createTestContext();
  admin = await createOperator(ctx, 'admin');
});
afterAll(async () => ctx.close());

function cli(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    DATABASE_URL: ctx.dbUrl,
    WHITEFLAG_MASTER_KEY: (ctx.keyring.masterKeys.get(ctx.keyring.activeMasterKeyId) as Buffer).toString(
      'base64',
    ),
    WHITEFLAG_INDEX_KEY: ctx.keyring.indexKey.toString('base64'),
    WHITEFLAG_AUDIT_KEY: ctx.keyring.auditKey.toString('base64'),
  };
  return new Promise((resolve) => {
    const p = spawn('npx', ['tsx', 'src/cli.ts', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += String(d);
    });
    p.stderr.on('data', (d) => {
      stderr += String(d);
    });
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(stdin);
  });
}

describe('user add', () => {
  it('creates a working operator with a password and the organisation key in one command', async () => {
    const res = await cli(
      [
        'user',
        'add',
        '--email',
        'op-cli@example.org',
        '--role',
        'operator',
        '--password-stdin',
        '--grant-by',
        admin.email,
      ],
      `${admin.password}\nnew operator password\n`,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Organisation key: granted');
    const u = await ctx.core.db
      .selectFrom('users')
      .select(['id', 'org_key_sealed'])
      .where('email_index', '=', ctx.core.users.emailIndex('op-cli@example.org'))
      .executeTakeFirstOrThrow();
    // The new password opens the organisation key: this operator can read requests.
    const org = await ctx.core.users.unlockOrgKey(u.id, 'new operator password');
    const adminOrg = await ctx.core.users.unlockOrgKey(admin.id, admin.password);
    expect(org && adminOrg && org.equals(adminOrg)).toBe(true);
  });

  it('says exactly what is missing when stdin lacks the second line, and warns when no key is granted', async () => {
    const one = await cli(
      [
        'user',
        'add',
        '--email',
        'op-cli2@example.org',
        '--role',
        'operator',
        '--password-stdin',
        '--grant-by',
        admin.email,
      ],
      `${admin.password}\n`,
    );
    expect(one.code).not.toBe(0);
    expect(one.stderr).toContain('two lines');
    const none = await cli(
      ['user', 'add', '--email', 'op-cli3@example.org', '--role', 'operator', '--password-stdin'],
      'a long enough password',
    );
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('NOT granted');
    expect(none.stdout).toContain('user grant-key --email op-cli3@example.org');
  });
});
