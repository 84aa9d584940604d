/** Test audio: WAV files as a sound editor exports them. */
/** A 16-bit PCM WAV of a sine tone (as an admin would export a prompt). */
export function pcmWav(opts: { rate: number; seconds: number; channels?: number; hz?: number }): Buffer {
  const channels = opts.channels ?? 1;
  const n = Math.round(opts.rate * opts.seconds);
  const data = Buffer.alloc(n * 2 * channels);
  for (let i = 0; i < n; i++) {
    const v = Math.round(Math.sin((2 * Math.PI * (opts.hz ?? 440) * i) / opts.rate) * 16000);
    for (let c = 0; c < channels; c++) data.writeInt16LE(v, (i * channels + c) * 2);
  }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(opts.rate, 24);
  h.writeUInt32LE(opts.rate * 2 * channels, 28);
  h.writeUInt16LE(2 * channels, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
