import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { sodium } from '../crypto/sodium.ts';
import { AppError } from '../errors.ts';

/**
 * Backup encryption: a stream sealed to an X25519 public key whose private half stays offline. The
 * server holds only the public key, so a thief who takes the server and every backup on it still reads
 * none of them. Format (all lengths big-endian):
 *
 *   "WFBACKUP1\n" | u32 header length | header JSON | sealed stream key (crypto_box_seal, 80 bytes)
 *   | secretstream header (24 bytes) | frames: u32 length | XChaCha20-Poly1305 secretstream chunk
 *
 * The header JSON (format, creation time, key id, schema) is the additional data of every chunk, so it
 * cannot be edited, and the last chunk carries TAG_FINAL, so a truncated file does not decrypt.
 */
const s = sodium;

const MAGIC = Buffer.from('WFBACKUP1\n');
const CHUNK = 64 * 1024;
const SECRET_PREFIX = 'WFBACKUP-SECRET-1:';
const PUBLIC_PREFIX = 'WFBACKUP-PUBLIC-1:';

export interface BackupHeader {
  format: 'pg_dump-custom';
  createdAt: string;
  /** Which public key this backup is sealed to (first 16 hex of its SHA-256). */
  keyId: string;
  /** The newest migration in the dump: restore into an older version is refused. */
  schema: string | null;
  postgres: string;
}

export function keyIdOf(publicKey: Buffer): string {
  return createHash('sha256').update(publicKey).digest('hex').slice(0, 16);
}

export function generateBackupKeyPair(): { publicKey: Buffer; secretKey: Buffer } {
  const publicKey = Buffer.alloc(s.crypto_box_PUBLICKEYBYTES);
  const secretKey = Buffer.alloc(s.crypto_box_SECRETKEYBYTES);
  s.crypto_box_keypair(publicKey, secretKey);
  return { publicKey, secretKey };
}

export function formatSecretKey(secretKey: Buffer, publicKey: Buffer): string {
  return [
    '# Whiteflag backup PRIVATE key. Keep it OFFLINE (encrypted USB stick in a safe, printed copy).',
    '# It opens every backup. Never store it on the server or beside the backups.',
    `# key id ${keyIdOf(publicKey)}`,
    `${SECRET_PREFIX}${secretKey.toString('base64')}`,
    '',
  ].join('\n');
}

export function formatPublicKey(publicKey: Buffer): string {
  return `${PUBLIC_PREFIX}${publicKey.toString('base64')}\n`;
}

function parseKeyLine(text: string, prefix: string, what: string): Buffer {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith(prefix));
  const key = line ? Buffer.from(line.slice(prefix.length), 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new AppError('validation_failed', `Not a Whiteflag backup ${what} key`);
  return key;
}

export function parsePublicKey(text: string): Buffer {
  return parseKeyLine(text, PUBLIC_PREFIX, 'public');
}

/** The private key and the public key it belongs to. */
export function parseSecretKey(text: string): { secretKey: Buffer; publicKey: Buffer } {
  const secretKey = parseKeyLine(text, SECRET_PREFIX, 'private');
  const publicKey = Buffer.alloc(s.crypto_box_PUBLICKEYBYTES);
  s.crypto_scalarmult_base(publicKey, secretKey);
  return { secretKey, publicKey };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Encrypts a byte stream to `publicKey`; the header goes in front, authenticated. */
export function encryptStream(publicKey: Buffer, header: Omit<BackupHeader, 'keyId'>): Transform {
  const full: BackupHeader = { ...header, keyId: keyIdOf(publicKey) } as BackupHeader;
  const ad = Buffer.from(JSON.stringify(full));
  const key = Buffer.alloc(s.crypto_secretstream_xchacha20poly1305_KEYBYTES);
  s.crypto_secretstream_xchacha20poly1305_keygen(key);
  const sealed = Buffer.alloc(key.length + s.crypto_box_SEALBYTES);
  s.crypto_box_seal(sealed, key, publicKey);
  const state = Buffer.alloc(s.crypto_secretstream_xchacha20poly1305_STATEBYTES);
  const ssHeader = Buffer.alloc(s.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  s.crypto_secretstream_xchacha20poly1305_init_push(state, ssHeader, key);
  key.fill(0);
  let pending: Buffer = Buffer.alloc(0);
  const frame = (m: Buffer, tag: number) => {
    const c = Buffer.alloc(m.length + s.crypto_secretstream_xchacha20poly1305_ABYTES);
    s.crypto_secretstream_xchacha20poly1305_push(state, c, m, ad, tag);
    return Buffer.concat([u32(c.length), c]);
  };
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!started) {
        started = true;
        this.push(Buffer.concat([MAGIC, u32(ad.length), ad, sealed, ssHeader]));
      }
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= CHUNK) {
        this.push(frame(pending.subarray(0, CHUNK), s.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE));
        pending = pending.subarray(CHUNK);
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (!started) this.push(Buffer.concat([MAGIC, u32(ad.length), ad, sealed, ssHeader]));
      this.push(frame(pending, s.crypto_secretstream_xchacha20poly1305_TAG_FINAL));
      state.fill(0);
      cb();
    },
  });
}

const corrupt = (why: string) => new AppError('validation_failed', `Backup file unreadable: ${why}`);

/**
 * Decrypts a backup stream with the offline private key; emits `header` as soon as it is read and
 * fails (no partial success) on a wrong key, an edited byte, or a truncated file.
 */
export function decryptStream(keys: { secretKey: Buffer; publicKey: Buffer }): Transform {
  let buf: Buffer = Buffer.alloc(0);
  let ad: Buffer | null = null;
  let state: Buffer | null = null;
  let finished = false;
  const sealedLen = s.crypto_secretstream_xchacha20poly1305_KEYBYTES + s.crypto_box_SEALBYTES;
  const hdrLen = s.crypto_secretstream_xchacha20poly1305_HEADERBYTES;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        if (!state) {
          if (buf.length < MAGIC.length + 4) return cb();
          if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw corrupt('not a Whiteflag backup');
          const n = buf.readUInt32BE(MAGIC.length);
          if (n > 64 * 1024) throw corrupt('bad header');
          const need = MAGIC.length + 4 + n + sealedLen + hdrLen;
          if (buf.length < need) return cb();
          ad = buf.subarray(MAGIC.length + 4, MAGIC.length + 4 + n);
          const header = JSON.parse(ad.toString('utf8')) as BackupHeader;
          if (header.keyId !== keyIdOf(keys.publicKey)) {
            throw new AppError(
              'validation_failed',
              `This backup is sealed to backup key ${header.keyId}; the private key given is ${keyIdOf(keys.publicKey)}`,
            );
          }
          const sealed = buf.subarray(MAGIC.length + 4 + n, MAGIC.length + 4 + n + sealedLen);
          const key = Buffer.alloc(s.crypto_secretstream_xchacha20poly1305_KEYBYTES);
          if (!s.crypto_box_seal_open(key, sealed, keys.publicKey, keys.secretKey))
            throw corrupt('the stream key does not open with this private key');
          state = Buffer.alloc(s.crypto_secretstream_xchacha20poly1305_STATEBYTES);
          s.crypto_secretstream_xchacha20poly1305_init_pull(state, buf.subarray(need - hdrLen, need), key);
          key.fill(0);
          this.emit('header', header);
          buf = buf.subarray(need);
        }
        while (buf.length >= 4) {
          const len = buf.readUInt32BE(0);
          if (len > CHUNK + s.crypto_secretstream_xchacha20poly1305_ABYTES) throw corrupt('bad frame');
          if (buf.length < 4 + len) break;
          if (finished) throw corrupt('data after the final chunk');
          const c = buf.subarray(4, 4 + len);
          const m = Buffer.alloc(len - s.crypto_secretstream_xchacha20poly1305_ABYTES);
          const tag = Buffer.alloc(1);
          try {
            s.crypto_secretstream_xchacha20poly1305_pull(state, m, tag, c, ad);
          } catch {
            throw corrupt('authentication failed (edited or damaged)');
          }
          if (tag[0] === s.crypto_secretstream_xchacha20poly1305_TAG_FINAL) finished = true;
          if (m.length) this.push(m);
          buf = buf.subarray(4 + len);
        }
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb: TransformCallback) {
      state?.fill(0);
      if (!finished || buf.length) return cb(corrupt('truncated'));
      cb();
    },
  });
}
