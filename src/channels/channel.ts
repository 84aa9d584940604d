import type { Channel } from '../cases/categories.ts';

/**
 * The one small interface every messaging channel implements (adding Signal or Viber is one folder):
 * routes turn provider webhooks into `InboundMessage`s for intake, and `send` delivers one outbound
 * message. Delivery is driven by the outbox, which retries according to the `SendResult`.
 */
export interface Attachment {
  kind: 'image' | 'voice' | 'audio' | 'document';
  mime: string;
  /** Bytes as received (images already stripped of metadata); sealed with the message, never on disk. */
  data: Buffer;
}

export interface InboundMessage {
  channel: Channel;
  /** Provider's unique id for this update (idempotency: a replayed update is ignored). */
  updateKey: string;
  /** Chat id or phone number: stored only server-tier encrypted, looked up by blind index. */
  identity: string;
  text: string;
  attachments?: Attachment[];
}

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

/** Classifies an HTTP status from a provider: what to retry and what is final. */
export function classifyHttpFailure(status: number, error: string, retryAfterMs?: number): SendResult {
  if (status === 429)
    return { ok: false, retryable: true, retryAfterMs: retryAfterMs ?? 1000, error, code: '429' };
  if (status >= 500 || status === 408) return { ok: false, retryable: true, error, code: String(status) };
  return { ok: false, retryable: false, error, code: String(status) };
}
