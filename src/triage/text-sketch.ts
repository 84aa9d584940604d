/**
 * Text fingerprints for duplicate and template detection — without storing text. Both are keyed
 * (HMAC under the index key, outside the database): a stolen database shows which requests resemble
 * each other, never what they say.
 * - fingerprint: the normalised text, for "the same template seen many times";
 * - bands: a MinHash sketch of word 3-shingles split into LSH bands (each band hashed again), for
 *   near-identical text. Both are deleted after 24 hours: the rules only look back one day.
 */
/** 16 MinHash values in 4 bands of 4: bands collide for Jaccard ≳ 0.7 (near-identical), rarely for ≈ 0.5. */
export const SKETCH = { hashes: 16, bands: 4 } as const;

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

export interface TextSketch {
  fingerprint: Buffer | null;
  bands: Buffer[];
}

/** `keyedHash` is the vault's blind index: 32 bytes per shingle, read as 8 independent 32-bit hashes. */
export function textSketch(text: string, keyedHash: (s: string) => Buffer): TextSketch {
  const norm = normalizeText(text);
  if (norm.length < 20) return { fingerprint: norm ? keyedHash(`fp:${norm}`) : null, bands: [] };
  const mins = new Array<number>(SKETCH.hashes).fill(0xffffffff);
  for (const sh of shingles(text)) {
    // Each keyed hash gives eight 32-bit values; two per shingle make the sixteen.
    const h = Buffer.concat([keyedHash(`sh:0:${sh}`), keyedHash(`sh:1:${sh}`)]);
    for (let i = 0; i < SKETCH.hashes; i++) mins[i] = Math.min(mins[i] as number, h.readUInt32BE(i * 4));
  }
  const rows = SKETCH.hashes / SKETCH.bands;
  const bands: Buffer[] = [];
  for (let b = 0; b < SKETCH.bands; b++) {
    // Each band is hashed again, so the stored value reveals no MinHash minimum: guessing a shingle and
    // checking it against a band would need the whole band, i.e. most of the text.
    const parts = mins.slice(b * rows, (b + 1) * rows).map((m) => m.toString(16));
    bands.push(keyedHash(`band:${b}:${parts.join(':')}`).subarray(0, 16));
  }
  return { fingerprint: keyedHash(`fp:${norm}`), bands };
}
