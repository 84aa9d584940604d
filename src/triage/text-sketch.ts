/**
 * Text fingerprints for duplicate and template detection — without storing text. Both are keyed
 * (HMAC under the index key, outside the database): a stolen database shows which requests resemble
 * each other, never what they say.
 * - fingerprint: the normalised text, for "the same template seen many times";
 * - bands: a MinHash sketch of word 3-shingles split into LSH bands, for near-identical text.
 */
export const SKETCH = { hashes: 8, bands: 4 } as const;

export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function shingles(text: string, size = 3): string[] {
  const words = normalizeText(text).split(' ').filter(Boolean);
  if (words.length <= size) return words.length ? [words.join(' ')] : [];
  const out = new Set<string>();
  for (let i = 0; i + size <= words.length; i++) out.add(words.slice(i, i + size).join(' '));
  return [...out];
}

/** `keyedHash` is the vault's blind index: 32 bytes per shingle, read as 8 independent 32-bit hashes. */
export function textSketch(
  text: string,
  keyedHash: (s: string) => Buffer,
): { fingerprint: Buffer | null; bands: Buffer[] } {
  const norm = normalizeText(text);
  if (norm.length < 20) return { fingerprint: norm ? keyedHash(`fp:${norm}`) : null, bands: [] };
  const mins = new Array<number>(SKETCH.hashes).fill(0xffffffff);
  for (const sh of shingles(text)) {
    const h = keyedHash(`sh:${sh}`);
    for (let i = 0; i < SKETCH.hashes; i++) mins[i] = Math.min(mins[i] as number, h.readUInt32BE(i * 4));
  }
  const rows = SKETCH.hashes / SKETCH.bands;
  const bands: Buffer[] = [];
  for (let b = 0; b < SKETCH.bands; b++) {
    const buf = Buffer.alloc(1 + rows * 4);
    buf.writeUInt8(b, 0);
    for (let r = 0; r < rows; r++) buf.writeUInt32BE(mins[b * rows + r] as number, 1 + r * 4);
    bands.push(buf);
  }
  return { fingerprint: keyedHash(`fp:${norm}`), bands };
}
