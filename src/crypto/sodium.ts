import { createRequire } from 'node:module';

/**
 * libsodium through its native binding (sodium-native, prebuilt binaries in the npm package). The
 * WebAssembly build cost ~460 µs per intake (key pair + seal; it draws randomness one byte at a time);
 * the native one ~60 µs. Same primitives, same sealed-box format. Only what we use is typed here.
 */
export interface Sodium {
  crypto_box_PUBLICKEYBYTES: number;
  crypto_box_SECRETKEYBYTES: number;
  crypto_box_SEALBYTES: number;
  crypto_box_keypair(publicKey: Buffer, secretKey: Buffer): void;
  crypto_box_seed_keypair(publicKey: Buffer, secretKey: Buffer, seed: Buffer): void;
  crypto_box_seal(out: Buffer, message: Buffer, publicKey: Buffer): void;
  crypto_box_seal_open(out: Buffer, ciphertext: Buffer, publicKey: Buffer, secretKey: Buffer): boolean;
  crypto_scalarmult_base(out: Buffer, secretKey: Buffer): void;
  /** BLAKE2b; with a key, a keyed hash (a MAC) — ~3× cheaper than an HMAC-SHA-256 through node:crypto. */
  crypto_generichash(out: Buffer, input: Buffer, key?: Buffer): void;
  // Stream encryption, for backups (ops/backup-crypto.ts).
  crypto_secretstream_xchacha20poly1305_STATEBYTES: number;
  crypto_secretstream_xchacha20poly1305_ABYTES: number;
  crypto_secretstream_xchacha20poly1305_HEADERBYTES: number;
  crypto_secretstream_xchacha20poly1305_KEYBYTES: number;
  crypto_secretstream_xchacha20poly1305_TAG_MESSAGE: number;
  crypto_secretstream_xchacha20poly1305_TAG_FINAL: number;
  crypto_secretstream_xchacha20poly1305_keygen(key: Buffer): void;
  crypto_secretstream_xchacha20poly1305_init_push(state: Buffer, header: Buffer, key: Buffer): void;
  crypto_secretstream_xchacha20poly1305_push(
    state: Buffer,
    c: Buffer,
    m: Buffer,
    ad: Buffer | null,
    tag: number,
  ): number;
  crypto_secretstream_xchacha20poly1305_init_pull(state: Buffer, header: Buffer, key: Buffer): void;
  crypto_secretstream_xchacha20poly1305_pull(
    state: Buffer,
    m: Buffer,
    tag: Buffer,
    c: Buffer,
    ad: Buffer | null,
  ): number;
}

const require = createRequire(import.meta.url);
export const sodium: Sodium = require('sodium-native') as Sodium;
