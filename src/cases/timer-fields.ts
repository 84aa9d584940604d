import type { RoutingVault } from '../crypto/routing.ts';

/**
 * Sensitive values the timers must read unattended (the expected date at the front), in the routing
 * tier (docs/decisions/0012-routing-key.md): a stolen database, even with its key file, must not say
 * when a man expects to be at the front.
 */
export type TimerFieldName = 'expected_front';

export function sealTimerField(routing: RoutingVault, name: TimerFieldName, value: string): string {
  return routing.encrypt(value, `request_threads.${name}`);
}

/** Null while this server is locked (after a restart, before a granted login): the timer waits. */
export function openTimerField(routing: RoutingVault, name: TimerFieldName, blob: string): string | null {
  if (!routing.isUnlocked()) return null;
  return routing.decrypt(blob, `request_threads.${name}`);
}

/** The questionnaire question whose answer becomes the expected front date. */
export const EXPECTED_FRONT_QUESTION = 'expected_front_date';
