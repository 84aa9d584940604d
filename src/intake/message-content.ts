import { z } from 'zod';
import { padJson } from '../crypto/sealed.ts';

/** What is sealed inside one thread message. Only the holder of the thread key can read it. */
export const ZAttachment = z.object({
  kind: z.enum(['image', 'voice', 'audio', 'document']),
  mime: z.string(),
  /** base64 of the bytes; the whole message is sealed, so attachments are never stored in clear. */
  data: z.string(),
});

export const ZMessageContent = z.object({
  body: z.string(),
  name: z.string().optional(),
  contact: z.string().optional(),
  attachments: z.array(ZAttachment).optional(),
});
export type MessageContent = z.infer<typeof ZMessageContent>;

/** Padded to a size bucket before sealing (crypto/sealed.ts padJson); decodeContent reads both forms. */
export function encodeContent(c: MessageContent): Buffer {
  return padJson(JSON.stringify(c));
}

export function decodeContent(b: Buffer): MessageContent {
  return ZMessageContent.parse(JSON.parse(b.toString('utf8')));
}

export { LIMITS } from './limits.ts';
