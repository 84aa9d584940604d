import { type Api, GrammyError, HttpError } from 'grammy';
import {
  type ChannelAdapter,
  classifyHttpFailure,
  type OutboundMessage,
  type SendResult,
} from '../channel.ts';

/** Telegram Bot API limits: about 30 messages per second overall, one per second per chat. */
export const TELEGRAM_LIMITS = { perSecond: 30, perRecipientPerSecond: 1 };

export function createTelegramAdapter(api: Api): ChannelAdapter {
  return {
    channel: 'telegram',
    limits: TELEGRAM_LIMITS,
    async send(message: OutboundMessage): Promise<SendResult> {
      try {
        const sent = await api.sendMessage(message.to, message.text);
        return { ok: true, providerMessageId: String(sent.message_id) };
      } catch (e) {
        if (e instanceof GrammyError) {
          const retryAfter = e.parameters.retry_after;
          return classifyHttpFailure(
            e.error_code,
            e.description,
            retryAfter !== undefined ? retryAfter * 1000 : undefined,
          );
        }
        if (e instanceof HttpError) return { ok: false, retryable: true, error: `network: ${e.message}` };
        return { ok: false, retryable: true, error: e instanceof Error ? e.message : String(e) };
      }
    },
  };
}
