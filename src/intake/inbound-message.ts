import type { Channel } from '../cases/categories.ts';

/**
 * What a messaging channel hands to intake (`channel-intake.service.ts`): the adapters in `channels/`
 * turn a provider's webhook or poll into this, and nothing below them knows a provider.
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
