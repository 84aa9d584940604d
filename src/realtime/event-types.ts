/**
 * One live event (PostgreSQL NOTIFY, then SSE `event: request` on GET /api/events). Ids only, never
 * content. No imports: the console reads it (events.ts, which needs pg, re-exports it).
 */
export const REQUEST_EVENT_TYPES = ['created', 'message', 'updated'] as const;
export type RequestEventType = (typeof REQUEST_EVENT_TYPES)[number];
export interface RequestEvent {
  type: RequestEventType;
  id: string;
}
