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
}

const require = createRequire(import.meta.url);
export const sodium: Sodium = require('sodium-native') as Sodium;
