import { createHmac, hkdfSync } from 'node:crypto';
import { AppError } from '../errors.ts';
import { aeadDecrypt, aeadEncrypt } from './aead.ts';
import { sodium } from './sodium.ts';
import type { Vault } from './vault.ts';

/**
 * The routing tier (docs/decisions/0012-routing-key.md). What the server must use unattended to reach
 * a requester — chat ids and phone numbers, their look-up index, outbox recipients and reply texts,
 * meeting times and other timer-readable answers, raw provider updates — is encrypted under a key that
 * exists only in the memory of running servers. It is derived from the organisation private key,
 * which a server holds for an instant when a granted operator logs in (or when another unlocked
 * instance hands it over, sealed to a one-off key of the asking process). Neither the database nor
 * the key file holds it: a stolen disk, WAL, backup *and* key file reveal no chat id, no phone number,
 * no reply text and no meeting time, and cannot confirm whether a given number ever wrote (the index
 * is an HMAC under this key, not under the index key of the key file).
 *
 * While locked (after a restart, before anyone logged in), raw provider updates are still accepted:
 * they are sealed to the routing *public* key (kept in the database; sealing needs no secret) and
 * processed once a server is unlocked. Nothing is lost; replies and reminders wait.
 */
export const ROUTING_PREFIX = 'wr1';
/** Sealed to the routing public key: written while locked, opened once unlocked. */
export const ROUTING_SEALED_PREFIX = 'ws1';

export interface RoutingSecrets {
  /** 32 bytes from which every routing key is derived; what an unlocked instance hands to a peer. */
  seed: Buffer;
  aeadKey: Buffer;
  indexKey: Buffer;
  boxPublicKey: Buffer;
  boxSecretKey: Buffer;
}

function derive(seed: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), `whiteflag/routing/${info}/v1`, 32));
}

/** The routing seed of an organisation key. Deterministic: every instance derives the same one. */
export function routingSeedOf(orgSecretKey: Uint8Array): Buffer {
  return derive(orgSecretKey, 'seed');
}

export function routingSecretsFromSeed(seed: Uint8Array): RoutingSecrets {
  const boxPublicKey = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
  const boxSecretKey = Buffer.alloc(sodium.crypto_box_SECRETKEYBYTES);
  sodium.crypto_box_seed_keypair(boxPublicKey, boxSecretKey, derive(seed, 'box'));
  return {
    seed: Buffer.from(seed),
    aeadKey: derive(seed, 'aead'),
    indexKey: derive(seed, 'index'),
    boxPublicKey,
    boxSecretKey,
  };
}

export interface RoutingVault {
  /** Not a master-key vault: the type system keeps the two apart. */
  readonly tier: 'routing';
  isUnlocked(): boolean;
  /** When this process became locked (start-up), or null while unlocked. */
  lockedSince(): Date | null;
  unlockedAt(): Date | null;
  /** Installs the secrets (from an organisation key or a peer). Returns false if already unlocked. */
  unlock(secrets: RoutingSecrets, how: 'login' | 'peer' | 'bootstrap' | 'recovery'): boolean;
  /** The seed, to hand to a peer process (sealed to that process's one-off key). */
  seed(): Buffer;
  /** The routing box public key (from the database); lets `encrypt` work while locked. */
  setPublicKey(publicKey: Buffer): void;
  /**
   * Locked and the public key not known yet (the organisation was bootstrapped by the CLI after this
   * server started): read it now, so that the `encrypt` that follows seals instead of failing.
   */
  ready(): Promise<void>;
  /**
   * Unlocked: AEAD under the routing key. Locked: sealed to the routing public key (writing needs no
   * secret, so a requester's answer or a provider update is never refused), opened once unlocked.
   */
  encrypt(plaintext: string, context: string): string;
  decrypt(blob: string, context: string): string;
  /** HMAC under the routing index key: a thief with the key file cannot confirm a number or chat id. */
  blindIndex(domain: string, value: string): Buffer;
  /** Called after every unlock (sweeps of pending updates, re-tiering of old values). */
  onUnlock(fn: () => void): void;
}

export function isRoutingBlob(blob: string): boolean {
  return blob.startsWith(`${ROUTING_PREFIX}.`) || blob.startsWith(`${ROUTING_SEALED_PREFIX}.`);
}

const locked = () =>
  new AppError(
    'locked',
    'The routing key is locked: it returns when a granted operator logs in (see docs/deploy.md, "Locked after a restart")',
  );

export function createRoutingVault(opts: {
  now: () => Date;
  /** Values written before the routing tier (master key, `wf1.`) open through it until re-tiered. */
  legacy?: Pick<Vault, 'decrypt'>;
  /** Reads the routing public key (org_keys.routing_public_key). */
  loadPublicKey?: () => Promise<Buffer | null>;
}): RoutingVault {
  let secrets: RoutingSecrets | null = null;
  let publicKey: Buffer | null = null;
  let lockedSince: Date | null = opts.now();
  let unlockedAt: Date | null = null;
  const listeners: Array<() => void> = [];

  function need(): RoutingSecrets {
    if (!secrets) throw locked();
    return secrets;
  }

  return {
    tier: 'routing',
    isUnlocked: () => secrets !== null,
    lockedSince: () => lockedSince,
    unlockedAt: () => unlockedAt,
    unlock(s) {
      if (secrets) return false;
      secrets = s;
      publicKey = s.boxPublicKey;
      lockedSince = null;
      unlockedAt = opts.now();
      for (const fn of listeners) {
        try {
          fn();
        } catch {
          // A listener's failure must never undo an unlock.
        }
      }
      return true;
    },
    seed: () => Buffer.from(need().seed),
    setPublicKey(pk) {
      publicKey = Buffer.from(pk);
    },
    async ready() {
      if (secrets || publicKey || !opts.loadPublicKey) return;
      const pk = await opts.loadPublicKey();
      if (pk && !publicKey) publicKey = Buffer.from(pk);
    },
    encrypt(plaintext, context) {
      if (!secrets) {
        if (!publicKey) throw locked();
        const m = Buffer.from(`${context}\0${plaintext}`, 'utf8');
        const out = Buffer.alloc(m.length + sodium.crypto_box_SEALBYTES);
        sodium.crypto_box_seal(out, m, publicKey);
        return `${ROUTING_SEALED_PREFIX}.${out.toString('base64url')}`;
      }
      const payload = aeadEncrypt(secrets.aeadKey, Buffer.from(plaintext, 'utf8'), `routing:${context}`);
      return `${ROUTING_PREFIX}.${payload.toString('base64url')}`;
    },
    decrypt(blob, context) {
      const s = need();
      if (blob.startsWith('wf1.') && opts.legacy) return opts.legacy.decrypt(blob, context);
      const [prefix, payload] = blob.split('.');
      if (payload === undefined) throw new Error('not a routing blob');
      const c = Buffer.from(payload, 'base64url');
      if (prefix === ROUTING_PREFIX) return aeadDecrypt(s.aeadKey, c, `routing:${context}`).toString('utf8');
      if (prefix !== ROUTING_SEALED_PREFIX) throw new Error('not a routing blob');
      if (c.length < sodium.crypto_box_SEALBYTES) throw new Error('sealed box too short');
      const out = Buffer.alloc(c.length - sodium.crypto_box_SEALBYTES);
      if (!sodium.crypto_box_seal_open(out, c, s.boxPublicKey, s.boxSecretKey))
        throw new Error('sealed routing box does not open');
      const text = out.toString('utf8');
      const head = `${context}\0`;
      // The context is inside the box: a sealed value cannot be moved to another column.
      if (!text.startsWith(head)) throw new Error('sealed routing box belongs to another column');
      return text.slice(head.length);
    },
    blindIndex(domain, value) {
      return createHmac('sha256', need().indexKey)
        .update(`whiteflag/routing-index/${domain}\0`)
        .update(value)
        .digest();
    },
    onUnlock(fn) {
      listeners.push(fn);
      if (secrets) fn();
    },
  };
}
