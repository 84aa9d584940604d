/** The phone menu's steps, in the order a caller meets them (shared with the console: one list). */
export const VOICE_STEPS = [
  'language',
  'welcome',
  'choices',
  'hold',
  'busy',
  'closed',
  'record',
  'thanks',
  'callback_when',
  'callback_ok',
] as const;
export type VoiceStep = (typeof VOICE_STEPS)[number];
