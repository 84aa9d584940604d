import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deliverWebhook,
  type FakeWhatsApp,
  imageMessagePayload,
  startFakeWhatsApp,
  textMessagePayload,
  verifyHandshake,
  type WhatsAppWebhookPayload,
} from './whatsapp.ts';

const TOKEN = 'EAAG-test-token';
const APP_SECRET = 'app-secret-for-tests';
const VERIFY_TOKEN = 'verify-me';
const CUSTOMER = '380501234567';

let wa: FakeWhatsApp;
let graph: string;

beforeEach(async () => {
  wa = await startFakeWhatsApp({ accessToken: TOKEN });
  graph = `${wa.url}/v21.0`;
});
afterEach(async () => {
  expect(wa.errors).toEqual([]);
  await wa.close();
});

interface GraphAnswer {
  messaging_product?: string;
  contacts?: { input: string; wa_id: string }[];
  messages?: { id: string; message_status?: string }[];
  error?: { code: number; message: string; type?: string; error_subcode?: number; fbtrace_id?: string };
}

async function post(path: string, body: unknown, token = TOKEN) {
  const res = await fetch(`${graph}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as GraphAnswer };
}

/** A minimal app webhook endpoint the way Meta's docs prescribe: HMAC over the RAW body, handshake. */
async function startApp(): Promise<{
  url: string;
  received: { raw: string; payload: WhatsAppWebhookPayload }[];
  close(): Promise<void>;
}> {
  const received: { raw: string; payload: WhatsAppWebhookPayload }[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') {
      const ok =
        u.searchParams.get('hub.mode') === 'subscribe' &&
        u.searchParams.get('hub.verify_token') === VERIFY_TOKEN;
      res
        .writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' })
        .end(ok ? u.searchParams.get('hub.challenge') : '');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', APP_SECRET).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-hub-signature-256'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      received.push({ raw: raw.toString(), payload: JSON.parse(raw.toString()) as WhatsAppWebhookPayload });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/whatsapp`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('fake WhatsApp Cloud API', () => {
  it('sends a text message and answers like the Cloud API', async () => {
    const r = await post(`/${wa.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${CUSTOMER}`,
      type: 'text',
      text: { body: 'Ваш запит отримано' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: `+${CUSTOMER}`, wa_id: CUSTOMER }],
      messages: [{ id: expect.stringMatching(/^wamid\./) }],
    });
    expect(wa.sentTo(CUSTOMER)).toHaveLength(1);
    expect(wa.sent[0]?.body).toMatchObject({ text: { body: 'Ваш запит отримано' } });
    expect(wa.sent[0]?.wamid).toBe(r.json.messages?.[0]?.id);
  });

  it('answers Graph errors: bad token, unknown phone number id, validation', async () => {
    const bad = await post(`/${wa.phoneNumberId}/messages`, { messaging_product: 'whatsapp' }, 'nope');
    expect(bad.status).toBe(401);
    expect(bad.json.error).toMatchObject({
      code: 190,
      type: 'OAuthException',
      fbtrace_id: expect.any(String),
    });

    const unknown = await post('/999/messages', {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      text: { body: 'x' },
    });
    expect(unknown.json.error).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });

    const noProduct = await post(`/${wa.phoneNumberId}/messages`, { to: CUSTOMER, text: { body: 'x' } });
    expect(noProduct.json.error?.code).toBe(100);
    const tooLong = await post(`/${wa.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'x'.repeat(4097) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error?.message).toContain('4096');
    const fourButtons = await post(`/${wa.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Pick' },
        action: {
          buttons: [1, 2, 3, 4].map((i) => ({ type: 'reply', reply: { id: `b${i}`, title: `B${i}` } })),
        },
      },
    });
    expect(fourButtons.status).toBe(400);
    expect(wa.sent).toHaveLength(0);
  });

  it('closed 24-hour window: free-form fails with 131047, templates still go, an inbound message reopens', async () => {
    wa.closeWindow(CUSTOMER);
    const text = await post(`/${wa.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'text',
      text: { body: 'reply' },
    });
    expect(text.status).toBe(400);
    expect(text.json.error).toMatchObject({
      code: 131047,
      message: '(#131047) Re-engagement message',
      error_data: { details: expect.stringContaining('24 hours') },
    });
    const tpl = await post(`/${wa.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'template',
      template: { name: 'request_update', language: { code: 'uk' } },
    });
    expect(tpl.status).toBe(200);
    expect(tpl.json.messages?.[0]).toMatchObject({ message_status: 'accepted' });

    const app = await startApp();
    try {
      await wa.deliverWebhook(
        app.url,
        wa.textMessagePayload({ waId: CUSTOMER, text: 'I am back' }),
        APP_SECRET,
      );
      expect(wa.isWindowOpen(CUSTOMER)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it("status-webhook mode (Meta's real behaviour): accepted, then a signed failed status with 131047", async () => {
    const app = await startApp();
    const fake = await startFakeWhatsApp({
      accessToken: TOKEN,
      reengagement: 'status-webhook',
      webhookUrl: app.url,
      appSecret: APP_SECRET,
    });
    try {
      fake.closeWindow(CUSTOMER);
      const res = await fetch(`${fake.url}/v21.0/${fake.phoneNumberId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          messaging_product: 'whatsapp',
          to: CUSTOMER,
          type: 'text',
          text: { body: 'late' },
        }),
      });
      expect(res.status).toBe(200);
      const wamid = ((await res.json()) as { messages: { id: string }[] }).messages[0]?.id;
      await expect.poll(() => app.received.length).toBe(1);
      const status = app.received[0]?.payload.entry[0]?.changes[0]?.value.statuses?.[0];
      expect(status).toMatchObject({
        id: wamid,
        status: 'failed',
        recipient_id: CUSTOMER,
        errors: [{ code: 131047 }],
      });
      // Explicit delivery statuses for the happy path.
      await fake.sendStatus(wamid ?? '', 'delivered');
      expect(app.received[1]?.payload.entry[0]?.changes[0]?.value.statuses?.[0]?.status).toBe('delivered');
      expect(fake.errors).toEqual([]);
    } finally {
      await fake.close();
      await app.close();
    }
  });

  it('media: GET metadata → download URL with Bearer; upload; delete; expired URLs', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3, 4]);
    const id = wa.addMedia(bytes, 'image/jpeg');
    const metaRes = await fetch(`${graph}/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const meta = (await metaRes.json()) as Record<string, string | number>;
    expect(meta).toEqual({
      messaging_product: 'whatsapp',
      url: expect.stringContaining('/whatsapp_business/attachments/?mid='),
      mime_type: 'image/jpeg',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      file_size: bytes.length,
      id,
    });
    const noAuth = await fetch(String(meta.url));
    expect(noAuth.status).toBe(401);
    const dl = await fetch(String(meta.url), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(dl.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await dl.arrayBuffer())).toEqual(bytes);

    const form = new FormData();
    form.append('messaging_product', 'whatsapp');
    form.append('type', 'image/png');
    form.append('file', new Blob([Buffer.from('png-bytes')], { type: 'image/png' }), 'x.png');
    const up = await fetch(`${graph}/${wa.phoneNumberId}/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: form,
    });
    const { id: uploaded } = (await up.json()) as { id: string };
    expect(wa.media.get(uploaded)?.bytes.toString()).toBe('png-bytes');
    const send = await post(`/${wa.phoneNumberId}/messages`, {
      messaging_product: 'whatsapp',
      to: CUSTOMER,
      type: 'image',
      image: { id: uploaded, caption: 'map' },
    });
    expect(send.status).toBe(200);

    const del = await fetch(`${graph}/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(await del.json()).toEqual({ success: true });
    expect((await fetch(`${graph}/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      400,
    );

    const shortLived = await startFakeWhatsApp({ accessToken: TOKEN, mediaUrlTtlMs: 1 });
    try {
      const mid = shortLived.addMedia(bytes);
      const m = (await (
        await fetch(`${shortLived.url}/v21.0/${mid}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      ).json()) as { url: string };
      await new Promise((r) => setTimeout(r, 1100));
      expect((await fetch(m.url, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    } finally {
      await shortLived.close();
    }
  });

  it('inbound webhooks: signature verifies with HMAC over the raw body; forgeries are rejected', async () => {
    const app = await startApp();
    try {
      const payload = textMessagePayload({
        waId: CUSTOMER,
        name: 'Олег',
        text: 'Хочу здатися / help',
        phoneNumberId: '42',
      });
      const d = await deliverWebhook(app.url, payload, APP_SECRET);
      expect(d.status).toBe(200);
      expect(d.signature).toBe(`sha256=${createHmac('sha256', APP_SECRET).update(d.rawBody).digest('hex')}`);
      // Serialized like Meta: escaped unicode and slashes, so re-serializing the parsed JSON breaks the HMAC.
      expect(d.rawBody).toContain('\\u041e');
      expect(d.rawBody).toContain('\\/');
      expect(JSON.stringify(JSON.parse(d.rawBody))).not.toBe(d.rawBody);
      const got = app.received[0]?.payload.entry[0]?.changes[0]?.value;
      expect(got?.metadata.phone_number_id).toBe('42');
      expect(got?.contacts?.[0]).toEqual({ profile: { name: 'Олег' }, wa_id: CUSTOMER });
      expect(got?.messages?.[0]).toMatchObject({
        from: CUSTOMER,
        type: 'text',
        text: { body: 'Хочу здатися / help' },
      });

      expect((await deliverWebhook(app.url, payload, 'wrong-secret')).status).toBe(401);
      expect((await deliverWebhook(app.url, payload, APP_SECRET, { signature: null })).status).toBe(401);
      const tampered = d.rawBody.replace('help', 'HELP');
      expect(
        (await deliverWebhook(app.url, payload, APP_SECRET, { rawBody: tampered, signature: d.signature }))
          .status,
      ).toBe(401);

      // Image referencing media hosted by the fake: the app can fetch it back via the Graph API.
      const img = wa.imageMessagePayload({
        waId: CUSTOMER,
        bytes: Buffer.from('jpeg!'),
        mime: 'image/jpeg',
        caption: 'c',
      });
      expect((await wa.deliverWebhook(app.url, img, APP_SECRET)).status).toBe(200);
      const image = app.received[1]?.payload.entry[0]?.changes[0]?.value.messages?.[0]?.image;
      expect(image).toMatchObject({ mime_type: 'image/jpeg', caption: 'c' });
      expect(image?.sha256).toBe(createHash('sha256').update('jpeg!').digest('base64'));
      expect(wa.media.get(image?.id ?? '')?.bytes.toString()).toBe('jpeg!');
      // The standalone builder takes an explicit media reference.
      const standalone = imageMessagePayload({
        waId: CUSTOMER,
        mediaId: '1',
        mimeType: 'image/png',
        sha256: 'x',
      });
      expect(standalone.entry[0]?.changes[0]?.value.messages?.[0]?.type).toBe('image');
    } finally {
      await app.close();
    }
  });

  it('verification handshake GET', async () => {
    const app = await startApp();
    try {
      expect(await verifyHandshake(app.url, VERIFY_TOKEN, '1158201444')).toEqual({
        status: 200,
        text: '1158201444',
      });
      expect((await verifyHandshake(app.url, 'wrong', '1')).status).toBe(403);
    } finally {
      await app.close();
    }
  });

  it('fault injection: 500 transient, 429 rate limit, drop, timeout, processed-then-dropped', async () => {
    const msg = { messaging_product: 'whatsapp', to: CUSTOMER, type: 'text', text: { body: 'x' } };
    wa.fail(
      'messages',
      { status: 500 },
      { status: 429 },
      { status: 400, code: 131026, description: 'Message undeliverable' },
    );
    const e500 = await post(`/${wa.phoneNumberId}/messages`, msg);
    expect(e500).toMatchObject({ status: 500, json: { error: { code: 1, is_transient: true } } });
    const e429 = await post(`/${wa.phoneNumberId}/messages`, msg);
    expect(e429).toMatchObject({ status: 429, json: { error: { code: 130429 } } });
    const e400 = await post(`/${wa.phoneNumberId}/messages`, msg);
    expect(e400).toMatchObject({
      status: 400,
      json: { error: { code: 131026, message: 'Message undeliverable' } },
    });

    wa.fail('messages', { drop: true });
    await expect(post(`/${wa.phoneNumberId}/messages`, msg)).rejects.toThrow();
    wa.fail('messages', { timeoutMs: 1500 });
    const t0 = Date.now();
    await expect(
      fetch(`${graph}/${wa.phoneNumberId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(msg),
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(1400); // the client gave up before the 1.5 s hold ended
    expect(wa.sent).toHaveLength(0);

    wa.fail('messages', { dropAfterProcessing: true });
    await expect(post(`/${wa.phoneNumberId}/messages`, msg)).rejects.toThrow();
    expect(wa.sent).toHaveLength(1);
    await expect
      .poll(() => wa.calls.filter((c) => c.outcome === 'pending').length, { timeout: 3000 })
      .toBe(0);
    // In arrival order: the held (timed-out) call is answered later but was the 5th to arrive.
    expect(wa.calls.map((c) => c.outcome)).toEqual(['fault', 'fault', 'fault', 'dropped', 'fault', 'ok']);
  });
});
