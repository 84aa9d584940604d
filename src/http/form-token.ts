import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Vault } from '../crypto/vault.ts';

/**
 * CSRF protection for the public form that needs no cookie and no JavaScript: the form carries a
 * MAC'd token (issue time + random nonce). A post is accepted once per token (the nonce is claimed
 * in the same statement that stores the request) and within two hours of issue.
 */
export const FORM_TOKEN_TTL_MS = 2 * 3_600_000;

export function createFormTokens(vault: Vault, clock: Clock) {
  function mac(payload: Buffer): Buffer {
    return vault.blindIndex('form-token', payload.toString('base64')).subarray(0, 16);
  }
  return {
    issue(): string {
      const payload = Buffer.alloc(22);
      payload.writeUIntBE(Math.floor(clock.now().getTime() / 1000), 0, 6);
      randomBytes(16).copy(payload, 6);
      return Buffer.concat([payload, mac(payload)]).toString('base64url');
    },
    /** Returns the nonce to claim and when it may be forgotten, or null if forged or expired. */
    verify(token: unknown): { nonce: Buffer; expiresAt: Date; issuedAt: Date } | null {
      if (typeof token !== 'string' || token.length > 64) return null;
      const raw = Buffer.from(token, 'base64url');
      if (raw.length !== 38) return null;
      const payload = raw.subarray(0, 22);
      if (!timingSafeEqual(raw.subarray(22), mac(payload))) return null;
      const issuedMs = payload.readUIntBE(0, 6) * 1000;
      const now = clock.now().getTime();
      if (issuedMs > now + 60_000 || now - issuedMs > FORM_TOKEN_TTL_MS) return null;
      return {
        nonce: Buffer.from(payload.subarray(6)),
        expiresAt: new Date(issuedMs + FORM_TOKEN_TTL_MS),
        issuedAt: new Date(issuedMs),
      };
    },
    /**
     * A token we issued, whatever its age: a reload of the receipt page re-posts it, and a nonce
     * already claimed means "this request was received", not "send again".
     */
    issuedNonce(token: unknown): Buffer | null {
      if (typeof token !== 'string' || token.length > 64) return null;
      const raw = Buffer.from(token, 'base64url');
      if (raw.length !== 38) return null;
      const payload = raw.subarray(0, 22);
      return timingSafeEqual(raw.subarray(22), mac(payload)) ? Buffer.from(payload.subarray(6)) : null;
    },
    /** Strict mode's check question: two small numbers, their MAC bound to this form's token. */
    challenge(token: string): { a: number; b: number; proof: string } {
      const a = 1 + randomInt(9);
      const b = 1 + randomInt(9);
      return {
        a,
        b,
        proof: vault
          .blindIndex('form-challenge', `${token}|${a + b}`)
          .subarray(0, 12)
          .toString('base64url'),
      };
    },
    checkChallenge(token: string, proof: unknown, answer: unknown): boolean {
      if (typeof proof !== 'string' || typeof answer !== 'string' || !/^\d{1,2}$/.test(answer.trim()))
        return false;
      const expected = vault
        .blindIndex('form-challenge', `${token}|${Number(answer.trim())}`)
        .subarray(0, 12);
      const got = Buffer.from(proof, 'base64url');
      return got.length === expected.length && timingSafeEqual(got, expected);
    },
  };
}

export type FormTokens = ReturnType<typeof createFormTokens>;
