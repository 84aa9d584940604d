import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CALLER_CATEGORIES } from '../../cases/categories.ts';
import type { Clock } from '../../clock.ts';
import { receiptCandidates } from '../../crypto/receipt.ts';
import { AppError } from '../../errors.ts';
import { PUBLIC_FORM_CSP } from '../../http/csp.ts';
import type { FormTokens } from '../../http/form-token.ts';
import { pageContext } from '../../http/page-context.ts';
import { langOf, parseForm, requireFormBody, sendHtml } from '../../http/public-form.ts';
import type { Language, MessageKey } from '../../i18n/i18n.ts';
import type { IntakeService } from '../../intake/intake.service.ts';
import { LIMITS } from '../../intake/message-content.ts';
import type { Admission } from '../../lib/admission.ts';
import { createRateLimiter } from '../../lib/rate-limit.ts';
import type { AnswerError } from '../../protocol/answers.ts';
import type { ProtocolService } from '../../protocol/protocol.service.ts';
import type { SettingsService } from '../../settings/settings.service.ts';
import { type FormPow, POW_CLIENT_JS } from './form-pow.ts';
import {
  type FieldErrors,
  type FormValues,
  followUpFormPage,
  homePage,
  type QuestionnaireState,
  receiptOncePage,
  receiptPage,
  SITE_CSS,
  threadPage,
} from './web.pages.ts';

export interface WebRoutesDeps {
  intake: IntakeService;
  settings: SettingsService;
  protocol: ProtocolService;
  formTokens: FormTokens;
  clock: Clock;
  /** Admission by capacity: how many new requests are stored at once, and who waits first. */
  admission: Admission;
  /** The optional proof-of-work lane; without it every post is in the plain lane. */
  formPow?: FormPow | undefined;
}

const FORM_NONCE_MEMORY_MS = 7 * 86_400_000;

const optionalText = (max: number) =>
  z
    .string()
    .max(max * 4)
    .optional()
    .transform((s) => (s ?? '').trim());

const ZIntakeForm = z.object({
  token: z.string().max(64).optional(),
  lang: z.string().max(8).optional(),
  category: z.string().max(40).optional(),
  message: optionalText(LIMITS.body),
  name: optionalText(LIMITS.name),
  contact: optionalText(LIMITS.contact),
});

const ZFollowUpForm = z.object({
  token: z.string().max(64).optional(),
  lang: z.string().max(8).optional(),
  code: z.string().max(128).optional(),
  message: optionalText(LIMITS.body),
});

export function registerWebRoutes(app: FastifyInstance, deps: WebRoutesDeps): void {
  const { intake, formTokens, clock } = deps;
  // Per-receipt budget: a code can be used a few dozen times an hour, not hammered.
  const receiptBudget = createRateLimiter({ capacity: 30, refillPerSecond: 30 / 3600, clock });
  const failedLookups = createRateLimiter({ capacity: 300, refillPerSecond: 5, clock });

  app.get('/static/site.css', async (_req, reply) => {
    return reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(SITE_CSS);
  });

  // The blank form is the page a flood fetches most: rendered once per language and organisation
  // face (the organisation object is replaced when its settings are re-read), then only the token and
  // the proof-of-work challenge change. Placeholders are plain ASCII that escaping leaves as they are.
  const TOKEN_SLOT = '__wf_form_token__';
  const POW_SLOT = '__wf_form_pow__';
  const blankForms = new Map<string, { org: unknown; html: string }>();
  function blankForm(lang: Language, token: string): string {
    const ctx = pageContext();
    const key = `${lang}|${ctx?.origin ?? ''}`;
    let cached = blankForms.get(key);
    if (!cached || cached.org !== ctx?.org) {
      const pow = deps.formPow ? { challenge: POW_SLOT, max: deps.formPow.max } : undefined;
      cached = {
        org: ctx?.org,
        html: homePage(lang, TOKEN_SLOT, undefined, undefined, undefined, undefined, pow),
      };
      if (blankForms.size > 64) blankForms.clear();
      blankForms.set(key, cached);
    }
    const page = cached.html.replace(TOKEN_SLOT, token);
    return deps.formPow ? page.replace(POW_SLOT, deps.formPow.challenge(token).challenge) : page;
  }

  /** A fresh form: in strict mode with a check question bound to its token. */
  async function freshForm(lang: Language, values?: FormValues, errors?: FieldErrors, notice?: MessageKey) {
    const token = formTokens.issue();
    const strict = (await deps.settings.intake()).strictMode;
    if (!strict && values === undefined && errors === undefined && notice === undefined)
      return blankForm(lang, token);
    return homePage(
      lang,
      token,
      values,
      errors,
      notice,
      strict ? formTokens.challenge(token) : undefined,
      deps.formPow?.challenge(token),
    );
  }

  /** The form page may load its one script (the optional proof of work); no other public page does. */
  function sendForm(reply: FastifyReply, status: number, page: string) {
    if (deps.formPow) reply.header('content-security-policy', PUBLIC_FORM_CSP);
    return sendHtml(reply, status, page);
  }

  // A proof is worth one place in the fast lane: a replayed form (whose insert will fail on its used
  // nonce) waits with the others. Bounded, oldest forgotten first; per process.
  const provenNonces = new Set<string>();
  function firstProofOf(nonce: Buffer): boolean {
    const key = nonce.toString('base64');
    if (provenNonces.has(key)) return false;
    if (provenNonces.size >= 100_000) {
      const oldest = provenNonces.values().next();
      if (!oldest.done) provenNonces.delete(oldest.value);
    }
    provenNonces.add(key);
    return true;
  }

  app.get('/static/pow.js', async (_req, reply) => {
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(POW_CLIENT_JS);
  });

  app.get('/', async (req, reply) => sendForm(reply, 200, await freshForm(langOf(req))));

  app.post('/requests', { onRequest: requireFormBody }, async (req, reply) => {
    const form = parseForm(ZIntakeForm, req.body);
    const lang = langOf(req, form.lang);
    const values: FormValues = {
      category: form.category,
      message: form.message,
      name: form.name,
      contact: form.contact,
    };
    const errors: FieldErrors = {};
    const category = CALLER_CATEGORIES.find((c) => c === form.category);
    if (!category) errors.category = 'error.category.required';
    if (form.message.length === 0) errors.message = 'error.message.required';
    else if (form.message.length > LIMITS.body) errors.message = 'error.message.too_long';
    if (form.name.length > LIMITS.name) errors.name = 'error.field.too_long';
    if (form.contact.length > LIMITS.contact) errors.contact = 'error.field.too_long';
    const rerender = async (status: number, notice?: MessageKey) =>
      sendForm(reply, status, await freshForm(lang, values, errors, notice));
    if (Object.keys(errors).length > 0 || !category) return rerender(400);
    const nonce = formTokens.verify(form.token);
    if (!nonce) {
      // A reload or re-post of the receipt page must not invite a second request, even past the form's
      // lifetime. (Within it, the insert's claim of the nonce answers the same without a round trip.)
      const issued = formTokens.issuedNonce(form.token);
      if (issued && (await intake.formNonceUsed(issued))) return sendHtml(reply, 200, receiptOncePage(lang));
      return rerender(400, 'error.invalid_form_token');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if ((await deps.settings.intake()).strictMode) {
      // Under attack: a person reads the form for a few seconds and answers the check question.
      if (clock.now().getTime() - nonce.issuedAt.getTime() < 5000) return rerender(400, 'error.too_fast');
      if (!formTokens.checkChallenge(form.token as string, body.proof, body.answer))
        return rerender(400, 'error.challenge');
    }
    // Under overload, work done first: a post with a valid proof waits in the faster lane.
    const lane =
      deps.formPow?.verify(form.token as string, body.pow) && firstProofOf(nonce.nonce) ? 'proof' : 'plain';
    const slot = await deps.admission.admit(lane);
    if (!slot) {
      // Refused after a short wait: the form comes back with the text, to be sent again.
      reply.header('retry-after', String(deps.admission.retryAfterSeconds()));
      return rerender(429, 'error.rate_limited');
    }
    let created: Awaited<ReturnType<IntakeService['createRequest']>>;
    try {
      created = await intake.createRequest(
        {
          channel: 'web',
          category,
          language: lang,
          content: {
            body: form.message,
            ...(form.name ? { name: form.name } : {}),
            ...(form.contact ? { contact: form.contact } : {}),
          },
        },
        // The nonce is remembered for a week, so that a late reload still says "received".
        {
          withReceipt: true,
          formNonce: {
            nonce: nonce.nonce,
            expiresAt: new Date(nonce.issuedAt.getTime() + FORM_NONCE_MEMORY_MS),
          },
        },
      );
    } catch (e) {
      if (e instanceof AppError && e.code === 'invalid_form_token')
        return sendHtml(reply, 200, receiptOncePage(lang));
      throw e;
    } finally {
      slot.release();
    }
    return sendHtml(reply, 200, receiptPage(lang, created.receiptCode as string, created.receiptWords));
  });

  app.get('/follow-up', async (req, reply) => sendHtml(reply, 200, followUpFormPage(langOf(req))));

  /** Resolves a typed code to its thread, spending the per-code budget; renders errors itself. */
  async function withThread(
    req: FastifyRequest,
    reply: FastifyReply,
    then: (code: string, lang: Language) => Promise<unknown>,
  ) {
    const form = parseForm(ZFollowUpForm, req.body);
    const lang = langOf(req, form.lang);
    const typed = form.code ?? '';
    const candidates = receiptCandidates(typed);
    // A word code may read two ways (Russian and Ukrainian share words): the one that matches a case.
    const code =
      candidates.length > 1 ? ((await intake.resolveReceipt(typed)) ?? candidates[0]) : candidates[0];
    if (!code) {
      if (!failedLookups.take('global'))
        return sendHtml(reply, 429, followUpFormPage(lang, 'error.rate_limited'));
      return sendHtml(reply, 404, followUpFormPage(lang, 'error.receipt_not_found'));
    }
    const budgetKey = intake.receiptLookup(code).toString('base64');
    if (!receiptBudget.take(budgetKey)) {
      reply.header('retry-after', String(receiptBudget.retryAfter(budgetKey)));
      return sendHtml(reply, 429, followUpFormPage(lang, 'error.too_many_attempts'));
    }
    return then(code, lang);
  }

  /** The requester's questionnaire: the protocol steps meant for them, with their own answers. */
  async function questionnaireOf(code: string): Promise<QuestionnaireState | undefined> {
    const keys = await intake.receiptKeys(code);
    if (!keys) return undefined;
    try {
      return { steps: (await deps.protocol.requesterView(keys.threadId, keys.kp)).steps };
    } catch {
      // No published protocol (or a purged case): the conversation still works without the questionnaire.
      return undefined;
    } finally {
      keys.kp.secretKey.fill(0);
    }
  }

  app.post('/follow-up', { onRequest: requireFormBody }, async (req, reply) =>
    withThread(req, reply, async (code, lang) => {
      const thread = await intake.readByReceipt(code);
      if (!thread) {
        if (!failedLookups.take('global'))
          return sendHtml(reply, 429, followUpFormPage(lang, 'error.rate_limited'));
        return sendHtml(reply, 404, followUpFormPage(lang, 'error.receipt_not_found'));
      }
      return sendHtml(
        reply,
        200,
        threadPage(lang, code, thread.messages, {
          questionnaire: await questionnaireOf(code),
          linkCode: await intake.issueLinkCode(thread.threadId),
          formToken: formTokens.issue(),
        }),
      );
    }),
  );

  app.post('/follow-up/answers', { onRequest: requireFormBody }, async (req, reply) =>
    withThread(req, reply, async (code, lang) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const stepId = typeof body.step === 'string' ? body.step.slice(0, 48) : '';
      const thread = await intake.readByReceipt(code);
      const questionnaire = await questionnaireOf(code);
      if (!thread || !questionnaire)
        return sendHtml(reply, 404, followUpFormPage(lang, 'error.receipt_not_found'));
      const step = questionnaire.steps.find((s) => s.id === stepId);
      if (!step) throw new AppError('bad_request', 'Unknown step');
      // Form fields `a.<question>` (and `a.<question>.start/.end` for time windows) become answers.
      const answers: Record<string, unknown> = {};
      for (const q of step.questions) {
        if (q.type === 'datetime_window') {
          const start = body[`a.${q.id}.start`];
          const end = body[`a.${q.id}.end`];
          if (start !== undefined || end !== undefined) answers[q.id] = { start, end };
        } else if (`a.${q.id}` in body) {
          answers[q.id] = body[`a.${q.id}`];
        }
      }
      try {
        await deps.protocol.saveAnswers({ type: 'requester' }, thread.threadId, step.id, answers);
      } catch (e) {
        if (e instanceof AppError && e.code === 'validation_failed' && e.details?.errors) {
          const errors = e.details.errors as Record<string, AnswerError>;
          return sendHtml(
            reply,
            400,
            threadPage(lang, code, thread.messages, {
              questionnaire: { ...questionnaire, stepId: step.id, errors, values: answers },
              formToken: formTokens.issue(),
            }),
          );
        }
        throw e;
      }
      return sendHtml(
        reply,
        200,
        threadPage(lang, code, thread.messages, {
          notice: 'questionnaire.saved',
          questionnaire: await questionnaireOf(code),
          formToken: formTokens.issue(),
        }),
      );
    }),
  );

  app.post('/follow-up/reply', { onRequest: requireFormBody }, async (req, reply) =>
    withThread(req, reply, async (code, lang) => {
      const form = parseForm(ZFollowUpForm, req.body);
      const thread = await intake.readByReceipt(code);
      if (!thread) return sendHtml(reply, 404, followUpFormPage(lang, 'error.receipt_not_found'));
      const refuse = (error: MessageKey, draft = form.message) =>
        sendHtml(
          reply,
          400,
          threadPage(lang, code, thread.messages, { error, draft, formToken: formTokens.issue() }),
        );
      if (form.message.length === 0) return refuse('error.message.required');
      if (form.message.length > LIMITS.body) return refuse('error.message.too_long');
      // Single use, like the intake form: a replayed post (back button, a captured request) stores nothing.
      const nonce = formTokens.verify(form.token);
      if (!nonce) return refuse('error.invalid_form_token');
      try {
        await intake.appendRequesterMessage(thread.threadId, { body: form.message }, { formNonce: nonce });
      } catch (e) {
        // Already stored: the thread shows it, and no draft invites sending it a third time.
        if (e instanceof AppError && e.code === 'invalid_form_token')
          return refuse('error.invalid_form_token', '');
        throw e;
      }
      const after = await intake.readByReceipt(code);
      return sendHtml(
        reply,
        200,
        threadPage(lang, code, after?.messages ?? thread.messages, {
          notice: 'followup.sent',
          questionnaire: await questionnaireOf(code),
          formToken: formTokens.issue(),
        }),
      );
    }),
  );
}
