import { hkdfSync, randomBytes } from 'node:crypto';
import { hashRaw } from '@node-rs/argon2';
import { aeadDecrypt, aeadEncrypt } from './aead.ts';
import { sodium } from './sodium.ts';

/**
 * Sealed tier (as in GlobaLeaks): message bodies, self-identification and notes are sealed to a
 * per-thread X25519 public key. The server appends to a thread without being able to read it. The
 * thread's private key is wrapped (a) sealed to the organisation public key and (b) for a web
 * requester, under a key derived from the receipt code. The organisation private key exists only
 * sealed to each operator's own key pair, whose private half is wrapped under a key derived from the
 * operator's password (Argon2id), plus once under the offline recovery key. The master key unlocks
 * none of these.
 */
export interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** Argon2id for deriving a wrapping key from a password: OWASP's first choice, ≥ 64 MiB. */
export const PASSWORD_KDF = { memoryCost: 65_536, timeCost: 3, parallelism: 1, outputLen: 32 } as const;

const asBuffer = (b: Uint8Array | string): Buffer =>
  typeof b === 'string'
    ? Buffer.from(b, 'utf8')
    : Buffer.isBuffer(b)
      ? b
      : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export function createSealer() {
  return {
    generateKeyPair(): KeyPair {
      const publicKey = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
      const secretKey = Buffer.alloc(sodium.crypto_box_SECRETKEYBYTES);
      sodium.crypto_box_keypair(publicKey, secretKey);
      return { publicKey, secretKey };
    },

    seal(publicKey: Uint8Array, plaintext: string | Uint8Array): Buffer {
      const m = asBuffer(plaintext);
      const out = Buffer.alloc(m.length + sodium.crypto_box_SEALBYTES);
      sodium.crypto_box_seal(out, m, asBuffer(publicKey));
      return out;
    },

    /** Throws if the key pair does not match or the box was altered. */
    open(keyPair: KeyPair, sealed: Uint8Array): Buffer {
      const c = asBuffer(sealed);
      if (c.length < sodium.crypto_box_SEALBYTES) throw new Error('sealed box too short');
      const out = Buffer.alloc(c.length - sodium.crypto_box_SEALBYTES);
      if (
        keyPair.secretKey.length !== sodium.crypto_box_SECRETKEYBYTES ||
        keyPair.publicKey.length !== sodium.crypto_box_PUBLICKEYBYTES
      ) {
        throw new Error('wrong key size');
      }
      if (!sodium.crypto_box_seal_open(out, c, asBuffer(keyPair.publicKey), asBuffer(keyPair.secretKey))) {
        throw new Error('sealed box does not open with this key');
      }
      return out;
    },

    publicKeyOf(secretKey: Uint8Array): Buffer {
      const out = Buffer.alloc(sodium.crypto_box_PUBLICKEYBYTES);
      sodium.crypto_scalarmult_base(out, asBuffer(secretKey));
      return out;
    },
  };
}

export type Sealer = ReturnType<typeof createSealer>;

/**
 * The padded size of a sealed plaintext of `n` bytes: powers of two from 256 bytes to 64 KiB, then
 * whole 64 KiB steps (attachments). A ciphertext's length then says only which bucket a message falls
 * in — not roughly how long it is, nor whether a name or contact was given (#11).
 */
export function paddedSize(n: number): number {
  if (n <= 256) return 256;
  if (n <= 65_536) return 2 ** Math.ceil(Math.log2(n));
  return Math.ceil(n / 65_536) * 65_536;
}

/**
 * JSON padded to its bucket with trailing spaces: JSON.parse ignores them, so the readers stay as they
 * are, and ciphertexts sealed before padding existed (no trailing spaces) still open and parse.
 */
export function padJson(json: string): Buffer {
  const bytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(paddedSize(bytes.length), 0x20);
  bytes.copy(out);
  return out;
}

export async function derivePasswordKey(password: string, salt: Uint8Array): Promise<Buffer> {
  return hashRaw(password, { ...PASSWORD_KDF, salt });
}

export async function wrapWithPassword(
  secret: Uint8Array,
  password: string,
): Promise<{ salt: Buffer; wrapped: Buffer }> {
  const salt = randomBytes(16);
  const kek = await derivePasswordKey(password, salt);
  const wrapped = aeadEncrypt(kek, secret, 'user-secret-key');
  kek.fill(0);
  return { salt, wrapped };
}

export async function unwrapWithPassword(
  wrapped: Uint8Array,
  password: string,
  salt: Uint8Array,
): Promise<Buffer> {
  const kek = await derivePasswordKey(password, salt);
  try {
    return aeadDecrypt(kek, wrapped, 'user-secret-key');
  } finally {
    kek.fill(0);
  }
}

/**
 * Derivation from a receipt code. The code carries ≥ 93 bits from a CSPRNG, so a fast KDF (HKDF) is
 * enough against offline guessing, and keeps the per-request cost of a form-post flood low.
 */
export function receiptWrapKey(code: string, salt: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', code, salt, 'whiteflag/receipt-wrap/v1', 32));
}

/** The org key in a session is encrypted under a key derived from the cookie token, which the DB never holds. */
export function sessionWrapKey(token: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', token, Buffer.alloc(0), 'whiteflag/session-org-key/v1', 32));
}

export function wrapWithKey(key: Uint8Array, secret: Uint8Array, context: string): Buffer {
  return aeadEncrypt(key, secret, context);
}

export function unwrapWithKey(key: Uint8Array, wrapped: Uint8Array, context: string): Buffer {
  return aeadDecrypt(key, wrapped, context);
}
