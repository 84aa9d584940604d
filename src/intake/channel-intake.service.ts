import type { AuditLog } from '../audit/audit.service.ts';
import type { CallerCategory } from '../cases/categories.ts';
import type { InboundMessage } from '../channels/channel.ts';
import type { Clock } from '../clock.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Language } from '../i18n/i18n.ts';
import { createRateLimiter } from '../lib/rate-limit.ts';
import type { IntakeService } from './intake.service.ts';
import type { MessageContent } from './message-content.ts';

/**
 * Intake from messaging channels. A provider update is first recorded (encrypted, keyed by the
 * provider's update id: a replayed webhook is recognised and does nothing twice), acknowledged, then
 * processed. A chat id or phone number is stored only server-tier encrypted and found again by its
 * blind index, so a second contact from the same person joins their open request.
 */
export function identityIndex(vault: Vault, channel: string, identity: string): Buffer {
  return vault.blindIndex(`channel-identity:${channel}`, identity);
}

/**
 * The only way a channel identity (a caller's phone number, a chat id) is sealed for storage and opened
 * again: server tier, bound to the thread-identity context. Every table that keeps a number keeps only
 * this blob (issue #11 moves identities behind a routing key; callers of this pair need not change).
 */
export function encryptChannelIdentity(vault: Vault, identity: string): string {
  return vault.encrypt(identity, 'request_threads.identity');
}

export function decryptChannelIdentity(vault: Vault, blob: string): string {
  return vault.decrypt(blob, 'request_threads.identity');
}

export function createChannelIntake(deps: {
  db: Db;
  vault: Vault;
  audit: AuditLog;
  clock: Clock;
  intake: IntakeService;
  /** New conversations per minute per channel before only people already in conversation get through. */
  newPerMinute?: number;
}) {
  const { db, vault, clock, intake } = deps;
  // Budgets, never per IP: per channel identity (one person or one bot account cannot flood), and per
  // channel for *new* conversations — when a flood exhausts it, people already talking to an operator
  // still get through and only new identities wait (their update stays recorded and is retried).
  const perIdentity = createRateLimiter({ capacity: 20, refillPerSecond: 1 / 30, clock });
  const newPerMinute = deps.newPerMinute ?? 600;
  const newConversations = createRateLimiter({
    capacity: Math.max(10, newPerMinute / 6),
    refillPerSecond: newPerMinute / 60,
    clock,
  });

  /** Stores an update once. Returns false if this update was already received (a replay). */
  async function record(channel: string, updateKey: string, payload: unknown): Promise<boolean> {
    const r = await db
      .insertInto('inbound_updates')
      .values({
        channel,
        update_key: updateKey,
        payload_enc: vault.encrypt(JSON.stringify(payload), 'inbound_updates.payload'),
        received_at: clock.now(),
      })
      .onConflict((oc) => oc.columns(['channel', 'update_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Processed: the raw update (names, text) is wiped at once — only its id stays, to recognise
   * replays. Failed: kept for the sweep; a deferral for a budget does not count as an attempt.
   */
  async function markProcessed(channel: string, updateKey: string, error?: string): Promise<void> {
    const deferred = error !== undefined && /rate_limited|Too many/.test(error);
    await db
      .updateTable('inbound_updates')
      .set((eb) => ({
        processed_at: error ? null : clock.now(),
        attempts: deferred ? eb('attempts', '+', 0) : eb('attempts', '+', 1),
        last_error: error ? error.replace(/\d{5,}/g, '#').slice(0, 200) : null,
        ...(error ? {} : { payload_enc: null }),
      }))
      .where('channel', '=', channel)
      .where('update_key', '=', updateKey)
      .execute();
  }

  /** Updates recorded but not processed (a crash after the acknowledgement): the worker retries them. */
  async function pending(
    channel: string,
    limit = 100,
  ): Promise<Array<{ updateKey: string; payload: unknown }>> {
    const rows = await db
      .selectFrom('inbound_updates')
      .select(['update_key', 'payload_enc'])
      .where('channel', '=', channel)
      .where('processed_at', 'is', null)
      .where('payload_enc', 'is not', null)
      .where('attempts', '<', 5)
      .orderBy('received_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      updateKey: r.update_key,
      payload: JSON.parse(vault.decrypt(r.payload_enc as string, 'inbound_updates.payload')) as unknown,
    }));
  }

  /** The person's open request on this channel, if any. */
  async function openThreadOf(channel: string, identity: string) {
    return db
      .selectFrom('request_threads')
      .select(['id', 'language', 'category', 'status'])
      .where('identity_index', '=', identityIndex(vault, channel, identity))
      .where('closed_at', 'is', null)
      .where('purged_at', 'is', null)
      .where('merged_into', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  }

  /** A message from a person: appended to their open request, or the first message of a new one. */
  async function receive(
    msg: InboundMessage,
    ctx: { category: CallerCategory; language: Language },
  ): Promise<{ threadId: string; created: boolean }> {
    const content: MessageContent = {
      body: msg.text,
      ...(msg.attachments?.length
        ? {
            attachments: msg.attachments.map((a) => ({
              kind: a.kind,
              mime: a.mime,
              data: a.data.toString('base64'),
            })),
          }
        : {}),
    };
    const key = identityIndex(vault, msg.channel, msg.identity).toString('base64');
    if (!perIdentity.take(key)) throw new AppError('rate_limited', 'Too many messages from this identity');
    const open = await openThreadOf(msg.channel, msg.identity);
    if (!open && !newConversations.take(msg.channel))
      throw new AppError('rate_limited', 'Too many new conversations right now');
    let threadId: string;
    let created = false;
    if (open) {
      await intake.appendRequesterMessage(open.id, content);
      threadId = open.id;
    } else {
      const r = await intake.createRequest(
        { channel: msg.channel, category: ctx.category, language: ctx.language, content },
        {
          withReceipt: false,
          identity: {
            index: identityIndex(vault, msg.channel, msg.identity),
            enc: encryptChannelIdentity(vault, msg.identity),
          },
        },
      );
      threadId = r.id;
      created = true;
    }
    await db
      .updateTable('request_threads')
      .set({ last_inbound_at: clock.now() })
      .where('id', '=', threadId)
      .execute();
    return { threadId, created };
  }

  return { record, markProcessed, pending, openThreadOf, receive };
}

export type ChannelIntake = ReturnType<typeof createChannelIntake>;
