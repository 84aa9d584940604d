import { z } from 'zod';

/** What is sealed inside one thread message. Only the holder of the thread key can read it. */
export const ZMessageContent = z.object({
  body: z.string(),
  name: z.string().optional(),
  contact: z.string().optional(),
});
export type MessageContent = z.infer<typeof ZMessageContent>;

export function encodeContent(c: MessageContent): Buffer {
  return Buffer.from(JSON.stringify(c), 'utf8');
}

export function decodeContent(b: Buffer): MessageContent {
  return ZMessageContent.parse(JSON.parse(b.toString('utf8')));
}

export const LIMITS = { body: 5000, name: 200, contact: 300 } as const;
