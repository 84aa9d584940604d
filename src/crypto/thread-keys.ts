import { randomBytes } from 'node:crypto';
import { type KeyPair, receiptWrapKey, type Sealer, unwrapWithKey, wrapWithKey } from './sealed.ts';

/** The key material stored with a new request thread. */
export interface NewThreadKeys {
  publicKey: Buffer;
  /** Thread private key sealed to the organisation public key. */
  skForOrg: Buffer;
  /** Thread private key under the receipt-derived key (web requesters only). */
  skForReceipt: Buffer | null;
  receiptSalt: Buffer | null;
}

export function createThreadKeys(
  sealer: Sealer,
  orgPublicKey: Uint8Array,
  receiptCode: string | null,
): NewThreadKeys {
  const kp = sealer.generateKeyPair();
  const skForOrg = sealer.seal(orgPublicKey, kp.secretKey);
  let skForReceipt: Buffer | null = null;
  let receiptSalt: Buffer | null = null;
  if (receiptCode !== null) {
    receiptSalt = randomBytes(16);
    skForReceipt = wrapWithKey(receiptWrapKey(receiptCode, receiptSalt), kp.secretKey, 'thread-receipt');
  }
  kp.secretKey.fill(0);
  return { publicKey: Buffer.from(kp.publicKey), skForOrg, skForReceipt, receiptSalt };
}

export function openThreadWithOrgKey(
  sealer: Sealer,
  orgSecretKey: Uint8Array,
  thread: { publicKey: Uint8Array; skForOrg: Uint8Array },
): KeyPair {
  const org = { publicKey: sealer.publicKeyOf(orgSecretKey), secretKey: orgSecretKey };
  return { publicKey: thread.publicKey, secretKey: sealer.open(org, thread.skForOrg) };
}

export function openThreadWithReceipt(
  receiptCode: string,
  thread: { publicKey: Uint8Array; skForReceipt: Uint8Array; receiptSalt: Uint8Array },
): KeyPair {
  const key = receiptWrapKey(receiptCode, thread.receiptSalt);
  return {
    publicKey: thread.publicKey,
    secretKey: unwrapWithKey(key, thread.skForReceipt, 'thread-receipt'),
  };
}
