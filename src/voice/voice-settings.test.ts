import { describe, expect, it } from 'vitest';
import { pcmWav } from '../../test/fakes/audio.ts';
import { LANGUAGES } from '../i18n/i18n.ts';
import { callbackDueAt, DEFAULT_VOICE_SETTINGS, isOpen, languageMenu } from './voice-settings.service.ts';
import { decodeWav, encodePrompt, linearToMulaw } from './wav.ts';

const KYIV = 120; // UTC+2 in winter

describe('call-back due time', () => {
  it('is now inside the asked window, else the next start of it in the hotline’s local time', () => {
    const morning = new Date('2026-12-07T07:30:00Z'); // 09:30 local
    expect(callbackDueAt('any', morning, KYIV)).toEqual(morning);
    expect(callbackDueAt('morning', morning, KYIV)).toEqual(morning);
    expect(callbackDueAt('evening', morning, KYIV).toISOString()).toBe('2026-12-07T15:00:00.000Z'); // 17:00 local
    const late = new Date('2026-12-07T21:10:00Z'); // 23:10 local
    expect(callbackDueAt('morning', late, KYIV).toISOString()).toBe('2026-12-08T06:00:00.000Z'); // 08:00 next day
  });
});

describe('hours', () => {
  it('are open around the clock by default and wrap past midnight', () => {
    expect(isOpen(DEFAULT_VOICE_SETTINGS, new Date())).toBe(true);
    const night = { ...DEFAULT_VOICE_SETTINGS, utcOffsetMinutes: 0, hours: { from: '22:00', to: '06:00' } };
    expect(isOpen(night, new Date('2026-12-07T23:00:00Z'))).toBe(true);
    expect(isOpen(night, new Date('2026-12-07T05:59:00Z'))).toBe(true);
    expect(isOpen(night, new Date('2026-12-07T12:00:00Z'))).toBe(false);
  });
});

describe('language menu', () => {
  it('offers every catalogue language, numbered from 1', () => {
    expect(languageMenu().map((m) => m.language)).toEqual([...LANGUAGES]);
    expect(languageMenu()[0]).toEqual({ digit: '1', language: 'ru' });
  });
});

describe('prompt re-encoding', () => {
  it('turns 48 kHz stereo PCM into 8 kHz mono μ-law that decodes back to the same tone', () => {
    const { wav, durationMs } = encodePrompt(pcmWav({ rate: 48000, seconds: 2, channels: 2, hz: 300 }));
    expect(durationMs).toBe(2000);
    const back = decodeWav(wav);
    expect(back.sampleRate).toBe(8000);
    expect(back.samples.length).toBe(16000);
    const peak = Math.max(...back.samples.map(Math.abs));
    expect(peak).toBeGreaterThan(0.4);
    expect(peak).toBeLessThan(0.55); // the source peak is 16000/32768 ≈ 0.49
    expect(linearToMulaw(0)).toBe(0xff);
  });

  it('refuses what it cannot read with 415', () => {
    expect(() => encodePrompt(Buffer.from('ID3\u0004 not a wav'))).toThrow(
      expect.objectContaining({ code: 'unsupported_media_type' }),
    );
  });
});
