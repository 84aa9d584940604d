import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import { type CaseState, CLOSED_STATES } from '../cases/case-state.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { EVENTS_CHANNEL, eventPayload } from '../realtime/events.ts';

/**
 * Routing by language (issue #14). Operators list the languages they work in; with auto-assignment on
 * (a supervisor's switch, audited), a new request is offered to the available operator who speaks its
 * language and holds the fewest open requests. "Available" = an operator or supervisor, not disabled,
 * seen within the session idle window. Nobody speaking it: the request stays in the queue as before,
 * and the supervisor view lists the languages waiting for someone on shift.
 *
 * A request's language is what triage detected in the text (`ko`, `kk` …), else the page's language.
 */
export const REQUEST_LANGUAGE_SQL = sql<string>`COALESCE(NULLIF(request_threads.detected_language, 'other'), request_threads.language)`;

export interface RoutingSettings {
  /** Offer new requests to an available operator who speaks their language. */
  autoAssignByLanguage: boolean;
}

const DEFAULTS: RoutingSettings = { autoAssignByLanguage: false };
const TTL_MS = 5000;
const ROUTED_ROLES = ['operator', 'supervisor'];
/** Language codes as triage stores them: ISO 639-1, or 639-3 where there is none. */
export const LANGUAGE_CODE = /^[a-z]{2,3}$/;

export function createAssignmentService(deps: { db: Db; audit: AuditLog; clock: Clock; idleMs: number }) {
  const { db, audit, clock } = deps;
  let cache: { value: RoutingSettings; at: number } | null = null;

  async function settings(): Promise<RoutingSettings> {
    if (cache && Date.now() - cache.at < TTL_MS) return cache.value;
    const row = await db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'routing')
      .executeTakeFirst();
    const value = { ...DEFAULTS, ...((row?.value as Partial<RoutingSettings> | undefined) ?? {}) };
    cache = { value, at: Date.now() };
    return value;
  }

  async function setSettings(actorId: string, value: RoutingSettings): Promise<RoutingSettings> {
    await audit.write(async (trx) => {
      await trx
        .insertInto('settings')
        .values({
          key: 'routing',
          value: JSON.stringify(value),
          updated_at: clock.now(),
          updated_by: actorId,
        })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ value: JSON.stringify(value), updated_at: clock.now(), updated_by: actorId }),
        )
        .execute();
      await audit.append(
        { actorType: 'operator', actorId, action: 'settings.routing', details: { ...value } },
        trx,
      );
    });
    cache = { value, at: Date.now() };
    return value;
  }

  async function setLanguages(actorId: string, userId: string, languages: string[]): Promise<string[]> {
    const clean = [...new Set(languages.map((l) => l.trim().toLowerCase()))].sort();
    if (clean.length > 20 || clean.some((l) => !LANGUAGE_CODE.test(l)))
      throw new AppError('validation_failed', 'Languages are ISO 639 codes such as ru, uk, ko (at most 20)');
    await audit.write(async (trx) => {
      const r = await trx
        .updateTable('users')
        .set({ languages: clean, updated_at: clock.now() })
        .where('id', '=', userId)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) throw new AppError('not_found', 'No such user');
      await audit.append(
        {
          actorType: 'operator',
          actorId,
          action: 'user.languages',
          subjectType: 'user',
          subjectId: userId,
          details: { languages: clean },
        },
        trx,
      );
    });
    return clean;
  }

  async function languagesOf(userId: string): Promise<string[]> {
    const row = await db.selectFrom('users').select('languages').where('id', '=', userId).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such user');
    return row.languages;
  }

  /** Operators on shift now (seen within the idle window), with their languages and open holdings. */
  async function onShift(): Promise<Array<{ id: string; languages: string[]; holding: number }>> {
    const since = new Date(clock.now().getTime() - deps.idleMs);
    const rows = await db
      .selectFrom('users')
      .select([
        'users.id',
        'users.languages',
        sql<string>`(SELECT count(*) FROM request_threads t WHERE t.assignee_id = users.id
          AND t.merged_into IS NULL AND t.status <> ALL(${sql.val(CLOSED_STATES as CaseState[])}::text[]))`.as(
          'holding',
        ),
      ])
      .where('users.disabled_at', 'is', null)
      .where('users.role', 'in', ROUTED_ROLES)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('sessions')
            .select(sql`1`.as('one'))
            .whereRef('sessions.user_id', '=', 'users.id')
            .where('sessions.last_seen_at', '>=', since),
        ),
      )
      .execute();
    return rows.map((r) => ({ id: r.id, languages: r.languages, holding: Number(r.holding) }));
  }

  /**
   * Offers a new request to the least-loaded available operator who speaks its language (ties: the
   * one who has held a request least recently… approximated by id order, stable). Does nothing when the
   * switch is off, the request is taken already, or nobody on shift speaks the language.
   */
  async function offer(threadId: string): Promise<string | null> {
    if (!(await settings()).autoAssignByLanguage) return null;
    const t = await db
      .selectFrom('request_threads')
      .select([REQUEST_LANGUAGE_SQL.as('lang'), 'assignee_id', 'sunk'])
      .where('id', '=', threadId)
      .executeTakeFirst();
    // Likely fakes are not pushed onto anyone: they wait, sunk, in the shared queue.
    if (!t || t.assignee_id !== null || t.sunk) return null;
    const candidates = (await onShift())
      .filter((o) => o.languages.includes(t.lang))
      .sort((a, b) => a.holding - b.holding || (a.id < b.id ? -1 : 1));
    const pick = candidates[0];
    if (!pick) return null;
    const assigned = await audit.write(async (trx) => {
      const r = await trx
        .updateTable('request_threads')
        .set({ assignee_id: pick.id, updated_at: clock.now() })
        .where('id', '=', threadId)
        .where('assignee_id', 'is', null)
        .executeTakeFirst();
      if (r.numUpdatedRows === 0n) return false;
      await audit.append(
        {
          actorType: 'system',
          actorId: null,
          action: 'request.auto_assign',
          subjectType: 'request',
          subjectId: threadId,
          details: { to: pick.id, language: t.lang, holding: pick.holding },
        },
        trx,
      );
      await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', threadId)})`.execute(trx);
      return true;
    });
    if (!assigned) return null;
    return pick.id;
  }

  /** Open, unassigned requests per language that nobody on shift speaks (the supervisor's alarm). */
  async function waitingWithoutSpeaker(): Promise<
    Array<{ language: string; waiting: number; oldestAt: string }>
  > {
    const spoken = new Set((await onShift()).flatMap((o) => o.languages));
    const rows = await db
      .selectFrom('request_threads')
      .select([
        REQUEST_LANGUAGE_SQL.as('language'),
        sql<string>`count(*)`.as('waiting'),
        sql<Date>`min(created_at)`.as('oldest'),
      ])
      .where('assignee_id', 'is', null)
      .where('merged_into', 'is', null)
      .where('sunk', '=', false)
      .where('status', 'not in', CLOSED_STATES as CaseState[])
      .groupBy(sql`1`)
      .orderBy(sql`min(created_at)`)
      .execute();
    return rows
      .filter((r) => !spoken.has(r.language))
      .map((r) => ({
        language: r.language,
        waiting: Number(r.waiting),
        oldestAt: new Date(r.oldest).toISOString(),
      }));
  }

  return { settings, setSettings, setLanguages, languagesOf, onShift, offer, waitingWithoutSpeaker };
}

export type AssignmentService = ReturnType<typeof createAssignmentService>;

/**
 * The intake with routing: every new request (web form and messaging channels alike) is offered by
 * language right after it is committed. A failed offer never fails the intake: the request is in the
 * queue either way.
 */
export function withLanguageRouting<
  I extends { createRequest: (...args: never[]) => Promise<{ id: string }> },
>(intake: I, routing: Pick<AssignmentService, 'offer'>, log: { warn(obj: object, msg: string): void }): I {
  const createRequest = async (...args: Parameters<I['createRequest']>) => {
    const created = await intake.createRequest(...args);
    await routing.offer(created.id).catch((err: unknown) => {
      log.warn({ error: err instanceof Error ? err.name : 'unknown' }, 'auto-assign by language failed');
    });
    return created;
  };
  return { ...intake, createRequest: createRequest as I['createRequest'] };
}
