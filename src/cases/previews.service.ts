import type { AuditLog } from '../audit/audit.service.ts';
import { canAccessRequest } from '../auth/policies.ts';
import type { Session } from '../auth/sessions.service.ts';
import type { Sealer } from '../crypto/sealed.ts';
import { openThreadWithOrgKey } from '../crypto/thread-keys.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { decodeContent } from '../intake/message-content.ts';

/** How much of the latest message the queue shows: enough to triage, not the whole story. */
export const PREVIEW_CHARS = 90;

export interface RequestPreview {
  id: string;
  /** The first words of the requester's latest message, cut at a word boundary ("…" when cut). */
  text: string;
  at: string;
}

/** Cuts at the last space before `max` characters, so that no word is broken. */
export function firstWords(body: string, max = PREVIEW_CHARS): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?–—-]+$/u, '')}…`;
}

/**
 * The queue's message previews (issue #15): the first words of the latest requester message of the
 * requests on the operator's screen. The queue listing itself stays metadata only; the console asks
 * for the previews of the rows it shows, and only those this user may open (need-to-know) are
 * decrypted, in this user's session. A preview is a read of content, so it is audited like opening
 * the request ("request.preview", one entry per request), once per session and message: refreshing
 * the queue does not flood the log, a new message from the requester is a new read.
 */
export function createPreviewsService(deps: { db: Db; sealer: Sealer; audit: AuditLog }) {
  const { db, sealer, audit } = deps;
  // Which (session, message) pairs were already audited. Bounded: the oldest half goes when full.
  const seen = new Set<string>();
  const SEEN_MAX = 50_000;
  const remember = (key: string) => {
    if (seen.size >= SEEN_MAX) {
      let n = 0;
      for (const k of seen) {
        seen.delete(k);
        if (++n >= SEEN_MAX / 2) break;
      }
    }
    seen.add(key);
  };

  return {
    async previewRequests(session: Session, ids: readonly string[]): Promise<RequestPreview[]> {
      if (ids.length === 0) return [];
      const threads = await db
        .selectFrom('request_threads')
        .select(['id', 'assignee_id', 'public_key', 'sk_for_org'])
        .where('id', 'in', [...new Set(ids)])
        .execute();
      const allowed = threads.filter((t) => canAccessRequest(session.user, { assigneeId: t.assignee_id }));
      if (allowed.length === 0) return [];
      const latest = await db
        .selectFrom('thread_messages')
        .distinctOn('thread_id')
        .select(['thread_id', 'id', 'sealed', 'created_at'])
        .where(
          'thread_id',
          'in',
          allowed.map((t) => t.id),
        )
        .where('direction', '=', 'in')
        .orderBy('thread_id')
        .orderBy('id', 'desc')
        .execute();
      if (latest.length === 0) return [];
      const orgKey = session.orgKey();
      if (!orgKey)
        throw new AppError('key_not_granted', 'Your account has not been granted the organisation key yet');
      const byId = new Map(allowed.map((t) => [t.id, t]));
      const out: RequestPreview[] = [];
      const audited: string[] = [];
      try {
        for (const m of latest) {
          const t = byId.get(m.thread_id);
          if (!t) continue;
          const kp = openThreadWithOrgKey(sealer, orgKey, {
            publicKey: t.public_key,
            skForOrg: t.sk_for_org,
          });
          try {
            const body = decodeContent(sealer.open(kp, m.sealed)).body;
            out.push({ id: t.id, text: firstWords(body), at: new Date(m.created_at).toISOString() });
          } finally {
            kp.secretKey.fill(0);
          }
          const key = `${session.id.toString('hex')}:${m.id}`;
          if (!seen.has(key)) {
            remember(key);
            audited.push(t.id);
          }
        }
      } finally {
        orgKey.fill(0);
      }
      // One transaction for the page's first-time previews: one commit, chained once.
      if (audited.length)
        await audit.write(async (_trx, w) => {
          for (const id of audited)
            await w.audit({
              actorType: 'operator',
              actorId: session.user.id,
              action: 'request.preview',
              subjectType: 'request',
              subjectId: id,
            });
        });
      return out;
    },
  };
}

export type PreviewsService = ReturnType<typeof createPreviewsService>;
