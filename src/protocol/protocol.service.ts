import { readFile } from 'node:fs/promises';
import { sql, type Transaction } from 'kysely';
import type { AuditLog } from '../audit/audit.service.ts';
import { can, canAccessRequest } from '../auth/policies.ts';
import type { Session } from '../auth/sessions.service.ts';
import {
  allowedTransitions,
  CASE_STATES,
  type CaseState,
  canTransition,
  isCaseState,
  isClosed,
} from '../cases/case-state.ts';
import type { CasesService } from '../cases/cases.service.ts';
import type { CallerCategory } from '../cases/categories.ts';
import { EXPECTED_FRONT_QUESTION, sealTimerField } from '../cases/timer-fields.ts';
import type { Clock } from '../clock.ts';
import type { RoutingVault } from '../crypto/routing.ts';
import { type KeyPair, padJson, type Sealer } from '../crypto/sealed.ts';
import { openThreadWithOrgKey } from '../crypto/thread-keys.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { isLanguage, type Language } from '../i18n/i18n.ts';
import { EVENTS_CHANNEL, eventPayload } from '../realtime/events.ts';
import { type AnswerError, type AnswerValue, validateAnswer } from './answers.ts';
import { appliesTo, type Protocol, type ProtocolStep, parseProtocol, textIn } from './protocol.schema.ts';

export const DEFAULT_PROTOCOL_FILE = new URL('./default-protocol.json', import.meta.url);

export interface ProtocolDeps {
  db: Db;
  /** Answers timers must read unattended (meeting window, expected date…): routing tier. */
  routing: RoutingVault;
  sealer: Sealer;
  audit: AuditLog;
  clock: Clock;
  cases: CasesService;
}

export type AnswerActor = { type: 'operator'; session: Session } | { type: 'requester' };

export interface StepView {
  id: string;
  title: ProtocolStep['title'];
  audience: ProtocolStep['audience'];
  guidance: NonNullable<ProtocolStep['guidance']> | null;
  instructions: NonNullable<ProtocolStep['instructions']> | null;
  moveTo: string | null;
  completed: boolean;
  completedAt: string | null;
  /** When the step's instructions were last sent to the requester (from the audit log). */
  instructionsSentAt: string | null;
  questions: Array<
    ProtocolStep['questions'][number] & {
      answer: AnswerValue | null;
      answeredBy: 'requester' | 'operator' | null;
      answeredAt: string | null;
    }
  >;
}

/** Compare "YYYY-MM-DD.N" versions: by date, then N as a number. */
export function compareVersions(a: string, b: string): number {
  const [da = '', na = '0'] = a.split('.');
  const [db = '', nb = '0'] = b.split('.');
  return da.localeCompare(db) || Number(na) - Number(nb);
}

/** A readable structural diff between two protocol versions, for the publish screen and the audit log. */
export function diffProtocols(from: Protocol | null, to: Protocol): string[] {
  if (!from) return [`new protocol ${to.version} with ${to.steps.length} steps`];
  const out: string[] = [];
  const before = new Map(from.steps.map((s) => [s.id, s]));
  const after = new Map(to.steps.map((s) => [s.id, s]));
  for (const s of to.steps) if (!before.has(s.id)) out.push(`step ${s.id}: added`);
  for (const s of from.steps) if (!after.has(s.id)) out.push(`step ${s.id}: removed`);
  for (const s of to.steps) {
    const old = before.get(s.id);
    if (!old) continue;
    for (const key of ['title', 'audience', 'appliesTo', 'guidance', 'instructions', 'moveTo'] as const) {
      if (JSON.stringify(old[key]) !== JSON.stringify(s[key])) out.push(`step ${s.id}: ${key} changed`);
    }
    const oq = new Map(old.questions.map((q) => [q.id, q]));
    const nq = new Map(s.questions.map((q) => [q.id, q]));
    for (const q of s.questions) {
      const prev = oq.get(q.id);
      if (!prev) out.push(`question ${s.id}.${q.id}: added`);
      else if (JSON.stringify(prev) !== JSON.stringify(q)) out.push(`question ${s.id}.${q.id}: changed`);
    }
    for (const q of old.questions) if (!nq.has(q.id)) out.push(`question ${s.id}.${q.id}: removed`);
  }
  const order = (p: Protocol) => p.steps.map((s) => s.id).join(',');
  if (order(from) !== order(to) && out.every((l) => !l.endsWith('added') && !l.endsWith('removed')))
    out.push('steps reordered');
  return out;
}

export async function loadDefaultProtocol(file: URL = DEFAULT_PROTOCOL_FILE): Promise<Protocol> {
  const parsed = parseProtocol(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.ok)
    throw new Error(
      `Default protocol is invalid:\n${parsed.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    );
  return parsed.protocol;
}

export function createProtocolService(deps: ProtocolDeps) {
  const { db, routing, sealer, audit, clock, cases } = deps;
  const versions = new Map<string, Protocol>();
  let currentVersion: string | null = null;

  async function getVersion(version: string): Promise<Protocol> {
    const cached = versions.get(version);
    if (cached) return cached;
    const row = await db
      .selectFrom('protocol_versions')
      .select('definition')
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `No protocol version ${version}`);
    const parsed = parseProtocol(row.definition);
    if (!parsed.ok) throw new Error(`stored protocol ${version} is invalid`);
    versions.set(version, parsed.protocol);
    return parsed.protocol;
  }

  async function current(): Promise<Protocol> {
    const row = await db
      .selectFrom('protocol_versions')
      .select('version')
      .where('is_current', '=', true)
      .executeTakeFirst();
    if (!row) throw new AppError('unavailable', 'No protocol is published');
    currentVersion = row.version;
    return getVersion(row.version);
  }

  /** At start-up: the shipped default becomes a version (and current, if newer than what is published). */
  async function seed(def: Protocol): Promise<void> {
    await audit.write(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(727004)`.execute(trx);
      const exists = await trx
        .selectFrom('protocol_versions')
        .select('version')
        .where('version', '=', def.version)
        .executeTakeFirst();
      if (exists) return;
      const cur = await trx
        .selectFrom('protocol_versions')
        .select('version')
        .where('is_current', '=', true)
        .executeTakeFirst();
      const makeCurrent = !cur || compareVersions(def.version, cur.version) > 0;
      if (makeCurrent)
        await trx
          .updateTable('protocol_versions')
          .set({ is_current: false })
          .where('is_current', '=', true)
          .execute();
      await trx
        .insertInto('protocol_versions')
        .values({
          version: def.version,
          definition: JSON.stringify(def),
          published_at: clock.now(),
          published_by: null,
          is_current: makeCurrent,
        })
        .execute();
      await audit.append(
        {
          actorType: 'system',
          action: 'protocol.seed',
          subjectType: 'protocol',
          subjectId: def.version,
          details: { current: makeCurrent },
        },
        trx,
      );
    });
  }

  /** Publishing validates the whole definition first: a broken one is refused, never half-applied. */
  async function publish(session: Session, input: unknown): Promise<{ version: string; diff: string[] }> {
    const parsed = parseProtocol(input);
    if (!parsed.ok)
      throw new AppError('validation_failed', 'The protocol definition is invalid', {
        issues: parsed.issues,
      });
    const def = parsed.protocol;
    const prev = await current().catch(() => null);
    if (prev && compareVersions(def.version, prev.version) <= 0) {
      throw new AppError('conflict', `Version ${def.version} must be newer than the current ${prev.version}`);
    }
    const diff = diffProtocols(prev, def);
    await audit.write(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(727004)`.execute(trx);
      const exists = await trx
        .selectFrom('protocol_versions')
        .select('version')
        .where('version', '=', def.version)
        .executeTakeFirst();
      if (exists) throw new AppError('conflict', `Version ${def.version} already exists`);
      await trx
        .updateTable('protocol_versions')
        .set({ is_current: false })
        .where('is_current', '=', true)
        .execute();
      await trx
        .insertInto('protocol_versions')
        .values({
          version: def.version,
          definition: JSON.stringify(def),
          published_at: clock.now(),
          published_by: session.user.id,
          is_current: true,
        })
        .execute();
      await audit.append(
        {
          actorType: 'operator',
          actorId: session.user.id,
          action: 'protocol.publish',
          subjectType: 'protocol',
          subjectId: def.version,
          details: { from: prev?.version ?? null, diff },
        },
        trx,
      );
    });
    versions.set(def.version, def);
    currentVersion = def.version;
    return { version: def.version, diff };
  }

  /** Validates and diffs without publishing (the admin's preview). */
  async function preview(input: unknown): Promise<{ version: string; diff: string[] }> {
    const parsed = parseProtocol(input);
    if (!parsed.ok)
      throw new AppError('validation_failed', 'The protocol definition is invalid', {
        issues: parsed.issues,
      });
    const prev = await current().catch(() => null);
    return { version: parsed.protocol.version, diff: diffProtocols(prev, parsed.protocol) };
  }

  async function listVersions() {
    const rows = await db
      .selectFrom('protocol_versions')
      .select(['version', 'published_at', 'published_by', 'is_current'])
      .orderBy('published_at', 'desc')
      .execute();
    return rows.map((r) => ({
      version: r.version,
      publishedAt: new Date(r.published_at).toISOString(),
      publishedBy: r.published_by,
      current: r.is_current,
    }));
  }

  async function threadFor(id: string) {
    const t = await db.selectFrom('request_threads').selectAll().where('id', '=', id).executeTakeFirst();
    if (!t) throw new AppError('not_found', 'No such request');
    return t;
  }

  async function protocolOf(t: { protocol_version: string | null }): Promise<Protocol> {
    return t.protocol_version ? getVersion(t.protocol_version) : current();
  }

  function stepsFor(p: Protocol, category: string): ProtocolStep[] {
    return p.steps.filter((s) => appliesTo(s, category as CallerCategory));
  }

  /** Reads stored answers; sealed ones need the thread key pair (operator session or receipt). */
  async function readAnswers(threadId: string, kp: KeyPair | null) {
    const rows = await db.selectFrom('case_answers').selectAll().where('thread_id', '=', threadId).execute();
    const out = new Map<string, { value: AnswerValue; by: 'requester' | 'operator'; at: string }>();
    for (const r of rows) {
      let text: string | null = null;
      // While this server is locked (after a restart, before a granted login) routing-tier answers
      // cannot be read: they are shown as not yet answered rather than failing the whole page.
      if (r.value_enc)
        text = routing.isUnlocked() ? routing.decrypt(r.value_enc, 'case_answers.value') : null;
      else if (r.value_sealed && kp) text = sealer.open(kp, r.value_sealed).toString('utf8');
      if (text !== null)
        out.set(`${r.step_id}.${r.question_id}`, {
          value: JSON.parse(text) as AnswerValue,
          by: r.answered_by,
          at: new Date(r.answered_at).toISOString(),
        });
    }
    return out;
  }

  async function buildView(
    t: Awaited<ReturnType<typeof threadFor>>,
    kp: KeyPair | null,
    audience: 'operator' | 'requester',
  ) {
    const p = await protocolOf(t);
    const answers = await readAnswers(t.id, kp);
    const done = new Map(
      (
        await db
          .selectFrom('case_steps')
          .select(['step_id', 'completed_at'])
          .where('thread_id', '=', t.id)
          .execute()
      ).map((r) => [r.step_id, new Date(r.completed_at).toISOString()]),
    );
    const sent = new Map<string, string>();
    for (const a of await db
      .selectFrom('audit_log')
      .select(['details', 'at'])
      .where('action', '=', 'protocol.instructions_sent')
      .where('subject_id', '=', t.id)
      .orderBy('id')
      .execute()) {
      const step = (a.details as { step?: unknown }).step;
      if (typeof step === 'string') sent.set(step, new Date(a.at).toISOString());
    }
    const all = stepsFor(p, t.category);
    // A requester sees a step once it applies (issue #15: "when will you be at the front" showed beside
    // the first questionnaire): every step before it is done, or the case already reached the state
    // the step before it leads to (an operator may move a case on without ticking every step).
    const statusAt = CASE_STATES.indexOf(t.status as CaseState);
    const applies = (i: number): boolean => {
      const prev = all[i - 1];
      if (!prev) return true;
      if (all.slice(0, i).every((x) => done.has(x.id))) return true;
      const reached = prev.moveTo ? CASE_STATES.indexOf(prev.moveTo) : -1;
      return reached >= 0 && statusAt >= reached && statusAt <= CASE_STATES.indexOf('in_custody');
    };
    const steps: StepView[] = all
      .filter(
        (s, i) => audience === 'operator' || (s.audience !== 'operator' && (done.has(s.id) || applies(i))),
      )
      .map((s) => ({
        id: s.id,
        title: s.title,
        audience: s.audience,
        guidance: audience === 'operator' ? (s.guidance ?? null) : null,
        instructions: audience === 'operator' ? (s.instructions ?? null) : null,
        moveTo: s.moveTo ?? null,
        completed: done.has(s.id),
        completedAt: done.get(s.id) ?? null,
        instructionsSentAt: sent.get(s.id) ?? null,
        questions: s.questions.map((q) => {
          const a = answers.get(`${s.id}.${q.id}`);
          return { ...q, answer: a?.value ?? null, answeredBy: a?.by ?? null, answeredAt: a?.at ?? null };
        }),
      }));
    const currentStep = steps.find((s) => !s.completed) ?? null;
    const unanswered =
      currentStep?.questions.filter((q) => q.required && q.answer === null).map((q) => q.id) ?? [];
    return {
      version: p.version,
      steps,
      currentStepId: currentStep?.id ?? null,
      nextAction: !currentStep
        ? 'done'
        : unanswered.length > 0
          ? `answer:${unanswered.join(',')}`
          : currentStep.instructions && !currentStep.instructionsSentAt
            ? `send-instructions:${currentStep.id}`
            : `complete:${currentStep.id}`,
    };
  }

  function operatorKeys(session: Session, t: { public_key: Buffer; sk_for_org: Buffer }): KeyPair {
    const orgKey = session.orgKey();
    if (!orgKey)
      throw new AppError('key_not_granted', 'Your account has not been granted the organisation key yet');
    try {
      return openThreadWithOrgKey(sealer, orgKey, { publicKey: t.public_key, skForOrg: t.sk_for_org });
    } finally {
      orgKey.fill(0);
    }
  }

  function assertAccess(session: Session, t: { assignee_id: string | null }) {
    if (!canAccessRequest(session.user, { assigneeId: t.assignee_id }))
      throw new AppError('forbidden', 'This request is assigned to someone else');
  }

  /** The checklist for an operator: decrypts answers in the session; audited like opening the thread. */
  async function operatorView(session: Session, id: string) {
    const t = await threadFor(id);
    assertAccess(session, t);
    const kp = operatorKeys(session, t);
    try {
      const view = await buildView(t, kp, 'operator');
      await audit.record({
        actorType: 'operator',
        actorId: session.user.id,
        action: 'request.decrypt',
        subjectType: 'request',
        subjectId: id,
        details: { part: 'protocol' },
      });
      return view;
    } finally {
      kp.secretKey.fill(0);
    }
  }

  /** The requester's own questionnaire (steps meant for them), opened with the receipt-derived key pair. */
  async function requesterView(threadId: string, kp: KeyPair | null) {
    return buildView(await threadFor(threadId), kp, 'requester');
  }

  /**
   * Saves answers to one step. Sensitive answers are sealed to the thread key; the rest are server-tier
   * encrypted so that timers can read them unattended (a meeting window schedules a reminder).
   */
  async function saveAnswers(
    actor: AnswerActor,
    threadId: string,
    stepId: string,
    raw: Record<string, unknown>,
  ) {
    const t = await threadFor(threadId);
    if (actor.type === 'operator') assertAccess(actor.session, t);
    if (t.purged_at) throw new AppError('conflict', 'This case was purged');
    const p = await protocolOf(t);
    const step = stepsFor(p, t.category).find((s) => s.id === stepId);
    if (!step) throw new AppError('not_found', `No step ${stepId} for this request`);
    if (actor.type === 'requester' && step.audience === 'operator')
      throw new AppError('forbidden', 'This step is for operators');
    const values = validateStepAnswers(step, raw);
    await routing.ready();
    await audit.write(async (trx) => {
      await writeAnswers(trx, actor, t, step, values);
      await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', threadId)})`.execute(trx);
    });
    return { saved: [...values.keys()] };
  }

  /** Answers typed for one step, validated per question (an empty one means "not answered"). */
  function validateStepAnswers(step: ProtocolStep, raw: Record<string, unknown>): Map<string, AnswerValue> {
    const errors: Record<string, AnswerError> = {};
    const values = new Map<string, AnswerValue>();
    for (const q of step.questions) {
      if (!(q.id in raw)) continue;
      const r = validateAnswer({ ...q, required: false }, raw[q.id]);
      if (r.error) errors[q.id] = r.error;
      else if (r.value !== undefined) values.set(q.id, r.value);
    }
    const unknown = Object.keys(raw).filter((k) => !step.questions.some((q) => q.id === k));
    if (unknown.length)
      throw new AppError('validation_failed', `Unknown questions: ${unknown.join(', ')}`, { unknown });
    if (Object.keys(errors).length)
      throw new AppError('validation_failed', 'Some answers are invalid', { errors });
    return values;
  }

  /** Stores validated answers (and a meeting window's reminder) inside the caller's transaction, audited. */
  async function writeAnswers(
    trx: Transaction<Database>,
    actor: AnswerActor,
    t: { id: string; public_key: Uint8Array },
    step: ProtocolStep,
    values: Map<string, AnswerValue>,
  ): Promise<void> {
    if (values.size === 0) return;
    const threadId = t.id;
    const stepId = step.id;
    const now = clock.now();
    for (const q of step.questions) {
      const v = values.get(q.id);
      if (v === undefined) continue;
      const text = JSON.stringify(v);
      const row = {
        thread_id: threadId,
        step_id: stepId,
        question_id: q.id,
        value_enc: q.sensitive ? null : routing.encrypt(text, 'case_answers.value'),
        value_sealed: q.sensitive ? sealer.seal(t.public_key, padJson(text)) : null,
        answered_by: actor.type,
        author_id: actor.type === 'operator' ? actor.session.user.id : null,
        answered_at: now,
      };
      await trx
        .insertInto('case_answers')
        .values(row)
        .onConflict((oc) => oc.columns(['thread_id', 'step_id', 'question_id']).doUpdateSet(row))
        .execute();
      if (q.id === EXPECTED_FRONT_QUESTION && q.type === 'date' && typeof v === 'string') {
        // Sealed in the answer for people, and as a timer field for the waiting reminders.
        await trx
          .updateTable('request_threads')
          .set({ expected_front_enc: sealTimerField(routing, 'expected_front', v), wait_reminders_sent: 0 })
          .where('id', '=', threadId)
          .execute();
      }
      if (
        q.type === 'datetime_window' &&
        q.remindBeforeMinutes &&
        typeof v === 'object' &&
        !Array.isArray(v)
      ) {
        const due = new Date(new Date(v.start).getTime() - q.remindBeforeMinutes * 60_000);
        await trx
          .insertInto('case_reminders')
          // The time of a surrender meeting is the most dangerous fact we hold: encrypted, never in clear.
          .values({
            thread_id: threadId,
            kind: `window:${stepId}.${q.id}`,
            due_at: null,
            due_enc: routing.encrypt(due.toISOString(), 'case_reminders.due'),
            sent_at: null,
          })
          .onConflict((oc) =>
            oc.columns(['thread_id', 'kind']).doUpdateSet({
              due_at: null,
              due_enc: routing.encrypt(due.toISOString(), 'case_reminders.due'),
              sent_at: null,
            }),
          )
          .execute();
      }
    }
    await audit.append(
      {
        actorType: actor.type,
        actorId: actor.type === 'operator' ? actor.session.user.id : null,
        action: 'request.answers',
        subjectType: 'request',
        subjectId: threadId,
        details: { step: stepId, questions: [...values.keys()] },
      },
      trx,
    );
    if (actor.type === 'requester') {
      await trx
        .updateTable('request_threads')
        .set({ awaiting_reply: true, last_requester_at: now, updated_at: now })
        .where('id', '=', threadId)
        .execute();
    }
  }

  async function transitionIn(
    trx: Transaction<Database>,
    session: Session,
    t: { id: string; status: string; assignee_id: string | null },
    to: string,
    details: Record<string, unknown>,
  ) {
    const from = isCaseState(t.status) ? t.status : 'new';
    if (!isCaseState(to) || from === to) return;
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
      .where('id', '=', t.id)
      .execute();
    await audit.append(
      {
        actorType: 'operator',
        actorId: session.user.id,
        action: 'request.status',
        subjectType: 'request',
        subjectId: t.id,
        details: { from, to, ...details },
      },
      trx,
    );
  }

  /**
   * Completes a step in one action: the answers typed so far (if any) are validated and saved in the
   * same transaction, then the required ones are checked and the case moves to the step's state
   * (audited). A refusal (invalid or missing answers) rolls everything back, so nothing is half-done.
   */
  async function completeStep(
    session: Session,
    threadId: string,
    stepId: string,
    raw: Record<string, unknown> = {},
  ) {
    const t = await threadFor(threadId);
    assertAccess(session, t);
    const p = await protocolOf(t);
    const step = stepsFor(p, t.category).find((s) => s.id === stepId);
    if (!step) throw new AppError('not_found', `No step ${stepId} for this request`);
    const values = validateStepAnswers(step, raw);
    if (values.size > 0) {
      if (!can(session.user.role, 'request.reply'))
        throw new AppError('forbidden', 'Your role cannot answer protocol questions');
      if (t.purged_at) throw new AppError('conflict', 'This case was purged');
    }
    await audit.write(async (trx) => {
      const locked = await trx
        .selectFrom('request_threads')
        .selectAll()
        .where('id', '=', threadId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      await writeAnswers(trx, { type: 'operator', session }, t, step, values);
      const answered = new Set(
        (
          await trx
            .selectFrom('case_answers')
            .select('question_id')
            .where('thread_id', '=', threadId)
            .where('step_id', '=', stepId)
            .execute()
        ).map((r) => r.question_id),
      );
      const missing = step.questions.filter((q) => q.required && !answered.has(q.id)).map((q) => q.id);
      if (missing.length)
        throw new AppError('answers_missing', `Answer the required questions first: ${missing.join(', ')}`, {
          missing,
        });
      await trx
        .insertInto('case_steps')
        .values({
          thread_id: threadId,
          step_id: stepId,
          completed_at: clock.now(),
          completed_by: session.user.id,
        })
        .onConflict((oc) => oc.columns(['thread_id', 'step_id']).doNothing())
        .execute();
      await audit.append(
        {
          actorType: 'operator',
          actorId: session.user.id,
          action: 'protocol.step_complete',
          subjectType: 'request',
          subjectId: threadId,
          details: { step: stepId },
        },
        trx,
      );
      if (step.moveTo) await transitionIn(trx, session, locked, step.moveTo, { step: stepId });
      await sql`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload('updated', threadId)})`.execute(trx);
    });
    return cases.getItem(threadId);
  }

  /** One click: the step's instructions go to the requester, in their language, as an operator reply. */
  async function sendInstructions(session: Session, threadId: string, stepId: string) {
    const t = await threadFor(threadId);
    const p = await protocolOf(t);
    const step = stepsFor(p, t.category).find((s) => s.id === stepId);
    if (!step?.instructions) throw new AppError('not_found', `Step ${stepId} has no instructions`);
    const lang: Language = isLanguage(t.language) ? t.language : 'ru';
    const result = await cases.reply(session, threadId, textIn(step.instructions, lang));
    await audit.record({
      actorType: 'operator',
      actorId: session.user.id,
      action: 'protocol.instructions_sent',
      subjectType: 'request',
      subjectId: threadId,
      details: { step: stepId, lang },
    });
    return result;
  }

  return {
    seed,
    current,
    getVersion,
    publish,
    preview,
    listVersions,
    operatorView,
    requesterView,
    saveAnswers,
    completeStep,
    sendInstructions,
    currentVersion: () => currentVersion,
  };
}

export type ProtocolService = ReturnType<typeof createProtocolService>;
