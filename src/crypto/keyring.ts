import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/**
 * Secrets that must never live in the database: master keys (wrap the data keys of server-tier
 * fields) and the index key (keyed hashes for blind indexes and receipt look-ups). They come from the
 * environment, or from a 0600 key file outside the database directory that the first embedded start
 * generates.
 */
export interface Keyring {
  activeMasterKeyId: string;
  masterKeys: Map<string, Buffer>;
  indexKey: Buffer;
  /**
   * Keys the audit chain (HMAC) and derives the checkpoint signing key. Never in the database and never
   * rotated with the master key: rotating it would orphan every checkpoint kept outside the database.
   */
  auditKey: Buffer;
  source: 'env' | 'file';
  file: string | undefined;
}

const ZKeyFile = z.object({
  version: z.literal(1),
  master: z.object({
    active: z.string().min(1),
    keys: z.record(z.string(), z.string()),
  }),
  index: z.string(),
  /** Absent in key files written before the keyed audit chain; added on the next start. */
  audit: z.string().optional(),
});
type KeyFile = z.infer<typeof ZKeyFile>;

export interface KeySettings {
  file: string;
  masterKey: string | undefined;
  previousMasterKeys: string[];
  indexKey: string | undefined;
  auditKey?: string | undefined;
}

function decodeKey(b64: string, what: string): Buffer {
  const k = Buffer.from(b64, 'base64');
  if (k.length !== 32) throw new Error(`${what} must be 32 bytes, base64-encoded`);
  return k;
}

/** A short, stable id for a key, so a ciphertext says which master key wrapped it without revealing it. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256')
    .update('whiteflag/key-id/v1')
    .update(key)
    .digest()
    .subarray(0, 6)
    .toString('hex');
}

export function generateKeyMaterial(): string {
  return randomBytes(32).toString('base64');
}

export interface LoadedKeyring {
  keyring: Keyring;
  created: boolean;
}

/**
 * Loads keys from env (if WHITEFLAG_MASTER_KEY is set) or from the key file, creating the file when
 * `createIfMissing` (first embedded start). Env mode never writes anything.
 */
export async function loadKeyring(settings: KeySettings, createIfMissing: boolean): Promise<LoadedKeyring> {
  if (settings.masterKey) {
    if (!settings.indexKey)
      throw new Error('WHITEFLAG_INDEX_KEY is required when WHITEFLAG_MASTER_KEY is set');
    const active = decodeKey(settings.masterKey, 'WHITEFLAG_MASTER_KEY');
    const masterKeys = new Map<string, Buffer>([[keyIdOf(active), active]]);
    for (const p of settings.previousMasterKeys) {
      const k = decodeKey(p, 'WHITEFLAG_MASTER_KEY_PREVIOUS');
      masterKeys.set(keyIdOf(k), k);
    }
    if (!settings.auditKey)
      throw new Error(
        'WHITEFLAG_AUDIT_KEY is required when WHITEFLAG_MASTER_KEY is set (`npm run cli -- keys generate` prints one)',
      );
    return {
      keyring: {
        activeMasterKeyId: keyIdOf(active),
        masterKeys,
        indexKey: decodeKey(settings.indexKey, 'WHITEFLAG_INDEX_KEY'),
        auditKey: decodeKey(settings.auditKey, 'WHITEFLAG_AUDIT_KEY'),
        source: 'env',
        file: undefined,
      },
      created: false,
    };
  }
  if (!existsSync(settings.file)) {
    if (!createIfMissing) {
      throw new Error(
        `No key file at ${settings.file} and WHITEFLAG_MASTER_KEY is not set. With DATABASE_URL, provide the keys in the environment or point WHITEFLAG_KEY_FILE at the key file.`,
      );
    }
    const master = Buffer.from(generateKeyMaterial(), 'base64');
    const kf: KeyFile = {
      version: 1,
      master: { active: keyIdOf(master), keys: { [keyIdOf(master)]: master.toString('base64') } },
      index: generateKeyMaterial(),
      audit: generateKeyMaterial(),
    };
    await writeKeyFile(settings.file, kf);
    return { keyring: keyringFromFile(kf, settings.file), created: true };
  }
  const existing = await readKeyFile(settings.file);
  if (existing.auditKey.length === 0) {
    // A key file from before the keyed audit chain. Only the single-machine embedded mode adds the key
    // in place: several instances sharing a file would race and each key the chain differently.
    if (!createIfMissing)
      throw new Error(
        `Key file ${settings.file} has no audit key: add "audit": "<base64>" with a value from \`npm run cli -- keys generate\` (WHITEFLAG_AUDIT_KEY) and give every instance the same file`,
      );
    existing.auditKey = Buffer.from(generateKeyMaterial(), 'base64');
    await writeKeyFile(settings.file, keyringToFile(existing));
    return { keyring: existing, created: true };
  }
  return { keyring: existing, created: false };
}

export async function readKeyFile(file: string): Promise<Keyring> {
  const st = await fs.stat(file);
  if ((st.mode & 0o077) !== 0) {
    throw new Error(
      `Key file ${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  return parseKeyFile(await fs.readFile(file, 'utf8'), file);
}

/** Used when a running process meets a master key id it does not know yet (rotation by the CLI). */
export function readKeyFileSync(file: string): Keyring | undefined {
  try {
    return parseKeyFile(readFileSync(file, 'utf8'), file);
  } catch {
    return undefined;
  }
}

function parseKeyFile(text: string, file: string): Keyring {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`Key file ${file} is not valid JSON`);
  }
  const parsed = ZKeyFile.safeParse(json);
  if (!parsed.success) throw new Error(`Key file ${file} is malformed`);
  return keyringFromFile(parsed.data, file);
}

function keyringFromFile(kf: KeyFile, file: string): Keyring {
  const masterKeys = new Map<string, Buffer>();
  for (const [id, b64] of Object.entries(kf.master.keys))
    masterKeys.set(id, decodeKey(b64, `master key ${id}`));
  if (!masterKeys.has(kf.master.active)) throw new Error('Key file: active master key is missing');
  return {
    activeMasterKeyId: kf.master.active,
    masterKeys,
    indexKey: decodeKey(kf.index, 'index key'),
    // Empty until loadKeyring adds it to an older key file (readers never see it empty after start).
    auditKey: kf.audit ? decodeKey(kf.audit, 'audit key') : Buffer.alloc(0),
    source: 'file',
    file,
  };
}

/** Atomic write (temp file + rename) so a crash never leaves a half-written key file. */
export async function writeKeyFile(file: string, kf: KeyFile): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(kf, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}

export function keyringToFile(k: Keyring): KeyFile {
  const keys: Record<string, string> = {};
  for (const [id, key] of k.masterKeys) keys[id] = key.toString('base64');
  return {
    version: 1,
    master: { active: k.activeMasterKeyId, keys },
    index: k.indexKey.toString('base64'),
    ...(k.auditKey.length ? { audit: k.auditKey.toString('base64') } : {}),
  };
}

/** Fresh keys held only in memory (tests, benchmarks): nothing is written anywhere. */
export function memoryKeyring(): Keyring {
  const master = Buffer.from(generateKeyMaterial(), 'base64');
  return {
    activeMasterKeyId: keyIdOf(master),
    masterKeys: new Map([[keyIdOf(master), master]]),
    indexKey: Buffer.from(generateKeyMaterial(), 'base64'),
    auditKey: Buffer.from(generateKeyMaterial(), 'base64'),
    source: 'env',
    file: undefined,
  };
}
