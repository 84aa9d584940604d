import type { AuditLog } from '../audit/audit.service.ts';
import type { CallerCategory } from '../cases/categories.ts';
import type { Attachment, InboundMessage } from '../channels/channel.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Language } from '../i18n/i18n.ts';
import { createRateLimiter } from '../lib/rate-limit.ts';
import type { IntakeService } from './intake.service.ts';
import type { MessageContent } from './message-content.ts';

/**
 * Intake from messaging channels. A provider update is first recorded (sealed to the routing public
 * key, keyed by a keyed hash of the provider's update id: a replayed webhook is recognised and does
 * nothing twice), acknowledged, then processed. A chat id or phone number is stored only under the
 * routing key (crypto/routing.ts: in the memory of running servers, never on disk) and found again by
 * its routing-keyed index, so a second contact from the same person joins their open request — and a
 * thief with the disk and the key file can neither read nor confirm it. While the routing key is
 * locked, updates stay recorded and are processed once a server is unlocked.
 */
export function identityIndex(routing: RoutingVault, channel: string, identity: string): Buffer {
  return routing.blindIndex(`channel-identity:${channel}`, identity);
}

/**
 * A provider's message id can carry the sender (WhatsApp's wamid encodes the phone number): only a
 * keyed hash of it is stored, enough to recognise a replay (works while locked: index key).
 */
export function providerUpdateKey(vault: Vault, channel: string, updateKey: string): string {
  return `h:${vault.blindIndex('inbound-update', `${channel}|${updateKey}`).subarray(0, 20).toString('base64url')}`;
}

export function encryptChannelIdentity(routing: RoutingVault, identity: string): string {
  return routing.encrypt(identity, 'request_threads.identity');
}

export function decryptChannelIdentity(routing: RoutingVault, blob: string): string {
  return routing.decrypt(blob, 'request_threads.identity');
}

/** What SMS and voice record while locked: the message itself, processed when unlocked. */
interface DeferredMessage {
  kind: 'message';
  msg: Omit<InboundMessage, 'attachments'> & {
    attachments?: Array<{ kind: Attachment['kind']; mime: string; data: string }>;
  };
  ctx: ReceiveContext;
}

export interface ReceiveContext {
  category: CallerCategory;
  language: Language;
  /** A caller asked to be called back (voice menu). */
  callbackRequested?: boolean;
}

export function createChannelIntake(deps: {
  db: Db;
  /** Master-key vault: only the keyed hash of provider update ids, and legacy payloads. */
  vault: Vault;
  routing: RoutingVault;
  /** Reads the routing public key when this process does not know it yet (so it can seal while locked). */
  loadRoutingPublicKey?: () => Promise<unknown>;
  audit: AuditLog;
  clock: Clock;
  intake: IntakeService;
  /** New conversations per minute per channel before only people already in conversation get through. */
  newPerMinute?: number;
}) {
  const { db, vault, routing, clock, intake } = deps;
  const updateKeyOf = (channel: string, updateKey: string) => providerUpdateKey(vault, channel, updateKey);
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
    if (!routing.isUnlocked()) await deps.loadRoutingPublicKey?.();
    const r = await db
      .insertInto('inbound_updates')
      .values({
        channel,
        update_key: updateKeyOf(channel, updateKey),
        payload_enc: routing.encrypt(JSON.stringify(payload), 'inbound_updates.payload'),
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
    const deferred = error !== undefined && /rate_limited|Too many|routing key is locked/.test(error);
    await db
      .updateTable('inbound_updates')
      .set((eb) => ({
        processed_at: error ? null : clock.now(),
        attempts: deferred ? eb('attempts', '+', 0) : eb('attempts', '+', 1),
        last_error: error ? error.replace(/\d{5,}/g, '#').slice(0, 200) : null,
        ...(error ? {} : { payload_enc: null }),
      }))
      .where('channel', '=', channel)
      .where('update_key', '=', updateKeyOf(channel, updateKey))
      .execute();
  }

  /** Updates recorded but not processed (a crash after the acknowledgement): the worker retries them. */
  async function pending(
    channel: string,
    limit = 100,
  ): Promise<Array<{ updateKey: string; payload: unknown }>> {
    // Locked: nothing can be opened yet; the updates wait, sealed.
    if (!routing.isUnlocked()) return [];
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
      payload: JSON.parse(routing.decrypt(r.payload_enc as string, 'inbound_updates.payload')) as unknown,
    }));
  }

  /** The person's open request on this channel, if any. */
  async function openThreadOf(channel: string, identity: string) {
    return db
      .selectFrom('request_threads')
      .select(['id', 'language', 'category', 'status'])
      .where('identity_index', '=', identityIndex(routing, channel, identity))
      .where('closed_at', 'is', null)
      .where('purged_at', 'is', null)
      .where('merged_into', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
  }

  /** A message from a person: appended to their open request, or the first message of a new one. */
  async function receive(
    msg: InboundMessage,
    ctx: ReceiveContext,
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
    const index = identityIndex(routing, msg.channel, msg.identity);
    const key = index.toString('base64');
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
          identity: { index, enc: encryptChannelIdentity(routing, msg.identity) },
        },
      );
      threadId = r.id;
      created = true;
    }
    await db
      .updateTable('request_threads')
      .set({
        last_inbound_at: clock.now(),
        ...(ctx.callbackRequested ? { callback_requested_at: clock.now(), callback_done_at: null } : {}),
      })
      .where('id', '=', threadId)
      .execute();
    return { threadId, created };
  }

  /**
   * One ingest path for channels whose update is the message itself (SMS, voice): recorded sealed
   * first, then received at once — or, while the routing key is locked, received by `sweepMessages`
   * once a server is unlocked. Returns null for a replay.
   */
  async function ingest(
    msg: InboundMessage,
    ctx: ReceiveContext,
  ): Promise<{ threadId: string; created: boolean } | 'deferred' | null> {
    const deferred: DeferredMessage = {
      kind: 'message',
      msg: {
        channel: msg.channel,
        updateKey: msg.updateKey,
        identity: msg.identity,
        text: msg.text,
        ...(msg.attachments?.length
          ? {
              attachments: msg.attachments.map((a) => ({
                kind: a.kind,
                mime: a.mime,
                data: a.data.toString('base64'),
              })),
            }
          : {}),
      },
      ctx,
    };
    if (!(await record(msg.channel, msg.updateKey, deferred))) return null;
    if (!routing.isUnlocked()) return 'deferred';
    try {
      const r = await receive(msg, ctx);
      await markProcessed(msg.channel, msg.updateKey);
      return r;
    } catch (e) {
      await markProcessed(msg.channel, msg.updateKey, e instanceof Error ? e.message : String(e));
      if (e instanceof AppError && e.code === 'locked') return 'deferred';
      throw e;
    }
  }

  /** Receives the messages `ingest` recorded but could not receive yet (locked, crash, budget). */
  async function sweepMessages(channel: InboundMessage['channel']): Promise<number> {
    let done = 0;
    for (const p of await pending(channel)) {
      const d = p.payload as DeferredMessage;
      if (d?.kind !== 'message') continue;
      const msg: InboundMessage = {
        ...d.msg,
        attachments: (d.msg.attachments ?? []).map((a) => ({ ...a, data: Buffer.from(a.data, 'base64') })),
      };
      try {
        await receive(msg, d.ctx);
        await markProcessed(channel, d.msg.updateKey);
        done++;
      } catch (e) {
        await markProcessed(channel, d.msg.updateKey, e instanceof Error ? e.message : String(e));
      }
    }
    return done;
  }

  return { record, markProcessed, pending, openThreadOf, receive, ingest, sweepMessages };
}

export type ChannelIntake = ReturnType<typeof createChannelIntake>;
