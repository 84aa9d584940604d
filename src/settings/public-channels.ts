/** Ways to reach the hotline that the public pages list. No imports: the console bundles this module. */
export const CHANNEL_KINDS = ['phone', 'telegram', 'whatsapp', 'onion', 'mirror'] as const;
export type PublicChannelKind = (typeof CHANNEL_KINDS)[number];
