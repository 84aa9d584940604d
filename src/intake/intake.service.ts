import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import { type CaseState, CLOSED_STATES } from '../cases/case-state.ts';
import type { CallerCategory, Channel } from '../cases/categories.ts';
import type { Clock } from '../clock.ts';
import { generateReceipt, receiptCandidates } from '../crypto/receipt.ts';
import type { Sealer } from '../crypto/sealed.ts';
import { createThreadKeys, openThreadWithReceipt } from '../crypto/thread-keys.ts';
import type { Vault } from '../crypto/vault.ts';
import { type Db, prepared } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Language } from '../i18n/i18n.ts';
import type { NotificationKind } from '../notifications/notification-kinds.ts';
import { RESCORE_WHILE_BELOW, SIGNAL_CAPS, textRules } from '../triage/scoring.ts';
import { SKETCH, type TextSketch, textSketch } from '../triage/text-sketch.ts';
import { triageRequest } from '../triage/triage.ts';
import { decodeContent, encodeContent, type MessageContent } from './message-content.ts';
import { spamScoreSql } from './spam-score-sql.ts';

/**
 * Channel-agnostic intake: a normalised inbound message becomes (part of) a request thread. The
 * server seals content to the thread's public key and can never read it back; only operators (via
 * the organisation key) and the web requester (via the receipt code) can.
 */
export interface NewRequest {
  channel: Channel;
  category: CallerCategory;
  language: Language;
  content: MessageContent;
}

export interface CreatedRequest {
  id: string;
  ref: string;
  /** Web requesters only: 28 digits, shown once, never stored. */
  receiptCode: string | undefined;
  /** The same code as words of the requester's language. */
  receiptWords: string[] | undefined;
}

/**
 * On a message from someone whose case was closed or is waiting: a closed case reopens to screening
 * (the protocol promises it), a waiting case wakes; both are marked "returned" at the top of the
 * queue. A POW case (in custody) belongs to the registry; a confirmed probe does not jump the queue.
 */
const REOPEN_ON_RETURN: readonly CaseState[] = CLOSED_STATES.filter(
  (s) => s !== 'in_custody' && s !== 'rejected_probe',
);
const WAKE_ON_RETURN: readonly CaseState[] = ['awaiting_front_contact'];
const WAKE_AFTER_MS = 86_400_000;
/** One-time link codes shown at /follow-up: 10 characters (50 bits), valid for 30 minutes. */
const LINK_CODE_TTL_MS = 30 * 60_000;

export interface FollowUpMessage {
  direction: 'in' | 'out';
  body: string;
  at: Date;
}

export interface IntakeDeps {
  db: Db;
  vault: Vault;
  sealer: Sealer;
  audit: AuditLog;
  clock: Clock;
  orgPublicKey: () => Promise<Buffer>;
  /** The protocol version new requests follow (recorded on the request). */
  protocolVersion?: () => string | null;
}

const REF_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function generateRef(): string {
  const b = randomBytes(10);
  let s = '';
  for (let i = 0; i < 10; i++) s += REF_ALPHABET[(b[i] as number) & 31];
  return `WF-${s}`;
}

/** The copies a rescoring may raise at most: the template's latest, never its whole history. */
export const RESCORE_LIMIT = 4 * RESCORE_WHILE_BELOW;

/**
 * The spam signals of a text and an identity. Each count is a LIMITed index range scan: copies past
 * the cap change no score, and reading them would make a flood's cost grow with its square. The
 * function (migration 0021) keeps its plans off sequential scans, which a plan made while the tables
 * were small would otherwise keep doing once a flood has filled them.
 */
export function spamSignalsQuery(sketch: TextSketch, identity: Buffer | null, now: Date) {
  const day = new Date(now.getTime() - 86_400_000);
  const hour = new Date(now.getTime() - 3_600_000);
  // A thread has one row per band, so SKETCH.bands × cap rows always hold at least cap threads.
  return sql<{ same: string; near: string; ident: string; iflag: boolean; tflag: boolean }>`
    SELECT same, near, ident, iflag, tflag FROM intake_spam_signals(${sketch.fingerprint}::bytea,
      ${sketch.bands}::bytea[], ${identity}::bytea, ${day}::timestamptz, ${hour}::timestamptz,
      ${now}::timestamptz, ${sql.lit(SIGNAL_CAPS.text)}, ${sql.lit(SKETCH.bands * SIGNAL_CAPS.text)},
      ${sql.lit(SIGNAL_CAPS.identityRecent1h)})`;
}

/**
 * The text sketch as intake stores it: fingerprint and bands under the blind index (a template flagged
 * by a supervisor keeps matching across upgrades), the shingles under the cheaper fast keyed hash.
 */
export function sketchOf(vault: Vault, text: string): TextSketch {
  return textSketch(
    text,
    (s) => vault.blindIndex('text-sketch', s),
    (s) => vault.fastKeyedHash('text-sketch', s),
  );
}

/** Whether this request's score should be carried back to the copies before it. */
export function needsRescoring(
  signals: { sameTemplate24h: number; nearDuplicates24h: number },
  reasons: string[],
): boolean {
  if (reasons.includes('template-text')) return signals.sameTemplate24h < RESCORE_WHILE_BELOW;
  if (reasons.includes('near-duplicate-text')) return signals.nearDuplicates24h < RESCORE_WHILE_BELOW;
  return false;
}

/**
 * Once a text shows up as a template, the copies that came before it are suspect too: raise the
 * latest RESCORE_LIMIT of them (index-bounded; an operator's verdict is never overridden).
 */
export function rescoreCopiesQuery(sketch: TextSketch, score: number, reasons: string[], now: Date) {
  const day = new Date(now.getTime() - 86_400_000);
  const textReasons = reasons.filter((r) => r === 'template-text' || r === 'near-duplicate-text');
  return sql`
    UPDATE request_threads SET spam_score = ${score},
      spam_reasons = ARRAY(SELECT DISTINCT unnest(spam_reasons || ${textReasons}::text[]))
    WHERE id IN (
        (SELECT id FROM request_threads WHERE text_fingerprint = ${sketch.fingerprint} AND created_at > ${day}
          ORDER BY created_at DESC LIMIT ${RESCORE_LIMIT})
        UNION
        -- Per band, so that each is a backward range scan of text_bands (band, created_at).
        SELECT c.thread_id FROM unnest(${sketch.bands}::bytea[]) AS q(band),
          LATERAL (SELECT thread_id FROM text_bands WHERE band = q.band AND created_at > ${day}
            ORDER BY created_at DESC LIMIT ${RESCORE_LIMIT}) c)
      AND triage_verdict IS NULL AND spam_score < ${score}`;
}

export function createIntakeService(deps: IntakeDeps) {
  const { db, vault, sealer, audit, clock } = deps;

  function receiptLookup(code: string): Buffer {
    return vault.blindIndex('receipt-lookup', code);
  }

  /**
   * One statement, one round trip, one commit: count the spam signals and score the request (the
   * rules that need the database, in SQL: spam-score-sql.ts), claim the single-use form nonce (if
   * any), insert the thread, its first message, its text bands and the audit entry. If the nonce was
   * already used, nothing is inserted.
   */
  async function createRequest(
    input: NewRequest,
    opts: {
      withReceipt: boolean;
      formNonce?: { nonce: Buffer; expiresAt: Date };
      /** Messaging channels: the chat id or phone number (encrypted) and its blind index. */
      identity?: { index: Buffer; enc: string };
    },
  ): Promise<CreatedRequest> {
    const orgPk = await deps.orgPublicKey();
    const receipt = opts.withReceipt ? generateReceipt(input.language) : null;
    const code = receipt?.code ?? null;
    const keys = createThreadKeys(sealer, orgPk, code);
    const sealed = sealer.seal(keys.publicKey, encodeContent(input.content));
    const triage = triageRequest({ category: input.category, body: input.content.body });
    const sketch = sketchOf(vault, input.content.body);
    const id = randomUUID();
    const ref = generateRef();
    const now = clock.now();
    const claim = opts.formNonce
      ? sql`INSERT INTO form_nonces (nonce, expires_at) VALUES (${opts.formNonce.nonce}, ${opts.formNonce.expiresAt})
            ON CONFLICT DO NOTHING RETURNING 1`
      : sql`SELECT 1`;
    // The statement carries its audit entry: one round trip, one commit, chained after it.
    const stored = await audit.writeStatement(async (q, w) => {
      const r = await prepared(
        'intake.create',
        sql<{ same: string; near: string; score: number; reasons: string[] }>`
      WITH sig AS (${spamSignalsQuery(sketch, opts.identity?.index ?? null, now)}),
      sc AS (${spamScoreSql(sql.table('sig'), textRules(input.content.body))}),
      claim AS (${claim}),
      t AS (
        INSERT INTO request_threads (id, ref, channel, category, language, urgency, status, public_key, sk_for_org,
          sk_for_receipt, receipt_salt, receipt_lookup, message_count, awaiting_reply, created_at, updated_at,
                    last_requester_at, protocol_version, identity_index, identity_enc, spam_score, spam_reasons,
          detected_language, text_fingerprint)
        SELECT ${id}, ${ref}, ${input.channel}, ${input.category}, ${input.language}, ${triage.urgency}, 'new',
          ${keys.publicKey}, ${keys.skForOrg}, ${keys.skForReceipt}, ${keys.receiptSalt},
          ${code ? receiptLookup(code) : null}, 1, true, ${now}, ${now}, ${now}, ${deps.protocolVersion?.() ?? null}, ${opts.identity?.index ?? null}, ${opts.identity?.enc ?? null},
          sc.score, sc.reasons, ${triage.detectedLanguage}, ${sketch.fingerprint}
        FROM claim, sc
        RETURNING id
      ),
      m AS (
        INSERT INTO thread_messages (thread_id, direction, sealed, created_at)
        SELECT id, 'in', ${sealed}, ${now} FROM t
      ),
      b AS (
        INSERT INTO text_bands (band, thread_id, created_at)
        SELECT band, t.id, ${now} FROM t, unnest(${sketch.bands}::bytea[]) AS band
      ),
      a AS (
        INSERT INTO audit_log (at, actor_type, action, subject_type, subject_id, details)
        SELECT ${now}, 'requester', 'request.create', 'request', t.id::text,
          jsonb_build_object('channel', ${input.channel}::text, 'category', ${input.category}::text,
            'urgency', ${triage.urgency}::int, 'reasons', ${JSON.stringify(triage.reasons)}::jsonb,
            'spam', sc.score, 'spamReasons', to_jsonb(sc.reasons))
        FROM t, sc
        RETURNING subject_id
      )
      SELECT sig.same, sig.near, sc.score, sc.reasons FROM a, sig, sc`,
      ).execute(q);
      const row = r.rows[0];
      if (!row) throw new AppError('invalid_form_token', 'This form was already submitted');
      w.notifyAfterCommit('created', id);
      return row;
    });
    // Once a text shows up as a template, the copies that came before it are suspect too: raise them.
    // Only while the template is young (see RESCORE_WHILE_BELOW), and then only its latest copies.
    const signals = { sameTemplate24h: Number(stored.same), nearDuplicates24h: Number(stored.near) };
    if (needsRescoring(signals, stored.reasons)) {
      void rescoreCopiesQuery(sketch, stored.score, stored.reasons, now)
        .execute(db)
        .catch(() => undefined);
    }
    return { id, ref, receiptCode: code ?? undefined, receiptWords: receipt?.words };
  }

  /** Digits or words, any case and spacing; a word code that reads two ways is tried both ways. */
  async function findByReceipt(code: string) {
    for (const normalized of receiptCandidates(code)) {
      const row = await db
        .selectFrom('request_threads')
        .select(['id', 'public_key', 'sk_for_receipt', 'receipt_salt', 'language', 'status', 'category'])
        .where('receipt_lookup', '=', receiptLookup(normalized))
        .executeTakeFirst();
      if (!row?.sk_for_receipt || !row.receipt_salt) continue;
      return { ...row, code: normalized, lookup: receiptLookup(normalized) };
    }
    return null;
  }

  /** The canonical (28-digit) form of a typed code that matches a case, else null. */
  async function resolveReceipt(input: string): Promise<string | null> {
    return (await findByReceipt(input))?.code ?? null;
  }

  /** Whether a public-form nonce was already spent on a request (a reload of the receipt page). */
  async function formNonceUsed(nonce: Buffer): Promise<boolean> {
    const r = await db
      .selectFrom('form_nonces')
      .select('nonce')
      .where('nonce', '=', nonce)
      .executeTakeFirst();
    return r !== undefined;
  }

  function linkLookup(code: string): Buffer {
    return vault.blindIndex('link-code', code);
  }

  /**
   * A short one-time code that attaches a messaging chat to this case (shown at /follow-up): safer to
   * send through a messenger than the receipt itself, which would open the whole conversation.
   */
  async function issueLinkCode(threadId: string): Promise<string> {
    const b = randomBytes(10);
    let code = '';
    for (let i = 0; i < 10; i++) code += REF_ALPHABET[(b[i] as number) & 31];
    const now = clock.now();
    await db.deleteFrom('link_codes').where('expires_at', '<', now).execute();
    await db
      .insertInto('link_codes')
      .values({
        code_hash: linkLookup(code),
        thread_id: threadId,
        expires_at: new Date(now.getTime() + LINK_CODE_TTL_MS),
      })
      .execute();
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  }

  /** Spends a link code: the case it attaches to, or null (unknown, used or expired). */
  async function redeemLinkCode(input: string): Promise<string | null> {
    const code = input
      .normalize('NFKC')
      .toUpperCase()
      .replace(/[\s\-.·_]/g, '')
      .replace(/O/g, '0')
      .replace(/[IL]/g, '1');
    if (!/^[0-9A-Z]{10}$/.test(code)) return null;
    const r = await db
      .deleteFrom('link_codes')
      .where('code_hash', '=', linkLookup(code))
      .where('expires_at', '>', clock.now())
      .returning('thread_id')
      .executeTakeFirst();
    return r?.thread_id ?? null;
  }

  /** The thread key pair, opened with the receipt code (for the requester's own questionnaire). */
  async function receiptKeys(code: string) {
    const row = await findByReceipt(code);
    if (!row) return null;
    const kp = openThreadWithReceipt(row.code, {
      publicKey: row.public_key,
      skForReceipt: row.sk_for_receipt as Buffer,
      receiptSalt: row.receipt_salt as Buffer,
    });
    return { threadId: row.id, category: row.category, language: row.language, kp };
  }

  /** The requester's view: their messages and operator replies; internal notes never appear. */
  async function readByReceipt(
    code: string,
  ): Promise<{ threadId: string; messages: FollowUpMessage[] } | null> {
    const row = await findByReceipt(code);
    if (!row) return null;
    const kp = openThreadWithReceipt(row.code, {
      publicKey: row.public_key,
      skForReceipt: row.sk_for_receipt as Buffer,
      receiptSalt: row.receipt_salt as Buffer,
    });
    const msgs = await db
      .selectFrom('thread_messages')
      .select(['direction', 'sealed', 'created_at'])
      .where((eb) =>
        eb.or([
          eb('thread_id', '=', row.id),
          // Chats attached to the case share its key: the whole conversation, whatever the channel.
          eb(
            'thread_id',
            'in',
            eb
              .selectFrom('request_threads')
              .select('id')
              .where('merged_into', '=', row.id)
              .where('public_key', '=', row.public_key),
          ),
        ]),
      )
      .where('direction', 'in', ['in', 'out'])
      .orderBy('id')
      .execute();
    const messages = msgs.map((m) => ({
      direction: m.direction as 'in' | 'out',
      body: decodeContent(sealer.open(kp, m.sealed)).body,
      at: new Date(m.created_at),
    }));
    kp.secretKey.fill(0);
    return { threadId: row.id, messages };
  }

  /**
   * A requester writes again. Needs no key: the message is sealed to the thread's public key. On a
   * closed or waiting case this is a return: the case reopens or wakes, goes to the top of the queue
   * marked "returned", and its last assignee and the supervisors are told. A web form's nonce is
   * claimed in the same transaction, so a replayed post stores nothing (invalid_form_token).
   */
  async function appendRequesterMessage(
    threadId: string,
    content: MessageContent,
    opts: { channel?: string; formNonce?: { nonce: Buffer; expiresAt: Date } } = {},
  ): Promise<{ returned: boolean }> {
    const now = clock.now();
    const { returned } = await audit.write(async (trx, w) => {
      if (opts.formNonce) {
        const claimed = await sql`INSERT INTO form_nonces (nonce, expires_at)
          VALUES (${opts.formNonce.nonce}, ${opts.formNonce.expiresAt})
          ON CONFLICT DO NOTHING RETURNING 1`.execute(trx);
        if (claimed.rows.length === 0) throw new AppError('invalid_form_token', 'Form already sent');
      }
      const own = await trx
        .selectFrom('request_threads')
        .select(['public_key', 'merged_into', 'channel'])
        .where('id', '=', threadId)
        .forUpdate()
        .executeTakeFirst();
      if (!own) throw new AppError('not_found');
      // A duplicate folded into another request (or a chat attached to it) keeps its own row; the
      // operator-facing thread is the target.
      const target = own.merged_into ?? threadId;
      const root = await trx
        .selectFrom('request_threads')
        .select(['status', 'last_requester_at', 'assignee_id', 'purged_at', 'returned_at'])
        .where('id', '=', target)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const bump = {
        awaiting_reply: true,
        last_requester_at: now,
        updated_at: now,
      };
      await trx
        .updateTable('request_threads')
        .set((eb) => ({ message_count: eb('message_count', '+', 1), ...bump }))
        .where('id', 'in', [...new Set([threadId, target])])
        .execute();
      const status = root.status as CaseState;
      const reopen = !root.purged_at && REOPEN_ON_RETURN.includes(status);
      // A waiting case wakes once per silence: the conversation that follows is not a new return.
      const wake =
        !root.purged_at &&
        WAKE_ON_RETURN.includes(status) &&
        root.returned_at === null &&
        now.getTime() - new Date(root.last_requester_at).getTime() >= WAKE_AFTER_MS;
      if (reopen || wake) {
        await trx
          .updateTable('request_threads')
          .set({
            ...(reopen ? { status: 'screening', closed_at: null } : {}),
            returned_at: now,
            returned_from_at: root.last_requester_at,
          })
          .where('id', '=', target)
          .execute();
        const silentDays = Math.floor(
          (now.getTime() - new Date(root.last_requester_at).getTime()) / 86_400_000,
        );
        await audit.append(
          {
            actorType: 'requester',
            action: reopen ? 'request.status' : 'request.returned',
            subjectType: 'request',
            subjectId: target,
            details: reopen
              ? { from: status, to: 'screening', reason: 'returned', silentDays }
              : { status, silentDays },
          },
          trx,
        );
        const supervisors = await trx
          .selectFrom('users')
          .select('id')
          .where('role', '=', 'supervisor')
          .where('disabled_at', 'is', null)
          .execute();
        const to = new Set([
          ...(root.assignee_id ? [root.assignee_id] : []),
          ...supervisors.map((u) => u.id),
        ]);
        if (to.size > 0)
          await trx
            .insertInto('notifications')
            .values(
              [...to].map((user_id) => ({
                user_id,
                request_id: target,
                kind: 'request_returned' satisfies NotificationKind,
                details: JSON.stringify({ days: silentDays, from: status }),
                created_at: now,
              })),
            )
            .execute();
      }
      await trx
        .insertInto('thread_messages')
        .values({
          thread_id: threadId,
          direction: 'in',
          author_id: null,
          sealed: sealer.seal(own.public_key, encodeContent(content)),
          created_at: now,
          ...(opts.channel && opts.channel !== own.channel ? { channel: opts.channel } : {}),
        })
        .execute();
      await audit.append(
        { actorType: 'requester', action: 'request.message_in', subjectType: 'request', subjectId: threadId },
        trx,
      );
      w.notifyAfterCommit('message', target);
      if (reopen || wake) w.notifyAfterCommit('updated', target);
      return { target, returned: reopen || wake };
    });
    return { returned };
  }

  return {
    createRequest,
    findByReceipt,
    resolveReceipt,
    receiptKeys,
    readByReceipt,
    appendRequesterMessage,
    receiptLookup,
    issueLinkCode,
    redeemLinkCode,
    formNonceUsed,
  };
}

export type IntakeService = ReturnType<typeof createIntakeService>;
