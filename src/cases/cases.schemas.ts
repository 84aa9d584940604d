import { z } from 'zod';
import { oneOf } from '../http/schemas.ts';
import { CASE_STATES } from './case-state.ts';
import { CALLER_CATEGORIES, CHANNELS } from './categories.ts';

/**
 * What the request routes answer (the API contract). The routes serialize through these and the
 * console takes its types from them: a field changed here and not in the console fails
 * `npm run typecheck`. Zod and pure modules only: the console imports it.
 */

export const TRIAGE_VERDICTS = ['genuine', 'spam'] as const;
export const SLA_STATES = ['ok', 'warning', 'breach'] as const;
export const MESSAGE_DIRECTIONS = ['in', 'out', 'note', 'system'] as const;

export const ZQueueItem = z.object({
  id: z.string(),
  ref: z.string(),
  channel: oneOf(CHANNELS),
  category: oneOf(CALLER_CATEGORIES),
  language: z.string(),
  urgency: z.number(),
  status: z.enum(CASE_STATES),
  assigneeId: z.string().nullable(),
  messageCount: z.number(),
  awaitingReply: z.boolean(),
  tags: z.array(z.string()),
  createdAt: z.string(),
  lastRequesterAt: z.string(),
  lastOperatorAt: z.string().nullable(),
  firstResponseAt: z.string().nullable(),
  callbackRequestedAt: z.string().nullable(),
  callbackDoneAt: z.string().nullable(),
  spamScore: z.number(),
  spamReasons: z.array(z.string()),
  triageVerdict: z.enum(TRIAGE_VERDICTS).nullable(),
  detectedLanguage: z.string().nullable(),
  returnedAt: z.string().nullable(),
  returnedFromAt: z.string().nullable(),
  sla: z.object({
    state: z.enum(SLA_STATES),
    dueAt: z.string().nullable(),
    kind: z.enum(['first_response', 'reply']).nullable(),
  }),
});

export const ZThreadMessage = z.object({
  id: z.string(),
  direction: z.enum(MESSAGE_DIRECTIONS),
  authorId: z.string().nullable(),
  body: z.string(),
  name: z.string().optional(),
  contact: z.string().optional(),
  attachments: z.array(z.object({ kind: z.string(), mime: z.string(), data: z.string() })).optional(),
  delivery: z
    .object({ status: z.string(), attempts: z.number(), lastError: z.string().nullable() })
    .optional(),
  /** The channel it came by or went out on. */
  channel: oneOf(CHANNELS).optional(),
  at: z.string(),
});

export const ZQueuePage = z.object({ items: z.array(ZQueueItem), nextCursor: z.string().nullable() });

export const ZRequestLink = z.object({
  id: z.string(),
  ref: z.string(),
  status: oneOf(CASE_STATES),
  createdAt: z.string(),
});

/** Where a reply can go: the web page or a chat attached to the case; the first is where he last wrote. */
export const ZReplyRoute = z.object({
  id: z.string(),
  channel: oneOf(CHANNELS),
  lastInboundAt: z.string().nullable(),
});

export const ZRequestDetail = z.object({
  request: ZQueueItem,
  allowedTransitions: z.array(z.enum(CASE_STATES)),
  messages: z.array(ZThreadMessage),
  related: z.array(ZRequestLink),
  merged: z.array(z.object({ id: z.string(), ref: z.string() })),
  routes: z.array(ZReplyRoute),
  /** Earlier requests from the same chat or number. */
  wroteBefore: z.number(),
  /** YYYY-MM-DD, when he expects to be at the front. */
  expectedFrontDate: z.string().nullable(),
});

export const ZQueueCounts = z.object({
  total: z.number(),
  open: z.number(),
  awaitingReply: z.number(),
  unassigned: z.number(),
  mine: z.number(),
  slaBreached: z.number(),
  byStatus: z.partialRecord(z.enum(CASE_STATES), z.number()),
});

export type QueueItem = z.infer<typeof ZQueueItem>;
export type Sla = QueueItem['sla'];
export type SlaState = Sla['state'];
export type TriageVerdict = (typeof TRIAGE_VERDICTS)[number];
export type ThreadMessage = z.infer<typeof ZThreadMessage>;
export type MessageDirection = ThreadMessage['direction'];
export type Attachment = NonNullable<ThreadMessage['attachments']>[number];
export type Delivery = NonNullable<ThreadMessage['delivery']>;
export type QueuePage = z.infer<typeof ZQueuePage>;
export type RequestLink = z.infer<typeof ZRequestLink>;
export type ReplyRoute = z.infer<typeof ZReplyRoute>;
export type RequestDetail = z.infer<typeof ZRequestDetail>;
export type QueueCounts = z.infer<typeof ZQueueCounts>;

/** The first words of the latest requester message of a queue row (GET /api/requests/previews). */
export const ZRequestPreview = z.object({ id: z.string(), text: z.string(), at: z.string() });
export const ZPreviewsResponse = z.object({ items: z.array(ZRequestPreview) });
export type RequestPreview = z.infer<typeof ZRequestPreview>;

// ---- query parameters of the request routes

/** `a,b,c` or repeated `?x=a&x=b` → array of allowed values. */
const csvOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).max(values.length))
    .optional();

const ZCommonFilters = {
  likelyFake: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  category: csvOf(CALLER_CATEGORIES),
  channel: csvOf(CHANNELS),
  // A request's language: the page's (ru/uk/en/ko) or the one triage detected in the text (ko, kk …).
  language: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z]{2,3}$/)).max(30))
    .optional(),
  urgency: z.coerce.number().int().min(0).max(3).optional(),
  tag: z.string().max(32).optional(),
  awaitingReply: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
};

export const ZQueueQuery = z.object({
  ...ZCommonFilters,
  status: csvOf(CASE_STATES),
  open: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  assignee: z.union([z.enum(['me', 'none']), z.string().uuid()]).optional(),
  sort: z.enum(['urgent', 'newest', 'waiting']).default('urgent'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});

export const ZCountsQuery = z.object(ZCommonFilters);

// ---- what the request routes take (the console's api.ts turns these into query strings)

/** GET /api/requests, as the console builds it (every field optional; arrays sent comma-separated). */
export type QueueQuery = Partial<z.output<typeof ZQueueQuery>>;
export type QueueSort = z.output<typeof ZQueueQuery>['sort'];
/** GET /api/requests/counts takes the queue filters except status, assignee and paging. */
export type CountsQuery = Partial<z.output<typeof ZCountsQuery>>;
