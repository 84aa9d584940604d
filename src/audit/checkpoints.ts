import { createHash, createHmac, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Signed chain heads kept outside the database (docs/decisions/0007-audit-keyed-chain.md). A database
 * writer can rewrite or truncate the chain's tail, but not a checkpoint it cannot sign: `audit verify
 * --checkpoint FILE` finds a checkpoint beyond the head (truncation) or a head that no longer matches
 * (rewrite). One JSON object per line, appended; the signature covers the canonical form of
 * `{v, seq, hash, at, keyedFrom}`.
 */
export interface Checkpoint {
  v: 1;
  seq: string;
  /** The chain hash of entry `seq`, hex. */
  hash: string;
  at: string;
  /** First keyed `seq`: older entries have unkeyed SHA-256 links (history before the keyed chain). */
  keyedFrom: string;
  keyId: string;
  sig: string;
}

export interface CheckpointSigner {
  keyId: string;
  /** Raw 32-byte Ed25519 public key, base64: what an admin records to check exported checkpoints. */
  publicKey: string;
  sign(c: Omit<Checkpoint, 'keyId' | 'sig'>): Checkpoint;
  verify(c: Checkpoint): boolean;
}

/** Subkeys of the audit key, one per purpose, so the chain's HMAC key is never a signing seed too. */
export function auditSubkey(auditKey: Buffer, purpose: 'chain' | 'checkpoint'): Buffer {
  return createHmac('sha256', auditKey).update(`whiteflag/audit-${purpose}/v1`).digest();
}

function signedBytes(c: Omit<Checkpoint, 'keyId' | 'sig'>): Buffer {
  return Buffer.from(
    JSON.stringify({ v: c.v, seq: c.seq, hash: c.hash, at: c.at, keyedFrom: c.keyedFrom }),
    'utf8',
  );
}

/** The Ed25519 key pair derived from the audit key: no extra secret to keep, nothing in the database. */
export function checkpointSigner(auditKey: Buffer): CheckpointSigner {
  const seed = auditSubkey(auditKey, 'checkpoint');
  // PKCS#8 prefix for an Ed25519 private key from its 32-byte seed (RFC 8410).
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const keyId = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return {
    keyId,
    publicKey: raw.toString('base64'),
    sign(c) {
      return { ...c, keyId, sig: sign(null, signedBytes(c), privateKey).toString('base64') };
    },
    verify(c) {
      try {
        return c.keyId === keyId && verify(null, signedBytes(c), publicKey, Buffer.from(c.sig, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/** Appends one line (a single write with O_APPEND, so concurrent writers never interleave a line). */
export async function appendCheckpoint(file: string, c: Checkpoint): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fs.appendFile(file, `${JSON.stringify(c)}\n`, { mode: 0o600, flag: 'a' });
}

export interface ParsedCheckpoints {
  checkpoints: Checkpoint[];
  /** 1-based line numbers that are not a checkpoint at all. */
  malformed: number[];
}

function isCheckpoint(x: unknown): x is Checkpoint {
  if (!x || typeof x !== 'object') return false;
  const c = x as Record<string, unknown>;
  return (
    c.v === 1 &&
    typeof c.seq === 'string' &&
    /^\d{1,19}$/.test(c.seq) &&
    typeof c.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(c.hash) &&
    typeof c.at === 'string' &&
    typeof c.keyedFrom === 'string' &&
    /^\d{1,19}$/.test(c.keyedFrom) &&
    typeof c.keyId === 'string' &&
    typeof c.sig === 'string'
  );
}

export function parseCheckpoints(text: string): ParsedCheckpoints {
  const checkpoints: Checkpoint[] = [];
  const malformed: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const x: unknown = JSON.parse(line);
      if (isCheckpoint(x)) checkpoints.push(x);
      else malformed.push(i + 1);
    } catch {
      malformed.push(i + 1);
    }
  });
  return { checkpoints, malformed };
}

export async function readCheckpointFile(file: string): Promise<ParsedCheckpoints> {
  if (!existsSync(file)) return { checkpoints: [], malformed: [] };
  return parseCheckpoints(await fs.readFile(file, 'utf8'));
}
