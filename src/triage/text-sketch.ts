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

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit values that scatters their order. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
const MIX_SEEDS = [
  0x9e3779b9, 0x7f4a7c15, 0x94d049bb, 0xbf58476d, 0x2545f491, 0x6a09e667, 0xbb67ae85, 0x3c6ef372,
];

/**
 * `keyedHash` is the vault's blind index (the fingerprint and the bands); `shingleHash`, a keyed hash
 * of at least 32 bytes per shingle, read as 8 32-bit hashes (16 with the mixer) — the vault's
 * fastKeyedHash on the public path, where a text has dozens of shingles.
 */
export function textSketch(
  text: string,
  keyedHash: (s: string) => Buffer,
  shingleHash: (s: string) => Buffer = keyedHash,
): TextSketch {
  const norm = normalizeText(text);
  if (norm.length < 20) return { fingerprint: norm ? keyedHash(`fp:${norm}`) : null, bands: [] };
  const mins = new Array<number>(SKETCH.hashes).fill(0xffffffff);
  const half = SKETCH.hashes / 2;
  for (const sh of shingles(text)) {
    // One keyed hash per shingle gives eight 32-bit values; the other eight are the same values through
    // a bijective mixer (a different order over the same keyed values). One HMAC per shingle instead of
    // two: the keyed hashes were most of a request's triage CPU (issue #13). BLAKE2b (fastKeyedHash)
    // rather than HMAC-SHA-256 since: a third of the CPU again.
    const h = shingleHash(`sh:0:${sh}`);
    for (let i = 0; i < half; i++) {
      const v = h.readUInt32BE(i * 4);
      mins[i] = Math.min(mins[i] as number, v);
      mins[i + half] = Math.min(mins[i + half] as number, fmix32(v ^ MIX_SEEDS[i]!));
    }
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
