import type { Vault } from '../crypto/vault.ts';

/**
 * Sensitive values the timers must read unattended (the expected date at the front). Sealed here and
 * nowhere else, so that the key they live under can change in one place: a stolen database must not
 * say when a man expects to be at the front.
 */
export type TimerFieldName = 'expected_front';

export function sealTimerField(vault: Vault, name: TimerFieldName, value: string): string {
  return vault.encrypt(value, `request_threads.${name}`);
}

export function openTimerField(vault: Vault, name: TimerFieldName, blob: string): string {
  return vault.decrypt(blob, `request_threads.${name}`);
}

/** The questionnaire question whose answer becomes the expected front date. */
export const EXPECTED_FRONT_QUESTION = 'expected_front_date';
