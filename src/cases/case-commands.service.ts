import { sql } from 'kysely';
import { can } from '../auth/policies.ts';
import type { Session } from '../auth/sessions.service.ts';
import { AppError } from '../errors.ts';
import type { SpamReason } from '../triage/spam-reasons.ts';
import { allowedTransitions, type CaseState, canTransition, isCaseState, isClosed } from './case-state.ts';
import type { CaseKit } from './cases.service.ts';
import { normalizeTags, type QueueItem } from './cases.service.ts';
import { sealTimerField } from './timer-fields.ts';

/** What operators do to a case: claim, release, assign, status, tags, probes, merges, triage verdicts, dates. */
export function createCaseCommands(kit: CaseKit) {
  const { db, audit, clock } = kit.deps;
  const { deps } = kit;
  const { notify, lockThread, mutate, reload, auditEntry } = kit;

  /**
   * The date he expects to be at the front (the questionnaire asks; the operator may correct it). A
   * timer field: sealed, read by the waiting reminders. Setting it again restarts the reminders.
   */
  async function setExpectedFront(session: Session, id: string, date: string | null): Promise<QueueItem> {
    if (!deps.routing) throw new AppError('unavailable', 'No routing vault');
    const routing = deps.routing;
    return mutate(session, id, 'updated', async (trx) => {
      await trx
        .updateTable('request_threads')
        .set({
          expected_front_enc: date ? sealTimerField(routing, 'expected_front', date) : null,
          wait_reminders_sent: 0,
          updated_at: clock.now(),
        })
        .where('id', '=', id)
        .execute();
      // The date itself stays out of the audit log (it is what the sealing protects).
      await audit.append(auditEntry(session, id, 'request.expected_front', { set: date !== null }), trx);
      return reload(trx, id);
    });
  }

  /**
   * An operator confirms or overrules the spam/probe score. Confirming flags the channel identity (30
   * days) and the exact template text, so the next fakes from them score high; overruling clears both.
   */
  async function setTriageVerdict(
    session: Session,
    id: string,
    verdict: 'genuine' | 'spam',
    reason: string | undefined,
  ): Promise<QueueItem> {
    return mutate(session, id, 'updated', async (trx, t) => {
      const now = clock.now();
      const expires = new Date(now.getTime() + 30 * 86_400_000);
      await trx
        .updateTable('request_threads')
        .set({
          triage_verdict: verdict,
          spam_score: verdict === 'spam' ? Math.max(t.spam_score, 80) : 0,
          spam_reasons:
            verdict === 'spam'
              ? [...new Set([...t.spam_reasons, 'operator-confirmed' satisfies SpamReason])]
              : ['operator-overruled' satisfies SpamReason],
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      if (verdict === 'spam') {
        if (t.identity_index) {
          await trx
            .insertInto('flagged_identities')
            .values({
              identity_index: t.identity_index,
              reason: reason ?? 'spam',
              flagged_by: session.user.id,
              created_at: now,
              expires_at: expires,
            })
            .onConflict((oc) =>
              oc
                .column('identity_index')
                .doUpdateSet({ reason: reason ?? 'spam', flagged_by: session.user.id, expires_at: expires }),
            )
            .execute();
        }
        if (t.text_fingerprint) {
          await trx
            .insertInto('flagged_fingerprints')
            .values({
              fingerprint: t.text_fingerprint,
              flagged_by: session.user.id,
              created_at: now,
              expires_at: expires,
            })
            .onConflict((oc) => oc.column('fingerprint').doUpdateSet({ expires_at: expires }))
            .execute();
        }
      } else {
        if (t.identity_index)
          await trx.deleteFrom('flagged_identities').where('identity_index', '=', t.identity_index).execute();
        if (t.text_fingerprint)
          await trx
            .deleteFrom('flagged_fingerprints')
            .where('fingerprint', '=', t.text_fingerprint)
            .execute();
      }
      await audit.append(
        auditEntry(session, id, 'request.triage', { verdict, reason: reason ?? null, score: t.spam_score }),
        trx,
      );
      return reload(trx, id);
    });
  }

  async function markCallbackDone(session: Session, id: string): Promise<QueueItem> {
    return mutate(session, id, 'updated', async (trx, t) => {
      if (!t.callback_requested_at)
        throw new AppError('callback_not_requested', 'No call-back was requested');
      await trx
        .updateTable('request_threads')
        .set({ callback_done_at: clock.now(), updated_at: clock.now() })
        .where('id', '=', id)
        .execute();
      await audit.append(auditEntry(session, id, 'request.callback_done'), trx);
      return reload(trx, id);
    });
  }

  async function changeStatus(
    session: Session,
    id: string,
    to: CaseState,
    details: Record<string, unknown> = {},
  ): Promise<QueueItem> {
    return mutate(session, id, 'updated', async (trx, t) => {
      const from = isCaseState(t.status) ? t.status : 'new';
      if (!canTransition(from, to)) {
        throw new AppError('invalid_transition', `Cannot move a request from ${from} to ${to}`, {
          from,
          to,
          allowed: allowedTransitions(from),
        });
      }
      const now = clock.now();
      await trx
        .updateTable('request_threads')
        .set({
          status: to,
          updated_at: now,
          closed_at: isClosed(to) ? now : null,
          assignee_id: t.assignee_id ?? session.user.id,
        })
        .where('id', '=', id)
        .execute();
      await audit.append(auditEntry(session, id, 'request.status', { from, to, ...details }), trx);
      return reload(trx, id);
    });
  }

  async function claim(session: Session, id: string): Promise<QueueItem> {
    return mutate(session, id, 'updated', async (trx, t) => {
      if (t.assignee_id && t.assignee_id !== session.user.id)
        throw new AppError('conflict', 'Already taken by another operator');
      await trx
        .updateTable('request_threads')
        .set({ assignee_id: session.user.id, updated_at: clock.now() })
        .where('id', '=', id)
        .execute();
      await audit.append(auditEntry(session, id, 'request.claim'), trx);
      return reload(trx, id);
    });
  }

  async function release(session: Session, id: string): Promise<QueueItem> {
    return mutate(session, id, 'updated', async (trx, t) => {
      if (t.assignee_id !== session.user.id && !can(session.user.role, 'request.assign')) {
        throw new AppError('forbidden', 'Only the assignee or a supervisor can release a request');
      }
      await trx
        .updateTable('request_threads')
        .set({ assignee_id: null, updated_at: clock.now() })
        .where('id', '=', id)
        .execute();
      await audit.append(auditEntry(session, id, 'request.release', { from: t.assignee_id }), trx);
      return reload(trx, id);
    });
  }

  async function assertAssignable(userId: string | null) {
    if (userId === null) return;
    const u = await db
      .selectFrom('users')
      .select(['role', 'disabled_at'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!u || u.disabled_at) throw new AppError('not_found', 'No such active user');
    if (!['operator', 'supervisor', 'admin'].includes(u.role))
      throw new AppError('validation_failed', 'That user does not work the queue');
  }

  /** Supervisors hand requests over between shifts; several at once for a handover. */
  async function assign(session: Session, ids: string[], userId: string | null): Promise<number> {
    await assertAssignable(userId);
    const updated = await audit.write(async (trx) => {
      const rows = await trx
        .updateTable('request_threads')
        .set({ assignee_id: userId, updated_at: clock.now() })
        .where('id', 'in', ids)
        .returning(['id'])
        .execute();
      // Duplicates merged into these requests move with them.
      await trx
        .updateTable('request_threads')
        .set({ assignee_id: userId })
        .where('merged_into', 'in', ids)
        .execute();
      for (const r of rows) {
        await audit.append(auditEntry(session, r.id, 'request.assign', { to: userId }), trx);
        await notify(trx, 'updated', r.id);
      }
      return rows.length;
    });
    return updated;
  }

  async function setTags(session: Session, id: string, tags: string[]): Promise<QueueItem> {
    const clean = normalizeTags(tags);
    return mutate(session, id, 'updated', async (trx, t) => {
      await trx
        .updateTable('request_threads')
        .set({ tags: clean, updated_at: clock.now() })
        .where('id', '=', id)
        .execute();
      await audit.append(auditEntry(session, id, 'request.tags', { from: t.tags, to: clean }), trx);
      return reload(trx, id);
    });
  }

  /** Marks a request as spam or a probe by the adversary, with the operator's reason on the audit log. */
  async function markProbe(session: Session, id: string, reason: string): Promise<QueueItem> {
    return changeStatus(session, id, 'rejected_probe', { reason });
  }

  /** Folds a duplicate into another request: it leaves the queue and its messages show in the target. */
  async function merge(session: Session, id: string, intoId: string): Promise<QueueItem> {
    if (id === intoId) throw new AppError('validation_failed', 'A request cannot be merged into itself');
    return mutate(session, id, 'updated', async (trx, t) => {
      if (t.merged_into) throw new AppError('conflict', 'Already merged');
      const target = await lockThread(trx, session, intoId);
      if (target.merged_into)
        throw new AppError('conflict', 'The target was itself merged into another request');
      await trx
        .updateTable('request_threads')
        .set({ merged_into: intoId, updated_at: clock.now() })
        .where('merged_into', '=', id)
        .execute();
      // The duplicate follows the target's need-to-know: whoever holds the target holds the duplicate.
      await trx
        .updateTable('request_threads')
        .set({
          merged_into: intoId,
          awaiting_reply: false,
          updated_at: clock.now(),
          assignee_id: target.assignee_id ?? session.user.id,
        })
        .where((eb) => eb.or([eb('id', '=', id), eb('merged_into', '=', intoId)]))
        .execute();
      await trx
        .updateTable('request_threads')
        .set((eb) => ({
          message_count: eb('message_count', '+', t.message_count),
          awaiting_reply: sql<boolean>`awaiting_reply OR ${t.awaiting_reply}`,
          updated_at: clock.now(),
        }))
        .where('id', '=', intoId)
        .execute();
      await audit.append(auditEntry(session, id, 'request.merge', { into: intoId }), trx);
      await notify(trx, 'updated', intoId);
      return reload(trx, intoId);
    });
  }

  return {
    setExpectedFront,
    setTriageVerdict,
    markCallbackDone,
    changeStatus,
    claim,
    release,
    assign,
    setTags,
    markProbe,
    merge,
  };
}
