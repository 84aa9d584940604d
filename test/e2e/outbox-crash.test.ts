import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../fakes/telegram.ts';
import { totpSecretOf, totpSequence, until } from '../helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * The app is killed (SIGKILL) while a reply is being delivered — the provider is holding the request —
 * and started again: the reply is delivered, once. Also: channel secrets never appear in what it prints.
 */
type Fake = Awaited<ReturnType<typeof startFakeTelegram>>;
let fake: Fake;
let first: ServerProcess;
let second: ServerProcess | undefined;
let env: Record<string, string>;
let secret = '';
const nextTotp = totpSequence(() => secret);
const PASSWORD = 'crash test password';

beforeAll(async () => {
  fake = await startFakeTelegram({
    token: '7012345678:AAHfakeTokenForTests_abcdefghijklmno',
    globalPerSecond: 1000,
    perChatPerSecond: 1000,
  });
  env = {
    TELEGRAM_BOT_TOKEN: fake.token,
    TELEGRAM_MODE: 'polling',
    TELEGRAM_API_ROOT: fake.url,
    WHITEFLAG_OUTBOX_LEASE_SECONDS: '2',
  };
  first = await startServerProcess(env);
  const add = await first.cli(
    ['user', 'add', '--email', 'crash@example.org', '--role', 'admin', '--password-stdin'],
    PASSWORD,
  );
  expect(add.code, add.stderr).toBe(0);
  secret = totpSecretOf(/otpauth:\/\/\S+/.exec(add.stdout)?.[0] as string);
}, 120_000);

afterAll(async () => {
  await second?.cleanup();
  await first?.cleanup();
  await fake?.close();
});

describe('outbox across a crash', () => {
  it('delivers a reply exactly once when the app is SIGKILLed mid-delivery and restarted', async () => {
    const chat = { id: 910001 };
    fake.userSends(chat, 'Нужна помощь');
    const api = await apiLogin(first.url, 'crash@example.org', PASSWORD, nextTotp());
    // Recorded while the server was still locked, the update runs at the sweep of the unlock (the login
    // above), not at the periodic one (30 s): the wait leaves room for a loaded machine, not for that.
    const id = await until(async () => {
      const q = (await (await api.get('/api/requests')).json()) as {
        items: Array<{ id: string; channel: string }>;
      };
      return q.items.find((i) => i.channel === 'telegram')?.id;
    }, 15_000).catch((e: Error) => {
      // What the server said about it, for the next time it does not come in time.
      const said = first
        .output()
        .split('\n')
        .filter((l) => /telegram|routing|sweep/i.test(l));
      throw new Error(`${e.message}\n${said.join('\n')}`);
    });
    // The bot answers the first message with prompts of its own (sent directly, not through the
    // outbox), possibly after the request shows in the queue. The fault below must catch the
    // operator's reply, not one of those: wait until the bot has been quiet towards this chat for 1.5 s.
    await until(async () => {
      const toChat = fake.calls.filter(
        (c) => c.method === 'sendMessage' && String(c.params.chat_id) === String(chat.id),
      );
      const last = Math.max(0, ...toChat.map((c) => c.time));
      return toChat.every((c) => c.outcome !== 'pending') && Date.now() - last > 1500;
    }, 20_000);
    // The provider holds the next sendMessage (as a stalled network would), then fails it.
    fake.fail('sendMessage', { timeoutMs: 8000 });
    expect((await api.post(`/api/requests/${id}/replies`, { body: 'Ответ, переживший сбой' })).status).toBe(
      201,
    );
    await until(async () =>
      fake.calls.some((c) => c.params.text === 'Ответ, переживший сбой' && c.outcome === 'pending'),
    );
    await first.kill();

    second = await startServerProcess(env, { dataDir: first.dataDir });
    // A restarted server holds no routing key (docs/decisions/0012-routing-key.md): the reply waits,
    // sealed, until a granted operator logs in again.
    await new Promise((r) => setTimeout(r, 3000));
    expect(
      fake.sent.filter((c) => c.method === 'sendMessage' && c.params.text === 'Ответ, переживший сбой'),
    ).toHaveLength(0);
    await apiLogin(second.url, 'crash@example.org', PASSWORD, nextTotp());
    const delivered = await until(
      async () =>
        fake.sent.filter((c) => c.method === 'sendMessage' && c.params.text === 'Ответ, переживший сбой')
          .length > 0,
      30_000,
    );
    expect(delivered).toBe(true);
    await new Promise((r) => setTimeout(r, 3000)); // a duplicate would show up within the lease
    const ok = fake.sent.filter(
      (c) => c.method === 'sendMessage' && c.params.text === 'Ответ, переживший сбой',
    );
    expect(ok).toHaveLength(1);
    expect(String(ok[0]?.params.chat_id)).toBe(String(chat.id));

    for (const out of [first.output(), second.output()]) {
      expect(out).not.toContain(fake.token);
      expect(out).not.toContain(fake.token.split(':')[1]);
    }
  }, 150_000);
});
