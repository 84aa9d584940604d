import { AppError } from '../errors.ts';

/**
 * Recorded prompts are re-encoded to what every phone network carries without another conversion:
 * 8 kHz, mono, 8-bit G.711 μ-law in a WAV container (Twilio plays it as is). Pure TypeScript, no
 * codec binary: accepted input is WAV with linear PCM (8/16/24/32-bit), 32-bit float, μ-law or A-law,
 * any sample rate from 8 to 96 kHz, mono or stereo (mixed down). MP3/OGG would need a decoder we do
 * not ship; the console tells the admin to export WAV.
 */
export const MAX_PROMPT_BYTES = 20 * 1024 * 1024;
export const MAX_PROMPT_SECONDS = 120;
const OUT_RATE = 8000;

export interface DecodedAudio {
  sampleRate: number;
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
}

function bad(message: string): AppError {
  return new AppError('unsupported_media_type', message, { field: 'audio' });
}

function alawToLinear(a: number): number {
  let v = a ^ 0x55;
  const sign = v & 0x80;
  const exp = (v & 0x70) >> 4;
  let mant = v & 0x0f;
  mant = exp === 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (exp - 1);
  v = sign ? mant : -mant;
  return v / 32768;
}

function mulawToLinear(u: number): number {
  const x = ~u & 0xff;
  const sign = x & 0x80;
  const exp = (x >> 4) & 0x07;
  const mant = x & 0x0f;
  const mag = (((mant << 3) + 0x84) << exp) - 0x84;
  return (sign ? -mag : mag) / 32768;
}

/** μ-law (G.711) of one 16-bit sample. */
export function linearToMulaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exp = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exp > 0; mask >>= 1) exp--;
  const mant = (s >> (exp + 3)) & 0x0f;
  return ~(sign | (exp << 4) | mant) & 0xff;
}

export function decodeWav(buf: Buffer): DecodedAudio {
  if (buf.length > MAX_PROMPT_BYTES) throw new AppError('payload_too_large', 'Prompt file too large');
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE')
    throw bad('Not a WAV file: export the prompt as WAV');
  let fmt: { format: number; channels: number; rate: number; bits: number; align: number } | null = null;
  let data: Buffer | null = null;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = buf.subarray(off + 8, Math.min(buf.length, off + 8 + size));
    if (id === 'fmt ' && body.length >= 16) {
      let format = body.readUInt16LE(0);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && body.length >= 26) format = body.readUInt16LE(24);
      fmt = {
        format,
        channels: body.readUInt16LE(2),
        rate: body.readUInt32LE(4),
        align: body.readUInt16LE(12),
        bits: body.readUInt16LE(14),
      };
    } else if (id === 'data') {
      data = body;
    }
    off += 8 + size + (size % 2);
  }
  if (!fmt || !data) throw bad('WAV file without format or data');
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 2) throw bad('Only mono or stereo WAV');
  if (rate < 8000 || rate > 96000) throw bad('Sample rate must be 8–96 kHz');
  const bytes = bits / 8;
  const supported =
    (format === 1 && [8, 16, 24, 32].includes(bits)) ||
    (format === 3 && bits === 32) ||
    ((format === 6 || format === 7) && bits === 8);
  if (!supported) throw bad('Unsupported WAV encoding: use PCM, float, μ-law or A-law');
  const frameBytes = bytes * channels;
  const frames = Math.floor(data.length / frameBytes);
  if (frames / rate > MAX_PROMPT_SECONDS) throw bad(`A prompt is at most ${MAX_PROMPT_SECONDS} s`);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      const p = i * frameBytes + c * bytes;
      let v: number;
      if (format === 7) v = mulawToLinear(data[p] ?? 0xff);
      else if (format === 6) v = alawToLinear(data[p] ?? 0xd5);
      else if (format === 3) v = data.readFloatLE(p);
      else if (bits === 8) v = ((data[p] ?? 128) - 128) / 128;
      else if (bits === 16) v = data.readInt16LE(p) / 32768;
      else if (bits === 24) v = data.readIntLE(p, 3) / 8388608;
      else v = data.readInt32LE(p) / 2147483648;
      sum += v;
    }
    out[i] = Math.max(-1, Math.min(1, sum / channels));
  }
  return { sampleRate: rate, samples: out };
}

/** Down-sampling with a box filter over each output period (enough for speech at telephone bandwidth). */
function resample(a: DecodedAudio, rate: number): Float32Array {
  if (a.sampleRate === rate) return a.samples;
  const ratio = a.sampleRate / rate;
  const n = Math.floor(a.samples.length / ratio);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const start = i * ratio;
    const end = Math.min(a.samples.length, start + Math.max(1, ratio));
    let sum = 0;
    let count = 0;
    for (let j = Math.floor(start); j < end; j++) {
      sum += a.samples[j] ?? 0;
      count++;
    }
    out[i] = count ? sum / count : 0;
  }
  return out;
}

/** Any accepted WAV → 8 kHz mono μ-law WAV. */
export function encodePrompt(input: Buffer): { wav: Buffer; durationMs: number } {
  const samples = resample(decodeWav(input), OUT_RATE);
  if (samples.length < OUT_RATE / 10) throw bad('The prompt is shorter than 0.1 s');
  const header = Buffer.alloc(58);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(50 + samples.length + (samples.length % 2), 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(18, 16);
  header.writeUInt16LE(7, 20); // WAVE_FORMAT_MULAW
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(OUT_RATE, 24);
  header.writeUInt32LE(OUT_RATE, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.writeUInt16LE(0, 36);
  header.write('fact', 38, 'ascii');
  header.writeUInt32LE(4, 42);
  header.writeUInt32LE(samples.length, 46);
  header.write('data', 50, 'ascii');
  header.writeUInt32LE(samples.length, 54);
  const body = Buffer.alloc(samples.length + (samples.length % 2));
  for (let i = 0; i < samples.length; i++) body[i] = linearToMulaw((samples[i] ?? 0) * 32767);
  return { wav: Buffer.concat([header, body]), durationMs: Math.round((samples.length / OUT_RATE) * 1000) };
}
