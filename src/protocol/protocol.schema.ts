import { z } from 'zod';
import { CASE_STATES, type CaseState, canTransition } from '../cases/case-state.ts';
import { CALLER_CATEGORIES, type CallerCategory } from '../cases/categories.ts';
import type { Language } from '../i18n/i18n.ts';

/**
 * The surrender protocol ("the algorithm") as versioned data: steps, the questions each step asks,
 * which answers are sensitive (sealed to the thread key), branching by caller category, instructions
 * per language, and the case state each completed step moves to. A definition is validated as a whole
 * on load and on publish; a broken one is refused with precise errors and never half-applied.
 */
const TEXT = z.string().trim().min(1).max(8000);
/**
 * ru, uk and en are required; a requester language added later (ko …) is optional here so that versions
 * published before it stay valid — readers fall back to English (`textIn`). The shipped protocol has
 * every language (checked by src/i18n/languages.test.ts).
 */
const ZText = z.strictObject({ ru: TEXT, uk: TEXT, en: TEXT, ko: TEXT.optional() });
export type LocalizedText = z.infer<typeof ZText>;

export function textIn(text: LocalizedText, lang: Language): string {
  return text[lang] ?? text.en;
}

const ID = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,47}$/, 'ids are lowercase letters, digits and _, starting with a letter');

export const QUESTION_TYPES = [
  'text',
  'longtext',
  'choice',
  'multichoice',
  'number',
  'boolean',
  'date',
  'datetime_window',
  'coarse_location',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

const ZQuestion = z.strictObject({
  id: ID,
  type: z.enum(QUESTION_TYPES),
  label: ZText,
  help: ZText.optional(),
  required: z.boolean().default(false),
  /** Sealed to the thread key (only operators and the requester read it); otherwise server-tier encrypted. */
  sensitive: z.boolean(),
  options: z.array(z.strictObject({ value: ID, label: ZText })).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** For datetime_window: remind the assignee this many minutes before the window opens. */
  remindBeforeMinutes: z.number().int().min(1).max(1440).optional(),
});
export type ProtocolQuestion = z.infer<typeof ZQuestion>;

const ZStep = z.strictObject({
  id: ID,
  title: ZText,
  /** Who fills the step in: the operator, the requester (web form / bot), or either. */
  audience: z.enum(['operator', 'requester', 'both']),
  /** Branching: the caller categories this step applies to. */
  appliesTo: z.union([z.literal('all'), z.array(z.enum(CALLER_CATEGORIES)).min(1)]),
  /** What the operator does here, shown in the checklist. */
  guidance: ZText.optional(),
  /** Text the operator sends in one click, in the requester's language. */
  instructions: ZText.optional(),
  questions: z.array(ZQuestion).default([]),
  /** The case state the case moves to when the step is completed. */
  moveTo: z.enum(CASE_STATES).optional(),
});
export type ProtocolStep = z.infer<typeof ZStep>;

export const ZProtocol = z
  .strictObject({
    id: ID,
    version: z.string().regex(/^\d{4}-\d{2}-\d{2}\.\d+$/, 'version is YYYY-MM-DD.N'),
    title: ZText,
    steps: z.array(ZStep).min(1).max(50),
  })
  .superRefine((p, ctx) => {
    const stepIds = new Set<string>();
    p.steps.forEach((s, si) => {
      if (stepIds.has(s.id))
        ctx.addIssue({ code: 'custom', path: ['steps', si, 'id'], message: `duplicate step id "${s.id}"` });
      stepIds.add(s.id);
      const qIds = new Set<string>();
      s.questions.forEach((q, qi) => {
        const path = ['steps', si, 'questions', qi];
        if (qIds.has(q.id))
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'id'],
            message: `duplicate question id "${q.id}" in step "${s.id}"`,
          });
        qIds.add(q.id);
        const needsOptions = q.type === 'choice' || q.type === 'multichoice';
        if (needsOptions && (!q.options || q.options.length < 2)) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'options'],
            message: `question "${q.id}" (${q.type}) needs at least two options`,
          });
        }
        if (!needsOptions && q.options) {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'options'],
            message: `question "${q.id}" (${q.type}) cannot have options`,
          });
        }
        if (q.remindBeforeMinutes !== undefined && q.type !== 'datetime_window') {
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'remindBeforeMinutes'],
            message: 'only datetime_window questions have reminders',
          });
        }
        if (q.min !== undefined && q.max !== undefined && q.min > q.max) {
          ctx.addIssue({ code: 'custom', path: [...path, 'min'], message: 'min is greater than max' });
        }
      });
    });
    // For every caller category, the states its steps move to must be a path the case state machine
    // allows, starting from `new` (a state may repeat: several steps can share one).
    for (const category of CALLER_CATEGORIES) {
      let state: CaseState = 'new';
      p.steps.forEach((s, si) => {
        if (!appliesTo(s, category) || !s.moveTo || s.moveTo === state) return;
        if (!canTransition(state, s.moveTo)) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', si, 'moveTo'],
            message: `for category ${category}, step "${s.id}" moves ${state} → ${s.moveTo}, which the case state machine does not allow`,
          });
          return;
        }
        state = s.moveTo;
      });
    }
  });

export type Protocol = z.infer<typeof ZProtocol>;

export function appliesTo(step: ProtocolStep, category: CallerCategory): boolean {
  return step.appliesTo === 'all' || step.appliesTo.includes(category);
}

export interface ProtocolIssue {
  path: string;
  message: string;
}

/** Parses a definition; returns every problem with its JSON path instead of throwing. */
export function parseProtocol(
  input: unknown,
): { ok: true; protocol: Protocol } | { ok: false; issues: ProtocolIssue[] } {
  const r = ZProtocol.safeParse(input);
  if (r.success) return { ok: true, protocol: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(root)',
      message: i.message,
    })),
  };
}

// ---- what the protocol routes answer (the API contract; the console takes its types from here) ----

export const ZAnswerValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  z.object({ start: z.string(), end: z.string() }),
]);

/** One step of a request's checklist, with the answers given so far (decrypted for the operator). */
export const ZStepView = z.object({
  id: z.string(),
  title: ZText,
  audience: ZStep.shape.audience,
  guidance: ZText.nullable(),
  instructions: ZText.nullable(),
  moveTo: z.string().pipe(z.enum(CASE_STATES)).nullable(),
  completed: z.boolean(),
  completedAt: z.string().nullable(),
  /** When the step's instructions were last sent to the requester (from the audit log). */
  instructionsSentAt: z.string().nullable(),
  questions: z.array(
    ZQuestion.extend({
      answer: ZAnswerValue.nullable(),
      answeredBy: z.enum(['requester', 'operator']).nullable(),
      answeredAt: z.string().nullable(),
    }),
  ),
});

/** GET /api/requests/:id/protocol. nextAction: done | answer:q1,q2 | send-instructions:step | complete:step */
export const ZRequestProtocol = z.object({
  version: z.string(),
  steps: z.array(ZStepView),
  currentStepId: z.string().nullable(),
  nextAction: z.string(),
});

export const ZProtocolVersion = z.object({
  version: z.string(),
  publishedAt: z.string(),
  publishedBy: z.string().nullable(),
  current: z.boolean(),
});

export const ZProtocolPublishResult = z.object({
  version: z.string(),
  diff: z.array(z.string()),
  published: z.boolean(),
});

export type AnswerValue = z.infer<typeof ZAnswerValue>;
export type ProtocolStepView = z.infer<typeof ZStepView>;
export type ProtocolQuestionView = ProtocolStepView['questions'][number];
export type StepAudience = ProtocolStepView['audience'];
export type RequestProtocol = z.infer<typeof ZRequestProtocol>;
export type ProtocolVersion = z.infer<typeof ZProtocolVersion>;
export type ProtocolPublishResult = z.infer<typeof ZProtocolPublishResult>;
