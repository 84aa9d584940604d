import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/auth/totp.ts';
import { hiddenField, receiptFrom, totpSecretOf } from '../helpers.ts';
import { apiLogin, type ServerProcess, startServerProcess } from '../server-process.ts';

/**
 * Scale-out: two app processes on one PostgreSQL. A request submitted to instance A shows up, live,
 * in a console connected to instance B — fan-out through LISTEN/NOTIFY, no home-made cluster code.
 */
let a: ServerProcess;
let b: ServerProcess;
let secret = '';

beforeAll(async () => {
  a = await startServerProcess();
  b = await startServerProcess({}, { dataDir: a.dataDir });
  const add = await a.cli(
    ['user', 'add', '--email', 'live@example.org', '--role', 'admin', '--password-stdin'],
    'live updates password',
  );
  expect(add.code, add.stderr).toBe(0);
  secret = totpSecretOf(/otpauth:\/\/\S+/.exec(add.stdout)?.[0] as string);
}, 120_000);

afterAll(async () => {
  await b?.cleanup();
  await a?.cleanup();
});

/** Reads server-sent events from a fetch body until `want` events arrived or time runs out. */
async function collectEvents(
  res: Response,
  want: number,
  ms: number,
): Promise<Array<{ type: string; id: string }>> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Array<{ type: string; id: string }> = [];
  let buf = '';
  const deadline = Date.now() + ms;
  while (events.length < want && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now())),
    ]);
    if (!chunk || chunk.done) break;
    buf += decoder.decode(chunk.value, { stream: true });
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (block.includes('event: request') && data) events.push(JSON.parse(data.slice(6)));
      i = buf.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return events;
}

describe('live updates across instances', () => {
  it('delivers a new request and a reply made on A to a console on B', async () => {
    const onB = await apiLogin(
      b.url,
      'live@example.org',
      'live updates password',
      totpCode(secret, new Date()),
    );
    const stream = await fetch(`${b.url}/api/events`, { headers: { cookie: onB.headers.cookie } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const received = collectEvents(stream, 2, 15_000);
    await new Promise((r) => setTimeout(r, 300)); // the stream is subscribed

    const form = await (await fetch(`${a.url}/`)).text();
    const post = await fetch(`${a.url}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: hiddenField(form, 'token'),
        lang: 'ru',
        category: 'relative',
        message: 'Где мой сын?',
      }),
    });
    expect(post.status).toBe(200);
    receiptFrom(await post.text());
    const queue = (await (await onB.get('/api/requests')).json()) as { items: Array<{ id: string }> };
    const id = queue.items[0]?.id as string;
    const onA = await apiLogin(
      a.url,
      'live@example.org',
      'live updates password',
      totpCode(secret, new Date(Date.now() + 30_000)),
    );
    expect((await onA.post(`/api/requests/${id}/replies`, { body: 'Мы проверим.' })).status).toBe(201);

    const events = await received;
    expect(events).toEqual([
      { type: 'created', id },
      { type: 'message', id },
    ]);
  });
});
