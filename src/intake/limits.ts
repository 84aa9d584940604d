/** Sizes of what a requester may send (no imports: the console's TypeScript project reads it). */
export const LIMITS = { body: 5000, name: 200, contact: 300, attachmentBytes: 5 * 1024 * 1024 } as const;
