import { sql } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import { canAccessRequest } from '../auth/policies.ts';
import type { Session } from '../auth/sessions.service.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import type { Vault } from '../crypto/vault.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { isLanguage, type Language } from '../i18n/i18n.ts';
import { decryptChannelIdentity } from '../intake/channel-intake.service.ts';
import type { Log } from '../log.ts';
import { EVENTS_CHANNEL, eventPayload } from '../realtime/events.ts';
import {
  type CallbackWindow,
  type CallOutcome,
  type CallView,
  callbackDueAt,
  createVoiceSettings,
  isOpen,
} from './voice-settings.service.ts';

/**
 * The phone line, provider-neutral: who is available to answer, the call queue, the calls of a case,
 * call-backs (settings, menu texts and prompts: `voice-settings.service.ts`). The provider adapter (`channels/sms/twilio-voice.ts`) turns its
 * webhooks into these calls and implements `PhoneProvider`. A requester's number is never read here
 * except in `callbackTarget`, whose only caller hands it straight to the provider.
 */
export interface PhoneProvider {
  /** Rings an operator's phone for a waiting call; returns the provider's id of that leg. */
  ringOperator(o: { phone: string; callId: string; timeoutSec: number }): Promise<string>;
  /** Rings the operator first; on answer the provider asks `callbackTarget` whom to dial. */
  placeCallback(o: { operatorPhone: string; callId: string }): Promise<string>;
  hangUp(providerSid: string): Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export function createVoiceService(deps: {
  db: Db;
  /** Operators' own phones (server tier). */
  vault: Vault;
  /** Callers' numbers (routing tier): read only to place a call-back. */
  routing: RoutingVault;
  audit: AuditLog;
  clock: Clock;
  log: Log;
}) {
  const { db, vault, routing, audit, clock, log } = deps;
  let provider: PhoneProvider | null = null;
  const lineSettings = createVoiceSettings({ db, audit, clock });
  const { settings } = lineSettings;

  async function notify(threadId: string | null) {
    if (threadId)
      await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', threadId)})`.execute(db);
  }

  // ---- operators ---------------------------------------------------------------------------------

  async function operatorRow(userId: string) {
    return db.selectFrom('voice_operators').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  async function setAvailability(session: Session, available: boolean) {
    await audit.write(async (trx, w) => {
      await trx
        .insertInto('voice_operators')
        .values({ user_id: session.user.id, available, updated_at: clock.now() })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ available, updated_at: clock.now() }))
        .execute();
      await w.audit({
        actorType: 'operator',
        actorId: session.user.id,
        action: available ? 'voice.available' : 'voice.busy',
      });
    });
    // Someone just became free: calls already waiting ring them.
    if (available) {
      const waiting = await db
        .selectFrom('voice_calls')
        .select('id')
        .where('state', '=', 'queued')
        .orderBy('queued_at')
        .limit(3)
        .execute();
      for (const w of waiting) await ringOperators(w.id, session.user.id);
    }
  }

  /** The operator's own phone, where the hotline rings them. Never shown back: the console sees a flag. */
  async function setPhone(session: Session, phone: string | null) {
    if (phone !== null && !E164.test(phone))
      throw new AppError('validation_failed', 'Phone number in international format (+…)', {
        field: 'phone',
      });
    await audit.write(async (trx, w) => {
      const phone_enc = phone === null ? null : vault.encrypt(phone, 'voice_operators.phone');
      await trx
        .insertInto('voice_operators')
        .values({ user_id: session.user.id, phone_enc, available: false, updated_at: clock.now() })
        .onConflict((oc) => oc.column('user_id').doUpdateSet({ phone_enc, updated_at: clock.now() }))
        .execute();
      await w.audit({ actorType: 'operator', actorId: session.user.id, action: 'voice.phone_set' });
    });
  }

  function phoneOf(row: { phone_enc: string | null } | undefined): string | null {
    return row?.phone_enc ? vault.decrypt(row.phone_enc, 'voice_operators.phone') : null;
  }

  /** The console's call panel: my availability, calls waiting, the call I am on. */
  async function panel(session: Session) {
    const me = await operatorRow(session.user.id);
    const now = clock.now();
    const waiting = await db
      .selectFrom('voice_calls as c')
      .leftJoin('request_threads as t', 't.id', 'c.thread_id')
      .select(['c.id', 'c.thread_id', 'c.language', 'c.queued_at', 't.ref'])
      .where('c.state', '=', 'queued')
      .orderBy('c.queued_at')
      .limit(50)
      .execute();
    const ringing = await db
      .selectFrom('voice_legs')
      .select('call_id')
      .where('user_id', '=', session.user.id)
      .where('ended_at', 'is', null)
      .execute();
    const active = await db
      .selectFrom('voice_calls as c')
      .leftJoin('request_threads as t', 't.id', 'c.thread_id')
      .select(['c.id', 'c.thread_id', 'c.direction', 'c.answered_at', 't.ref'])
      .where('c.answered_by', '=', session.user.id)
      .where('c.state', 'in', ['bridged', 'ringing'])
      .orderBy('c.started_at', 'desc')
      .executeTakeFirst();
    const ringingIds = new Set(ringing.map((r) => r.call_id));
    return {
      available: me?.available ?? false,
      hasPhone: Boolean(me?.phone_enc),
      waiting: waiting.map((w, i) => ({
        callId: w.id,
        requestId: w.thread_id,
        ref: w.ref ?? null,
        language: w.language,
        position: i + 1,
        waitingSec: w.queued_at ? Math.max(0, Math.round((now.getTime() - w.queued_at.getTime()) / 1000)) : 0,
        ringingMe: ringingIds.has(w.id),
      })),
      activeCall: active
        ? {
            callId: active.id,
            requestId: active.thread_id,
            ref: active.ref ?? null,
            direction: active.direction,
            since: active.answered_at?.toISOString() ?? null,
          }
        : null,
    };
  }

  // ---- inbound calls -----------------------------------------------------------------------------

  async function startInbound(providerSid: string): Promise<string> {
    await db
      .insertInto('voice_calls')
      .values({ provider_sid: providerSid, direction: 'inbound', state: 'menu', started_at: clock.now() })
      .onConflict((oc) => oc.column('provider_sid').doNothing())
      .execute();
    const r = await db
      .selectFrom('voice_calls')
      .select('id')
      .where('provider_sid', '=', providerSid)
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async function callBySid(providerSid: string) {
    return db
      .selectFrom('voice_calls')
      .selectAll()
      .where('provider_sid', '=', providerSid)
      .executeTakeFirst();
  }

  async function callById(id: string) {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    return db.selectFrom('voice_calls').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Operators who can be rung now: available, with a phone, not on a call or already ringing. */
  async function freeOperators(excludeCallId?: string) {
    return db
      .selectFrom('voice_operators as o')
      .select(['o.user_id', 'o.phone_enc'])
      .where('o.available', '=', true)
      .where('o.phone_enc', 'is not', null)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('voice_calls as c')
              .select('c.id')
              .whereRef('c.answered_by', '=', 'o.user_id')
              .where('c.state', 'in', ['bridged', 'ringing']),
          ),
        ),
      )
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('voice_legs as l')
              .select('l.call_id')
              .whereRef('l.user_id', '=', 'o.user_id')
              .where('l.ended_at', 'is', null)
              .$if(excludeCallId !== undefined, (q) => q.where('l.call_id', '!=', excludeCallId ?? '')),
          ),
        ),
      )
      .execute();
  }

  /**
   * The caller chose a language and is filed (thread). Returns where the call goes: the queue (someone
   * can answer), or voicemail because the line is closed or nobody is free.
   */
  async function enqueue(
    callId: string,
    threadId: string,
    language: Language,
  ): Promise<'queue' | 'closed' | 'busy'> {
    const s = await settings();
    const now = clock.now();
    const open = isOpen(s, now);
    const free = open ? await freeOperators() : [];
    const route = !open ? 'closed' : free.length === 0 ? 'busy' : 'queue';
    await db
      .updateTable('voice_calls')
      .set({
        thread_id: threadId,
        language,
        state: route === 'queue' ? 'queued' : 'voicemail',
        queued_at: route === 'queue' ? now : null,
      })
      .where('id', '=', callId)
      .execute();
    await notify(threadId);
    return route;
  }

  /** Rings every free operator for a waiting call (simultaneous ring; the first to accept takes it). */
  async function ringOperators(callId: string, onlyUser?: string): Promise<number> {
    if (!provider) return 0;
    const s = await settings();
    const free = (await freeOperators(callId)).filter((o) => !onlyUser || o.user_id === onlyUser);
    let rung = 0;
    for (const o of free) {
      const phone = phoneOf(o);
      if (!phone) continue;
      try {
        const sid = await provider.ringOperator({ phone, callId, timeoutSec: s.queueTimeoutSec });
        await db
          .insertInto('voice_legs')
          .values({ provider_sid: sid, call_id: callId, user_id: o.user_id, created_at: clock.now() })
          .execute();
        rung++;
      } catch (e) {
        // The provider's message may name the number: only its code is logged.
        log.warn({ code: (e as { code?: unknown }).code ?? 'error' }, 'ringing an operator failed');
      }
    }
    return rung;
  }

  async function queuePosition(callId: string): Promise<number> {
    const me = await db
      .selectFrom('voice_calls')
      .select('queued_at')
      .where('id', '=', callId)
      .executeTakeFirst();
    if (!me?.queued_at) return 1;
    const r = await db
      .selectFrom('voice_calls')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('state', '=', 'queued')
      .where('queued_at', '<=', me.queued_at)
      .executeTakeFirst();
    return Math.max(1, Number(r?.n ?? 1));
  }

  /** An operator pressed 1 on their ringing phone: the first one takes the call. */
  async function acceptOffer(legSid: string): Promise<{ callId: string; recordCalls: boolean } | null> {
    const leg = await db
      .selectFrom('voice_legs')
      .selectAll()
      .where('provider_sid', '=', legSid)
      .executeTakeFirst();
    if (!leg) return null;
    const s = await settings();
    // The race for the call, the case it takes and the audit entry commit together; the provider is
    // told to stop the other phones only after that.
    const taken = await audit.write(async (trx, w) => {
      const won = await trx
        .updateTable('voice_calls')
        .set({ state: 'bridged', answered_by: leg.user_id, answered_at: clock.now(), outcome: 'answered' })
        .where('id', '=', leg.call_id)
        .where('state', '=', 'queued')
        .returning(['id', 'thread_id'])
        .executeTakeFirst();
      if (!won) return null;
      // The other phones stop ringing.
      const others = await trx
        .updateTable('voice_legs')
        .set({ ended_at: clock.now() })
        .where('call_id', '=', leg.call_id)
        .where('provider_sid', '!=', legSid)
        .where('ended_at', 'is', null)
        .returning('provider_sid')
        .execute();
      if (s.recordCalls)
        await trx.updateTable('voice_calls').set({ recorded: true }).where('id', '=', won.id).execute();
      if (won.thread_id) {
        // Answering a call takes the case, as replying to it does.
        await trx
          .updateTable('request_threads')
          .set({ assignee_id: leg.user_id, updated_at: clock.now() })
          .where('id', '=', won.thread_id)
          .where('assignee_id', 'is', null)
          .execute();
        await w.audit({
          actorType: 'operator',
          actorId: leg.user_id,
          action: 'voice.call_answered',
          subjectType: 'request',
          subjectId: won.thread_id,
          details: { callId: won.id },
        });
      }
      await w.notify('updated', won.thread_id);
      return { won, others };
    });
    if (!taken) return null;
    const { won, others } = taken;
    for (const o of others) await provider?.hangUp(o.provider_sid).catch(() => undefined);
    return { callId: won.id, recordCalls: s.recordCalls };
  }

  async function legEnded(legSid: string) {
    await db
      .updateTable('voice_legs')
      .set({ ended_at: clock.now() })
      .where('provider_sid', '=', legSid)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** The caller left the queue without an operator (timeout, hang-up): flagged for a call-back. */
  async function leftQueue(callId: string, reason: 'timeout' | 'hangup'): Promise<void> {
    const c = await db
      .updateTable('voice_calls')
      .set({
        state: reason === 'timeout' ? 'voicemail' : 'ended',
        outcome: reason === 'timeout' ? null : 'missed',
      })
      .where('id', '=', callId)
      .where('state', '=', 'queued')
      .returning('thread_id')
      .executeTakeFirst();
    const legs = await db
      .updateTable('voice_legs')
      .set({ ended_at: clock.now() })
      .where('call_id', '=', callId)
      .where('ended_at', 'is', null)
      .returning('provider_sid')
      .execute();
    for (const l of legs) await provider?.hangUp(l.provider_sid).catch(() => undefined);
    if (c?.thread_id) await flagCallback(c.thread_id, 'any');
  }

  /** The caller is sent to voicemail; the outcome is 'voicemail' once a message arrives, else 'missed'. */
  async function markVoicemail(callId: string) {
    if (!callId) return;
    await db
      .updateTable('voice_calls')
      .set({ state: 'voicemail' })
      .where('id', '=', callId)
      .where('state', 'in', ['menu', 'queued', 'voicemail'])
      .execute();
  }

  /** A voicemail arrived: the call is filed with its thread. */
  async function attachThread(callId: string, threadId: string) {
    const r = await db
      .updateTable('voice_calls')
      .set((eb) => ({ thread_id: eb.fn.coalesce('thread_id', eb.val(threadId)), outcome: 'voicemail' }))
      .where('id', '=', callId)
      .returning('thread_id')
      .executeTakeFirst();
    await notify(r?.thread_id ?? null);
  }

  /** The operator answered the call-back leg; the requester is being dialled (a replay dials nobody). */
  async function callbackBridging(callId: string) {
    await db
      .updateTable('voice_calls')
      .set({ state: 'bridged' })
      .where('id', '=', callId)
      .where('state', '=', 'ringing')
      .execute();
  }

  /** The provider's final status of a call (inbound, or a call-back's operator leg). */
  async function callEnded(providerSid: string, status: string, durationSec: number | null) {
    const c = await callBySid(providerSid);
    if (!c) return legEnded(providerSid);
    // Not answered (the caller hung up in the menu or queue, an operator's phone rang out): missed.
    const outcome: CallOutcome = c.outcome ?? (status === 'failed' ? 'failed' : 'missed');
    await db
      .updateTable('voice_calls')
      .set({ state: 'ended', outcome, ended_at: clock.now(), duration_sec: durationSec })
      .where('id', '=', c.id)
      .execute();
    if (c.state === 'queued' && c.thread_id) await flagCallback(c.thread_id, 'any');
    await notify(c.thread_id);
  }

  // ---- call-backs --------------------------------------------------------------------------------

  /** The case is flagged for a call-back, due when the requester asked for it. */
  async function flagCallback(threadId: string, window: CallbackWindow) {
    const s = await settings();
    const now = clock.now();
    const due = callbackDueAt(window, now, s.utcOffsetMinutes);
    await audit.write(async (trx, w) => {
      await trx
        .deleteFrom('voice_callbacks')
        .where('thread_id', '=', threadId)
        .where('done_at', 'is', null)
        .execute();
      await trx
        .insertInto('voice_callbacks')
        .values({ thread_id: threadId, due_window: window, requested_at: now, due_at: due })
        .execute();
      await trx
        .updateTable('request_threads')
        .set({ callback_requested_at: now, callback_done_at: null })
        .where('id', '=', threadId)
        .execute();
      await audit.append(
        {
          actorType: 'requester',
          action: 'voice.callback_requested',
          subjectType: 'request',
          subjectId: threadId,
          details: { window },
        },
        trx,
      );
      await w.notify('updated', threadId);
    });
  }

  async function accessibleThread(session: Session, threadId: string) {
    if (!/^[0-9a-f-]{36}$/.test(threadId)) throw new AppError('not_found', 'No such request');
    const th = await db
      .selectFrom('request_threads')
      .select(['id', 'channel', 'assignee_id', 'identity_enc', 'sms_allowed', 'closed_at'])
      .where('id', '=', threadId)
      .executeTakeFirst();
    if (!th) throw new AppError('not_found', 'No such request');
    if (!canAccessRequest(session.user, { assigneeId: th.assignee_id }))
      throw new AppError('forbidden', 'This request is assigned to someone else');
    return th;
  }

  /** "Call back": the server rings the operator's phone, then dials the requester from the hotline. */
  async function startCallback(session: Session, threadId: string): Promise<{ callId: string }> {
    const th = await accessibleThread(session, threadId);
    if (th.channel !== 'voice' && th.channel !== 'sms')
      throw new AppError('no_caller_number', 'This request did not come by phone');
    if (!th.identity_enc) throw new AppError('no_caller_number', 'No number is kept for this request');
    if (th.closed_at) throw new AppError('conflict', 'The request is closed');
    if (!provider) throw new AppError('unavailable', 'The phone line is not configured');
    const me = await operatorRow(session.user.id);
    const phone = phoneOf(me);
    if (!phone) throw new AppError('no_operator_phone', 'Set your phone number in the call panel first');
    const call = await db
      .insertInto('voice_calls')
      .values({
        direction: 'outbound',
        thread_id: threadId,
        state: 'ringing',
        answered_by: session.user.id,
        started_at: clock.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    let sid: string;
    try {
      sid = await provider.placeCallback({ operatorPhone: phone, callId: call.id });
    } catch (e) {
      await db
        .updateTable('voice_calls')
        .set({ state: 'ended', outcome: 'failed', ended_at: clock.now() })
        .where('id', '=', call.id)
        .execute();
      log.warn({ code: (e as { code?: unknown }).code ?? 'error' }, 'call-back not placed');
      throw new AppError('unavailable', 'The provider did not place the call');
    }
    await audit.write(async (trx, w) => {
      await trx.updateTable('voice_calls').set({ provider_sid: sid }).where('id', '=', call.id).execute();
      await trx
        .updateTable('voice_callbacks')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('thread_id', '=', threadId)
        .where('done_at', 'is', null)
        .execute();
      await w.audit({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'voice.callback_call',
        subjectType: 'request',
        subjectId: threadId,
        details: { callId: call.id },
      });
      await w.notify('updated', threadId);
    });
    return { callId: call.id };
  }

  /**
   * The number to dial for a call-back whose operator leg was answered. Its only caller writes it into
   * the provider's call instructions; it is never returned by the API or logged.
   */
  async function callbackTarget(
    callId: string,
    legSid: string,
  ): Promise<{ number: string; language: Language } | null> {
    const c = await callById(callId);
    if (c?.direction !== 'outbound' || c.state !== 'ringing' || !c.thread_id) return null;
    // Only the operator leg placed for this call-back may ask whom to dial.
    if (c.provider_sid !== null && c.provider_sid !== legSid) return null;
    const th = await db
      .selectFrom('request_threads')
      .select(['identity_enc', 'language'])
      .where('id', '=', c.thread_id)
      .executeTakeFirst();
    if (!th?.identity_enc) return null;
    return {
      number: decryptChannelIdentity(routing, th.identity_enc),
      language: isLanguage(th.language) ? th.language : 'ru',
    };
  }

  /** How the requester's leg of a call-back ended (the provider's dial status). */
  async function callbackResult(callId: string, dialStatus: string, durationSec: number | null) {
    const c = await callById(callId);
    if (c?.direction !== 'outbound') return;
    const outcome: CallOutcome =
      dialStatus === 'completed' || dialStatus === 'answered'
        ? 'answered'
        : dialStatus === 'failed'
          ? 'failed'
          : 'missed';
    const now = clock.now();
    const threadId = c.thread_id;
    await audit.write(async (trx, w) => {
      await trx
        .updateTable('voice_calls')
        .set({
          state: 'ended',
          outcome,
          ended_at: now,
          duration_sec: durationSec,
          answered_at: outcome === 'answered' ? now : null,
        })
        .where('id', '=', callId)
        .execute();
      if (threadId) {
        await trx
          .updateTable('voice_callbacks')
          .set({ last_outcome: outcome, ...(outcome === 'answered' ? { done_at: now } : {}) })
          .where('thread_id', '=', threadId)
          .where('done_at', 'is', null)
          .execute();
        if (outcome === 'answered')
          await trx
            .updateTable('request_threads')
            .set({ callback_done_at: now, updated_at: now })
            .where('id', '=', threadId)
            .where('callback_requested_at', 'is not', null)
            .execute();
        await w.audit({
          actorType: 'system',
          action: 'voice.callback_result',
          subjectType: 'request',
          subjectId: threadId,
          details: { callId, outcome, durationSec },
        });
      }
      await w.notify('updated', threadId);
    });
  }

  /** Open call-backs, the most urgent first, with their SLA. */
  async function listCallbacks() {
    const s = await settings();
    const now = clock.now();
    const rows = await db
      .selectFrom('voice_callbacks as b')
      .innerJoin('request_threads as t', 't.id', 'b.thread_id')
      .select([
        'b.id',
        'b.thread_id',
        't.ref',
        't.language',
        'b.due_window',
        'b.requested_at',
        'b.due_at',
        'b.attempts',
        'b.last_outcome',
      ])
      .where('b.done_at', 'is', null)
      .where('t.closed_at', 'is', null)
      .orderBy('b.due_at')
      .limit(200)
      .execute();
    return rows.map((r) => {
      const deadline = new Date(r.due_at.getTime() + s.callbackSlaMinutes * 60_000);
      return {
        id: r.id,
        requestId: r.thread_id,
        ref: r.ref,
        language: r.language,
        window: r.due_window,
        requestedAt: r.requested_at.toISOString(),
        dueAt: r.due_at.toISOString(),
        slaDeadline: deadline.toISOString(),
        breached: now > deadline,
        attempts: r.attempts,
        lastOutcome: r.last_outcome,
      };
    });
  }

  // ---- the case ----------------------------------------------------------------------------------

  async function callsOf(session: Session, threadId: string) {
    const th = await accessibleThread(session, threadId);
    const rows = await db
      .selectFrom('voice_calls')
      .selectAll()
      .where('thread_id', '=', threadId)
      .orderBy('started_at')
      .execute();
    const cb = await db
      .selectFrom('voice_callbacks')
      .select(['due_window', 'due_at', 'attempts', 'last_outcome'])
      .where('thread_id', '=', threadId)
      .where('done_at', 'is', null)
      .executeTakeFirst();
    const calls: CallView[] = rows.map((r) => ({
      id: r.id,
      direction: r.direction,
      language: r.language,
      state: r.state,
      outcome: r.outcome,
      answeredBy: r.answered_by,
      startedAt: r.started_at.toISOString(),
      answeredAt: r.answered_at?.toISOString() ?? null,
      endedAt: r.ended_at?.toISOString() ?? null,
      durationSec: r.duration_sec,
      recorded: r.recorded,
    }));
    return {
      calls,
      phone: th.channel === 'voice' || th.channel === 'sms',
      smsAllowed: th.sms_allowed,
      callback: cb
        ? {
            window: cb.due_window,
            dueAt: cb.due_at.toISOString(),
            attempts: cb.attempts,
            lastOutcome: cb.last_outcome,
          }
        : null,
    };
  }

  /** The operator asked the caller and SMS is safe for them (or no longer is). Audited. */
  async function setSmsAllowed(session: Session, threadId: string, allowed: boolean) {
    await accessibleThread(session, threadId);
    await audit.write(async (trx, w) => {
      await trx
        .updateTable('request_threads')
        .set({ sms_allowed: allowed })
        .where('id', '=', threadId)
        .execute();
      await w.audit({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'voice.sms_allowed',
        subjectType: 'request',
        subjectId: threadId,
        details: { allowed },
      });
      await w.notify('updated', threadId);
    });
    return { smsAllowed: allowed };
  }

  // ---- prompts -----------------------------------------------------------------------------------

  return {
    ...lineSettings,
    setProvider(p: PhoneProvider | null) {
      provider = p;
    },
    hasProvider: () => provider !== null,
    setAvailability,
    setPhone,
    panel,
    startInbound,
    callBySid,
    callById,
    enqueue,
    ringOperators,
    queuePosition,
    acceptOffer,
    legEnded,
    leftQueue,
    markVoicemail,
    attachThread,
    callbackBridging,
    callEnded,
    flagCallback,
    startCallback,
    callbackTarget,
    callbackResult,
    listCallbacks,
    callsOf,
    setSmsAllowed,
  };
}

export type VoiceService = ReturnType<typeof createVoiceService>;
