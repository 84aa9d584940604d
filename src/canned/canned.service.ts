import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { LANGUAGES } from '../i18n/i18n.ts';

export const DEFAULT_CANNED_FILE = new URL('./default-canned-replies.json', import.meta.url);

/** Canned replies: supervisor-managed, per language. Generic text, not about any person: stored in clear. */
export interface CannedReply {
  id: string;
  language: string;
  title: string;
  body: string;
  updatedAt: string;
}

/** A reply an operator proposed for the canned list, waiting for a supervisor or admin. */
export interface CannedSuggestion {
  id: string;
  language: string;
  title: string;
  body: string;
  suggestedBy: string | null;
  createdAt: string;
}

type CannedInput = { language: string; title: string; body: string };

export function createCannedService(deps: { db: Db; audit: AuditLog; clock: Clock }) {
  const { db, audit, clock } = deps;
  const toView = (r: {
    id: string;
    language: string;
    title: string;
    body: string;
    updated_at: Date | string;
  }): CannedReply => ({
    id: r.id,
    language: r.language,
    title: r.title,
    body: r.body,
    updatedAt: new Date(r.updated_at).toISOString(),
  });

  const toSuggestion = (r: {
    id: string;
    language: string;
    title: string;
    body: string;
    suggested_by: string | null;
    created_at: Date | string;
  }): CannedSuggestion => ({
    id: r.id,
    language: r.language,
    title: r.title,
    body: r.body,
    suggestedBy: r.suggested_by,
    createdAt: new Date(r.created_at).toISOString(),
  });

  return {
    /**
     * A fresh install starts with a useful set per language (the shipped file). Only into an empty
     * table, under a lock, so several instances starting together seed once and what supervisors
     * later edit or delete stays as they left it.
     */
    async seedDefaults(file: URL = DEFAULT_CANNED_FILE): Promise<number> {
      const data = JSON.parse(await readFile(file, 'utf8')) as Record<
        string,
        Array<{ title: string; body: string }>
      >;
      return audit.write(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(727012)`.execute(trx);
        const any = await trx.selectFrom('canned_replies').select('id').limit(1).executeTakeFirst();
        if (any) return 0;
        const now = clock.now();
        const rows = LANGUAGES.flatMap((language) =>
          (data[language] ?? []).map((c) => ({
            id: randomUUID(),
            language,
            title: c.title,
            body: c.body,
            created_by: null,
            created_at: now,
            updated_at: now,
          })),
        );
        if (rows.length) await trx.insertInto('canned_replies').values(rows).execute();
        return rows.length;
      });
    },
    async list(language?: string): Promise<CannedReply[]> {
      let q = db.selectFrom('canned_replies').selectAll().orderBy('language').orderBy('title');
      if (language) q = q.where('language', '=', language);
      return (await q.execute()).map(toView);
    },
    async create(
      actorId: string,
      input: { language: string; title: string; body: string },
    ): Promise<CannedReply> {
      const now = clock.now();
      const row = await audit.write(async (trx, w) => {
        const row = await trx
          .insertInto('canned_replies')
          .values({ id: randomUUID(), ...input, created_by: actorId, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'canned.create',
          subjectType: 'canned_reply',
          subjectId: row.id,
        });
        return row;
      });
      return toView(row);
    },
    async update(
      actorId: string,
      id: string,
      input: { language: string; title: string; body: string },
    ): Promise<CannedReply> {
      const row = await audit.write(async (trx, w) => {
        const row = await trx
          .updateTable('canned_replies')
          .set({ ...input, updated_at: clock.now() })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new AppError('not_found', 'No such canned reply');
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'canned.update',
          subjectType: 'canned_reply',
          subjectId: id,
        });
        return row;
      });
      return toView(row);
    },
    /** An operator proposes a reply (issue #15); nothing changes in the canned list until approved. */
    async suggest(actorId: string, input: CannedInput): Promise<CannedSuggestion> {
      const row = await audit.write(async (trx, w) => {
        const r = await trx
          .insertInto('canned_suggestions')
          .values({ id: randomUUID(), ...input, suggested_by: actorId, created_at: clock.now() })
          .returningAll()
          .executeTakeFirstOrThrow();
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'canned.suggest',
          subjectType: 'canned_suggestion',
          subjectId: r.id,
          details: { language: input.language },
        });
        return r;
      });
      return toSuggestion(row);
    },
    async listSuggestions(): Promise<CannedSuggestion[]> {
      const rows = await db.selectFrom('canned_suggestions').selectAll().orderBy('created_at').execute();
      return rows.map(toSuggestion);
    },
    /**
     * Approves a suggestion, with the reviewer's edits: it becomes a canned reply in its language and
     * the suggestion is gone. One transaction: two reviewers approving at once make one reply.
     */
    async approveSuggestion(actorId: string, id: string, input: CannedInput): Promise<CannedReply> {
      const row = await audit.write(async (trx, w) => {
        const s = await trx
          .deleteFrom('canned_suggestions')
          .where('id', '=', id)
          .returning(['id', 'suggested_by'])
          .executeTakeFirst();
        if (!s) throw new AppError('not_found', 'No such suggestion (already decided?)');
        const now = clock.now();
        const r = await trx
          .insertInto('canned_replies')
          .values({ id: randomUUID(), ...input, created_by: actorId, created_at: now, updated_at: now })
          .returningAll()
          .executeTakeFirstOrThrow();
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'canned.suggestion_approve',
          subjectType: 'canned_reply',
          subjectId: r.id,
          details: { suggestionId: id, suggestedBy: s.suggested_by, language: input.language },
        });
        return r;
      });
      return toView(row);
    },
    async rejectSuggestion(actorId: string, id: string): Promise<void> {
      await audit.write(async (trx, w) => {
        const s = await trx
          .deleteFrom('canned_suggestions')
          .where('id', '=', id)
          .returning(['id', 'suggested_by', 'language'])
          .executeTakeFirst();
        if (!s) throw new AppError('not_found', 'No such suggestion (already decided?)');
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'canned.suggestion_reject',
          subjectType: 'canned_suggestion',
          subjectId: id,
          details: { suggestedBy: s.suggested_by, language: s.language },
        });
      });
    },
    async remove(actorId: string, id: string): Promise<void> {
      await audit.write(async (trx, w) => {
        const r = await trx.deleteFrom('canned_replies').where('id', '=', id).executeTakeFirst();
        if (r.numDeletedRows === 0n) throw new AppError('not_found', 'No such canned reply');
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'canned.delete',
          subjectType: 'canned_reply',
          subjectId: id,
        });
      });
    },
  };
}

export type CannedService = ReturnType<typeof createCannedService>;
