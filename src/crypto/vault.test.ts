import { describe, expect, it } from 'vitest';
import { testKeyring } from '../../test/helpers.ts';
import { generateKeyMaterial, keyIdOf } from './keyring.ts';
import { formatReceiptCode, generateReceiptCode, normalizeReceiptCode } from './receipt.ts';
import { createVault } from './vault.ts';

describe('server-tier vault', () => {
  it('round-trips, and binds each ciphertext to its column', () => {
    const vault = createVault(testKeyring());
    const blob = vault.encrypt('+7 999 123-45-67', 'request_threads.identity');
    expect(blob).not.toContain('999');
    expect(vault.decrypt(blob, 'request_threads.identity')).toBe('+7 999 123-45-67');
    expect(() => vault.decrypt(blob, 'users.email')).toThrow();
    expect(vault.encrypt('same', 'c')).not.toBe(vault.encrypt('same', 'c'));
  });

  it('refuses a tampered ciphertext and an unknown master key', () => {
    const ring = testKeyring();
    const vault = createVault(ring);
    const blob = vault.encrypt('secret', 'c');
    const parts = blob.split('.');
    const payload = Buffer.from(parts[3] as string, 'base64url');
    payload.writeUInt8((payload.at(-1) as number) ^ 1, payload.length - 1);
    expect(() =>
      vault.decrypt([parts[0], parts[1], parts[2], payload.toString('base64url')].join('.'), 'c'),
    ).toThrow();
    expect(() => createVault(testKeyring()).decrypt(blob, 'c')).toThrow(/unknown master key/);
  });

  it('re-wraps data keys under a new master key without touching the payload', () => {
    const ring = testKeyring();
    const vault = createVault(ring);
    const blob = vault.encrypt('totp-secret', 'users.totp');
    expect(vault.rewrap(blob, 'users.totp')).toBeNull();
    const fresh = Buffer.from(generateKeyMaterial(), 'base64');
    ring.masterKeys.set(keyIdOf(fresh), fresh);
    ring.activeMasterKeyId = keyIdOf(fresh);
    const rewrapped = vault.rewrap(blob, 'users.totp') as string;
    expect(rewrapped.split('.')[1]).toBe(keyIdOf(fresh));
    expect(rewrapped.split('.')[3]).toBe(blob.split('.')[3]);
    // With only the new key, the re-wrapped value still opens; the old blob does not.
    const onlyNew = createVault({ ...ring, masterKeys: new Map([[keyIdOf(fresh), fresh]]) });
    expect(onlyNew.decrypt(rewrapped, 'users.totp')).toBe('totp-secret');
    expect(() => onlyNew.decrypt(blob, 'users.totp')).toThrow();
  });

  it('makes blind indexes that are keyed and domain-separated', () => {
    const a = createVault(testKeyring());
    const b = createVault(testKeyring());
    expect(a.blindIndex('phone', '123')).toEqual(a.blindIndex('phone', '123'));
    expect(a.blindIndex('phone', '123')).not.toEqual(b.blindIndex('phone', '123'));
    expect(a.blindIndex('phone', '123')).not.toEqual(a.blindIndex('email', '123'));
  });
});

describe('receipt codes', () => {
  it('are 28 random digits (≥ 80 bits) and survive how people retype them', () => {
    const codes = new Set(Array.from({ length: 1000 }, generateReceiptCode));
    expect(codes.size).toBe(1000);
    const code = generateReceiptCode();
    expect(code).toMatch(/^\d{28}$/);
    expect(Math.log2(10 ** 28)).toBeGreaterThan(80);
    const shown = formatReceiptCode(code);
    expect(shown).toMatch(/^(\d{4} ){6}\d{4}$/);
    expect(normalizeReceiptCode(shown)).toBe(code);
    expect(normalizeReceiptCode(shown.replace(/ /g, '-'))).toBe(code);
    const fullWidth = code.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(normalizeReceiptCode(fullWidth)).toBe(code);
    expect(normalizeReceiptCode(code.slice(1))).toBeNull();
    expect(normalizeReceiptCode(`${code}x`)).toBeNull();
  });
});
