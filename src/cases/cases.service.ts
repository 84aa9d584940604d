import { type Expression, type Selectable, type SqlBool, sql, type Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import { canAccessRequest } from '../auth/policies.ts';
import type { Session } from '../auth/sessions.service.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Sealer } from '../crypto/sealed.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { EVENTS_CHANNEL, eventPayload, type RequestEventType } from '../realtime/events.ts';
import { createCaseCommands } from './case-commands.service.ts';
import { type CaseState, CLOSED_STATES, isCaseState, isClosed } from './case-state.ts';
import { createCaseThreadService } from './case-thread.service.ts';
import type { CallerCategory, Channel } from './categories.ts';
import { computeSla, MAX_SLA_WINDOW_MS, type SlaView, slaBreachSql } from './sla.ts';

export interface QueueFilters {
  status?: CaseState[] | undefined;
  /** Shorthand: all states that are not closed. */
  open?: boolean | undefined;
  category?: CallerCategory[] | undefined;
  channel?: Channel[] | undefined;
  language?: string[] | undefined;
  /** Minimum urgency. */
  urgency?: number | undefined;
  tag?: string | undefined;
  assignee?: 'me' | 'none' | string | undefined;
  awaitingReply?: boolean | undefined;
  /** true: only likely fakes (score ≥ 60); false: only the others. */
  likelyFake?: boolean | undefined;
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
  tags: string[];
  createdAt: string;
  lastRequesterAt: string;
  lastOperatorAt: string | null;
  firstResponseAt: string | null;
  /** Voice callers who asked to be called back, until an operator marks it done. */
  callbackRequestedAt: string | null;
  callbackDoneAt: string | null;
  /** Spam/probe score 0–100 with the rules that fired; at 60 or more the request sinks in the queue. */
  spamScore: number;
  spamReasons: string[];
  triageVerdict: 'genuine' | 'spam' | null;
  detectedLanguage: string | null;
  /** The requester wrote again on a closed, unreachable or waiting case (until an operator replies). */
  returnedAt: string | null;
  /** His last contact before that return: the console shows the gap ("returned after 75 days"). */
  returnedFromAt: string | null;
  sla: SlaView;
}

export interface ThreadMessageView {
  id: string;
  direction: 'in' | 'out' | 'note' | 'system';
  authorId: string | null;
  body: string;
  name?: string | undefined;
  contact?: string | undefined;
  attachments?: Array<{ kind: string; mime: string; data: string }> | undefined;
  delivery?: { status: string; attempts: number; lastError: string | null } | undefined;
  /** The channel a message came by or went out on. */
  channel?: string | undefined;
  at: string;
}

/** Where a reply can go: the web page (read with the receipt code) or a chat attached to the case. */
export interface ReplyRoute {
  id: string;
  channel: string;
  lastInboundAt: string | null;
}

export interface CasesDeps {
  db: Db;
  routing?: RoutingVault;
  sealer: Sealer;
  audit: AuditLog;
  clock: Clock;
  /** Hands a reply to its channel (the outbox) inside the reply's transaction; web replies need none. */
  deliver?: (
    trx: Transaction<Database>,
    thread: { id: string; channel: string; identity_enc: string | null },
    messageId: string,
    body: string,
  ) => Promise<void>;
  /** Delivery state per outbound message id. */
  deliveryOf?: (
    threadIds: string[],
  ) => Promise<Map<string, { status: string; attempts: number; lastError: string | null }>>;
}

export type Row = {
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
  tags: string[];
  created_at: Date;
  last_requester_at: Date;
  last_operator_at: Date | null;
  first_response_at: Date | null;
  closed_at: Date | null;
  callback_requested_at: Date | null;
  callback_done_at: Date | null;
  spam_score: number;
  spam_reasons: string[];
  sunk: boolean;
  triage_verdict: 'genuine' | 'spam' | null;
  detected_language: string | null;
  returned_at: Date | null;
  returned_from_at: Date | null;
};

const QUEUE_COLUMNS = [
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
  'tags',
  'created_at',
  'last_requester_at',
  'last_operator_at',
  'first_response_at',
  'closed_at',
  'callback_requested_at',
  'callback_done_at',
  'spam_score',
  'spam_reasons',
  'sunk',
  'triage_verdict',
  'detected_language',
  'returned_at',
  'returned_from_at',
] as const;

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
      if (typeof x === 'string' && Number.isNaN(Date.parse(x)) && !/^[0-9a-f-]{36}$/.test(x))
        throw new Error();
    });
    return v as Array<string | number>;
  } catch {
    throw new AppError('validation_failed', 'Invalid cursor', { field: 'cursor' });
  }
}

export function normalizeTags(tags: string[]): string[] {
  const out = [...new Set(tags.map((t) => t.trim().toLowerCase()).filter(Boolean))];
  if (out.length > 10 || out.some((t) => t.length > 32 || !/^[\p{L}\p{N}_.:-]+$/u.test(t))) {
    throw new AppError('validation_failed', 'Tags: at most 10, each 1–32 letters, digits or _ . : -', {
      field: 'tags',
    });
  }
  return out.sort();
}

export function createCasesService(deps: CasesDeps) {
  const { db, audit, clock } = deps;

  function toItem(r: Row): QueueItem {
    const status = isCaseState(r.status) ? r.status : 'new';
    return {
      id: r.id,
      ref: r.ref,
      channel: r.channel,
      category: r.category,
      language: r.language,
      urgency: r.urgency,
      status,
      assigneeId: r.assignee_id,
      messageCount: r.message_count,
      awaitingReply: r.awaiting_reply,
      tags: r.tags,
      createdAt: r.created_at.toISOString(),
      lastRequesterAt: r.last_requester_at.toISOString(),
      lastOperatorAt: r.last_operator_at?.toISOString() ?? null,
      firstResponseAt: r.first_response_at?.toISOString() ?? null,
      callbackRequestedAt: r.callback_requested_at?.toISOString() ?? null,
      callbackDoneAt: r.callback_done_at?.toISOString() ?? null,
      spamScore: r.spam_score,
      spamReasons: r.spam_reasons,
      triageVerdict: r.triage_verdict,
      detectedLanguage: r.detected_language,
      returnedAt: r.returned_at?.toISOString() ?? null,
      returnedFromAt: r.returned_from_at?.toISOString() ?? null,
      sla: computeSla(
        {
          urgency: r.urgency,
          awaitingReply: r.awaiting_reply,
          createdAt: r.created_at,
          lastRequesterAt: r.last_requester_at,
          firstResponseAt: r.first_response_at,
          closed: isClosed(status),
        },
        clock.now(),
      ),
    };
  }

  async function notify(trx: Transaction<Database> | Db, type: RequestEventType, id: string) {
    await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload(type, id)})`.execute(trx);
  }

  /** The filters shared by the queue and its counts. */
  function filtered(user: { id: string }, f: Omit<QueueFilters, 'sort' | 'limit' | 'cursor'>) {
    let q = db.selectFrom('request_threads').where('merged_into', 'is', null);
    if (f.status?.length) q = q.where('status', 'in', f.status);
    else if (f.open) q = q.where('status', 'not in', CLOSED_STATES as CaseState[]);
    if (f.category?.length) q = q.where('category', 'in', f.category);
    if (f.channel?.length) q = q.where('channel', 'in', f.channel);
    if (f.language?.length) {
      const langs = f.language;
      q = q.where((eb) => eb.or([eb('language', 'in', langs), eb('detected_language', 'in', langs)]));
    }
    if (f.urgency !== undefined) q = q.where('urgency', '>=', f.urgency);
    if (f.tag) q = q.where(sql<SqlBool>`tags @> ARRAY[${f.tag}]::text[]`);
    if (f.awaitingReply !== undefined) q = q.where('awaiting_reply', '=', f.awaitingReply);
    if (f.likelyFake !== undefined) q = q.where('sunk', '=', f.likelyFake);
    if (f.assignee === 'me') q = q.where('assignee_id', '=', user.id);
    else if (f.assignee === 'none') q = q.where('assignee_id', 'is', null);
    else if (f.assignee) q = q.where('assignee_id', '=', f.assignee);
    return q;
  }

  async function listQueue(
    user: { id: string },
    f: QueueFilters,
  ): Promise<{ items: QueueItem[]; nextCursor: string | null }> {
    let q = filtered(user, f).select([...QUEUE_COLUMNS]);
    // Returned cases (he wrote again after a silence) head the urgent order's first page; the pages
    // that follow hold the rest. Likely fakes never jump the queue.
    // (Sent at once, beside the page's own statement: two round trips in parallel, not one after another.)
    let returnedRows: Promise<Row[]> = Promise.resolve([]);
    if (f.sort === 'urgent') {
      if (!f.cursor)
        returnedRows = q
          .where('returned_at', 'is not', null)
          .where('sunk', '=', false)
          .orderBy('returned_at', 'desc')
          .limit(100)
          .execute() as Promise<Row[]>;
      q = q.where((eb) => eb.or([eb('returned_at', 'is', null), eb('sunk', '=', true)]));
    }
    // The urgent order's cursor spans two index ranges (the rest of this sunk/not-sunk part, then the
    // sunk part): one OR would make PostgreSQL filter instead of seek, and deep pages rescan
    // everything before them. Two seeks instead; the second only when the first runs out.
    let sunkCursor: { sunk: boolean; u: number; at: string; id: string } | null = null;
    if (f.sort === 'urgent') {
      // Likely fakes sink below everything else (flood resistance), then urgency, then the newest word.
      if (f.cursor) {
        const [sunk, u, at, id] = decodeCursor(f.cursor, ['n', 'n', 's', 's']);
        sunkCursor = { sunk: sunk === 1, u: u as number, at: at as string, id: id as string };
      }
      q = q
        .orderBy('sunk', 'asc')
        .orderBy('urgency', 'desc')
        .orderBy('last_requester_at', 'desc')
        .orderBy('id', 'desc');
    } else if (f.sort === 'newest') {
      if (f.cursor) {
        const [at, id] = decodeCursor(f.cursor, ['s', 's']);
        q = q.where(sql<SqlBool>`(created_at, id) < (${at}::timestamptz, ${id}::uuid)`);
      }
      q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
    } else {
      if (f.cursor) {
        const [at, id] = decodeCursor(f.cursor, ['s', 's']);
        q = q.where(sql<SqlBool>`(last_requester_at, id) > (${at}::timestamptz, ${id}::uuid)`);
      }
      q = q.orderBy('last_requester_at', 'asc').orderBy('id', 'asc');
    }
    const pageRows = async (): Promise<Row[]> => {
      if (!sunkCursor) return (await q.limit(f.limit + 1).execute()) as Row[];
      const c = sunkCursor;
      const rows = (await q
        .where('sunk', '=', c.sunk)
        .where(sql<SqlBool>`(urgency, last_requester_at, id) < (${c.u}, ${c.at}::timestamptz, ${c.id}::uuid)`)
        .limit(f.limit + 1)
        .execute()) as Row[];
      if (rows.length >= f.limit + 1 || c.sunk) return rows;
      return rows.concat(
        (await q
          .where('sunk', '=', true)
          .limit(f.limit + 1 - rows.length)
          .execute()) as Row[],
      );
    };
    const [returned, rows] = await Promise.all([returnedRows, pageRows()]);
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    let nextCursor: string | null = null;
    if (rows.length > f.limit && last) {
      nextCursor =
        f.sort === 'urgent'
          ? encodeCursor([last.sunk ? 1 : 0, last.urgency, last.last_requester_at.toISOString(), last.id])
          : f.sort === 'newest'
            ? encodeCursor([last.created_at.toISOString(), last.id])
            : encodeCursor([last.last_requester_at.toISOString(), last.id]);
    }
    return { items: [...returned, ...page].map(toItem), nextCursor };
  }

  /**
   * Counts for the queue's tabs, under the same filters (minus status and assignee). Read from the
   * counts the writes maintain (queue_counts plus the deltas not folded yet, migration 0017, decision
   * 0017) instead of counting a million rows: a few thousand slice rows whatever the table's size.
   * Two figures depend on the reader or the clock and are counted live on small partial indexes: the
   * operator's own open cases, and the waiting requests still inside their SLA window (breached =
   * waiting with the clock running − those).
   */
  async function countQueue(
    user: { id: string },
    f: Omit<QueueFilters, 'sort' | 'limit' | 'cursor' | 'status' | 'assignee'>,
  ) {
    // The console never sends these two to the counts; the API takes them, and they are counted live.
    if (f.likelyFake !== undefined || f.awaitingReply !== undefined) return countQueueLive(user, f);
    const now = clock.now();
    const slice = sliceFilter(f);
    const tag = f.tag ?? '';
    // The two live counts read small partial indexes (an operator's open cases; the clocks started in
    // the last 8 hours) and check a tag on the rows those give. `= ANY` rather than `@>` keeps the
    // planner off the tags index: intersecting with a common tag's posting list over all open cases
    // cost more than the whole count (issue #13, measured at a million requests).
    const untagged = { ...f, tag: undefined };
    const withTag = sql<SqlBool>`${tag} = ANY(tags)`;
    const [sliced, mine, inWindow] = await Promise.all([
      sql<{ status: string; n: string; awaiting: string; unassigned: string; pending: string }>`
        SELECT status, sum(n)::text AS n,
          coalesce(sum(n) FILTER (WHERE awaiting_reply), 0)::text AS awaiting,
          coalesce(sum(n) FILTER (WHERE unassigned), 0)::text AS unassigned,
          coalesce(sum(n) FILTER (WHERE sla_pending), 0)::text AS pending
        FROM (
          SELECT status, category, channel, language, detected_language, urgency, awaiting_reply, unassigned,
            sla_pending, n FROM queue_counts WHERE tag = ${tag}
          UNION ALL
          SELECT status, category, channel, language, detected_language, urgency, awaiting_reply, unassigned,
            sla_pending, n FROM queue_count_deltas WHERE tag = ${tag}
        ) c
        WHERE ${slice}
        GROUP BY status HAVING sum(n) <> 0`.execute(db),
      filtered(user, { ...untagged, open: true, assignee: 'me' })
        .$if(tag !== '', (q) => q.where(withTag))
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
      // Every window is at most 8 hours: a clock started earlier has run out.
      filtered(user, { ...untagged, open: undefined })
        .$if(tag !== '', (q) => q.where(withTag))
        .where('awaiting_reply', '=', true)
        .where('closed_at', 'is', null)
        .where(
          sql<SqlBool>`(CASE WHEN first_response_at IS NULL THEN created_at ELSE last_requester_at END)
            >= ${new Date(now.getTime() - MAX_SLA_WINDOW_MS)}`,
        )
        .where(sql<SqlBool>`NOT ${slaBreachSql(now)}`)
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
    ]);
    const closed = new Set<string>(CLOSED_STATES);
    const out = { total: 0, open: 0, awaitingReply: 0, unassigned: 0, mine: Number(mine.n), slaBreached: 0 };
    let pending = 0;
    for (const r of sliced.rows) {
      const n = Number(r.n);
      out.total += n;
      pending += Number(r.pending);
      if (closed.has(r.status)) continue;
      out.open += n;
      out.awaitingReply += Number(r.awaiting);
      out.unassigned += Number(r.unassigned);
    }
    out.slaBreached = pending - Number(inWindow.n);
    return { ...out, byStatus: Object.fromEntries(sliced.rows.map((r) => [r.status, Number(r.n)])) };
  }

  /** The counts straight from request_threads: one pass over the filtered rows, grouped by status. */
  async function countQueueLive(
    user: { id: string },
    f: Omit<QueueFilters, 'sort' | 'limit' | 'cursor' | 'status' | 'assignee'>,
  ) {
    const now = clock.now();
    const rows = await filtered(user, { ...f, status: undefined, assignee: undefined, open: undefined })
      .select((eb) => [
        'status',
        eb.fn.countAll<string>().as('n'),
        sql<string>`count(*) FILTER (WHERE awaiting_reply)`.as('awaiting'),
        sql<string>`count(*) FILTER (WHERE assignee_id IS NULL)`.as('unassigned'),
        sql<string>`count(*) FILTER (WHERE assignee_id = ${user.id})`.as('mine'),
        sql<string>`count(*) FILTER (WHERE ${slaBreachSql(now)})`.as('breached'),
      ])
      .groupBy('status')
      .execute();
    const closed = new Set<string>(CLOSED_STATES);
    const out = { total: 0, open: 0, awaitingReply: 0, unassigned: 0, mine: 0, slaBreached: 0 };
    for (const r of rows) {
      const n = Number(r.n);
      out.total += n;
      out.slaBreached += Number(r.breached);
      if (closed.has(r.status)) continue;
      out.open += n;
      out.awaitingReply += Number(r.awaiting);
      out.unassigned += Number(r.unassigned);
      out.mine += Number(r.mine);
    }
    return { ...out, byStatus: Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) };
  }

  /** The counts' filters on a slice row of queue_counts (the same meaning as filtered()). */
  function sliceFilter(f: Omit<QueueFilters, 'sort' | 'limit' | 'cursor' | 'status' | 'assignee'>) {
    const parts: Array<Expression<SqlBool>> = [sql<SqlBool>`true`];
    if (f.category?.length) parts.push(sql<SqlBool>`category IN (${sql.join(f.category)})`);
    if (f.channel?.length) parts.push(sql<SqlBool>`channel IN (${sql.join(f.channel)})`);
    if (f.language?.length) {
      const langs = sql.join(f.language);
      parts.push(sql<SqlBool>`(language IN (${langs}) OR detected_language IN (${langs}))`);
    }
    if (f.urgency !== undefined) parts.push(sql<SqlBool>`urgency >= ${f.urgency}`);
    return sql.join(parts, sql` AND `);
  }

  /**
   * Folds the appended count deltas into queue_counts (the housekeeping job, every minute). The fold is
   * one statement (atomic on its own: a delta is moved exactly once); clearing rows that reached zero is
   * a second, independent one — a zero row adds nothing to any count, so no transaction is needed.
   */
  async function foldQueueCounts(): Promise<number> {
    {
      const r = await sql`
        WITH moved AS (DELETE FROM queue_count_deltas RETURNING *)
        INSERT INTO queue_counts (tag, status, category, channel, language, detected_language, urgency,
          awaiting_reply, unassigned, sla_pending, n)
        SELECT tag, status, category, channel, language, detected_language, urgency, awaiting_reply,
          unassigned, sla_pending, sum(n)
        FROM moved
        GROUP BY tag, status, category, channel, language, detected_language, urgency, awaiting_reply,
          unassigned, sla_pending
        ON CONFLICT (tag, status, category, channel, language, detected_language, urgency, awaiting_reply,
          unassigned, sla_pending) DO UPDATE SET n = queue_counts.n + excluded.n`.execute(db);
      await sql`DELETE FROM queue_counts WHERE n = 0`.execute(db);
      return Number(r.numAffectedRows ?? 0n);
    }
  }

  async function slaBreaches(limit = 200): Promise<QueueItem[]> {
    const rows = (await db
      .selectFrom('request_threads')
      .select([...QUEUE_COLUMNS])
      .where(slaBreachSql(clock.now()) as Expression<SqlBool>)
      .orderBy('urgency', 'desc')
      .orderBy('last_requester_at', 'asc')
      .limit(limit)
      .execute()) as Row[];
    return rows.map(toItem);
  }

  function assertAccess(session: Session, t: { assignee_id: string | null }) {
    if (!canAccessRequest(session.user, { assigneeId: t.assignee_id })) {
      throw new AppError('forbidden', 'This request is assigned to someone else');
    }
  }

  /** Locks the thread row for the rest of the transaction, after checking need-to-know. */
  async function lockThread(trx: Transaction<Database>, session: Session, id: string) {
    const t = await trx
      .selectFrom('request_threads')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!t) throw new AppError('not_found', 'No such request');
    assertAccess(session, t);
    return t;
  }

  /** Runs a change to one thread: lock, mutate, audit, notify, all in one transaction. */
  async function mutate<T>(
    session: Session,
    id: string,
    event: RequestEventType,
    fn: (trx: Transaction<Database>, t: Awaited<ReturnType<typeof lockThread>>) => Promise<T>,
  ): Promise<T> {
    const out = await audit.write(async (trx) => {
      const t = await lockThread(trx, session, id);
      const r = await fn(trx, t);
      await notify(trx, event, id);
      return r;
    });
    return out;
  }

  async function reload(trx: Transaction<Database> | Db, id: string): Promise<QueueItem> {
    const r = (await trx
      .selectFrom('request_threads')
      .select([...QUEUE_COLUMNS])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()) as Row;
    return toItem(r);
  }

  function auditEntry(session: Session, id: string, action: string, details?: Record<string, unknown>) {
    return {
      actorType: 'operator' as const,
      actorId: session.user.id,
      action,
      subjectType: 'request',
      subjectId: id,
      details,
    };
  }

  // What the case resources share (case-thread.service.ts, case-commands.service.ts).
  const kit: CaseKit = { deps, toItem, notify, assertAccess, lockThread, mutate, reload, auditEntry };
  const { openRequest, reply, addNote } = createCaseThreadService(kit);
  const {
    changeStatus,
    claim,
    release,
    assign,
    setTags,
    markProbe,
    merge,
    markCallbackDone,
    setTriageVerdict,
    setExpectedFront,
  } = createCaseCommands(kit);

  /** Who is on shift (a live session), what each holds, and what is waiting: the supervisor's view. */
  async function supervisorOverview(idleMs: number) {
    const now = clock.now();
    const closed = CLOSED_STATES as CaseState[];
    const users = await db
      .selectFrom('users')
      .leftJoin(
        db
          .selectFrom('sessions')
          .select(['user_id', (eb) => eb.fn.max('last_seen_at').as('last_seen')])
          .groupBy('user_id')
          .as('s'),
        's.user_id',
        'users.id',
      )
      .select(['users.id', 'users.email_enc', 'users.role', 's.last_seen'])
      .where('users.disabled_at', 'is', null)
      .where('users.role', 'in', ['operator', 'supervisor', 'admin'])
      .execute();
    const holding = await db
      .selectFrom('request_threads')
      .select([
        'assignee_id',
        (eb) => eb.fn.countAll<string>().as('n'),
        sql<string>`count(*) FILTER (WHERE awaiting_reply)`.as('waiting'),
      ])
      .where('assignee_id', 'is not', null)
      .where('merged_into', 'is', null)
      .where('status', 'not in', closed)
      .groupBy('assignee_id')
      .execute();
    const byUser = new Map(holding.map((h) => [h.assignee_id, h]));
    const unassigned = await db
      .selectFrom('request_threads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('assignee_id', 'is', null)
      .where('merged_into', 'is', null)
      .where('status', 'not in', closed)
      .executeTakeFirstOrThrow();
    return {
      users: users.map((u) => {
        const lastSeen = u.last_seen ? new Date(u.last_seen as Date) : null;
        return {
          id: u.id,
          emailEnc: u.email_enc,
          role: u.role,
          online: lastSeen !== null && now.getTime() - lastSeen.getTime() < idleMs,
          lastSeenAt: lastSeen?.toISOString() ?? null,
          holding: Number(byUser.get(u.id)?.n ?? 0),
          awaitingReply: Number(byUser.get(u.id)?.waiting ?? 0),
        };
      }),
      unassigned: Number(unassigned.n),
      slaBreached: await slaBreaches(),
    };
  }

  return {
    listQueue,
    countQueue,
    foldQueueCounts,
    openRequest,
    reply,
    addNote,
    changeStatus,
    claim,
    release,
    assign,
    setTags,
    markProbe,
    merge,
    supervisorOverview,
    markCallbackDone,
    setTriageVerdict,
    setExpectedFront,
    getItem: (id: string) => reload(db, id),
  };
}

export type CasesService = ReturnType<typeof createCasesService>;

type LockedThread = Selectable<Database['request_threads']>;

/** The helpers the case resources share; built in `createCasesService`. */
export interface CaseKit {
  deps: CasesDeps;
  toItem(r: Row): QueueItem;
  notify(trx: Transaction<Database> | Db, type: RequestEventType, id: string): Promise<void>;
  assertAccess(session: Session, t: { assignee_id: string | null }): void;
  lockThread(trx: Transaction<Database>, session: Session, id: string): Promise<LockedThread>;
  mutate<T>(
    session: Session,
    id: string,
    event: RequestEventType,
    fn: (trx: Transaction<Database>, t: LockedThread) => Promise<T>,
  ): Promise<T>;
  reload(trx: Transaction<Database> | Db, id: string): Promise<QueueItem>;
  auditEntry(
    session: Session,
    id: string,
    action: string,
    details?: Record<string, unknown>,
  ): {
    actorType: 'operator';
    actorId: string;
    action: string;
    subjectType: string;
    subjectId: string;
    details: Record<string, unknown> | undefined;
  };
}
