/** Shared with the console (one list, one shape): the phone menu's steps, in the order a caller meets them. */
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

/** When a requester asked to be called back. */
export const CALLBACK_WINDOWS = ['any', 'morning', 'afternoon', 'evening'] as const;
export type CallbackWindow = (typeof CALLBACK_WINDOWS)[number];

/** A call as the case shows it: direction, who answered, duration, outcome — never a number. */
export type CallOutcome = 'answered' | 'voicemail' | 'missed' | 'failed';

export interface CallView {
  id: string;
  direction: 'inbound' | 'outbound';
  language: string | null;
  state: string;
  outcome: CallOutcome | null;
  answeredBy: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSec: number | null;
  recorded: boolean;
}
