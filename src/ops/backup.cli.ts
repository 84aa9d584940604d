import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAuditLog } from '../audit/audit.service.ts';
import { systemClock } from '../clock.ts';
import type { Config } from '../config.ts';
import { loadKeyring } from '../crypto/keyring.ts';
import { createVault } from '../crypto/vault.ts';
import { connectDatabase } from '../db/database.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { AppError } from '../errors.ts';
import type { Log } from '../log.ts';
import { openRuntime } from '../runtime.ts';
import { createBackup, restoreBackup } from './backup.ts';
import {
  formatPublicKey,
  formatSecretKey,
  generateBackupKeyPair,
  keyIdOf,
  parsePublicKey,
  parseSecretKey,
} from './backup-crypto.ts';
import { keysOpenTheDatabase } from './health.ts';

export const BACKUP_USAGE = `  backup keygen --out PRIVATE_KEY_FILE
      New backup key pair: the private key goes to PRIVATE_KEY_FILE (take it offline), the public key to
      <data folder>/backup-public.key (or set WHITEFLAG_BACKUP_PUBLIC_KEY on servers)
  backup create [--out FILE]     Encrypted logical backup (pg_dump) of the database, while it runs
  backup restore FILE --identity PRIVATE_KEY_FILE [--keyring KEY_FILE] [--replace]
      Restore into an empty database (a fresh WHITEFLAG_DATA_DIR, or an empty DATABASE_URL); --keyring
      installs the separately kept key file and checks that it opens the restored data
`;

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The public key backups are sealed to: WHITEFLAG_BACKUP_PUBLIC_KEY (the key or a file), else the data folder's. */
async function publicKeyOf(config: Config): Promise<Buffer> {
  const v = config.backup.publicKey;
  if (v) return parsePublicKey(v.includes(':') && !existsSync(v) ? v : await fs.readFile(v, 'utf8'));
  if (!existsSync(config.backup.publicKeyFile)) {
    throw new AppError(
      'validation_failed',
      `No backup public key at ${config.backup.publicKeyFile}. Create a key pair first: npm run cli -- backup keygen --out /media/offline/whiteflag-backup.key`,
    );
  }
  return parsePublicKey(await fs.readFile(config.backup.publicKeyFile, 'utf8'));
}

export async function runBackupCommand(
  command: string | undefined,
  args: string[],
  config: Config,
  log: Log,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      identity: { type: 'string' },
      keyring: { type: 'string' },
      replace: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  switch (command) {
    case 'keygen': {
      if (!values.out) throw new AppError('validation_failed', '--out PRIVATE_KEY_FILE is required');
      if (isInside(values.out, config.dataDir))
        throw new AppError(
          'validation_failed',
          'The private key must not be inside the data folder: it would be on the server and in its backups',
        );
      if (existsSync(values.out)) throw new AppError('conflict', `${values.out} exists already`);
      const { publicKey, secretKey } = generateBackupKeyPair();
      await fs.mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
      await fs.writeFile(values.out, formatSecretKey(secretKey, publicKey), { mode: 0o600, flag: 'wx' });
      secretKey.fill(0);
      await fs.mkdir(path.dirname(config.backup.publicKeyFile), { recursive: true });
      await fs.writeFile(config.backup.publicKeyFile, formatPublicKey(publicKey), { mode: 0o644 });
      out(`Backup key ${keyIdOf(publicKey)}`);
      out(
        `  private key: ${path.resolve(values.out)}  — move it OFFLINE now; it is the only way to open a backup`,
      );
      out(`  public key:  ${config.backup.publicKeyFile}`);
      out(`  for servers: WHITEFLAG_BACKUP_PUBLIC_KEY=${formatPublicKey(publicKey).trim()}`);
      return 0;
    }
    case 'create': {
      const publicKey = await publicKeyOf(config);
      const now = systemClock.now();
      const file =
        values.out ??
        path.join(
          config.dataDir,
          'backups',
          `whiteflag-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}.wfbackup`,
        );
      const runtime = await openRuntime(config, log);
      try {
        const started = Date.now();
        const r = await createBackup({
          databaseUrl: runtime.databaseUrl,
          pool: runtime.handle.pool,
          publicKey,
          out: file,
          now,
        });
        const audit = createAuditLog({
          db: runtime.handle.db,
          clock: systemClock,
          auditKey: runtime.keyring.auditKey,
        });
        await audit.record({
          actorType: 'cli',
          action: 'backup.create',
          details: { keyId: r.header.keyId, schema: r.header.schema, bytes: r.bytes },
        });
        await audit.chain();
        out(
          `Backup written: ${r.file} (${r.bytes} bytes, ${Date.now() - started} ms), sealed to backup key ${r.header.keyId}.`,
        );
        out('It holds the database only. The key file (master and index keys) is NOT in it: keep that');
        out('backed up separately, offline — a restore needs both, and the backup private key.');
        return 0;
      } finally {
        await runtime.close();
      }
    }
    case 'restore': {
      const file = positionals[0];
      if (!file || !values.identity)
        throw new AppError(
          'validation_failed',
          'Usage: backup restore FILE --identity PRIVATE_KEY_FILE [--keyring KEY_FILE]',
        );
      const keys = parseSecretKey(await fs.readFile(values.identity, 'utf8'));
      // The app must not run on the target while it is replaced: only a database we start ourselves.
      const embedded = config.database.url
        ? null
        : await startEmbeddedPostgres(config.dataDir, (m) =>
            log.debug({ postgres: m.trim() }, 'embedded postgres'),
          );
      if (embedded && !embedded.owned) {
        throw new AppError(
          'conflict',
          `Whiteflag is running on ${config.dataDir}: stop it before restoring into it`,
        );
      }
      const url = config.database.url ?? (embedded?.url as string);
      const handle = connectDatabase(url, 2);
      try {
        const started = Date.now();
        const header = await restoreBackup({
          file,
          keys,
          databaseUrl: url,
          pool: handle.pool,
          replace: values.replace,
        });
        const ms = Date.now() - started;
        const applied = await migrate(handle.pool);
        out(`Restored ${file} (made ${header.createdAt}, schema ${header.schema}) in ${ms} ms.`);
        if (applied.length) out(`Migrations applied after the restore: ${applied.join(', ')}`);
        // The next backups are sealed to the same key pair.
        if (!config.backup.publicKey) {
          await fs.mkdir(path.dirname(config.backup.publicKeyFile), { recursive: true });
          await fs.writeFile(config.backup.publicKeyFile, formatPublicKey(keys.publicKey), { mode: 0o644 });
        }
        keys.secretKey.fill(0);
        if (values.keyring) {
          if (config.keys.masterKey)
            throw new AppError('validation_failed', 'Keys come from the environment here: drop --keyring');
          if (existsSync(config.keys.file) && !values.replace)
            throw new AppError(
              'conflict',
              `${config.keys.file} exists already: pass --replace to overwrite it`,
            );
          await fs.mkdir(path.dirname(config.keys.file), { recursive: true, mode: 0o700 });
          await fs.copyFile(values.keyring, config.keys.file);
          await fs.chmod(config.keys.file, 0o600);
        }
        let keysOk = false;
        let auditKey: Buffer | null = null;
        try {
          const { keyring } = await loadKeyring(config.keys, false);
          keysOk = await keysOpenTheDatabase(handle.db, createVault(keyring));
          auditKey = keyring.auditKey;
        } catch {
          keysOk = false;
        }
        // The restore is audited only with the right keys: a chain link made under another audit key
        // would itself look like tampering.
        if (keysOk && auditKey) {
          const audit = createAuditLog({ db: handle.db, clock: systemClock, auditKey });
          await audit.record({
            actorType: 'cli',
            action: 'backup.restore',
            details: { createdAt: header.createdAt, keyId: header.keyId, schema: header.schema, keysOk },
          });
          await audit.chain();
        }
        if (!keysOk) {
          out('');
          out(
            `The restored data does not open with the keys at ${config.keys.masterKey ? 'WHITEFLAG_MASTER_KEY' : config.keys.file}.`,
          );
          out(
            'Put back the key file (or WHITEFLAG_MASTER_KEY / WHITEFLAG_INDEX_KEY) that was in use when the backup',
          );
          out(
            'was made — it is kept separately, never in a backup — then check with: npm run cli -- audit verify',
          );
          return 1;
        }
        out(
          'Keys: the key file opens the restored data. Start the server and run: npm run cli -- audit verify',
        );
        return 0;
      } finally {
        await handle.close();
        if (embedded?.owned) await embedded.stop();
      }
    }
    default:
      process.stderr.write(BACKUP_USAGE);
      return 2;
  }
}
