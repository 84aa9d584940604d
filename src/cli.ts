import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Checkpoint, parseCheckpoints } from './audit/checkpoints.ts';
import { isRole } from './auth/roles.ts';
import { parseRecoveryKey } from './auth/users.service.ts';
import { systemClock } from './clock.ts';
import { loadConfig } from './config.ts';
import { createCore } from './core.ts';
import { generateKeyMaterial, keyIdOf, keyringToFile, readKeyFile, writeKeyFile } from './crypto/keyring.ts';
import { countUnderKeys, rewrapAll } from './crypto/rotate.ts';
import { AppError } from './errors.ts';
import { createLogger } from './log.ts';
import { BACKUP_USAGE, runBackupCommand } from './ops/backup.cli.ts';
import { verifyBatch } from './pow/batches.service.ts';
import { openRuntime } from './runtime.ts';

const USAGE = `Usage: npm run cli -- <command> [options]

  user add --email E --role R [--password-stdin] [--grant-by ADMIN_EMAIL]
      Create an operator (roles: operator, supervisor, registrar, liaison, admin). Prints a one-time
      password (unless --password-stdin) and the TOTP enrolment URI. The first user created becomes the
      bootstrap admin, receives the organisation key and gets the offline recovery key, printed once.
      With --grant-by, that admin's password is read from stdin to give the new user the organisation key
      (every role that reads requests needs it). With both flags, stdin holds two lines: the admin's
      password, then the new user's password.
  user grant-key --email E --admin ADMIN_EMAIL   (admin password on stdin)
  user recover --email E                         (recovery key on stdin: grants the organisation key)
  user disable --email E | user enable --email E
  user list
  keys rotate        New master key; re-wrap every data key; retire the old key (key file mode)
  keys rewrap        Re-wrap data keys not under the active key (after changing WHITEFLAG_MASTER_KEY)
  keys generate      Print fresh key material for WHITEFLAG_MASTER_KEY / WHITEFLAG_INDEX_KEY / WHITEFLAG_AUDIT_KEY
    audit verify [--checkpoint FILE]  Check the audit log's keyed chain (and, with FILE, every signed
                          checkpoint in it: truncation and rewrites); exit 1 and name the problems
    audit checkpoint   Sign the chain head now and append it to WHITEFLAG_AUDIT_CHECKPOINT_FILE
    retention run [--full]  Purge closed requests older than WHITEFLAG_RETENTION_DAYS (default 90) now;
                          --full also rewrites the tables (VACUUM FULL: locks them briefly)
    migrate            Apply database migrations
${BACKUP_USAGE}  batch verify FILE.json FILE.json.sig --keys notification-keys.json
      Check a notification batch's Ed25519 signature against the published keys (offline, no database);
      exit 1 if it does not verify
`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Offline check of a batch, as a receiver does it (docs/notification-batch.md). */
function verifyBatchFiles(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    options: { keys: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [file, sigFile] = positionals;
  if (!file || !sigFile || !values.keys) {
    process.stderr.write(USAGE);
    return 2;
  }
  const sig = JSON.parse(readFileSync(sigFile, 'utf8')) as { keyId?: string; signature?: string };
  const keys = JSON.parse(readFileSync(values.keys, 'utf8')) as {
    keys?: Array<{ id: string; publicKey: string; retiredAt?: string | null }>;
  };
  const key = keys.keys?.find((k) => k.id === sig.keyId);
  if (!key || !sig.signature) {
    out(`NOT VERIFIED: no published key ${sig.keyId ?? '(none)'}`);
    return 1;
  }
  // A key retired before the batch was made cannot have signed it legitimately.
  const createdAt = (JSON.parse(readFileSync(file, 'utf8')) as { batch?: { createdAt?: string } }).batch
    ?.createdAt;
  if (key.retiredAt && (!createdAt || createdAt > key.retiredAt)) {
    out(`NOT VERIFIED: key ${key.id} was retired on ${key.retiredAt}, before this batch`);
    return 1;
  }
  const ok = verifyBatch(
    readFileSync(file),
    Buffer.from(sig.signature, 'base64'),
    Buffer.from(key.publicKey, 'base64'),
  );
  out(ok ? `OK: ${file} is signed by key ${key.id}` : `NOT VERIFIED: ${file} does not match its signature`);
  return ok ? 0 : 1;
}

async function run(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (group === 'batch' && command === 'verify') return verifyBatchFiles(rest);
  if (group === 'backup') {
    return runBackupCommand(
      command,
      rest,
      loadConfig(),
      createLogger(process.env.WHITEFLAG_LOG_LEVEL ?? 'warn', undefined),
    );
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      admin: { type: 'string' },
      'grant-by': { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      checkpoint: { type: 'string' },
    },
    strict: true,
  });

  if (group === 'keys' && command === 'generate') {
    out(`WHITEFLAG_MASTER_KEY=${generateKeyMaterial()}`);
    out(`WHITEFLAG_INDEX_KEY=${generateKeyMaterial()}`);
    // Keys the audit chain; never rotated with the master key (checkpoints outside the DB depend on it).
    out(`WHITEFLAG_AUDIT_KEY=${generateKeyMaterial()}`);
    return 0;
  }
  const known = [
    'user add',
    'user grant-key',
    'user recover',
    'user disable',
    'user enable',
    'user list',
    'keys rotate',
    'keys rewrap',
    'audit verify',
    'audit checkpoint',
    'retention run',
    'migrate undefined',
  ];
  if (!known.includes(`${group} ${command}`)) {
    process.stderr.write(USAGE);
    return 2;
  }

  const config = loadConfig();
  // The CLI logs only warnings to stderr so that its stdout is clean to read and pipe.
  const log = createLogger(process.env.WHITEFLAG_LOG_LEVEL ?? 'warn', undefined);
  const runtime = await openRuntime(config, log);
  try {
    const core = await createCore({
      db: runtime.handle.db,
      keyring: runtime.keyring,
      clock: systemClock,
      log,
      settings: { session: config.session, cases: config.cases, outbox: config.outbox, audit: config.audit },
    });
    const actor = { type: 'cli' as const, id: null };
    const needEmail = () => {
      if (!values.email) throw new AppError('validation_failed', '--email is required');
      return values.email;
    };
    const userByEmail = async (email: string) => {
      const u = await core.users.findByEmail(email);
      if (!u) throw new AppError('not_found', `No user ${email}`);
      return u;
    };
    const orgKeyOfAdmin = async (adminEmail: string, given?: string) => {
      const admin = await userByEmail(adminEmail);
      const password = given ?? (await readStdin());
      const { verifyPassword } = await import('./auth/password.ts');
      if (!(await verifyPassword(admin.password_hash, password)))
        throw new AppError('invalid_credentials', 'Wrong admin password');
      const key = await core.users.unlockOrgKey(admin.id, password);
      if (!key) throw new AppError('key_not_granted', `${adminEmail} does not hold the organisation key`);
      return key;
    };

    switch (`${group} ${command}`) {
      case 'user add': {
        const email = needEmail();
        if (!values.role || !isRole(values.role))
          throw new AppError(
            'validation_failed',
            '--role must be one of operator, supervisor, registrar, liaison, admin',
          );
        let password: string | undefined;
        let grant: Buffer | undefined;
        if (values['password-stdin'] && values['grant-by']) {
          // One command for a working operator: line 1 the granting admin's password, line 2 the new one.
          const [adminPassword, newPassword] = (await readStdin()).split(/\r?\n/);
          if (!adminPassword || !newPassword)
            throw new AppError(
              'validation_failed',
              'With --password-stdin and --grant-by, stdin holds two lines: the admin password, then the new password',
            );
          password = newPassword;
          grant = await orgKeyOfAdmin(values['grant-by'], adminPassword);
        } else {
          if (values['password-stdin']) password = await readStdin();
          if (values['grant-by']) grant = await orgKeyOfAdmin(values['grant-by']);
        }
        const u = await core.users.createUser({ email, role: values.role, password }, actor, grant);
        grant?.fill(0);
        out(`Created ${u.role} ${u.email} (${u.id})`);
        if (u.oneTimePassword) out(`One-time password (change it at first login): ${u.oneTimePassword}`);
        out(`TOTP enrolment URI (scan as a QR code in an authenticator app): ${u.totpUri}`);
        out(
          u.hasOrgKey
            ? 'Organisation key: granted'
            : `Organisation key: NOT granted — this user cannot read any request until an admin runs: npm run cli -- user grant-key --email ${u.email} --admin ADMIN_EMAIL`,
        );
        if (u.recoveryKey) {
          out();
          out(
            'RECOVERY KEY — shown once. Print it and lock it away offline; it recovers every conversation if all',
          );
          out(
            'operator passwords are lost. Anyone holding it (with the database) can read every conversation.',
          );
          out(`  ${u.recoveryKey}`);
        }
        break;
      }
      case 'user grant-key': {
        const target = await userByEmail(needEmail());
        if (!values.admin) throw new AppError('validation_failed', '--admin is required');
        const key = await orgKeyOfAdmin(values.admin);
        await core.users.grantOrgKey(target.id, key, actor);
        key.fill(0);
        out(`Organisation key granted to ${needEmail()}`);
        break;
      }
      case 'user recover': {
        const target = await userByEmail(needEmail());
        const key = await core.users.openWithRecoveryKey(parseRecoveryKey(await readStdin()));
        await core.users.grantOrgKey(target.id, key, actor);
        key.fill(0);
        out(`Organisation key recovered and granted to ${needEmail()}`);
        break;
      }
      case 'user disable':
      case 'user enable': {
        const u = await userByEmail(needEmail());
        await core.users.setDisabled(u.id, command === 'disable', actor);
        out(`${command === 'disable' ? 'Disabled' : 'Enabled'} ${needEmail()}`);
        break;
      }
      case 'user list': {
        for (const u of await core.users.listUsers()) {
          out(
            `${u.id}  ${u.role.padEnd(10)}  ${u.email}${u.disabled ? '  (disabled)' : ''}${u.hasOrgKey ? '' : '  (no org key)'}`,
          );
        }
        break;
      }
      case 'keys rotate': {
        if (runtime.keyring.source !== 'file' || !runtime.keyring.file) {
          throw new AppError(
            'validation_failed',
            'Keys come from the environment: run `keys generate`, set the new WHITEFLAG_MASTER_KEY with the old one in WHITEFLAG_MASTER_KEY_PREVIOUS, restart, then `keys rewrap`',
          );
        }
        const file = runtime.keyring.file;
        const ring = await readKeyFile(file);
        const oldIds = [...ring.masterKeys.keys()];
        const fresh = Buffer.from(generateKeyMaterial(), 'base64');
        const newId = keyIdOf(fresh);
        // Running servers reload the key file within 2 s of a change. Three phases, each given time to
        // reach every instance, so no server ever writes under a key that another cannot read:
        // 1. the new key becomes known (not yet used), 2. it becomes active, 3. data keys are
        // re-wrapped, and the old keys are retired only when nothing uses them any more.
        const settle = () =>
          new Promise((r) => setTimeout(r, Number(process.env.WHITEFLAG_ROTATE_SETTLE_MS ?? 5000)));
        ring.masterKeys.set(newId, fresh);
        await writeKeyFile(file, keyringToFile(ring));
        await settle();
        ring.activeMasterKeyId = newId;
        await writeKeyFile(file, keyringToFile(ring));
        await settle();
        const { createVault } = await import('./crypto/vault.ts');
        const vault = createVault(ring);
        let n = await rewrapAll(core.db, vault, (d) => process.stderr.write(`\rre-wrapped ${d}`));
        // Anything written under an old key while phase 2 spread is caught by a second pass.
        n += await rewrapAll(core.db, vault);
        process.stderr.write('\n');
        const remaining = await countUnderKeys(core.db, oldIds);
        const retired = remaining === 0 ? oldIds : [];
        for (const id of retired) ring.masterKeys.delete(id);
        await writeKeyFile(file, keyringToFile(ring));
        await core.audit.record({
          actorType: 'cli',
          action: 'keys.rotate',
          details: { newKey: newId, retired, rewrapped: n },
        });
        await core.audit.chain();
        out(
          `Master key rotated to ${newId}; ${n} data keys re-wrapped; retired ${retired.join(', ') || 'none'}.`,
        );
        out('Back up the key file again now.');
        break;
      }
      case 'keys rewrap': {
        const n = await rewrapAll(core.db, core.vault);
        await core.audit.record({
          actorType: 'cli',
          action: 'keys.rewrap',
          details: { rewrapped: n, active: core.vault.activeMasterKeyId() },
        });
        await core.audit.chain();
        out(`${n} data keys re-wrapped under ${core.vault.activeMasterKeyId()}`);
        break;
      }
      case 'audit verify': {
        let checkpoints: Checkpoint[] | undefined;
        if (values.checkpoint) {
          const parsed = parseCheckpoints(readFileSync(values.checkpoint, 'utf8'));
          if (parsed.malformed.length)
            throw new AppError(
              'validation_failed',
              `${values.checkpoint}: lines ${parsed.malformed.join(', ')} are not checkpoints`,
            );
          checkpoints = parsed.checkpoints;
        }
        const r = await core.audit.verify({ checkpoints });
        if (r.ok) {
          out(
            `Audit log OK: ${r.checked} entries, chain intact${checkpoints ? `, ${r.checkpoints} checkpoint(s) match` : ''}.`,
          );
          if (r.keyedFrom !== '1')
            out(`Entries before seq ${r.keyedFrom} predate the keyed chain (plain SHA-256 links).`);
        } else {
          out(`Audit log BROKEN: ${r.problems.length} problem(s) in ${r.checked} entries:`);
          for (const p of r.problems) out(`  entry id=${p.id} seq=${p.seq ?? '-'}: ${p.problem}`);
          return 1;
        }
        break;
      }
      case 'audit checkpoint': {
        const c = await core.audit.checkpoint({ force: true });
        out(
          c
            ? `Checkpoint seq ${c.seq} signed by ${c.keyId} appended to ${config.audit.checkpointFile}`
            : 'The audit log is empty: nothing to checkpoint.',
        );
        break;
      }
      case 'retention run': {
        const { purged } = await core.retention.run({ vacuum: values.full ? 'full' : 'plain' });
        out(`Retention: ${purged} closed request(s) older than ${config.cases.retentionDays} days purged.`);
        break;
      }
      case 'migrate undefined':
        out('Migrations applied.');
        break;
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`whiteflag: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(e instanceof AppError && e.status < 500 ? 2 : 1);
  },
);
