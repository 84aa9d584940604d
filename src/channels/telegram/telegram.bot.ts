import { type Bot, type Context, InlineKeyboard } from 'grammy';
import { CALLER_CATEGORIES, type CallerCategory } from '../../cases/categories.ts';
import type { Clock } from '../../clock.ts';
import type { RoutingVault } from '../../crypto/routing.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES, type Language, type MessageKey, t } from '../../i18n/i18n.ts';
import { type ChannelIntake, identityIndex } from '../../intake/channel-intake.service.ts';
import { LIMITS } from '../../intake/message-content.ts';
import { toPlainText } from '../../knowledge/articles.ts';
import type { KnowledgeService } from '../../knowledge/knowledge.service.ts';
import { describeDate, parsePartialDate } from '../../lib/dates.ts';
import type { Log } from '../../log.ts';
import { outboxRecipientIndex } from '../../outbox/outbox.service.ts';
import { validateAnswer } from '../../protocol/answers.ts';
import { textIn } from '../../protocol/protocol.schema.ts';
import type { ProtocolService, StepView } from '../../protocol/protocol.service.ts';
import { BOT_FIND, FIND_STEPS, type FindStep, OPTIONAL_STEPS, STEP_MAX } from '../../relatives/bot-texts.ts';
import type { RelativesService } from '../../relatives/relatives.service.ts';
import { type Organisation, organisationText } from '../../settings/organisation.ts';
import type { Attachment } from '../channel.ts';
import { checkAudio, stripImage } from '../media.ts';

/**
 * The Telegram conversation: language, who the person is, then free conversation with the operators;
 * /faq reads the knowledge base, /questionnaire walks the protocol's requester questions with buttons,
 * /delete removes the bot's messages and explains how to clear the person's side. The per-chat state
 * is server-tier encrypted and keyed by the chat id's blind index.
 */
interface ConversationState {
  lang?: Language;
  category?: CallerCategory;
  /** Questionnaire position: step and question index. */
  q?: { step: string; index: number };
  /** Message ids of the bot's own UI messages (for /delete). */
  sent: number[];
  /** Questions answered in this chat (sealed answers cannot be read back without the thread key). */
  answered?: string[];
  /** The /find dialogue of the relatives desk: the step asked and what was answered so far. */
  find?: { step: FindStep; data: Partial<Record<FindStep, string>> };
}

export interface TelegramBotDeps {
  db: Db;
  /** The chat id is routing tier (crypto/routing.ts): state and look-ups need the routing key. */
  routing: RoutingVault;
  clock: Clock;
  log: Log;
  channelIntake: ChannelIntake;
  protocol: ProtocolService;
  knowledge: KnowledgeService;
  /** The relatives desk: /find takes an inquiry "is this person held?" (answered here later). */
  relatives?: RelativesService;
  /** The organisation's name and public channels, for the welcome (settings/organisation.ts). */
  organisation?: { get(): Promise<Organisation> };
  apiRoot: string;
  token: string;
}

const CONTEXT = 'bot_conversations.state';

export function installConversation(bot: Bot, deps: TelegramBotDeps): void {
  const { db, routing, clock, channelIntake } = deps;

  async function load(chatId: string): Promise<ConversationState> {
    const row = await db
      .selectFrom('bot_conversations')
      .select('state_enc')
      .where('channel', '=', 'telegram')
      .where('identity_index', '=', identityIndex(routing, 'telegram', chatId))
      .executeTakeFirst();
    return row ? (JSON.parse(routing.decrypt(row.state_enc, CONTEXT)) as ConversationState) : { sent: [] };
  }

  async function save(chatId: string, state: ConversationState): Promise<void> {
    const row = {
      channel: 'telegram',
      identity_index: identityIndex(routing, 'telegram', chatId),
      state_enc: routing.encrypt(JSON.stringify({ ...state, sent: state.sent.slice(-200) }), CONTEXT),
      updated_at: clock.now(),
    };
    await db
      .insertInto('bot_conversations')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['channel', 'identity_index'])
          .doUpdateSet({ state_enc: row.state_enc, updated_at: row.updated_at }),
      )
      .execute();
  }

  /** The bot's own prompts. A failure to send one is logged, never allowed to fail (and so replay) an update. */
  async function say(ctx: Context, state: ConversationState, text: string, keyboard?: InlineKeyboard) {
    try {
      const m = await ctx.reply(text, keyboard ? { reply_markup: keyboard } : {});
      state.sent.push(m.message_id);
    } catch (e) {
      deps.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'telegram prompt not sent');
    }
  }

  const lang = (s: ConversationState): Language => s.lang ?? 'ru';

  function languageKeyboard() {
    const kb = new InlineKeyboard();
    for (const l of LANGUAGES) kb.text(LANGUAGE_NAMES[l], `lang:${l}`);
    return kb;
  }

  function categoryKeyboard(l: Language) {
    const kb = new InlineKeyboard();
    for (const c of CALLER_CATEGORIES) kb.text(t(l, `form.category.${c}` as MessageKey), `cat:${c}`).row();
    return kb;
  }

  async function askNext(ctx: Context, chatId: string, state: ConversationState): Promise<void> {
    const l = lang(state);
    const open = await channelIntake.openThreadOf('telegram', chatId);
    const steps = open ? await requesterSteps(open.id) : [];
    // Find the next unanswered question from the current position on.
    for (const step of steps) {
      for (let i = 0; i < step.questions.length; i++) {
        const q = step.questions[i];
        if (!q || q.type === 'datetime_window' || q.type === 'multichoice') continue;
        const before =
          state.q &&
          (steps.indexOf(step) < steps.findIndex((s) => s.id === state.q?.step) ||
            (step.id === state.q.step && i < state.q.index));
        if (before || q.answer !== null || state.answered?.includes(`${step.id}.${q.id}`)) continue;
        state.q = { step: step.id, index: i };
        const kb = new InlineKeyboard();
        if (q.type === 'choice')
          for (const o of q.options ?? []) kb.text(textIn(o.label, l), `qa:${o.value}`).row();
        if (q.type === 'boolean') kb.text(t(l, 'bot.yes'), 'qa:yes').text(t(l, 'bot.no'), 'qa:no');
        const prompt =
          q.type === 'choice' || q.type === 'boolean'
            ? textIn(q.label, l)
            : `${textIn(q.label, l)}\n\n${t(l, 'bot.q.type_answer')}`;
        await say(ctx, state, prompt, q.type === 'choice' || q.type === 'boolean' ? kb : undefined);
        return;
      }
    }
    delete state.q;
    await say(ctx, state, steps.length ? t(l, 'bot.q.done') : t(l, 'bot.q.none'));
  }

  async function requesterSteps(threadId: string): Promise<StepView[]> {
    try {
      // Requester-facing steps only; the bot never needs the thread key (answers are written sealed).
      return (await deps.protocol.requesterView(threadId, null)).steps.filter((s) => !s.completed);
    } catch {
      return [];
    }
  }

  async function answer(ctx: Context, chatId: string, state: ConversationState, raw: string): Promise<void> {
    const l = lang(state);
    const open = await channelIntake.openThreadOf('telegram', chatId);
    const pos = state.q;
    if (!open || !pos) return;
    const steps = await requesterSteps(open.id);
    const step = steps.find((s) => s.id === pos.step);
    const q = step?.questions[pos.index];
    if (!step || !q) {
      delete state.q;
      return;
    }
    if (raw !== '/skip') {
      const v = validateAnswer({ ...q, required: false }, raw);
      if (v.error) {
        await say(ctx, state, t(l, 'bot.q.invalid'));
        return;
      }
      await deps.protocol.saveAnswers({ type: 'requester' }, open.id, step.id, { [q.id]: v.value });
      state.answered = [...(state.answered ?? []), `${step.id}.${q.id}`];
    }
    state.q = { step: step.id, index: pos.index + 1 };
    await askNext(ctx, chatId, state);
  }

  /** Every update goes through here: load the chat's state, run the handler, save the state. */
  async function withState(ctx: Context, fn: (chatId: string, state: ConversationState) => Promise<void>) {
    const chatId = String(ctx.chat?.id ?? '');
    if (!chatId || ctx.chat?.type !== 'private') return;
    const state = await load(chatId);
    await fn(chatId, state);
    await save(chatId, state);
  }

  async function toIntake(
    ctx: Context,
    chatId: string,
    state: ConversationState,
    text: string,
    attachments: Attachment[] = [],
  ) {
    const l = lang(state);
    try {
      const { created, attached } = await channelIntake.receive(
        { channel: 'telegram', updateKey: String(ctx.update.update_id), identity: chatId, text, attachments },
        { category: state.category ?? 'other', language: l },
      );
      if (attached) {
        // The code has done its job: it should not stay readable in the chat history.
        if (ctx.message) await ctx.deleteMessage().catch(() => undefined);
        await say(ctx, state, t(l, 'bot.attached'));
        return;
      }
      if (!state.category) await say(ctx, state, t(l, 'bot.choose_category'), categoryKeyboard(l));
      if (created) await say(ctx, state, t(l, 'bot.received'));
    } catch (e) {
      // Over budget: say so; the update stays recorded and unprocessed, and the sweep retries it.
      if (e instanceof AppError && e.code === 'rate_limited') await say(ctx, state, t(l, 'bot.busy'));
      throw e;
    }
  }

  bot.command('start', (ctx) =>
    withState(ctx, async (_chatId, state) => {
      delete state.find;
      const welcome = deps.organisation ? organisationText(await deps.organisation.get(), lang(state)) : '';
      if (welcome) await say(ctx, state, welcome);
      await say(ctx, state, t(lang(state), 'bot.choose_language'), languageKeyboard());
    }),
  );

  bot.command('faq', (ctx) =>
    withState(ctx, async (_chatId, state) => {
      const l = lang(state);
      const kb = new InlineKeyboard();
      for (const a of (await deps.knowledge.load()).list(l)) kb.text(a.title, `kb:${a.slug}`).row();
      await say(ctx, state, t(l, 'bot.faq.choose'), kb);
    }),
  );

  bot.command('questionnaire', (ctx) =>
    withState(ctx, async (chatId, state) => {
      if (!(await channelIntake.openThreadOf('telegram', chatId))) {
        await toIntake(ctx, chatId, state, '/questionnaire');
      }
      delete state.q;
      await askNext(ctx, chatId, state);
    }),
  );

  /** One answer of the /find dialogue; the last one files the inquiry. */
  async function findAnswer(ctx: Context, chatId: string, state: ConversationState, raw: string) {
    const f = state.find;
    if (!f || !deps.relatives) return;
    const l = lang(state);
    const m = BOT_FIND[l];
    const value = raw.trim();
    // A sentence, not a name: it may be someone who wants to surrender. It must not end up in the
    // relatives desk (server tier): it goes to the hotline's sealed intake and the search stops.
    const looksLikeMessage =
      f.step === 'dateOfBirth'
        ? value.length > 40
        : value.length > STEP_MAX[f.step] || /[0-9?!]/.test(value) || value.split(/\s+/).length > 4;
    if (raw !== '/skip' && looksLikeMessage) {
      delete state.find;
      await toIntake(ctx, chatId, state, value.slice(0, LIMITS.body));
      return say(ctx, state, m.notAName);
    }
    if (raw === '/skip') {
      if (!OPTIONAL_STEPS.includes(f.step)) return say(ctx, state, m.invalid);
    } else if (f.step === 'dateOfBirth') {
      const dob = parsePartialDate(value);
      if (!dob) return say(ctx, state, m.invalid);
      f.data.dateOfBirth = dob;
    } else if (!value) {
      return say(ctx, state, m.invalid);
    } else f.data[f.step] = value;
    // Say back what was understood: 05.03.1990 is 5 March, not May 3.
    const understood =
      f.step === 'dateOfBirth' && f.data.dateOfBirth && raw !== '/skip'
        ? `${m.dobUnderstood}: ${describeDate(f.data.dateOfBirth, l)} (${f.data.dateOfBirth})\n\n`
        : '';
    const next = FIND_STEPS[FIND_STEPS.indexOf(f.step) + 1];
    if (next) {
      f.step = next;
      return say(ctx, state, `${understood}${m[next]}`);
    }
    const d = f.data;
    delete state.find;
    try {
      await deps.relatives.create({
        channel: 'telegram',
        language: l,
        identity: chatId,
        query: {
          sought: {
            surname: d.surname ?? '',
            firstNames: d.firstNames ?? '',
            ...(d.fatherName ? { fatherName: d.fatherName } : {}),
            ...(d.dateOfBirth ? { dateOfBirth: d.dateOfBirth } : {}),
          },
          relative: { name: d.yourName ?? '', relationship: d.relationship ?? '' },
        },
      });
    } catch (e) {
      if (e instanceof AppError && e.code === 'rate_limited') return say(ctx, state, m.tooMany);
      throw e;
    }
    await say(ctx, state, m.done);
  }

  bot.command('cancel', (ctx) =>
    withState(ctx, async (_chatId, state) => {
      if (!state.find) return;
      delete state.find;
      await say(ctx, state, BOT_FIND[lang(state)].cancelled);
    }),
  );

  bot.command('find', (ctx) =>
    withState(ctx, async (_chatId, state) => {
      if (!deps.relatives) return;
      const m = BOT_FIND[lang(state)];
      delete state.q;
      state.find = { step: 'surname', data: {} };
      await say(ctx, state, `${m.intro}\n\n${m.surname}`);
    }),
  );

  bot.command('skip', (ctx) =>
    withState(ctx, (chatId, state) =>
      state.find ? findAnswer(ctx, chatId, state, '/skip') : answer(ctx, chatId, state, '/skip'),
    ),
  );

  bot.command('delete', (ctx) =>
    withState(ctx, async (chatId, state) => {
      // The bot can delete its own messages (private chats, within 48 hours); operator replies too.
      const replies = await db
        .selectFrom('outbox')
        .select('provider_message_id')
        .where('channel', '=', 'telegram')
        .where('recipient_index', '=', outboxRecipientIndex(routing, 'telegram', chatId))
        .where('provider_message_id', 'is not', null)
        .execute();
      const ids = [...state.sent, ...replies.map((r) => Number(r.provider_message_id))];
      for (const id of ids) await ctx.api.deleteMessage(chatId, id).catch(() => undefined);
      state.sent = [];
      await ctx.reply(t(lang(state), 'bot.deleted'));
    }),
  );

  bot.callbackQuery(/^lang:(ru|uk|en)$/, (ctx) =>
    withState(ctx, async (_chatId, state) => {
      const l = ctx.match[1];
      if (isLanguage(l)) state.lang = l;
      delete state.find;
      await ctx.answerCallbackQuery();
      await say(ctx, state, t(lang(state), 'bot.choose_category'), categoryKeyboard(lang(state)));
    }),
  );

  bot.callbackQuery(/^cat:([a-z_]+)$/, (ctx) =>
    withState(ctx, async (_chatId, state) => {
      const c = CALLER_CATEGORIES.find((x) => x === ctx.match[1]);
      if (c) state.category = c;
      delete state.find;
      await ctx.answerCallbackQuery();
      await say(ctx, state, t(lang(state), 'bot.ready'));
    }),
  );

  bot.callbackQuery(/^kb:([a-z0-9-]+)$/, (ctx) =>
    withState(ctx, async (_chatId, state) => {
      await ctx.answerCallbackQuery();
      const a = (await deps.knowledge.load()).get(ctx.match[1] ?? '', lang(state));
      if (a) await say(ctx, state, `${a.title}\n\n${toPlainText(a.body)}`.slice(0, 4000));
    }),
  );

  bot.callbackQuery(/^qa:([a-z0-9_]+)$/, (ctx) =>
    withState(ctx, async (chatId, state) => {
      await ctx.answerCallbackQuery();
      await answer(ctx, chatId, state, ctx.match[1] ?? '');
    }),
  );

  bot.on('message:text', (ctx) =>
    withState(ctx, async (chatId, state) => {
      if (ctx.message.text.startsWith('/')) return;
      if (state.find) return findAnswer(ctx, chatId, state, ctx.message.text);
      if (state.q) return answer(ctx, chatId, state, ctx.message.text.slice(0, LIMITS.body));
      await toIntake(ctx, chatId, state, ctx.message.text.slice(0, LIMITS.body));
    }),
  );

  async function download(ctx: Context, fileId: string): Promise<Buffer> {
    const file = await ctx.api.getFile(fileId);
    if ((file.file_size ?? 0) > LIMITS.attachmentBytes) throw new AppError('payload_too_large');
    const url = `${deps.apiRoot}/file/bot${deps.token}/${file.file_path}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    if (!res.ok) throw new Error(`file download failed: ${res.status}`);
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > LIMITS.attachmentBytes) throw new AppError('payload_too_large');
    return buf;
  }

  bot.on(['message:photo', 'message:voice', 'message:audio'], (ctx) =>
    withState(ctx, async (chatId, state) => {
      const m = ctx.message;
      try {
        let attachment: Attachment;
        if (m.photo) {
          const biggest = m.photo[m.photo.length - 1];
          if (!biggest) return;
          const img = await stripImage(await download(ctx, biggest.file_id));
          attachment = { kind: 'image', ...img };
        } else if (m.voice) {
          attachment = {
            kind: 'voice',
            ...checkAudio(await download(ctx, m.voice.file_id), m.voice.mime_type ?? 'audio/ogg'),
          };
        } else if (m.audio) {
          attachment = {
            kind: 'audio',
            ...checkAudio(await download(ctx, m.audio.file_id), m.audio.mime_type ?? 'audio/mpeg'),
          };
        } else return;
        await toIntake(ctx, chatId, state, (m.caption ?? '').slice(0, LIMITS.body), [attachment]);
      } catch (e) {
        if (
          e instanceof AppError &&
          (e.code === 'payload_too_large' || e.code === 'unsupported_media_type')
        ) {
          await say(
            ctx,
            state,
            t(lang(state), e.code === 'payload_too_large' ? 'bot.too_large' : 'bot.unsupported'),
          );
          return;
        }
        throw e;
      }
    }),
  );

  bot.on('message', (ctx) =>
    withState(ctx, async (_chatId, state) => {
      await say(ctx, state, t(lang(state), 'bot.unsupported'));
    }),
  );
}
