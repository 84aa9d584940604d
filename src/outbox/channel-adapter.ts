import type { Channel } from '../cases/categories.ts';

/**
 * What the outbox needs from a messaging channel to deliver one message. The adapters in `channels/`
 * implement it and register themselves in the composition root; the outbox retries by the `SendResult`.
 */
export interface OutboundMessage {
  to: string;
  text: string;
  /** Channel-specific hints (e.g. WhatsApp template when the 24-hour window is closed). */
  kind?: 'text' | 'template' | undefined;
}

export type SendResult =
  | { ok: true; providerMessageId?: string | undefined }
  | {
      ok: false;
      retryable: boolean;
      retryAfterMs?: number | undefined;
      error: string;
      code?: string | undefined;
    };

export interface ChannelAdapter {
  readonly channel: Channel;
  send(message: OutboundMessage, idempotencyKey: string): Promise<SendResult>;
  /** Sustained sends per second across all chats, and per chat (the provider's limits). */
  readonly limits: { perSecond: number; perRecipientPerSecond: number };
}
