import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, startFakeWhatsApp, verifyHandshake } from '../../../test/fakes/whatsapp.ts';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  submitWebRequest,
  type TestContext,
  type TestOperator,
  until,
} from '../../../test/helpers.ts';
import { createWhatsapp } from './whatsapp.ts';

/** WhatsApp Cloud API against a local fake of the Graph API, webhooks signed as Meta signs them. */
type Fake = Awaited<ReturnType<typeof startFakeWhatsApp>>;
let fake: Fake;
let ctx: TestContext;
let url = '';
let s: LoggedIn;
let admin: TestOperator;
const appSecret = 'app-secret-for-tests';
const verifyToken = 'verify-token-123';

beforeAll(async () => {
  fake = await startFakeWhatsApp({});
  ctx = await createTestContext({
    channels: (core) => {
      const wa = createWhatsapp(
        {
          token: fake.accessToken,
          phoneNumberId: fake.phoneNumberId,
          appSecret,
          verifyToken,
          apiRoot: fake.url,
          apiVersion: 'v21.0',
          template: 'hotline_reply',
        },
        {
          channelIntake: core.channelIntake,
          log: core.log,
          retryAs: (id, kind) => core.outbox.retryAs('whatsapp', id, kind),
        },
      );
      core.adapters.set('whatsapp', wa.adapter);
      return [wa];
    },
  });
  await ctx.app.listen({ host: '127.0.0.1', port: 0 });
  const addr = ctx.app.server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/channels/whatsapp/webhook`;
  admin = await createOperator(ctx, 'admin');
  s = await login(ctx, admin);
});
afterAll(async () => {
  await ctx?.close();
  await fake?.close();
});

const threadOf = (waId: string) => ctx.core.channelIntake.openThreadOf('whatsapp', waId).then((t) => t?.id);

describe('whatsapp', () => {
  it('answers the subscription handshake only with the verify token', async () => {
    expect(await verifyHandshake(url, verifyToken, 'challenge-42')).toEqual({
      status: 200,
      text: 'challenge-42',
    });
    expect((await verifyHandshake(url, 'wrong-token!', 'x')).status).toBe(403);
  });

  it('files a message, replies through the API once, and sends a template when the 24-hour window is closed', async () => {
    const waId = '79001234567';
    const r = await deliverWebhook(
      url,
      fake.textMessagePayload({ waId, text: 'Здравствуйте, хочу узнать про плен' }),
      appSecret,
    );
    expect(r.status).toBe(200);
    const id = await until(() => threadOf(waId));
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Здравствуйте! Мы на связи.' },
    });
    await ctx.core.outbox.runOnce();
    const sent = fake.sentTo(waId);
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]?.body)).toContain('Здравствуйте! Мы на связи.');

    fake.closeWindow(waId);
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Второй ответ' },
    });
    ctx.clock.advance(1100); // one message per second per recipient
    await ctx.core.outbox.runOnce();
    const after = fake.sentTo(waId);
    expect(after).toHaveLength(2);
    expect(after[1]?.body).toMatchObject({ type: 'template', template: { name: 'hotline_reply' } });
    expect(JSON.stringify(after[1]?.body)).toContain('Второй ответ');
  });

  it('resends as a template when Meta reports 131047 later, in a status webhook', async () => {
    const waId = '79005550000';
    await deliverWebhook(url, fake.textMessagePayload({ waId, text: 'Привет' }), appSecret);
    const id = await until(() => threadOf(waId));
    await ctx.app.inject({
      method: 'POST',
      url: `/api/requests/${id}/replies`,
      headers: s.headers,
      payload: { body: 'Ответ позже' },
    });
    ctx.clock.advance(1100);
    await ctx.core.outbox.runOnce();
    const first = fake.sentTo(waId);
    expect(first).toHaveLength(1);
    // Meta accepted it, then says the window was closed.
    const st = await deliverWebhook(
      url,
      fake.statusPayload({ wamid: first[0]?.wamid as string, waId, status: 'failed' }),
      appSecret,
    );
    expect(st.status).toBe(200);
    ctx.clock.advance(1100);
    await until(async () => (await ctx.core.outbox.runOnce()).sent === 1);
    const after = fake.sentTo(waId);
    expect(after).toHaveLength(2);
    expect(after[1]?.body).toMatchObject({ type: 'template' });
    expect(JSON.stringify(after[1]?.body)).toContain('Ответ позже');
  });

  it('strips EXIF and GPS from photos before sealing them', async () => {
    const waId = '79007654321';
    const photo = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#884422' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'EXIFMARKER-xyz', Artist: 'EXIFMARKER-xyz' } })
      .toBuffer();
    expect(photo.includes('EXIFMARKER-xyz')).toBe(true);
    expect(
      (
        await deliverWebhook(
          url,
          fake.imageMessagePayload({ waId, bytes: photo, mime: 'image/jpeg', caption: 'фото' }),
          appSecret,
        )
      ).status,
    ).toBe(200);
    const id = await until(() => threadOf(waId));
    const view = await until(async () => {
      const v = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
      return v.json().messages?.[0]?.attachments ? v : null;
    });
    const att = view.json().messages[0].attachments[0];
    expect(att).toMatchObject({ kind: 'image', mime: 'image/jpeg' });
    const stored = Buffer.from(att.data, 'base64');
    expect(stored.includes('EXIFMARKER-xyz')).toBe(false);
    expect((await sharp(stored).metadata()).exif).toBeUndefined();
  });

  it('downloads media only from Meta or the configured API, never sending the token elsewhere (security review L3)', async () => {
    const photoBytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
      .jpeg()
      .toBuffer();
    const port = (srv: Server) => {
      const a = srv.address();
      return typeof a === 'object' && a ? a.port : 0;
    };
    // An internal service, and a Graph API whose media look-up names it (or redirects to it).
    const internalSeen: IncomingHttpHeaders[] = [];
    const internal = createServer((req, res) => {
      internalSeen.push(req.headers);
      res.end(photoBytes);
    });
    let internalUrl = '';
    const graph = createServer((req, res) => {
      const id = (req.url ?? '').split('/').pop() ?? '';
      if (id === 'redirect-me') return void res.writeHead(302, { location: `${internalUrl}/x` }).end();
      const url =
        id === 'internal'
          ? `${internalUrl}/latest/meta-data/`
          : id === 'elsewhere'
            ? 'https://attacker.invalid/collect'
            : `http://127.0.0.1:${port(graph)}/v21.0/redirect-me`;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url, mime_type: 'image/jpeg', file_size: photoBytes.length, id }));
    });
    await Promise.all(
      [internal, graph].map((srv) => new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))),
    );
    internalUrl = `http://127.0.0.1:${port(internal)}`;
    try {
      const wa = createWhatsapp(
        {
          token: 'META-TOKEN-MUST-NOT-LEAK',
          phoneNumberId: fake.phoneNumberId,
          appSecret,
          verifyToken,
          apiRoot: `http://127.0.0.1:${port(graph)}`,
          apiVersion: 'v21.0',
          template: 'hotline_reply',
        },
        { channelIntake: ctx.core.channelIntake, log: ctx.core.log },
      );
      const waId = '79003330001';
      for (const [i, mediaId] of ['internal', 'elsewhere', 'via-redirect'].entries()) {
        await wa.handleMessage({
          id: `wamid.ssrf-${i}`,
          from: waId,
          type: 'image',
          image: { id: mediaId, caption: `фото ${i}` },
        });
      }
      expect(internalSeen).toEqual([]);
      // The messages are kept, without the attachment, with a note.
      const id = await until(() => threadOf(waId));
      const view = await ctx.app.inject({ method: 'GET', url: `/api/requests/${id}`, headers: s.headers });
      const messages = view.json().messages as Array<{ body: string; attachments?: unknown[] }>;
      expect(messages).toHaveLength(3);
      for (const [i, m] of messages.entries()) {
        expect(m.body).toBe(`фото ${i}\n[attachment refused: forbidden]`);
        expect(m.attachments ?? []).toEqual([]);
      }
    } finally {
      await Promise.all([internal, graph].map((srv) => new Promise((r) => srv.close(r))));
    }
  });

  it('rejects forged signatures and ignores replays', async () => {
    const waId = '79000000001';
    const payload = fake.textMessagePayload({ waId, text: 'раз' });
    expect((await deliverWebhook(url, payload, 'not-the-secret')).status).toBe(401);
    expect((await deliverWebhook(url, payload, appSecret, { signature: null })).status).toBe(401);
    expect(await threadOf(waId)).toBeUndefined();
    expect((await deliverWebhook(url, payload, appSecret)).status).toBe(200);
    expect((await deliverWebhook(url, payload, appSecret)).status).toBe(200);
    const id = await until(() => threadOf(waId));
    await new Promise((r) => setTimeout(r, 200));
    expect(
      await ctx.core.db.selectFrom('thread_messages').select('id').where('thread_id', '=', id).execute(),
    ).toHaveLength(1);
    expect((await deliverWebhook(url, { hello: 1 }, appSecret)).status).toBe(400);
  });

  it('attaches a chat to the web request whose receipt code it sends, months later', async () => {
    const { receipt } = await submitWebRequest(ctx, { message: 'Пока дома, напишу с фронта' });
    const caseId = (await ctx.core.intake.findByReceipt(receipt))?.id;
    ctx.clock.advance(75 * 86_400_000);
    const waId = '79005550101';
    await deliverWebhook(
      url,
      fake.textMessagePayload({ waId, text: ` ${receipt.replace(/ /g, '  ')} ` }),
      appSecret,
    );
    await until(async () => (await threadOf(waId)) === caseId);
    await deliverWebhook(url, fake.textMessagePayload({ waId, text: 'Я на месте' }), appSecret);
    s = await login(ctx, admin);
    const opened = await until(async () => {
      const r = (
        await ctx.app.inject({ method: 'GET', url: `/api/requests/${caseId}`, headers: s.headers })
      ).json();
      return r.messages.some((m: { body: string }) => m.body === 'Я на месте') ? r : undefined;
    });
    expect(opened.messages.map((m: { channel: string }) => m.channel)).toEqual([
      'web',
      'whatsapp',
      'whatsapp',
    ]);
    // Still open (new): joining it is not a return, so it is not marked as one.
    expect(opened.request.returnedAt).toBeNull();
    expect(opened.routes[0].channel).toBe('whatsapp');
  });
});
