import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import { canAccessRequest } from '../auth/policies.ts';
import type { Session } from '../auth/sessions.service.ts';
import type { Clock } from '../clock.ts';
import type { Sealer } from '../crypto/sealed.ts';
import { openThreadWithOrgKey } from '../crypto/thread-keys.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { decodeContent, encodeContent } from '../intake/message-content.ts';
import {
  allowedTransitions,
  type CaseState,
  CLOSED_STATES,
  canTransition,
  isCaseState,
  isClosed,
} from './case-state.ts';
import type { CallerCategory, Channel } from './categories.ts';

export interface QueueFilters {
  status?: CaseState[] | undefined;
  /** Shorthand: all states that are not closed. */
  open?: boolean | undefined;
  category?: CallerCategory[] | undefined;
  channel?: Channel[] | undefined;
  assignee?: 'me' | 'none' | string | undefined;
  awaitingReply?: boolean | undefined;
  sort: 'urgent' | 'newest' | 'waiting';
  limit: number;
  cursor?: string | undefined;
}

export interface QueueItem {
  id: string;
  ref: string;
  channel: string;
  category: string;
  language: string;
  urgency: number;
  status: CaseState;
  assigneeId: string | null;
  messageCount: number;
  awaitingReply: boolean;
  createdAt: string;
  lastRequesterAt: string;
  lastOperatorAt: string | null;
}

export interface ThreadMessageView {
  id: string;
  direction: 'in' | 'out' | 'note' | 'system';
  authorId: string | null;
  body: string;
  name?: string | undefined;
  contact?: string | undefined;
  at: string;
}

export interface CasesDeps {
  db: Db;
  sealer: Sealer;
  audit: AuditLog;
  clock: Clock;
}

type Row = {
  id: string;
  ref: string;
  channel: string;
  category: string;
  language: string;
  urgency: number;
  status: string;
  assignee_id: string | null;
  message_count: number;
  awaiting_reply: boolean;
  created_at: Date;
  last_requester_at: Date;
  last_operator_at: Date | null;
};

function toItem(r: Row): QueueItem {
  return {
    id: r.id,
    ref: r.ref,
    channel: r.channel,
    category: r.category,
    language: r.language,
    urgency: r.urgency,
    status: isCaseState(r.status) ? r.status : 'new',
    assigneeId: r.assignee_id,
    messageCount: r.message_count,
    awaitingReply: r.awaiting_reply,
    createdAt: r.created_at.toISOString(),
    lastRequesterAt: r.last_requester_at.toISOString(),
    lastOperatorAt: r.last_operator_at?.toISOString() ?? null,
  };
}

/** Keyset cursors keep paging fast however deep it goes (no OFFSET scans). */
function encodeCursor(parts: Array<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

function decodeCursor(c: string, shape: Array<'n' | 's'>): Array<string | number> {
  try {
    const v: unknown = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || v.length !== shape.length) throw new Error();
    v.forEach((x, i) => {
      if (typeof x !== (shape[i] === 'n' ? 'number' : 'string')) throw new Error();
    });
    return v as Array<string | number>;
  } catch {
    throw new AppError('validation_failed', 'Invalid cursor', { field: 'cursor' });
  }
}

export function createCasesService(deps: CasesDeps) {
  const { db, sealer, audit, clock } = deps;

  async function listQueue(
    user: { id: string },
    f: QueueFilters,
  ): Promise<{ items: QueueItem[]; nextCursor: string | null }> {
    let q = db
      .selectFrom('request_threads')
      .select([
        'id',
        'ref',
        'channel',
        'category',
        'language',
        'urgency',
        'status',
        'assignee_id',
        'message_count',
        'awaiting_reply',
        'created_at',
        'last_requester_at',
        'last_operator_at',
      ]);
    if (f.status?.length) q = q.where('status', 'in', f.status);
    else if (f.open) q = q.where('status', 'not in', CLOSED_STATES as CaseState[]);
    if (f.category?.length) q = q.where('category', 'in', f.category);
    if (f.channel?.length) q = q.where('channel', 'in', f.channel);
    if (f.awaitingReply !== undefined) q = q.where('awaiting_reply', '=', f.awaitingReply);
    if (f.assignee === 'me') q = q.where('assignee_id', '=', user.id);
    else if (f.assignee === 'none') q = q.where('assignee_id', 'is', null);
    else if (f.assignee) q = q.where('assignee_id', '=', f.assignee);

    if (f.sort === 'urgent') {
      if (f.cursor) {
        const [u, at, id] = decodeCursor(f.cursor, ['n', 's', 's']);
        q = q.where(sql<boolean>`(urgency, last_requester_at, id) < (${u}, ${at}::timestamptz, ${id}::uuid)`);
      }
      q = q.orderBy('urgency', 'desc').orderBy('last_requester_at', 'desc').orderBy('id', 'desc');
    } else if (f.sort === 'newest') {
      if (f.cursor) {
        const [at, id] = decodeCursor(f.cursor, ['s', 's']);
        q = q.where(sql<boolean>`(created_at, id) < (${at}::timestamptz, ${id}::uuid)`);
      }
      q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
    } else {
      if (f.cursor) {
        const [at, id] = decodeCursor(f.cursor, ['s', 's']);
        q = q.where(sql<boolean>`(last_requester_at, id) > (${at}::timestamptz, ${id}::uuid)`);
      }
      q = q.orderBy('last_requester_at', 'asc').orderBy('id', 'asc');
    }
    const rows = (await q.limit(f.limit + 1).execute()) as Row[];
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    let nextCursor: string | null = null;
    if (rows.length > f.limit && last) {
      nextCursor =
        f.sort === 'urgent'
          ? encodeCursor([last.urgency, last.last_requester_at.toISOString(), last.id])
          : f.sort === 'newest'
            ? encodeCursor([last.created_at.toISOString(), last.id])
            : encodeCursor([last.last_requester_at.toISOString(), last.id]);
    }
    return { items: page.map(toItem), nextCursor };
  }

  async function loadThread(id: string) {
    const t = await db.selectFrom('request_threads').selectAll().where('id', '=', id).executeTakeFirst();
    if (!t) throw new AppError('not_found', 'No such request');
    return t;
  }

  function assertAccess(session: Session, t: { assignee_id: string | null }) {
    if (!canAccessRequest(session.user, { assigneeId: t.assignee_id })) {
      throw new AppError('forbidden', 'This request is assigned to someone else');
    }
  }

  /** Decrypts a whole thread inside the operator's unlocked session. Every call is audited. */
  async function openRequest(session: Session, id: string) {
    const t = await loadThread(id);
    assertAccess(session, t);
    const orgKey = session.orgKey();
    if (!orgKey)
      throw new AppError('key_not_granted', 'Your account has not been granted the organisation key yet');
    const kp = openThreadWithOrgKey(sealer, orgKey, { publicKey: t.public_key, skForOrg: t.sk_for_org });
    orgKey.fill(0);
    const rows = await db
      .selectFrom('thread_messages')
      .selectAll()
      .where('thread_id', '=', id)
      .orderBy('id')
      .execute();
    const messages: ThreadMessageView[] = rows.map((m) => {
      const c = decodeContent(sealer.open(kp, m.sealed));
      return {
        id: m.id,
        direction: m.direction,
        authorId: m.author_id,
        body: c.body,
        name: c.name,
        contact: c.contact,
        at: new Date(m.created_at).toISOString(),
      };
    });
    kp.secretKey.fill(0);
    await audit.append({
      actorType: 'operator',
      actorId: session.user.id,
      action: 'request.decrypt',
      subjectType: 'request',
      subjectId: id,
    });
    audit.chainSoon();
    const status = isCaseState(t.status) ? t.status : 'new';
    return {
      request: toItem(t as unknown as Row),
      allowedTransitions: allowedTransitions(status),
      messages,
    };
  }

  /**
   * An operator reply, sealed to the thread's public key. Replying to an unassigned request takes it
   * (so two operators do not answer the same person), and a first reply moves `new` to `screening`.
   */
  async function reply(session: Session, id: string, body: string): Promise<{ messageId: string }> {
    const now = clock.now();
    const result = await db.transaction().execute(async (trx) => {
      const t = await trx
        .selectFrom('request_threads')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!t) throw new AppError('not_found', 'No such request');
      assertAccess(session, t);
      const msg = await trx
        .insertInto('thread_messages')
        .values({
          thread_id: id,
          direction: 'out',
          author_id: session.user.id,
          sealed: sealer.seal(t.public_key, encodeContent({ body })),
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const nextStatus = t.status === 'new' ? 'screening' : t.status;
      await trx
        .updateTable('request_threads')
        .set((eb) => ({
          message_count: eb('message_count', '+', 1),
          awaiting_reply: false,
          last_operator_at: now,
          updated_at: now,
          assignee_id: t.assignee_id ?? session.user.id,
          status: nextStatus,
        }))
        .where('id', '=', id)
        .execute();
      await audit.append(
        {
          actorType: 'operator',
          actorId: session.user.id,
          action: 'request.reply',
          subjectType: 'request',
          subjectId: id,
        },
        trx,
      );
      if (nextStatus !== t.status) {
        await audit.append(
          {
            actorType: 'operator',
            actorId: session.user.id,
            action: 'request.status',
            subjectType: 'request',
            subjectId: id,
            details: { from: t.status, to: nextStatus },
          },
          trx,
        );
      }
      return { messageId: msg.id };
    });
    audit.chainSoon();
    return result;
  }

  async function changeStatus(session: Session, id: string, to: CaseState): Promise<QueueItem> {
    const now = clock.now();
    const row = await db.transaction().execute(async (trx) => {
      const t = await trx
        .selectFrom('request_threads')
        .selectAll()
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!t) throw new AppError('not_found', 'No such request');
      assertAccess(session, t);
      const from = isCaseState(t.status) ? t.status : 'new';
      if (!canTransition(from, to)) {
        throw new AppError('invalid_transition', `Cannot move a request from ${from} to ${to}`, {
          from,
          to,
          allowed: allowedTransitions(from),
        });
      }
      const updated = await trx
        .updateTable('request_threads')
        .set({
          status: to,
          updated_at: now,
          closed_at: isClosed(to) ? now : null,
          assignee_id: t.assignee_id ?? session.user.id,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await audit.append(
        {
          actorType: 'operator',
          actorId: session.user.id,
          action: 'request.status',
          subjectType: 'request',
          subjectId: id,
          details: { from, to },
        },
        trx,
      );
      return updated;
    });
    audit.chainSoon();
    return toItem(row as unknown as Row);
  }

  return { listQueue, openRequest, reply, changeStatus };
}

export type CasesService = ReturnType<typeof createCasesService>;
