import { createHmac, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { aeadDecrypt, aeadEncrypt } from './aead.ts';
import { type Keyring, readKeyFileSync } from './keyring.ts';
import { sodium } from './sodium.ts';

/**
 * Server tier: fields the server must read unattended (channel addresses, TOTP secrets, outbox
 * payloads). Each value gets its own random data key; the data key is wrapped by the active master key.
 * Rotating the master key re-wraps data keys only (`rewrap`), never the payload.
 *
 * Blob format: `wf1.<master key id>.<wrapped data key>.<payload>` (base64url parts). The `context`
 * (e.g. `users.email`) is bound into both AEADs so a ciphertext cannot be moved to another column.
 */
export interface Vault {
  encrypt(plaintext: string, context: string): string;
  decrypt(blob: string, context: string): string;
  /** Returns the blob re-wrapped under the active master key, or null if it already is. */
  rewrap(blob: string, context: string): string | null;
  /** Keyed HMAC for equality look-ups without storing the value (dedupe of channel identities, e-mails). */
  blindIndex(domain: string, value: string): Buffer;
  /**
   * A keyed hash for values hashed by the dozen per request and kept for a day at most (the words of
   * a text sketch): BLAKE2b-256 under a key derived from the index key for this domain. Not
   * interchangeable with blindIndex (different values).
   */
  fastKeyedHash(domain: string, value: string): Buffer;
  activeMasterKeyId(): string;
}

const PREFIX = 'wf1';

export function createVault(keyring: Keyring): Vault {
  let ring = keyring;
  let lastCheck = 0;
  let lastMtime = ring.file ? safeMtime(ring.file) : 0;

  // Key rotation by the CLI rewrites the key file while servers run: every instance follows within
  // two seconds (a new key becomes known, then active, then the old one is retired).
  function maybeReload(): void {
    if (ring.source !== 'file' || !ring.file) return;
    const now = Date.now();
    if (now - lastCheck < 2000) return;
    lastCheck = now;
    const m = safeMtime(ring.file);
    if (m !== lastMtime) {
      lastMtime = m;
      ring = readKeyFileSync(ring.file) ?? ring;
    }
  }

  // Per-domain keys of fastKeyedHash, derived once from the index key it was derived from.
  let fastKeys = { indexKey: ring.indexKey, byDomain: new Map<string, Buffer>() };
  function fastKey(domain: string): Buffer {
    if (fastKeys.indexKey !== ring.indexKey) fastKeys = { indexKey: ring.indexKey, byDomain: new Map() };
    let key = fastKeys.byDomain.get(domain);
    if (!key) {
      key = createHmac('sha256', ring.indexKey).update(`whiteflag/fast-keyed-hash/${domain}`).digest();
      fastKeys.byDomain.set(domain, key);
    }
    return key;
  }

  function masterKey(id: string): Buffer {
    maybeReload();
    let key = ring.masterKeys.get(id);
    if (!key && ring.source === 'file' && ring.file) {
      // Another process (the CLI's `keys rotate`) may have added a key since we started.
      ring = readKeyFileSync(ring.file) ?? ring;
      key = ring.masterKeys.get(id);
    }
    if (!key) throw new Error(`unknown master key ${id}`);
    return key;
  }

  function parse(blob: string): { keyId: string; wrapped: Buffer; payload: Buffer } {
    const parts = blob.split('.');
    if (parts.length !== 4 || parts[0] !== PREFIX) throw new Error('not a vault blob');
    return {
      keyId: parts[1] as string,
      wrapped: Buffer.from(parts[2] as string, 'base64url'),
      payload: Buffer.from(parts[3] as string, 'base64url'),
    };
  }

  function wrapDataKey(dek: Buffer, context: string): string {
    maybeReload();
    const id = ring.activeMasterKeyId;
    const wrapped = aeadEncrypt(masterKey(id), dek, `dek:${context}`);
    return `${PREFIX}.${id}.${wrapped.toString('base64url')}`;
  }

  return {
    encrypt(plaintext, context) {
      const dek = randomBytes(32);
      const payload = aeadEncrypt(dek, Buffer.from(plaintext, 'utf8'), context);
      const head = wrapDataKey(dek, context);
      dek.fill(0);
      return `${head}.${payload.toString('base64url')}`;
    },
    decrypt(blob, context) {
      const { keyId, wrapped, payload } = parse(blob);
      const dek = aeadDecrypt(masterKey(keyId), wrapped, `dek:${context}`);
      const out = aeadDecrypt(dek, payload, context).toString('utf8');
      dek.fill(0);
      return out;
    },
    rewrap(blob, context) {
      const { keyId, wrapped, payload } = parse(blob);
      if (keyId === ring.activeMasterKeyId) return null;
      const dek = aeadDecrypt(masterKey(keyId), wrapped, `dek:${context}`);
      const out = `${wrapDataKey(dek, context)}.${payload.toString('base64url')}`;
      dek.fill(0);
      return out;
    },
    blindIndex(domain, value) {
      return createHmac('sha256', ring.indexKey)
        .update(`whiteflag/blind-index/${domain}\0`)
        .update(value)
        .digest();
    },
    fastKeyedHash(domain, value) {
      const out = Buffer.alloc(32);
      sodium.crypto_generichash(out, Buffer.from(value, 'utf8'), fastKey(domain));
      return out;
    },
    activeMasterKeyId: () => ring.activeMasterKeyId,
  };
}

function safeMtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
