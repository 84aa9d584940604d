import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { formatReceiptCode, normalizeReceiptCode } from '../crypto/receipt.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { FormTokens } from '../http/form-token.ts';
import { layout } from '../http/page-layout.ts';
import { langOf, parseForm, requireFormBody, sendHtml } from '../http/public-form.ts';
import { type Language, t } from '../i18n/i18n.ts';
import { describeDate, parsePartialDate } from '../lib/dates.ts';
import { html, type SafeHtml } from '../lib/html.ts';
import { createRateLimiter } from '../lib/rate-limit.ts';
import { LETTER_MAX, type RelativesService } from './relatives.service.ts';

/**
 * The public relatives desk: "I want to find a person" — a plain HTML form (no JavaScript, no
 * cookies, same CSP as the other public pages), a receipt code, and a page to read the answer and
 * write letters once the person has been found.
 */
const T = {
  ru: {
    heading: 'Найти человека в плену',
    intro:
      'Если ваш родственник мог попасть в плен, укажите, кого вы ищете. Сотрудник проверит списки военнопленных и ответит здесь. Сохраните код, который вы получите.',
    sought: 'Кого вы ищете',
    surname: 'Фамилия',
    firstNames: 'Имя',
    fatherName: 'Отчество (имя отца)',
    dob: 'Дата рождения (15.03.1990 или только год)',
    unit: 'Воинская часть (если знаете)',
    you: 'О вас',
    yourName: 'Ваше имя',
    relationship: 'Кем вы ему приходитесь (мать, жена…)',
    message: 'Что ещё нам нужно знать (необязательно)',
    submit: 'Отправить запрос',
    receiptHeading: 'Запрос принят',
    receiptCode: 'Ваш код',
    receiptAdvice:
      'Запишите код и храните его в безопасном месте. Только по нему вы сможете прочитать ответ. Мы не знаем, кто вы.',
    checkLink: 'Узнать ответ по коду',
    answerHeading: 'Ответ на ваш запрос',
    code: 'Код запроса',
    show: 'Показать ответ',
    safety:
      'Ваша безопасность прежде всего: пользуйтесь устройством и учётной записью, которые никто не проверяет. Мы не сохраняем ваш IP-адрес и не спрашиваем, кто вы. Для большей анонимности откройте сайт в Tor Browser.',
    answeredOn: 'Ответ дан',
    pending: 'Ваш запрос ещё проверяется. Загляните позже.',
    lettersHeading: 'Письма',
    fromPrisoner: 'Письмо от него',
    toPrisoner: 'Ваше письмо',
    delivered: 'передано',
    waiting: 'ожидает передачи',
    writeHeading: 'Написать письмо',
    letter: 'Текст письма',
    send: 'Отправить письмо',
    sent: 'Письмо принято. Мы передадим его.',
    required: 'Заполните это поле.',
    tooLong: 'Слишком длинный текст.',
    badDate: 'Не удалось прочитать дату. Например: 15.03.1990, 15/03/1990, 1990-03-15, 03.1990 или 1990.',
    dobUnderstood: 'Дата рождения понята как',
    fix: 'Проверьте отмеченные поля.',
    badToken: 'Форма устарела. Отправьте её ещё раз.',
    notFound: 'Запрос с таким кодом не найден.',
    busy: 'Слишком много запросов. Попробуйте позже.',
  },
  uk: {
    heading: 'Знайти людину в полоні',
    intro:
      'Якщо ваш родич міг потрапити в полон, вкажіть, кого ви шукаєте. Співробітник перевірить списки військовополонених і відповість тут. Збережіть код, який ви отримаєте.',
    sought: 'Кого ви шукаєте',
    surname: 'Прізвище',
    firstNames: "Ім'я",
    fatherName: "По батькові (ім'я батька)",
    dob: 'Дата народження (15.03.1990 або лише рік)',
    unit: 'Військова частина (якщо знаєте)',
    you: 'Про вас',
    yourName: "Ваше ім'я",
    relationship: 'Ким ви йому доводитеся (мати, дружина…)',
    message: 'Що ще нам потрібно знати (необов’язково)',
    submit: 'Надіслати запит',
    receiptHeading: 'Запит прийнято',
    receiptCode: 'Ваш код',
    receiptAdvice:
      'Запишіть код і зберігайте його в безпечному місці. Лише за ним ви зможете прочитати відповідь. Ми не знаємо, хто ви.',
    checkLink: 'Дізнатися відповідь за кодом',
    answerHeading: 'Відповідь на ваш запит',
    code: 'Код запиту',
    show: 'Показати відповідь',
    safety:
      'Ваша безпека насамперед: користуйтеся пристроєм і обліковим записом, які ніхто не перевіряє. Ми не зберігаємо вашу IP-адресу й не питаємо, хто ви. Для більшої анонімності відкрийте сайт у Tor Browser.',
    answeredOn: 'Відповідь надано',
    pending: 'Ваш запит ще перевіряється. Завітайте пізніше.',
    lettersHeading: 'Листи',
    fromPrisoner: 'Лист від нього',
    toPrisoner: 'Ваш лист',
    delivered: 'передано',
    waiting: 'очікує передачі',
    writeHeading: 'Написати листа',
    letter: 'Текст листа',
    send: 'Надіслати листа',
    sent: 'Лист прийнято. Ми передамо його.',
    required: 'Заповніть це поле.',
    tooLong: 'Задовгий текст.',
    badDate: 'Не вдалося прочитати дату. Наприклад: 15.03.1990, 15/03/1990, 1990-03-15, 03.1990 або 1990.',
    dobUnderstood: 'Дату народження зрозуміли як',
    fix: 'Перевірте позначені поля.',
    badToken: 'Форма застаріла. Надішліть її ще раз.',
    notFound: 'Запит із таким кодом не знайдено.',
    busy: 'Забагато запитів. Спробуйте пізніше.',
  },
  en: {
    heading: 'Find a person held as a prisoner of war',
    intro:
      'If your relative may have been captured, tell us whom you are looking for. A staff member checks the list of prisoners of war and answers here. Keep the code you will receive.',
    sought: 'Whom are you looking for',
    surname: 'Surname',
    firstNames: 'First name',
    fatherName: "Patronymic (father's first name)",
    dob: 'Date of birth (15.03.1990, 1990-03-15 or just the year)',
    unit: 'Military unit (if known)',
    you: 'About you',
    yourName: 'Your name',
    relationship: 'Your relationship to him (mother, wife…)',
    message: 'Anything else we should know (optional)',
    submit: 'Send the inquiry',
    receiptHeading: 'Inquiry received',
    receiptCode: 'Your code',
    receiptAdvice:
      'Write the code down and keep it safe. Only with it can you read the answer. We do not know who you are.',
    checkLink: 'Read the answer with your code',
    answerHeading: 'Answer to your inquiry',
    code: 'Inquiry code',
    show: 'Show the answer',
    safety:
      'Your safety first: use a device and an account that others do not check. We do not record your IP address or ask who you are. For extra anonymity open this site in Tor Browser.',
    answeredOn: 'Answered on',
    pending: 'Your inquiry is still being checked. Please come back later.',
    lettersHeading: 'Letters',
    fromPrisoner: 'Letter from him',
    toPrisoner: 'Your letter',
    delivered: 'delivered',
    waiting: 'waiting to be delivered',
    writeHeading: 'Write a letter',
    letter: 'Your letter',
    send: 'Send the letter',
    sent: 'Letter received. We will deliver it.',
    required: 'Fill in this field.',
    tooLong: 'The text is too long.',
    badDate:
      'We could not read this date. For example: 15.03.1990, 15/03/1990, 1990-03-15, 03.1990 or 1990 (day first).',
    dobUnderstood: 'Date of birth understood as',
    fix: 'Check the marked fields.',
    badToken: 'The form has expired. Please send it again.',
    notFound: 'No inquiry with this code.',
    busy: 'Too many requests. Please try later.',
  },
  ko: {
    heading: '포로로 잡힌 사람 찾기',
    intro:
      '가족이 포로로 잡혔을 수 있다면 누구를 찾는지 알려 주십시오. 담당자가 전쟁포로 명단을 확인하고 여기에서 답합니다. 받게 될 코드를 보관하십시오.',
    sought: '찾는 사람',
    surname: '성',
    firstNames: '이름',
    fatherName: '부칭 (아버지 이름)',
    dob: '생년월일 (1990-03-15, 15.03.1990 또는 연도만)',
    unit: '소속 부대 (알고 있다면)',
    you: '당신에 대해',
    yourName: '당신의 이름',
    relationship: '그와의 관계 (어머니, 아내 등)',
    message: '그 밖에 알려 줄 내용 (선택)',
    submit: '요청 보내기',
    receiptHeading: '요청을 받았습니다',
    receiptCode: '코드',
    receiptAdvice:
      '코드를 적어서 안전하게 보관하십시오. 이 코드가 있어야만 답을 읽을 수 있습니다. 우리는 당신이 누구인지 모릅니다.',
    checkLink: '코드로 답 읽기',
    answerHeading: '요청에 대한 답',
    code: '요청 코드',
    show: '답 보기',
    safety:
      '안전이 먼저입니다: 다른 사람이 확인하지 않는 기기와 계정을 사용하십시오. 우리는 IP 주소를 기록하지 않으며 당신이 누구인지 묻지 않습니다. 더 익명으로 이용하려면 Tor Browser로 이 사이트를 여십시오.',
    answeredOn: '답변일',
    pending: '요청을 아직 확인하고 있습니다. 나중에 다시 오십시오.',
    lettersHeading: '편지',
    fromPrisoner: '그가 보낸 편지',
    toPrisoner: '당신의 편지',
    delivered: '전달됨',
    waiting: '전달 대기 중',
    writeHeading: '편지 쓰기',
    letter: '당신의 편지',
    send: '편지 보내기',
    sent: '편지를 받았습니다. 전달하겠습니다.',
    required: '이 항목을 채우십시오.',
    tooLong: '글이 너무 깁니다.',
    badDate: '날짜를 알아볼 수 없습니다. 예: 1990-03-15, 15.03.1990, 1990-03 또는 1990.',
    dobUnderstood: '생년월일을 다음과 같이 이해했습니다',
    fix: '표시된 항목을 확인하십시오.',
    badToken: '양식이 만료되었습니다. 다시 보내십시오.',
    notFound: '이 코드의 요청이 없습니다.',
    busy: '요청이 너무 많습니다. 나중에 다시 시도하십시오.',
  },
} as const;
type Msg = keyof (typeof T)['en'];

const FIELDS = [
  'surname',
  'firstNames',
  'fatherName',
  'dob',
  'unit',
  'yourName',
  'relationship',
  'message',
] as const;
type Field = (typeof FIELDS)[number];
type Values = Partial<Record<Field, string>>;
type Errors = Partial<Record<Field, Msg>>;
const MAX: Record<Field, number> = {
  surname: 200,
  firstNames: 200,
  fatherName: 200,
  dob: 10,
  unit: 200,
  yourName: 200,
  relationship: 100,
  message: 4000,
};
const REQUIRED: readonly Field[] = ['surname', 'firstNames', 'yourName', 'relationship'];

function input(lang: Language, f: Field, v: Values, e: Errors): SafeHtml {
  const err = e[f];
  const label = html`<label for="${f}">${T[lang][f === 'dob' ? 'dob' : f]}${REQUIRED.includes(f) ? ' *' : ''}</label>${
    err ? html`<p class="error" id="${f}-error">${T[lang][err]}</p>` : ''
  }`;
  if (f === 'message')
    return html`${label}<textarea id="${f}" name="${f}" rows="5" maxlength="${MAX[f]}">${v[f] ?? ''}</textarea>`;
  return html`${label}<input id="${f}" name="${f}" type="text" maxlength="${MAX[f]}" autocomplete="off" value="${v[f] ?? ''}"${
    REQUIRED.includes(f) ? html` required` : ''
  }${err ? html` aria-invalid="true" aria-describedby="${f}-error"` : ''}>`;
}

export function findPage(
  lang: Language,
  token: string,
  v: Values = {},
  e: Errors = {},
  notice?: Msg,
): string {
  const m = T[lang];
  return layout(
    lang,
    '/find',
    html`
<h1>${m.heading}</h1>
<p>${m.intro}</p>
<p class="safety">${m.safety}</p>
<p><a href="/find/answer?lang=${lang}">${m.checkLink}</a></p>
${notice || Object.keys(e).length ? html`<div class="alert" role="alert">${m[notice ?? 'fix']}</div>` : ''}
<form method="post" action="/find" accept-charset="utf-8">
  <input type="hidden" name="token" value="${token}">
  <input type="hidden" name="lang" value="${lang}">
  <fieldset><legend>${m.sought}</legend>
    ${(['surname', 'firstNames', 'fatherName', 'dob', 'unit'] as const).map((f) => input(lang, f, v, e))}
  </fieldset>
  <fieldset><legend>${m.you}</legend>
    ${(['yourName', 'relationship'] as const).map((f) => input(lang, f, v, e))}
  </fieldset>
  ${input(lang, 'message', v, e)}
  <button type="submit">${m.submit}</button>
</form>`,
  );
}

function receiptPage(lang: Language, code: string, dob: string | null): string {
  const m = T[lang];
  // Say back what was understood, in words: 05.03.1990 is 5 March, not May 3.
  const understood = dob
    ? html`<p data-testid="dob-understood">${m.dobUnderstood}: <strong>${describeDate(dob, lang)}</strong> (${dob})</p>`
    : '';
  return layout(
    lang,
    '/find/answer',
    html`
<h1>${m.receiptHeading}</h1>
<p>${m.receiptCode}:</p>
<p class="receipt" id="receipt-code">${formatReceiptCode(code)}</p>
${understood}
<p class="safety">${m.receiptAdvice}</p>
<p><a href="/find/answer?lang=${lang}">${m.checkLink}</a></p>`,
  );
}

function codeForm(lang: Language, error?: Msg): string {
  const m = T[lang];
  return layout(
    lang,
    '/find/answer',
    html`
<h1>${m.answerHeading}</h1>
${error ? html`<div class="alert" role="alert">${m[error]}</div>` : ''}
<form method="post" action="/find/answer" accept-charset="utf-8" autocomplete="off">
  <input type="hidden" name="lang" value="${lang}">
  <label for="code">${m.code}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" maxlength="64" required>
  <button type="submit">${m.show}</button>
</form>`,
  );
}

type Inquiry = NonNullable<Awaited<ReturnType<RelativesService['readByReceipt']>>>;

function answerPage(
  lang: Language,
  code: string,
  q: Inquiry,
  opts: { notice?: Msg; error?: Msg; draft?: string; token?: string } = {},
) {
  const m = T[lang];
  return layout(
    lang,
    '/find/answer',
    html`
<h1>${m.answerHeading}</h1>
${opts.notice ? html`<div class="notice" role="status">${m[opts.notice]}</div>` : ''}
${
  q.answer
    ? html`${
        q.answer.answeredAt
          ? html`<p class="hint" id="answer-date">${m.answeredOn}: <time datetime="${q.answer.answeredAt}">${describeDate(q.answer.answeredAt.slice(0, 10), lang)}</time></p>`
          : ''
      }<div class="answer" id="answer"><p>${q.answer.text}</p></div>`
    : html`<p id="answer-pending">${m.pending}</p>`
}
${
  q.letters.length
    ? html`<h2>${m.lettersHeading}</h2>${q.letters.map(
        (l) =>
          html`<article class="letter ${l.direction}"><h3>${l.direction === 'from_prisoner' ? m.fromPrisoner : m.toPrisoner}
          <small>${l.createdAt.slice(0, 10)}${l.direction === 'to_prisoner' ? html` · ${l.status === 'delivered' ? m.delivered : m.waiting}` : ''}</small></h3><p>${l.body}</p></article>`,
      )}`
    : ''
}
${
  q.canWrite
    ? html`<h2>${m.writeHeading}</h2>
${opts.error ? html`<div class="alert" role="alert">${m[opts.error]}</div>` : ''}
<form method="post" action="/find/letter" accept-charset="utf-8" autocomplete="off">
  <input type="hidden" name="lang" value="${lang}">
    <input type="hidden" name="code" value="${code}">
  <input type="hidden" name="token" value="${opts.token ?? ''}">
  <label for="letter">${m.letter}</label>
  <textarea id="letter" name="letter" rows="8" maxlength="${LETTER_MAX}" required>${opts.draft ?? ''}</textarea>
  <button type="submit">${m.send}</button>
</form>`
    : ''
}
<p><a href="/?lang=${lang}" id="answer-exit">${t(lang, 'followup.close')}</a></p>`,
  );
}

const str = (max: number) =>
  z
    .string()
    .max(max * 4)
    .optional()
    .transform((s) => (s ?? '').trim());
const ZFind = z.object({
  token: z.string().max(64).optional(),
  lang: z.string().max(8).optional(),
  ...(Object.fromEntries(FIELDS.map((f) => [f, str(MAX[f])])) as Record<Field, ReturnType<typeof str>>),
});
const ZCode = z.object({
  token: z.string().max(64).optional(),
  lang: z.string().max(8).optional(),
  code: z.string().max(128).optional(),
  letter: str(LETTER_MAX),
});

export function registerRelativesWeb(
  app: FastifyInstance,
  deps: { relatives: RelativesService; formTokens: FormTokens; clock: Clock; db: Db; perMinute: number },
): void {
  const { relatives, formTokens, clock } = deps;
  // Global budgets (never per IP: Tor users share exits), as for the surrender form.
  const budget = createRateLimiter({
    capacity: Math.max(10, Math.ceil(deps.perMinute / 6)),
    refillPerSecond: deps.perMinute / 60,
    clock,
  });
  const lookups = createRateLimiter({ capacity: 300, refillPerSecond: 5, clock });
  const perCode = createRateLimiter({ capacity: 30, refillPerSecond: 30 / 3600, clock });

  /** Form tokens are single-use: claiming the nonce fails on a replayed (or refreshed) post. */
  async function claim(nonce: { nonce: Buffer; expiresAt: Date }): Promise<boolean> {
    const claimed = await deps.db
      .insertInto('form_nonces')
      .values({ nonce: nonce.nonce, expires_at: nonce.expiresAt })
      .onConflict((oc) => oc.doNothing())
      .returning('nonce')
      .executeTakeFirst();
    return claimed !== undefined;
  }
  // The per-code budget is keyed by a hash of the code, so the code itself is not kept in memory.
  const codeKey = (code: string) => createHash('sha256').update(`find:${code}`).digest('base64');

  app.get('/find', async (req, reply) => sendHtml(reply, 200, findPage(langOf(req), formTokens.issue())));

  app.post('/find', { onRequest: requireFormBody }, async (req, reply) => {
    const form = parseForm(ZFind, req.body);
    const lang = langOf(req, form.lang);
    const values: Values = Object.fromEntries(FIELDS.map((f) => [f, form[f]]));
    const errors: Errors = {};
    for (const f of FIELDS) {
      if (REQUIRED.includes(f) && !form[f]) errors[f] = 'required';
      else if (form[f].length > MAX[f]) errors[f] = 'tooLong';
    }
    const dob = form.dob ? parsePartialDate(form.dob) : null;
    if (form.dob && !dob) errors.dob = 'badDate';
    const again = (status: number, notice?: Msg) =>
      sendHtml(reply, status, findPage(lang, formTokens.issue(), values, errors, notice));
    if (Object.keys(errors).length) return again(400);
    const nonce = formTokens.verify(form.token);
    if (!nonce) return again(400, 'badToken');
    if (!budget.take('global')) {
      reply.header('retry-after', String(budget.retryAfter('global')));
      return again(429, 'busy');
    }
    if (!(await claim(nonce))) return again(400, 'badToken');
    const out = await relatives.create({
      channel: 'web',
      language: lang,
      query: {
        sought: {
          surname: form.surname,
          firstNames: form.firstNames,
          ...(form.fatherName ? { fatherName: form.fatherName } : {}),
          ...(dob ? { dateOfBirth: dob } : {}),
          ...(form.unit ? { unit: form.unit } : {}),
        },
        relative: { name: form.yourName, relationship: form.relationship },
        ...(form.message ? { message: form.message } : {}),
      },
    });
    return sendHtml(reply, 200, receiptPage(lang, out.receiptCode as string, dob));
  });

  app.get('/find/answer', async (req, reply) => sendHtml(reply, 200, codeForm(langOf(req))));

  async function withInquiry(
    req: FastifyRequest,
    reply: FastifyReply,
    then: (code: string, lang: Language, q: Inquiry, letter: string, token?: string) => Promise<unknown>,
  ) {
    const form = parseForm(ZCode, req.body);
    const lang = langOf(req, form.lang);
    const code = normalizeReceiptCode(form.code ?? '');
    if (!code) return sendHtml(reply, lookups.take('global') ? 404 : 429, codeForm(lang, 'notFound'));
    if (!perCode.take(codeKey(code))) {
      reply.header('retry-after', String(perCode.retryAfter(codeKey(code))));
      return sendHtml(reply, 429, codeForm(lang, 'busy'));
    }
    const q = await relatives.readByReceipt(code);
    if (!q) {
      if (!lookups.take('global')) return sendHtml(reply, 429, codeForm(lang, 'busy'));
      return sendHtml(reply, 404, codeForm(lang, 'notFound'));
    }
    return then(code, lang, q, form.letter, form.token);
  }

  const page = (lang: Language, code: string, q: Inquiry, opts: Parameters<typeof answerPage>[3] = {}) =>
    answerPage(lang, code, q, { ...opts, token: formTokens.issue() });

  app.post('/find/answer', { onRequest: requireFormBody }, async (req, reply) =>
    withInquiry(req, reply, async (code, lang, q) => sendHtml(reply, 200, page(lang, code, q))),
  );

  app.post('/find/letter', { onRequest: requireFormBody }, async (req, reply) =>
    withInquiry(req, reply, async (code, lang, q, letter, token) => {
      if (!letter || letter.length > LETTER_MAX)
        return sendHtml(
          reply,
          400,
          page(lang, code, q, { error: letter ? 'tooLong' : 'required', draft: letter.slice(0, LETTER_MAX) }),
        );
      // A refreshed or replayed post must not send the letter twice.
      const nonce = formTokens.verify(token);
      if (!nonce || !(await claim(nonce)))
        return sendHtml(reply, 400, page(lang, code, q, { error: 'badToken', draft: letter }));
      try {
        await relatives.letterFromRelative(q.id, letter);
      } catch (e) {
        if (e instanceof AppError && (e.code === 'conflict' || e.code === 'rate_limited'))
          return sendHtml(reply, e.status, page(lang, code, q, { error: 'busy', draft: letter }));
        throw e;
      }
      const after = (await relatives.readByReceipt(code)) ?? q;
      return sendHtml(reply, 200, page(lang, code, after, { notice: 'sent' }));
    }),
  );
}
