import type { SendResult } from '../outbox/channel-adapter.ts';

/**
 * Every messaging channel (adding Signal or Viber is one folder) turns provider webhooks into intake's
 * `InboundMessage` and implements the outbox's `ChannelAdapter` to deliver. The interfaces live with
 * the code that uses them; they are re-exported here for the adapters.
 */
export type { Attachment, InboundMessage } from '../intake/inbound-message.ts';
export type { ChannelAdapter, OutboundMessage, SendResult } from '../outbox/channel-adapter.ts';

/** Classifies an HTTP status from a provider: what to retry and what is final. */
export function classifyHttpFailure(status: number, error: string, retryAfterMs?: number): SendResult {
  if (status === 429)
    return { ok: false, retryable: true, retryAfterMs: retryAfterMs ?? 1000, error, code: '429' };
  if (status >= 500 || status === 408) return { ok: false, retryable: true, error, code: String(status) };
  return { ok: false, retryable: false, error, code: String(status) };
}
