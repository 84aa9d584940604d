import type { Transaction } from 'kysely';
import type { Session } from '../auth/sessions.service.ts';
import { openThreadWithOrgKey } from '../crypto/thread-keys.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { decodeContent, encodeContent } from '../intake/message-content.ts';
import { allowedTransitions } from './case-state.ts';
import type { CaseKit, ReplyRoute, Row, ThreadMessageView } from './cases.service.ts';
import { openTimerField } from './timer-fields.ts';

/** A case's conversation: opening it in the operator's session (audited), replies on the route he last wrote, notes. */
export function createCaseThreadService(kit: CaseKit) {
  const { db, sealer, audit, clock } = kit.deps;
  const { deps } = kit;
  const { toItem, assertAccess, mutate, auditEntry } = kit;

  function openMessages(
    orgKey: Buffer,
    threads: Array<{ id: string; public_key: Buffer; sk_for_org: Buffer; channel: string }>,
  ) {
    return Promise.all(
      threads.map(async (t) => {
        const kp = openThreadWithOrgKey(sealer, orgKey, { publicKey: t.public_key, skForOrg: t.sk_for_org });
        const rows = await db
          .selectFrom('thread_messages')
          .selectAll()
          .where('thread_id', '=', t.id)
          .orderBy('id')
          .execute();
        const views = rows.map((m): ThreadMessageView => {
          const c = decodeContent(sealer.open(kp, m.sealed));
          return {
            id: m.id,
            direction: m.direction,
            authorId: m.author_id,
            body: c.body,
            name: c.name,
            contact: c.contact,
            attachments: c.attachments,
            channel: m.direction === 'in' || m.direction === 'out' ? (m.channel ?? t.channel) : undefined,
            at: new Date(m.created_at).toISOString(),
          };
        });
        kp.secretKey.fill(0);
        return views;
      }),
    );
  }

  /** Decrypts a whole thread (and duplicates merged into it) in the operator's session. Audited. */
  async function openRequest(session: Session, id: string) {
    const t = await db.selectFrom('request_threads').selectAll().where('id', '=', id).executeTakeFirst();
    if (!t) throw new AppError('not_found', 'No such request');
    assertAccess(session, t);
    const orgKey = session.orgKey();
    if (!orgKey)
      throw new AppError('key_not_granted', 'Your account has not been granted the organisation key yet');
    const merged = await db
      .selectFrom('request_threads')
      .select(['id', 'ref', 'public_key', 'sk_for_org', 'channel'])
      .where('merged_into', '=', id)
      .execute();
    let messages: ThreadMessageView[];
    try {
      messages = (await openMessages(orgKey, [t, ...merged]))
        .flat()
        .sort((a, b) => a.at.localeCompare(b.at) || Number(a.id) - Number(b.id));
    } finally {
      orgKey.fill(0);
    }
    if (deps.deliveryOf) {
      const delivery = await deps.deliveryOf([t.id, ...merged.map((m) => m.id)]);
      for (const m of messages) if (delivery.has(m.id)) m.delivery = delivery.get(m.id);
    }
    const related = t.identity_index
      ? await db
          .selectFrom('request_threads')
          .select(['id', 'ref', 'status', 'created_at'])
          .where('identity_index', '=', t.identity_index)
          .where('id', '!=', id)
          .orderBy('created_at', 'desc')
          .limit(50)
          .execute()
      : [];
    await audit.record({
      actorType: 'operator',
      actorId: session.user.id,
      action: 'request.decrypt',
      subjectType: 'request',
      subjectId: id,
    });
    const item = toItem(t as unknown as Row);
    const routes = await routesOf(db, t);
    const mergedIds = new Set(merged.map((m) => m.id));
    return {
      request: item,
      routes: routes.map((r) => ({ id: r.id, channel: r.channel, lastInboundAt: r.lastInboundAt })),
      /** Earlier requests from the same chat or number (a count: their content stays need-to-know). */
      wroteBefore: related.filter((r) => !mergedIds.has(r.id)).length,
      expectedFrontDate:
        t.expected_front_enc && deps.routing
          ? openTimerField(deps.routing, 'expected_front', t.expected_front_enc)
          : null,
      allowedTransitions: [...allowedTransitions(item.status)],
      messages,
      related: related.map((r) => ({
        id: r.id,
        ref: r.ref,
        status: r.status,
        createdAt: new Date(r.created_at).toISOString(),
      })),
      merged: merged.map((m) => ({ id: m.id, ref: m.ref })),
    };
  }

  async function insertMessage(
    trx: Transaction<Database>,
    t: { id: string; public_key: Buffer },
    session: Session,
    direction: 'out' | 'note',
    body: string,
    channel?: string,
  ) {
    return trx
      .insertInto('thread_messages')
      .values({
        thread_id: t.id,
        direction,
        author_id: session.user.id,
        sealed: sealer.seal(t.public_key, encodeContent({ body })),
        created_at: clock.now(),
        ...(channel ? { channel } : {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  /**
   * Where a reply can go, the last place he wrote first: the web page (the case has a receipt) and
   * every chat attached to the case or folded into it.
   */
  async function routesOf(
    trx: Transaction<Database> | Db,
    t: { id: string; channel: string; identity_enc: string | null },
  ): Promise<Array<ReplyRoute & { identity_enc: string | null }>> {
    const others = await trx
      .selectFrom('request_threads')
      .select(['id', 'channel', 'identity_enc'])
      .where('merged_into', '=', t.id)
      .where('identity_enc', 'is not', null)
      .where('purged_at', 'is', null)
      .execute();
    const all = [...(t.channel === 'web' || t.identity_enc ? [t] : []), ...others];
    if (all.length === 0) return [];
    const last = await trx
      .selectFrom('thread_messages')
      .select(['thread_id', (eb) => eb.fn.max('id').as('last_id'), (eb) => eb.fn.max('created_at').as('at')])
      .where(
        'thread_id',
        'in',
        all.map((r) => r.id),
      )
      .where('direction', '=', 'in')
      .groupBy('thread_id')
      .execute();
    const byId = new Map(last.map((l) => [l.thread_id, l]));
    return all
      .map((r) => {
        const l = byId.get(r.id);
        return {
          id: r.id,
          channel: r.channel,
          identity_enc: r.identity_enc,
          lastInboundAt: l?.at ? new Date(l.at as Date).toISOString() : null,
          lastId: Number(l?.last_id ?? 0),
        };
      })
      .sort((a, b) => b.lastId - a.lastId)
      .map(({ lastId: _, ...r }) => r);
  }

  /**
   * An operator reply, sealed to the thread's public key. Replying to an unassigned request takes it
   * (so two operators do not answer the same person), and a first reply moves `new` to `screening`.
   */
  async function reply(
    session: Session,
    id: string,
    body: string,
    via?: string,
  ): Promise<{ messageId: string; channel: string }> {
    return mutate(session, id, 'message', async (trx, t) => {
      const now = clock.now();
      // He may write from several places over the months: the reply goes where he last wrote, unless
      // the operator picks another of the case's routes.
      const routes = await routesOf(trx, t);
      const route = via ? routes.find((r) => r.id === via) : routes[0];
      if (via && !route)
        throw new AppError('validation_failed', 'No such reply route for this request', { field: 'via' });
      const channel = route?.channel ?? t.channel;
      const msg = await insertMessage(
        trx,
        t,
        session,
        'out',
        body,
        channel === t.channel ? undefined : channel,
      );
      if (route && channel !== 'web' && deps.deliver)
        await deps.deliver(trx, { id: t.id, channel, identity_enc: route.identity_enc }, msg.id, body);
      const nextStatus = t.status === 'new' ? 'screening' : t.status;
      await trx
        .updateTable('request_threads')
        .set((eb) => ({
          message_count: eb('message_count', '+', 1),
          awaiting_reply: false,
          last_operator_at: now,
          first_response_at: t.first_response_at ?? now,
          updated_at: now,
          assignee_id: t.assignee_id ?? session.user.id,
          status: nextStatus,
          returned_at: null,
        }))
        .where('id', '=', id)
        .execute();
      await audit.append(auditEntry(session, id, 'request.reply', { channel }), trx);
      if (nextStatus !== t.status)
        await audit.append(
          auditEntry(session, id, 'request.status', { from: t.status, to: nextStatus }),
          trx,
        );
      return { messageId: msg.id, channel };
    });
  }

  /** Internal note: sealed like everything else, never shown to the requester. */
  async function addNote(session: Session, id: string, body: string): Promise<{ messageId: string }> {
    return mutate(session, id, 'message', async (trx, t) => {
      const msg = await insertMessage(trx, t, session, 'note', body);
      await trx
        .updateTable('request_threads')
        .set({ updated_at: clock.now() })
        .where('id', '=', id)
        .execute();
      await audit.append(auditEntry(session, id, 'request.note'), trx);
      return { messageId: msg.id };
    });
  }

  return { openRequest, routesOf, reply, addNote };
}
