import { CALLER_CATEGORIES, type CallerCategory } from '../../cases/categories.ts';
import { formatReceiptCode } from '../../crypto/receipt.ts';
import { layout } from '../../http/page-layout.ts';
import { type Language, type MessageKey, t } from '../../i18n/i18n.ts';
import { LIMITS } from '../../intake/message-content.ts';
import { html, type SafeHtml } from '../../lib/html.ts';
import { type AnswerError, utcToKyivLocal } from '../../protocol/answers.ts';
import { textIn } from '../../protocol/protocol.schema.ts';
import type { StepView } from '../../protocol/protocol.service.ts';
import type { PowChallenge } from './form-pow.ts';

/**
 * Server-rendered public pages: plain HTML forms, no JavaScript, no third-party resources, so they
 * work in Tor Browser at the "Safest" level. Language travels in links and hidden fields, not cookies.
 */
export interface FormValues {
  category?: string;
  message?: string;
  name?: string;
  contact?: string;
}
export type FieldErrors = Partial<Record<'category' | 'message' | 'name' | 'contact' | 'code', MessageKey>>;

function fieldError(lang: Language, id: string, key: MessageKey | undefined): SafeHtml {
  return key ? html`<p class="error" id="${id}-error">${t(lang, key)}</p>` : html``;
}

function describedBy(id: string, hint: boolean, err: MessageKey | undefined): string {
  return [hint ? `${id}-hint` : '', err ? `${id}-error` : ''].filter(Boolean).join(' ');
}

const NUMBER_WORDS: Record<Language, string[]> = {
  ru: ['ноль', 'один', 'два', 'три', 'четыре', 'пять', 'шесть', 'семь', 'восемь', 'девять'],
  uk: ['нуль', 'один', 'два', 'три', 'чотири', "п'ять", 'шість', 'сім', 'вісім', "дев'ять"],
  en: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
  ko: ['영', '일', '이', '삼', '사', '오', '육', '칠', '팔', '구'],
};

/** Strict mode's check question, in words (a script cannot just add the digits it sees). */
export interface Challenge {
  a: number;
  b: number;
  proof: string;
}

function challengeField(lang: Language, c: Challenge | undefined): SafeHtml {
  if (!c) return html``;
  const words = NUMBER_WORDS[lang];
  const q = t(lang, 'form.challenge')
    .replace('{a}', words[c.a] ?? String(c.a))
    .replace('{b}', words[c.b] ?? String(c.b));
  return html`<input type="hidden" name="proof" value="${c.proof}">
  <label for="answer">${q}</label>
  <input id="answer" name="answer" type="text" inputmode="numeric" maxlength="2" autocomplete="off" required>`;
}

const FIELD_LABELS = {
  category: 'form.category',
  message: 'form.message',
  name: 'form.name',
  contact: 'form.contact',
} as const;

/**
 * After a failed submit, the errors come first: at the top of the page, focused by the browser itself
 * (`autofocus` on a `tabindex="-1"` box; no JavaScript), each linked to its field. On a phone the
 * fields are far below the fold, and a page that looks unchanged reads as "nothing happened".
 */
function errorSummary(lang: Language, errors: FieldErrors, notice: MessageKey | undefined): SafeHtml {
  const fields = (Object.keys(FIELD_LABELS) as Array<keyof typeof FIELD_LABELS>).filter((f) => errors[f]);
  return html`<div class="alert" id="form-errors" role="alert" tabindex="-1" autofocus>
<p>${t(lang, notice ?? 'error.validation_failed')}</p>
${fields.length ? html`<ul>${fields.map((f) => html`<li><a href="#${f}">${t(lang, FIELD_LABELS[f])}: ${t(lang, errors[f] as MessageKey)}</a></li>`)}</ul>` : ''}
</div>`;
}

export function homePage(
  lang: Language,
  formToken: string,
  values: FormValues = {},
  errors: FieldErrors = {},
  notice?: MessageKey,
  challenge?: Challenge,
  pow?: PowChallenge,
): string {
  const hasErrors = Object.keys(errors).length > 0 || notice !== undefined;
  return layout(
    lang,
    '/',
    html`
${hasErrors ? errorSummary(lang, errors, notice) : ''}
<h1>${t(lang, 'home.heading')}</h1>
<p>${t(lang, 'home.intro')}</p>
<p class="safety">${t(lang, 'home.safety')}</p>
<p><a href="/follow-up?lang=${lang}">${t(lang, 'home.followup.link')}</a></p>
<p><a href="/kb?lang=${lang}">${t(lang, 'kb.link')}</a> · <a href="/stats?lang=${lang}">${t(lang, 'stats.heading')}</a></p>
<p><a href="/find?lang=${lang}">${t(lang, 'find.link')}</a></p>
<section aria-labelledby="form-heading">
<h2 id="form-heading">${t(lang, 'form.heading')}</h2>
<form method="post" action="/requests" accept-charset="utf-8"${
      pow ? html` data-pow="${pow.challenge}" data-pow-max="${String(pow.max)}"` : ''
    }>
  <input type="hidden" name="token" value="${formToken}">${
    pow
      ? html`
  <input type="hidden" name="pow" value="">`
      : ''
  }
  <input type="hidden" name="lang" value="${lang}">
  <fieldset id="category"${errors.category ? html` aria-describedby="category-error"` : ''}>
    <legend>${t(lang, 'form.category')}</legend>
    ${fieldError(lang, 'category', errors.category)}
    ${CALLER_CATEGORIES.map(
      (c: CallerCategory) =>
        html`<label class="choice"><input type="radio" name="category" value="${c}"${
          values.category === c ? html` checked` : ''
        } required> ${t(lang, `form.category.${c}` as MessageKey)}</label>`,
    )}
  </fieldset>
  <label for="message">${t(lang, 'form.message')}</label>
  <p class="hint" id="message-hint">${t(lang, 'form.message.hint')}</p>
  ${fieldError(lang, 'message', errors.message)}
  <textarea id="message" name="message" rows="8" maxlength="${LIMITS.body}" required aria-describedby="${describedBy('message', true, errors.message)}">${values.message ?? ''}</textarea>
  <label for="name">${t(lang, 'form.name')}</label>
  ${fieldError(lang, 'name', errors.name)}
  <input id="name" name="name" type="text" maxlength="${LIMITS.name}" autocomplete="off" value="${values.name ?? ''}">
  <label for="contact">${t(lang, 'form.contact')}</label>
  <p class="hint" id="contact-hint">${t(lang, 'form.contact.hint')}</p>
  ${fieldError(lang, 'contact', errors.contact)}
  <input id="contact" name="contact" type="text" maxlength="${LIMITS.contact}" autocomplete="off" value="${values.contact ?? ''}" aria-describedby="${describedBy('contact', true, errors.contact)}">
    ${challengeField(lang, challenge)}
  <button type="submit">${t(lang, 'form.submit')}</button>
</form>
${pow ? html`<script src="/static/pow.js" defer></script>` : ''}
</section>`,
  );
}

export function receiptPage(lang: Language, code: string, words?: string[]): string {
  return layout(
    lang,
    '/follow-up',
    html`
<h1>${t(lang, 'receipt.heading')}</h1>
${
  words?.length
    ? html`<p>${t(lang, 'receipt.words')}:</p>
<p class="receipt words" id="receipt-words">${words.join(' ')}</p>
<p>${t(lang, 'receipt.digits')}:</p>`
    : html`<p>${t(lang, 'receipt.code')}:</p>`
}
<p class="receipt" id="receipt-code">${formatReceiptCode(code)}</p>
<p>${t(lang, 'receipt.keep')}</p>
<p class="safety">${t(lang, 'receipt.advice')}</p>
<p><a href="/follow-up?lang=${lang}">${t(lang, 'receipt.next')}</a></p>`,
  );
}

/** A reload or re-post of the receipt page: the request is in, the code was shown once, no new form. */
export function receiptOncePage(lang: Language): string {
  return layout(
    lang,
    '/follow-up',
    html`
<h1 id="received-once">${t(lang, 'receipt.once.heading')}</h1>
<p>${t(lang, 'receipt.once.text')}</p>
<p><a href="/follow-up?lang=${lang}">${t(lang, 'receipt.next')}</a></p>`,
  );
}

export function followUpFormPage(lang: Language, error?: MessageKey): string {
  return layout(
    lang,
    '/follow-up',
    html`
<h1>${t(lang, 'followup.heading')}</h1>
${error ? html`<div class="alert" role="alert">${t(lang, error)}</div>` : ''}
<form method="post" action="/follow-up" accept-charset="utf-8" autocomplete="off">
  <input type="hidden" name="lang" value="${lang}">
  <label for="code">${t(lang, 'followup.code')}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" maxlength="64" required>
  <button type="submit">${t(lang, 'followup.submit')}</button>
</form>`,
  );
}

export interface QuestionnaireState {
  steps: StepView[];
  /** After a failed save: the step, its errors and what was typed. */
  stepId?: string;
  errors?: Record<string, AnswerError>;
  values?: Record<string, unknown>;
}

function answerValue(q: StepView['questions'][number], st: QuestionnaireState, stepId: string): unknown {
  if (st.stepId === stepId && st.values && q.id in st.values) return st.values[q.id];
  return q.answer;
}

function questionField(
  lang: Language,
  stepId: string,
  q: StepView['questions'][number],
  st: QuestionnaireState,
): SafeHtml {
  const name = `a.${q.id}`;
  const id = `q-${stepId}-${q.id}`;
  const v = answerValue(q, st, stepId);
  const err = st.stepId === stepId ? st.errors?.[q.id] : undefined;
  const label = html`<label for="${id}">${textIn(q.label, lang)}${q.required ? ' *' : ''}</label>${
    q.help ? html`<p class="hint">${textIn(q.help, lang)}</p>` : ''
  }${err ? html`<p class="error">${t(lang, `error.answer.${err}` as MessageKey)}</p>` : ''}`;
  const str = typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  switch (q.type) {
    case 'longtext':
      return html`${label}<textarea id="${id}" name="${name}" rows="4" maxlength="5000">${str}</textarea>`;
    case 'number':
      return html`${label}<input id="${id}" name="${name}" type="number" inputmode="numeric" value="${str}"${
        q.min !== undefined ? html` min="${q.min}"` : ''
      }${q.max !== undefined ? html` max="${q.max}"` : ''}>`;
    case 'date':
      return html`${label}<input id="${id}" name="${name}" type="date" value="${str}">`;
    case 'boolean':
      return html`<fieldset><legend>${textIn(q.label, lang)}</legend>${err ? html`<p class="error">${t(lang, `error.answer.${err}` as MessageKey)}</p>` : ''}
        <label class="choice"><input type="radio" name="${name}" value="yes"${v === true || v === 'yes' ? html` checked` : ''}> ${t(lang, 'questionnaire.yes')}</label>
        <label class="choice"><input type="radio" name="${name}" value="no"${v === false || v === 'no' ? html` checked` : ''}> ${t(lang, 'questionnaire.no')}</label></fieldset>`;
    case 'choice':
    case 'multichoice': {
      const chosen = new Set(Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
      const type = q.type === 'choice' ? 'radio' : 'checkbox';
      return html`<fieldset><legend>${textIn(q.label, lang)}${q.required ? ' *' : ''}</legend>${
        err ? html`<p class="error">${t(lang, `error.answer.${err}` as MessageKey)}</p>` : ''
      }${(q.options ?? []).map(
        (o) =>
          html`<label class="choice"><input type="${type}" name="${name}" value="${o.value}"${chosen.has(o.value) ? html` checked` : ''}> ${textIn(o.label, lang)}</label>`,
      )}</fieldset>`;
    }
    case 'datetime_window': {
      const w = (v ?? {}) as { start?: string; end?: string };
      const local = (x: string | undefined) => (x ? (/Z$/.test(x) ? utcToKyivLocal(x) : x) : '');
      return html`<fieldset><legend>${textIn(q.label, lang)} (${t(lang, 'questionnaire.window.tz')})</legend>${
        err ? html`<p class="error">${t(lang, `error.answer.${err}` as MessageKey)}</p>` : ''
      }
        <label for="${id}-start">${t(lang, 'questionnaire.window.start')}</label><input id="${id}-start" name="${name}.start" type="datetime-local" value="${local(w.start)}">
        <label for="${id}-end">${t(lang, 'questionnaire.window.end')}</label><input id="${id}-end" name="${name}.end" type="datetime-local" value="${local(w.end)}"></fieldset>`;
    }
    default:
      return html`${label}<input id="${id}" name="${name}" type="text" maxlength="500" autocomplete="off" value="${str}">`;
  }
}

function questionnaireSection(lang: Language, code: string, st: QuestionnaireState): SafeHtml {
  const open = st.steps.filter((s) => !s.completed && s.questions.length > 0);
  if (open.length === 0) return html``;
  return html`<section aria-labelledby="questionnaire-heading">
<h2 id="questionnaire-heading">${t(lang, 'questionnaire.heading')}</h2>
<p class="hint">${t(lang, 'questionnaire.intro')}</p>
${st.errors && Object.keys(st.errors).length ? html`<div class="alert" role="alert">${t(lang, 'error.answers')}</div>` : ''}
${open.map(
  (
    step,
  ) => html`<form method="post" action="/follow-up/answers" accept-charset="utf-8" autocomplete="off" class="step">
  <h3>${textIn(step.title, lang)}</h3>
  <input type="hidden" name="lang" value="${lang}">
  <input type="hidden" name="code" value="${code}">
  <input type="hidden" name="step" value="${step.id}">
  ${step.questions.map((q) => questionField(lang, step.id, q, st))}
  <button type="submit">${t(lang, 'questionnaire.save')}</button>
</form>`,
)}
</section>`;
}

export function threadPage(
  lang: Language,
  code: string,
  messages: Array<{ direction: 'in' | 'out'; body: string; at: Date }>,
  opts: {
    notice?: MessageKey;
    error?: MessageKey;
    draft?: string;
    questionnaire?: QuestionnaireState;
    /** A one-time code that attaches a messenger chat to this conversation. */
    linkCode?: string;
    /** Single-use token of the reply form (a replayed post stores nothing). */
    formToken?: string;
  } = {},
): string {
  const hasReply = messages.some((m) => m.direction === 'out');
  return layout(
    lang,
    '/follow-up',
    html`
<h1>${t(lang, 'followup.thread')}</h1>
${opts.notice ? html`<div class="notice" role="status">${t(lang, opts.notice)}</div>` : ''}
<ol class="thread">
  ${messages.map(
    (m) => html`<li class="msg ${m.direction === 'in' ? 'mine' : 'theirs'}">
    <p class="meta">${t(lang, m.direction === 'in' ? 'followup.you' : 'followup.hotline')} · <time datetime="${m.at.toISOString()}">${m.at.toISOString().slice(0, 16).replace('T', ' ')} UTC</time></p>
    <p class="body">${m.body}</p></li>`,
  )}
</ol>
${hasReply ? '' : html`<p class="hint">${t(lang, 'followup.noreply')}</p>`}
${opts.questionnaire ? questionnaireSection(lang, code, opts.questionnaire) : ''}
<h2>${t(lang, 'followup.reply')}</h2>
${opts.error ? html`<div class="alert" role="alert">${t(lang, opts.error)}</div>` : ''}
<form method="post" action="/follow-up/reply" accept-charset="utf-8" autocomplete="off">
  <input type="hidden" name="lang" value="${lang}">
  <input type="hidden" name="code" value="${code}">
  <input type="hidden" name="token" value="${opts.formToken ?? ''}">
  <label for="message">${t(lang, 'form.message')}</label>
  <textarea id="message" name="message" rows="6" maxlength="${LIMITS.body}" required>${opts.draft ?? ''}</textarea>
  <button type="submit">${t(lang, 'followup.send')}</button>
</form>
${
  opts.linkCode
    ? html`<h2>${t(lang, 'followup.link.heading')}</h2>
<p>${t(lang, 'followup.link.text')}</p>
<p class="receipt" id="link-code">${opts.linkCode}</p>`
    : ''
}
<p><a href="/?lang=${lang}">${t(lang, 'followup.close')}</a></p>`,
  );
}

export function errorPage(lang: Language, key: MessageKey): string {
  return layout(
    lang,
    '/',
    html`
<h1>${t(lang, 'error.heading')}</h1>
<div class="alert" role="alert">${t(lang, key)}</div>
<p><a href="/?lang=${lang}">${t(lang, 'error.back')}</a></p>`,
  );
}

export const SITE_CSS = `
*{box-sizing:border-box}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;background:#fafaf7}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:#fff;border-bottom:1px solid #ddd}
.brand{font-weight:700;color:#1b1b1b;text-decoration:none;display:inline-flex;align-items:center;gap:.5rem}
.brand .logo{width:40px;height:40px;object-fit:contain}
.org-description{max-width:44rem;margin:.75rem auto 0;padding:0 1rem;color:#444}
.org-channels{max-width:44rem;margin:2rem auto;padding:1rem;border-top:1px solid #ddd;font-size:.95rem}
.org-channels h2{font-size:1rem;margin:0 0 .5rem}
.org-channels ul{margin:0;padding-left:1.2rem}
.org-channels a{word-break:break-all}
nav .lang{margin-left:.75rem}
.lang.current{font-weight:700}
main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.7rem;line-height:1.2}
a{color:#0b4fa1}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
.safety{background:#fff7d6;border-left:4px solid #d9a400;padding:.6rem .8rem}
form{display:flex;flex-direction:column;gap:.35rem}
fieldset{border:1px solid #ccc;padding:.5rem .8rem}
label{font-weight:600;margin-top:.6rem}
label.choice{font-weight:400;display:block;margin:.25rem 0}
input[type=text],input[type=number],input[type=date],input[type=datetime-local],textarea{font:inherit;padding:.5rem;border:1px solid #888;border-radius:4px;width:100%;box-sizing:border-box;background:#fff;color:inherit;min-height:2.6rem}
input[type=number],input[type=date],input[type=datetime-local]{max-width:16rem}
textarea{resize:vertical}
button{font:inherit;margin-top:1rem;padding:.7rem 1.2rem;background:#0b4fa1;color:#fff;border:0;border-radius:4px;cursor:pointer;align-self:flex-start}
button:focus,input:focus,textarea:focus,a:focus{outline:3px solid #d9a400;outline-offset:2px}
.hint{color:#555;margin:0;font-size:.95rem}
.error{color:#a40000;margin:0;font-weight:600}
.alert{background:#fde8e8;border:1px solid #a40000;padding:.6rem .8rem}
#form-errors:focus{outline:3px solid #a40000;outline-offset:2px}
#form-errors ul{margin:.3rem 0 0;padding-left:1.2rem}
.notice{background:#e6f4ea;border:1px solid #1e7b34;padding:.6rem .8rem}
.receipt{font:700 1.6rem/1.4 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.05em;background:#fff;border:2px dashed #0b4fa1;padding:.8rem;word-spacing:.3em}
.thread{list-style:none;padding:0}
.msg{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;margin:.5rem 0}
.msg.theirs{border-left:4px solid #0b4fa1}
.msg .meta{color:#555;font-size:.85rem;margin:0}
.msg .body{white-space:pre-wrap;margin:.25rem 0 0}
form.step{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.5rem .8rem;margin:.8rem 0}
article h2{font-size:1.3rem}
figure.chart{margin:1rem 0}
figure.chart figcaption{font-weight:600;margin-bottom:.3rem}
figure.chart svg{display:block;width:100%;height:auto}
.table-scroll{overflow-x:auto;max-width:100%}
table.stats{border-collapse:collapse;margin:.5rem 0}
table.stats th,table.stats td{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}
table.stats td{text-align:right}
.kb-list li{margin:.3rem 0}
`;
