import { randomInt } from 'node:crypto';

/**
 * Receipt codes: 28 decimal digits (≈ 93 bits) from a CSPRNG, shown as seven groups of four so they
 * can be typed on any phone keyboard, Russian included. Shown once; only a keyed hash (HMAC under the
 * index key, which lives outside the database) is stored for look-up.
 */
export const RECEIPT_DIGITS = 28;

export function generateReceiptCode(): string {
  let digits = '';
  for (let i = 0; i < RECEIPT_DIGITS; i++) digits += String(randomInt(10));
  return digits;
}

export function formatReceiptCode(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/** Accepts what people type: spaces, dashes, dots, full-width digits. Returns null if it cannot be a code. */
export function normalizeReceiptCode(input: string): string | null {
  const ascii = input.normalize('NFKC').replace(/[\s\-.·_]/g, '');
  return new RegExp(`^\\d{${RECEIPT_DIGITS}}$`).test(ascii) ? ascii : null;
}
