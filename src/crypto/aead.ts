import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE = 12;
const TAG = 16;

/** AES-256-GCM with a random nonce; output is nonce | ciphertext | tag. `aad` binds a ciphertext to its place. */
export function aeadEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, ct, cipher.getAuthTag()]);
}

/** Throws if the key is wrong or a single byte of the box or its context changed. */
export function aeadDecrypt(key: Uint8Array, box: Uint8Array, aad: string): Buffer {
  if (box.length < NONCE + TAG) throw new Error('ciphertext too short');
  const buf = Buffer.from(box.buffer, box.byteOffset, box.byteLength);
  const nonce = buf.subarray(0, NONCE);
  const tag = buf.subarray(buf.length - TAG);
  const ct = buf.subarray(NONCE, buf.length - TAG);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]);
}
