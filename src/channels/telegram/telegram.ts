import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Api, Bot, BotError } from 'grammy';
import type { Update } from 'grammy/types';
import { z } from 'zod';
import type { TelegramSettings } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { isLanguage, t } from '../../i18n/i18n.ts';
import type { ChannelIntake } from '../../intake/channel-intake.service.ts';
import { createTelegramAdapter } from './telegram.adapter.ts';
import { installConversation, type TelegramBotDeps } from './telegram.bot.ts';

export type { TelegramSettings };

const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/** Every Bot API call gives up after this long (an operator's reply is retried by the outbox). */
const HTTP_TIMEOUT_SECONDS = 15;

/**
 * How long Telegram holds a getUpdates call open when nothing comes. Below the HTTP timeout: grammY's
 * default (30 s) made every quiet poll time out at 15 s, and grammY waits 3 s before polling again —
 * a message sent in that pause waited for it.
 */
const LONG_POLL_SECONDS = 10;

// The parts of an update the handlers rely on. Telegram never sends anything else, but whoever holds
// the webhook secret could; such an update is marked failed at once instead of throwing on every retry.
const ZChat = z.looseObject({ id: z.number().int() });
const ZUser = z.looseObject({ id: z.number().int() });
const ZMessage = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  chat: ZChat,
  from: ZUser.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
});
const ZUpdate = z.looseObject({
  update_id: z.number().int(),
  message: ZMessage.optional(),
  callback_query: z
    .looseObject({ id: z.string(), from: ZUser, data: z.string().optional(), message: ZMessage.optional() })
    .optional(),
});

/** A handler that throws on the shape of its input will throw on every retry too. */
function isPermanent(e: unknown): boolean {
  return e instanceof TypeError || e instanceof SyntaxError || e instanceof RangeError;
}

/**
 * Telegram through grammY, in webhook mode (Telegram calls us; the secret-token header is checked)
 * or long polling (for setups without a public address). Either way every update is first recorded by
 * its update_id (a replay does nothing twice), then handled; an update recorded but not handled (a
 * crash in between) is picked up again by the sweep.
 */
function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createTelegram(
  settings: TelegramSettings,
  deps: Omit<TelegramBotDeps, 'apiRoot' | 'token'> & { channelIntake: ChannelIntake },
) {
  const client = { apiRoot: settings.apiRoot, timeoutSeconds: HTTP_TIMEOUT_SECONDS };
  const bot = new Bot(settings.token, { client });
  // The bot's own prompts wait out a 429 (Telegram allows one message per second per chat); operator
  // replies use a separate Api without this, so the outbox sees the 429 and schedules the retry itself.
  bot.api.config.use(async (prev, method, payload, signal) => {
    for (let attempt = 0; ; attempt++) {
      const res = await prev(method, payload, signal);
      if (res.ok || res.error_code !== 429 || attempt >= 3) return res;
      await new Promise((r) => setTimeout(r, Math.min(30, res.parameters?.retry_after ?? 1) * 1000));
    }
  });
  const recordedByRoute = new WeakSet<object>();
  const { channelIntake, log } = deps;

  // While the routing key is locked, an update is recorded sealed and waits; the person hears once
  // an hour that it arrived (from the live update: the chat id stays in memory, never on disk).
  const lockedAcks = new Map<number, number>();
  bot.use(async (ctx, next) => {
    // The one ingest path (channel-intake `accept`): a replay stops there, a locked server defers.
    const r = await channelIntake.accept('telegram', String(ctx.update.update_id), ctx.update, () => next(), {
      recorded: recordedByRoute.has(ctx.update),
      permanent: isPermanent,
    });
    if (r === 'deferred' && !deps.routing.isUnlocked()) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      const chat = ctx.chat?.id;
      const now = Date.now();
      if (
        ctx.chat?.type === 'private' &&
        chat !== undefined &&
        now - (lockedAcks.get(chat) ?? 0) > 3_600_000
      ) {
        if (lockedAcks.size > 10_000) lockedAcks.clear();
        lockedAcks.set(chat, now);
        const code = ctx.from?.language_code?.slice(0, 2);
        await ctx.reply(t(isLanguage(code) ? code : 'ru', 'bot.received_locked')).catch(() => undefined);
      }
    }
  });
  installConversation(bot, { ...deps, apiRoot: settings.apiRoot, token: settings.token });
  bot.catch((err) =>
    log.error(
      {
        err: err.error instanceof Error ? err.error.message : String(err.error),
        update: err.ctx.update.update_id,
      },
      'telegram update failed',
    ),
  );

  let initialised: Promise<void> | null = null;
  const init = () => {
    initialised ??= bot.init().catch((e: unknown) => {
      initialised = null;
      throw e;
    });
    return initialised;
  };

  // Updates of one chat are handled one after another, in order (webhooks are acknowledged at once, so
  // a person's next message could otherwise overtake the button press before it).
  const chains = new Map<string, Promise<void>>();
  function chatOf(u: Update): string {
    return String(
      u.message?.chat.id ?? u.callback_query?.message?.chat.id ?? u.callback_query?.from.id ?? 'other',
    );
  }

  async function handle(update: Update): Promise<void> {
    if (!ZUpdate.safeParse(update).success) {
      await channelIntake.markFailed('telegram', String(update.update_id), 'malformed_update');
      log.warn({ update: update.update_id, error: 'malformed_update' }, 'telegram update refused');
      return;
    }
    await init();
    recordedByRoute.add(update);
    const key = chatOf(update);
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => bot.handleUpdate(update));
    chains.set(key, next);
    try {
      await next;
    } finally {
      if (chains.get(key) === next) chains.delete(key);
    }
  }

  /**
   * Handles updates that were recorded but not handled (locked, a crash after the acknowledgement);
   * how many it tried. One that fails stays recorded for the next sweep.
   */
  async function sweep(): Promise<number> {
    let tried = 0;
    for await (const p of channelIntake.backlog('telegram')) {
      tried++;
      // Logged as the polling loop logs its failures (bot.catch above): never silently.
      await handle(p.payload as Update).catch((e: unknown) => {
        const err = e instanceof BotError ? e.error : e;
        log.error(
          { err: err instanceof Error ? err.message : String(err), update: (p.payload as Update).update_id },
          'telegram update failed',
        );
      });
    }
    return tried;
  }

  function registerWebhook(app: FastifyInstance): void {
    app.post(
      '/channels/telegram/webhook',
      { bodyLimit: 1024 * 1024, schema: { hide: true } },
      async (req, reply) => {
        const secret = settings.webhookSecret;
        const got = req.headers['x-telegram-bot-api-secret-token'];
        if (!secret || typeof got !== 'string' || !safeEqual(got, secret)) {
          throw new AppError('unauthenticated', 'Bad secret token');
        }
        const update = req.body as Update | undefined;
        if (!update || typeof update !== 'object' || !Number.isSafeInteger(update.update_id)) {
          throw new AppError('bad_request', 'Not a Telegram update');
        }
        const fresh = await channelIntake.record('telegram', String(update.update_id), update);
        // Acknowledge at once; handle after. A replay is acknowledged and ignored.
        if (fresh)
          setImmediate(
            () =>
              void handle(update).catch((e: unknown) =>
                log.error({ err: String(e) }, 'telegram webhook handling failed'),
              ),
          );
        return reply.code(200).send({ ok: true });
      },
    );
  }

  return {
    bot,
    adapter: createTelegramAdapter(new Api(settings.token, client)),
    registerWebhook,
    handle,
    sweep,
    /** Worker role: long polling, or registering the webhook (the sweeps: channels/sweeps.ts). */
    async start(): Promise<{ stop(): Promise<void> }> {
      if (settings.mode === 'polling') {
        // bot.start() resolves only when polling stops; it deletes any webhook first.
        void bot
          .start({
            allowed_updates: [...ALLOWED_UPDATES],
            drop_pending_updates: false,
            timeout: LONG_POLL_SECONDS,
          })
          .catch((e: unknown) => log.error({ err: String(e) }, 'telegram polling stopped'));
      } else if (settings.webhookUrl) {
        await init().catch(() => undefined);
        await bot.api
          .setWebhook(settings.webhookUrl, {
            secret_token: settings.webhookSecret,
            allowed_updates: [...ALLOWED_UPDATES],
          })
          .catch((e: unknown) => log.error({ err: String(e) }, 'telegram setWebhook failed'));
      }
      return {
        async stop() {
          if (bot.isRunning()) await bot.stop();
        },
      };
    },
  };
}

export type Telegram = ReturnType<typeof createTelegram>;
