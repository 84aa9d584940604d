import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Channel } from '../cases/categories.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { Log } from '../log.ts';
import type { NotificationKind } from '../notifications/notification-kinds.ts';
import { EVENTS_CHANNEL, eventPayload } from '../realtime/events.ts';
import type { ChannelAdapter, OutboundMessage, SendResult } from './channel-adapter.ts';

/**
 * Reliable outbound delivery: a reply is written to the outbox in the same transaction as the reply
 * itself, so it is never lost; a worker claims due rows (FOR UPDATE SKIP LOCKED, safe with several
 * workers), sends them through the channel adapter and records the outcome:
 * - 5xx, timeouts, dropped connections: retried with exponential backoff (2 s … 10 min, 8 attempts);
 * - 429: retried after the provider's `retry_after`;
 * - other 4xx: failed at once, shown to the operator in the thread and notified to the assignee;
 * - a worker that dies mid-send leaves a row in `sending` whose lease expires; it is sent again. Where
 *   the provider has no idempotency key (Telegram, WhatsApp, Twilio), a crash in the milliseconds
 *   between the provider's acceptance and our commit can therefore repeat one message; every other
 *   crash point delivers exactly once.
 * Pacing respects each provider's limits (Telegram: 30 messages/s overall, 1/s per chat) with a
 * sliding-window limiter, so we never trigger their 429s ourselves.
 */
export const MAX_ATTEMPTS = 8;

/** Provider errors can quote the recipient ("The 'To' number +7… is not valid"): keep no digit runs. */
export function redact(error: string): string {
  return error.replace(/\+?\d[\d\s()-]{4,}\d/g, '#').slice(0, 300);
}
const DEFAULT_LEASE_MS = 60_000;

export function backoffMs(attempt: number): number {
  return Math.min(600_000, 2000 * 2 ** Math.max(0, attempt - 1));
}

/** At most `max` events in any window of `windowMs`: exactly what providers count. */
export function createSlidingWindow(max: number, windowMs: number) {
  const times: number[] = [];
  return {
    /** ms to wait before the next event is allowed (0 = now). */
    waitMs(now: number): number {
      while (times.length && (times[0] as number) <= now - windowMs) times.shift();
      return times.length < max ? 0 : (times[0] as number) + windowMs - now + 1;
    },
    record(now: number): void {
      times.push(now);
    },
  };
}

/** Look-up of a recipient's delivered messages (Telegram's /delete) without storing the chat id. */
export function outboxRecipientIndex(routing: RoutingVault, channel: string, to: string): Buffer {
  return routing.blindIndex(`outbox-recipient:${channel}`, to);
}

export interface OutboxItem {
  /** The request thread the message belongs to, or null for an answer to a relative's inquiry. */
  threadId: string | null;
  inquiryId?: string;
  messageId: string | null;
  channel: Channel;
  message: OutboundMessage;
}

export function createOutbox(deps: {
  db: Db;
  /** Recipients and reply texts are routing tier: a disk thief with the key file reads none of them. */
  routing: RoutingVault;
  audit: AuditLog;
  clock: Clock;
  log: Log;
  adapters: Map<Channel, ChannelAdapter>;
  /** How long a claimed row stays claimed before another worker may send it (a crashed worker). */
  leaseMs?: number | undefined;
}) {
  const { db, routing, clock, log } = deps;
  const LEASE_MS = deps.leaseMs ?? DEFAULT_LEASE_MS;
  // 1 s windows, counted when each response arrives: the provider counts a send on arrival, which is
  // always before our response, so however slow the network the next send cannot come too early.
  const globalWindows = new Map<Channel, ReturnType<typeof createSlidingWindow>>();
  const recipientWindows = new Map<string, ReturnType<typeof createSlidingWindow>>();
  let wake: (() => void) | null = null;

  function limiterFor(adapter: ChannelAdapter, recipient: string) {
    let g = globalWindows.get(adapter.channel);
    if (!g) {
      g = createSlidingWindow(adapter.limits.perSecond, 1000);
      globalWindows.set(adapter.channel, g);
    }
    const key = `${adapter.channel}:${recipient}`;
    let r = recipientWindows.get(key);
    if (!r) {
      if (recipientWindows.size > 50_000) recipientWindows.clear();
      r = createSlidingWindow(adapter.limits.perRecipientPerSecond, 1000);
      recipientWindows.set(key, r);
    }
    return { g, r };
  }

  async function enqueue(trx: Transaction<Database> | Db, item: OutboxItem): Promise<string> {
    const id = randomUUID();
    await trx
      .insertInto('outbox')
      .values({
        id,
        thread_id: item.threadId,
        inquiry_id: item.inquiryId ?? null,
        message_id: item.messageId,
        channel: item.channel,
        recipient_index: outboxRecipientIndex(routing, item.channel, item.message.to),
        payload_enc: routing.encrypt(JSON.stringify(item.message), 'outbox.payload'),
        status: 'pending',
        next_attempt_at: clock.now(),
        created_at: clock.now(),
      })
      .execute();
    wake?.();
    return id;
  }

  async function settle(
    row: { id: string; thread_id: string | null; inquiry_id: string | null; attempts: number },
    result: SendResult,
  ): Promise<'sent' | 'retry' | 'failed'> {
    const now = clock.now();
    if (result.ok) {
      await db
        .updateTable('outbox')
        .set({
          status: 'sent',
          sent_at: now,
          provider_message_id: result.providerMessageId ?? null,
          last_error: null,
        })
        .where('id', '=', row.id)
        .execute();
      return 'sent';
    }
    const final = !result.retryable || row.attempts >= MAX_ATTEMPTS;
    if (!final) {
      const wait = Math.max(backoffMs(row.attempts), result.retryAfterMs ?? 0);
      await db
        .updateTable('outbox')
        .set({
          status: 'pending',
          next_attempt_at: new Date(now.getTime() + wait),
          last_error: redact(result.error),
        })
        .where('id', '=', row.id)
        .execute();
      return 'retry';
    }
    await deps.audit.write(async (trx) => {
      await trx
        .updateTable('outbox')
        // Given up: the reply text is wiped (the operator still has it, sealed, in the thread).
        .set({ status: 'failed', last_error: redact(result.error), payload_enc: null })
        .where('id', '=', row.id)
        .execute();
      if (row.thread_id === null) {
        // An answer to a relative's inquiry: the registrar sees the failure on the inquiry (`delivery`).
        await deps.audit.append(
          {
            actorType: 'system',
            action: 'outbox.failed',
            subjectType: 'relative_inquiry',
            subjectId: row.inquiry_id,
            details: { outbox: row.id, code: result.code ?? null },
          },
          trx,
        );
        return;
      }
      const t = await trx
        .selectFrom('request_threads')
        .select('assignee_id')
        .where('id', '=', row.thread_id)
        .executeTakeFirst();
      if (t?.assignee_id) {
        await trx
          .insertInto('notifications')
          .values({
            user_id: t.assignee_id,
            request_id: row.thread_id,
            kind: 'delivery_failed' satisfies NotificationKind,
            details: JSON.stringify({ outbox: row.id, error: redact(result.error) }),
            created_at: now,
          })
          .execute();
      }
      await deps.audit.append(
        {
          actorType: 'system',
          action: 'outbox.failed',
          subjectType: 'request',
          subjectId: row.thread_id,
          details: { outbox: row.id, code: result.code ?? null },
        },
        trx,
      );
      await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', row.thread_id)})`.execute(trx);
    });
    return 'failed';
  }

  /** One pass: claim due rows, send what the rate limits allow now, put the rest back. */
  async function runOnce(
    limit = 50,
  ): Promise<{ sent: number; retried: number; failed: number; deferred: number }> {
    // Locked: recipients and texts cannot be read; replies wait (they are safe in the table).
    if (!routing.isUnlocked()) return { sent: 0, retried: 0, failed: 0, deferred: 0 };
    const now = clock.now();
    const claimed = await sql<{
      id: string;
      thread_id: string | null;
      inquiry_id: string | null;
      channel: string;
      payload_enc: string | null;
      attempts: number;
    }>`
      UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ${new Date(now.getTime() + LEASE_MS)}
      WHERE id IN (
        SELECT id FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ${now}
        ORDER BY next_attempt_at, created_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING id, thread_id, inquiry_id, channel, payload_enc, attempts`.execute(db);
    const stats = { sent: 0, retried: 0, failed: 0, deferred: 0 };
    // Oldest first, as claimed.
    const rows = [...claimed.rows].sort((a, b) => a.attempts - b.attempts);
    for (const row of rows) {
      const adapter = deps.adapters.get(row.channel as Channel);
      if (!row.payload_enc) {
        await settle(row, { ok: false, retryable: false, error: 'payload wiped' });
        stats.failed++;
        continue;
      }
      const message = JSON.parse(routing.decrypt(row.payload_enc, 'outbox.payload')) as OutboundMessage;
      if (!adapter) {
        await settle(row, { ok: false, retryable: true, error: `channel ${row.channel} is not configured` });
        stats.retried++;
        continue;
      }
      const { g, r } = limiterFor(adapter, message.to);
      const t = clock.now().getTime();
      const wait = Math.max(g.waitMs(t), r.waitMs(t));
      if (wait > 0) {
        // Not now: back to the queue without spending an attempt.
        await db
          .updateTable('outbox')
          .set((eb) => ({
            status: 'pending',
            attempts: eb('attempts', '-', 1),
            next_attempt_at: new Date(t + wait),
          }))
          .where('id', '=', row.id)
          .execute();
        stats.deferred++;
        continue;
      }
      let result: SendResult;
      try {
        result = await adapter.send(message, row.id);
      } catch (e) {
        result = { ok: false, retryable: true, error: e instanceof Error ? e.message : String(e) };
      }
      const done = clock.now().getTime();
      g.record(done);
      r.record(done);
      const outcome = await settle(row, result);
      if (outcome === 'sent') stats.sent++;
      else if (outcome === 'retry') stats.retried++;
      else stats.failed++;
    }
    return stats;
  }

  /** The delivery loop: runs while there is work, sleeps until the next due row or a new enqueue. */
  function start(): { stop(): Promise<void> } {
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    const loop = async () => {
      while (!stopped) {
        let worked = false;
        try {
          const s = await runOnce();
          worked = s.sent + s.retried + s.failed + s.deferred > 0;
        } catch (e) {
          log.error({ err: String(e) }, 'outbox pass failed');
        }
        if (stopped) break;
        const next = await db
          .selectFrom('outbox')
          .select((eb) => eb.fn.min('next_attempt_at').as('at'))
          .where('status', 'in', ['pending', 'sending'])
          .executeTakeFirst()
          .catch(() => undefined);
        const dueIn = next?.at ? new Date(next.at as Date).getTime() - clock.now().getTime() : 1000;
        const sleep = worked ? Math.max(0, Math.min(dueIn, 250)) : Math.max(5, Math.min(dueIn, 1000));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, sleep);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        });
      }
    };
    running = loop();
    return {
      async stop() {
        stopped = true;
        wake?.();
        await running;
      },
    };
  }

  /** Delivery state of outbound messages, for the operator's thread view. */
  async function deliveryOf(threadIds: string[]) {
    if (threadIds.length === 0)
      return new Map<string, { status: string; attempts: number; lastError: string | null }>();
    const rows = await db
      .selectFrom('outbox')
      .select(['message_id', 'status', 'attempts', 'last_error'])
      .where('thread_id', 'in', threadIds)
      .execute();
    return new Map(
      rows
        .filter((r) => r.message_id)
        .map((r) => [
          r.message_id as string,
          { status: r.status, attempts: r.attempts, lastError: r.last_error },
        ]),
    );
  }

  /**
   * A provider reported, after accepting it, that a message failed (WhatsApp's 131047 arrives as a
   * status webhook): send it again in another form (a template), through the same queue.
   */
  async function retryAs(
    channel: Channel,
    providerMessageId: string,
    kind: OutboundMessage['kind'],
  ): Promise<boolean> {
    const row = await db
      .selectFrom('outbox')
      .select(['id', 'payload_enc'])
      .where('channel', '=', channel)
      .where('provider_message_id', '=', providerMessageId)
      .executeTakeFirst();
    if (!row?.payload_enc) return false;
    const message = JSON.parse(routing.decrypt(row.payload_enc, 'outbox.payload')) as OutboundMessage;
    if (message.kind === kind) return false;
    await db
      .updateTable('outbox')
      .set({
        payload_enc: routing.encrypt(JSON.stringify({ ...message, kind }), 'outbox.payload'),
        status: 'pending',
        next_attempt_at: clock.now(),
        provider_message_id: null,
      })
      .where('id', '=', row.id)
      .execute();
    wake?.();
    return true;
  }

  /**
   * Delivered replies keep their text only as long as a provider may still report a late failure
   * (WhatsApp's 131047 arrives after acceptance): a day. Then only the delivery record stays.
   */
  async function wipeDelivered(olderThanMs = 86_400_000): Promise<number> {
    const r = await db
      .updateTable('outbox')
      .set({ payload_enc: null })
      .where('status', 'in', ['sent', 'failed'])
      .where('payload_enc', 'is not', null)
      .where('created_at', '<', new Date(clock.now().getTime() - olderThanMs))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  return { enqueue, runOnce, start, deliveryOf, retryAs, wipeDelivered };
}

export type Outbox = ReturnType<typeof createOutbox>;
