import { randomUUID } from 'node:crypto';
import { type SqlBool, sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { CallerCategory, Channel } from '../cases/categories.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Language } from '../i18n/i18n.ts';
import { createRateLimiter } from '../lib/rate-limit.ts';
import type { Attachment, InboundMessage } from './inbound-message.ts';
import { generateRef, type IntakeService } from './intake.service.ts';
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
  return routing.blindIndex(`channel-identity:${identityDomain(channel)}`, identity);
}

/** SMS and voice from one number are one person: they share the index domain "phone". */
export function identityDomain(channel: string): string {
  return channel === 'sms' || channel === 'voice' ? 'phone' : channel;
}

/**
 * A provider's message id can carry the sender (WhatsApp's wamid encodes the phone number): only a
 * keyed hash of it is stored, enough to recognise a replay (works while locked: index key).
 */
export function providerUpdateKey(vault: Vault, channel: string, updateKey: string): string {
  return `h:${vault.blindIndex('inbound-update', `${channel}|${updateKey}`).subarray(0, 20).toString('base64url')}`;
}

/** A chat id or phone number, encrypted for storage (the only place that does it). */
export function encryptChannelIdentity(routing: RoutingVault, identity: string): string {
  return routing.encrypt(identity, 'request_threads.identity');
}

export function decryptChannelIdentity(routing: RoutingVault, blob: string): string {
  return routing.decrypt(blob, 'request_threads.identity');
}

/** An update waiting to be handled; also where the next page of the backlog starts. */
export interface PendingUpdate {
  updateKey: string;
  receivedAt: Date;
  payload: unknown;
}

/** Updates a sweep reads at once. */
const SWEEP_PAGE = 100;

/**
 * How long a handler holds an update. Far beyond a handler's normal run (a media download times out
 * after 20 s; the bot's own prompts wait out a 429 up to three times): a longer lease only delays the
 * retry of an update whose process died mid-way, a shorter one could let a sweep run it twice.
 */
const CLAIM_MS = 5 * 60_000;

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
    await routing.ready();
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
  function markProcessed(channel: string, updateKey: string, error?: string): Promise<void> {
    return finish(channel, updateKeyOf(channel, updateKey), error);
  }

  async function finish(channel: string, storedKey: string, error?: string): Promise<void> {
    const deferred = error !== undefined && /rate_limited|Too many|routing key is locked/.test(error);
    await db
      .updateTable('inbound_updates')
      .set((eb) => ({
        processed_at: error ? null : clock.now(),
        attempts: deferred ? eb('attempts', '+', 0) : eb('attempts', '+', 1),
        last_error: error ? error.replace(/\d{5,}/g, '#').slice(0, 200) : null,
        claimed_until: null,
        ...(error ? {} : { payload_enc: null }),
      }))
      .where('channel', '=', channel)
      .where('update_key', '=', storedKey)
      .execute();
  }

  /**
   * Given up for good: an update no retry can ever handle (malformed, though it came with the right
   * secret). Marked processed with a stable error code and its payload wiped, so it is neither retried
   * nor kept at rest.
   */
  function markFailed(channel: string, updateKey: string, code: 'malformed_update'): Promise<void> {
    return fail(channel, updateKeyOf(channel, updateKey), code);
  }

  async function fail(channel: string, storedKey: string, code: 'malformed_update'): Promise<void> {
    await db
      .updateTable('inbound_updates')
      .set((eb) => ({
        processed_at: clock.now(),
        attempts: eb('attempts', '+', 1),
        last_error: code,
        payload_enc: null,
        claimed_until: null,
      }))
      .where('channel', '=', channel)
      .where('update_key', '=', storedKey)
      .execute();
  }

  /**
   * Updates recorded but not processed (locked, a crash after the acknowledgement, a budget), oldest
   * first; `after` continues from the last one of the page before. One being handled right now (a
   * live claim) is not listed.
   */
  async function pending(channel: string, limit = 100, after?: PendingUpdate): Promise<PendingUpdate[]> {
    // Locked: nothing can be opened yet; the updates wait, sealed.
    if (!routing.isUnlocked()) return [];
    let q = db
      .selectFrom('inbound_updates')
      .select(['update_key', 'payload_enc', 'received_at'])
      .where('channel', '=', channel)
      .where('processed_at', 'is', null)
      .where('payload_enc', 'is not', null)
      .where('attempts', '<', 5)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', clock.now())]));
    if (after)
      q = q.where(
        sql<SqlBool>`(received_at, update_key) > (${after.receivedAt}::timestamptz, ${after.updateKey}::text)`,
      );
    const rows = await q.orderBy('received_at').orderBy('update_key').limit(limit).execute();
    return rows.map((r) => ({
      updateKey: r.update_key,
      receivedAt: new Date(r.received_at),
      payload: JSON.parse(routing.decrypt(r.payload_enc as string, 'inbound_updates.payload')) as unknown,
    }));
  }

  /**
   * Everything waiting on a channel, page after page, in one pass: the unlock after a long lock may
   * find more than a page, and what is beyond the first must not wait for the next periodic sweep.
   * What fails on the way is retried by the next sweep, not again in this pass.
   */
  async function* backlog(channel: string): AsyncGenerator<PendingUpdate> {
    let after: PendingUpdate | undefined;
    for (;;) {
      const page = await pending(channel, SWEEP_PAGE, after);
      yield* page;
      after = page.at(-1);
      if (page.length < SWEEP_PAGE) return;
    }
  }

  /**
   * Takes an update for the handler about to run it: the direct path, a sweep, a sweep of another
   * process — whichever claims it first handles it, the others leave it (each would otherwise open
   * the request or append the message again). A lease, so that an update whose handler died with
   * its process is swept again once it has run out.
   */
  async function claim(channel: string, storedKey: string): Promise<boolean> {
    const now = clock.now();
    const r = await db
      .updateTable('inbound_updates')
      .set({ claimed_until: new Date(now.getTime() + CLAIM_MS) })
      .where('channel', '=', channel)
      .where('update_key', '=', storedKey)
      .where('processed_at', 'is', null)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * The person's latest request (any state but purged), with the case it belongs to: a chat attached
   * to a case or a duplicate merged into one answers to the target.
   */
  async function latestThreadOf(channel: string, identity: string) {
    const own = await db
      .selectFrom('request_threads')
      .select(['id', 'merged_into'])
      .where('identity_index', '=', identityIndex(routing, channel, identity))
      .where('purged_at', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    if (!own) return undefined;
    const root = await db
      .selectFrom('request_threads')
      .select(['id', 'language', 'category', 'status', 'closed_at', 'purged_at'])
      .where('id', '=', own.merged_into ?? own.id)
      .executeTakeFirst();
    if (!root || root.purged_at) return undefined;
    return { ownId: own.id, root };
  }

  /** The person's open case (the one the bot's questionnaire works on), if any. */
  async function openThreadOf(channel: string, identity: string) {
    const t = await latestThreadOf(channel, identity);
    if (!t || t.root.closed_at) return undefined;
    const { id, language, category, status } = t.root;
    return { id, language, category, status };
  }

  /** A receipt code (words or digits) or a one-time link code in a chat: the case it names, if any. */
  async function caseNamedBy(text: string): Promise<{ id: string; via: 'link' | 'receipt' } | null> {
    const s = text.trim();
    if (s.length === 0 || s.length > 300) return null;
    const link = await intake.redeemLinkCode(s);
    if (link) return { id: link, via: 'link' };
    const r = await intake.findByReceipt(s);
    if (!r) return null;
    const t = await db
      .selectFrom('request_threads')
      .select(['id', 'merged_into', 'purged_at'])
      .where('id', '=', r.id)
      .executeTakeFirst();
    if (!t || t.purged_at) return null;
    return { id: t.merged_into ?? t.id, via: 'receipt' };
  }

  /**
   * Attaches this chat to a case: the chat gets its own row folded into the case (sharing its key, so
   * the web requester reads the whole conversation), any request the chat had opened meanwhile is
   * folded in too, and the contact counts as a return (the case reopens or wakes).
   */
  async function attach(msg: InboundMessage, caseId: string, via: 'link' | 'receipt'): Promise<string> {
    const index = identityIndex(routing, msg.channel, msg.identity);
    const now = clock.now();
    const rowId = await deps.audit.write(async (trx) => {
      const target = await trx
        .selectFrom('request_threads')
        .select(['id', 'public_key', 'sk_for_org', 'category', 'language', 'assignee_id', 'protocol_version'])
        .where('id', '=', caseId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const mine = await trx
        .selectFrom('request_threads')
        .select(['id', 'merged_into', 'closed_at', 'message_count', 'status'])
        .where('identity_index', '=', index)
        .where('purged_at', 'is', null)
        .where('id', '!=', caseId)
        .execute();
      const already = mine.find((m) => m.merged_into === caseId);
      // What this chat opened while unlinked (no state past screening) is the same person: fold it in.
      const strays = mine.filter(
        (m) =>
          m.merged_into === null && m.closed_at === null && (m.status === 'new' || m.status === 'screening'),
      );
      if (strays.length) {
        await trx
          .updateTable('request_threads')
          .set({
            merged_into: caseId,
            awaiting_reply: false,
            updated_at: now,
            assignee_id: target.assignee_id,
          })
          .where((eb) =>
            eb.or([
              eb(
                'id',
                'in',
                strays.map((m) => m.id),
              ),
              eb(
                'merged_into',
                'in',
                strays.map((m) => m.id),
              ),
            ]),
          )
          .execute();
        await trx
          .updateTable('request_threads')
          .set((eb) => ({
            message_count: eb(
              'message_count',
              '+',
              strays.reduce((n, m) => n + m.message_count, 0),
            ),
          }))
          .where('id', '=', caseId)
          .execute();
      }
      let rowId = already?.id;
      if (!rowId) {
        const r = await trx
          .insertInto('request_threads')
          .values({
            id: randomUUID(),
            ref: generateRef(),
            channel: msg.channel,
            category: target.category,
            language: target.language,
            urgency: 0,
            status: 'new',
            public_key: target.public_key,
            sk_for_org: target.sk_for_org,
            sk_for_receipt: null,
            receipt_salt: null,
            receipt_lookup: null,
            identity_index: index,
            identity_enc: encryptChannelIdentity(routing, msg.identity),
            assignee_id: target.assignee_id,
            protocol_version: target.protocol_version,
            message_count: 0,
            awaiting_reply: false,
            created_at: now,
            updated_at: now,
            last_requester_at: now,
            merged_into: caseId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        rowId = r.id;
      }
      await deps.audit.append(
        {
          actorType: 'requester',
          action: 'request.attach',
          subjectType: 'request',
          subjectId: caseId,
          details: { channel: msg.channel, via, folded: strays.length },
        },
        trx,
      );
      return rowId;
    });
    // The code itself is never stored: the operator sees that the chat was linked, not the code.
    await intake.appendRequesterMessage(
      rowId,
      {
        body: `[${msg.channel}: linked to this request with the ${via === 'link' ? 'link code' : 'receipt code'}]`,
      },
      { channel: msg.channel },
    );
    return rowId;
  }

  /**
   * A message from a person: a code that names a case attaches this chat to it; otherwise appended
   * to the person's latest request (reopening or waking it if closed or waiting), or the first message
   * of a new one. A case in custody belongs to the POW registry: a new contact opens a new request.
   */
  async function receive(
    msg: InboundMessage,
    ctx: ReceiveContext,
  ): Promise<{ threadId: string; created: boolean; attached?: boolean; language?: string }> {
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
    if (!msg.attachments?.length) {
      const named = await caseNamedBy(msg.text);
      if (named) {
        await attach(msg, named.id, named.via);
        await db
          .updateTable('request_threads')
          .set({ last_inbound_at: clock.now() })
          .where('id', '=', named.id)
          .execute();
        const lang = await db
          .selectFrom('request_threads')
          .select('language')
          .where('id', '=', named.id)
          .executeTakeFirst();
        return { threadId: named.id, created: false, attached: true, language: lang?.language };
      }
    }
    const latest = await latestThreadOf(msg.channel, msg.identity);
    const existing = latest && latest.root.status !== 'in_custody' ? latest : undefined;
    if (!existing && !newConversations.take(msg.channel))
      throw new AppError('rate_limited', 'Too many new conversations right now');
    let threadId: string;
    let created = false;
    if (existing) {
      await intake.appendRequesterMessage(existing.ownId, content, { channel: msg.channel });
      threadId = existing.root.id;
    } else {
      const r = await intake.createRequest(
        { channel: msg.channel, category: ctx.category, language: ctx.language, content },
        {
          withReceipt: false,
          identity: {
            index: identityIndex(routing, msg.channel, msg.identity),
            enc: encryptChannelIdentity(routing, msg.identity),
          },
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
   * The one ingest path every channel takes (Telegram, WhatsApp, SMS, voice), after authenticating the
   * provider: the update is recorded first by its keyed id (a replay stops here: `'replay'`), sealed to
   * the routing key; while that key is locked nothing is attempted (`'deferred'`: the sweep runs it once
   * a server is unlocked); otherwise `handle` runs now, unless a sweep has claimed the update first
   * (`'replay'`: it is handled there, once). Handled: the raw update is wiped. A failure is kept for the
   * sweep (a budget or a lock is not counted as an attempt); a permanent one is marked failed with a
   * stable code and wiped. `recorded: true` when the channel recorded it already (to acknowledge its
   * webhook first).
   */
  async function accept<T>(
    channel: Channel,
    updateKey: string,
    payload: unknown,
    handle: () => Promise<T>,
    opts: { recorded?: boolean; permanent?: (e: unknown) => boolean } = {},
  ): Promise<T | 'replay' | 'deferred'> {
    if (!opts.recorded && !(await record(channel, updateKey, payload))) return 'replay';
    return run(channel, updateKeyOf(channel, updateKey), handle, opts.permanent);
  }

  async function run<T>(
    channel: Channel,
    storedKey: string,
    handle: () => Promise<T>,
    permanent?: (e: unknown) => boolean,
  ): Promise<T | 'deferred' | 'replay'> {
    if (!routing.isUnlocked()) return 'deferred';
    if (!(await claim(channel, storedKey))) return 'replay';
    try {
      const r = await handle();
      await finish(channel, storedKey);
      return r;
    } catch (e) {
      if (permanent?.(e)) await fail(channel, storedKey, 'malformed_update');
      else await finish(channel, storedKey, e instanceof Error ? e.message : String(e));
      if (e instanceof AppError && e.code === 'locked') return 'deferred';
      throw e;
    }
  }

  /** Runs again what `accept` recorded but did not handle (locked, a crash, a budget); how many ran. */
  async function sweep(
    channel: Channel,
    handle: (payload: unknown) => Promise<unknown>,
    opts: { permanent?: (e: unknown) => boolean } = {},
  ): Promise<number> {
    let done = 0;
    for await (const p of backlog(channel)) {
      const r = await run(channel, p.updateKey, () => handle(p.payload), opts.permanent).catch(
        () => 'failed' as const,
      );
      if (r !== 'failed' && r !== 'deferred' && r !== 'replay') done++;
    }
    return done;
  }

  function messageOf(d: DeferredMessage): InboundMessage {
    return {
      ...d.msg,
      attachments: (d.msg.attachments ?? []).map((a) => ({ ...a, data: Buffer.from(a.data, 'base64') })),
    };
  }

  /** Channels whose update is the message itself (SMS, voice): `accept` with intake's `receive`. */
  async function ingest(
    msg: InboundMessage,
    ctx: ReceiveContext,
  ): Promise<Awaited<ReturnType<typeof receive>> | 'deferred' | null> {
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
    const r = await accept(msg.channel, msg.updateKey, deferred, () => receive(msg, ctx));
    return r === 'replay' ? null : r;
  }

  /** Receives the messages `ingest` recorded but could not receive yet (locked, crash, budget). */
  function sweepMessages(channel: InboundMessage['channel']): Promise<number> {
    return sweep(channel, async (payload) => {
      const d = payload as DeferredMessage;
      if (d?.kind !== 'message') throw new AppError('bad_request', 'Not a recorded message');
      await receive(messageOf(d), d.ctx);
    });
  }

  return {
    accept,
    sweep,
    record,
    markProcessed,
    markFailed,
    pending,
    backlog,
    openThreadOf,
    latestThreadOf,
    receive,
    ingest,
    sweepMessages,
  };
}

export type ChannelIntake = ReturnType<typeof createChannelIntake>;
