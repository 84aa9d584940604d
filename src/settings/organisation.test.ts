import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram } from '../../test/fakes/telegram.ts';
import {
  createOperator,
  createTestContext,
  type LoggedIn,
  login,
  type TestContext,
  type TestOperator,
} from '../../test/helpers.ts';
import { buildApp } from '../app.ts';
import { createTelegram } from '../channels/telegram/telegram.ts';
import { organisationText } from './organisation.ts';

/**
 * The organisation's own face: an admin sets name, description, logo and public channels; every
 * public page shows them, on every configured origin (main domain, mirror, onion) with absolute links
 * for the origin it was asked on — and a forged Host is never echoed.
 */
const MAIN = 'https://hotline.example.org';
const MIRROR = 'https://mirror-one.example.net';
const ONION = 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz2345.onion';
let ctx: TestContext;
let admin: TestOperator;
let s: LoggedIn;

beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.app.close();
  ctx.app = await buildApp(ctx.core, { intakePerMinute: 6000, secureCookies: true, publicOrigins: [MAIN] });
  admin = await createOperator(ctx, 'admin');
  s = await login(ctx, admin);
});
afterAll(async () => {
  await ctx?.close();
});

const page = (host: string, url = '/?lang=en') => ctx.app.inject({ method: 'GET', url, headers: { host } });

describe('organisation settings', () => {
  it('rejects malformed channels with a clear 400, and operators may not change them', async () => {
    const bad = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/organisation',
      headers: s.headers,
      payload: { name: 'X', description: '', channels: [{ kind: 'phone', value: 'call me' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const op = await login(ctx, await createOperator(ctx, 'operator'));
    const denied = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/organisation',
      headers: op.headers,
      payload: { name: 'X', description: '', channels: [] },
    });
    expect(denied.statusCode).toBe(403);
  });

  it('shows the name, description and channels on the public pages of every configured origin', async () => {
    const res = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/organisation',
      headers: s.headers,
      payload: {
        name: 'Хочу жить',
        description: 'Линия помощи для тех, кто хочет выжить.',
        channels: [
          { kind: 'phone', value: '+380 66 580 34 98' },
          { kind: 'telegram', value: 'https://t.me/hochu_zhit_bot' },
          { kind: 'whatsapp', value: '+380665803498' },
          { kind: 'onion', value: `http://${ONION}/` },
          { kind: 'mirror', value: MIRROR },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().channels).toEqual([
      { kind: 'phone', value: '+380665803498' },
      { kind: 'telegram', value: '@hochu_zhit_bot' },
      { kind: 'whatsapp', value: '+380665803498' },
      { kind: 'onion', value: ONION },
      { kind: 'mirror', value: MIRROR },
    ]);
    const audit = await ctx.core.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', '=', 'settings.organisation')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]?.details)).not.toContain('380665803498');

    for (const [host, origin] of [
      ['hotline.example.org', MAIN],
      ['mirror-one.example.net', MIRROR],
      [ONION, `http://${ONION}`],
    ] as const) {
      for (const url of ['/?lang=en', '/follow-up?lang=en']) {
        const p = await page(host, url);
        expect(p.statusCode).toBe(200);
        expect(p.body).toContain('<title>Хочу жить</title>');
        expect(p.body).toContain('Хочу жить</a>');
        expect(p.body).toContain('Линия помощи для тех, кто хочет выжить.');
        expect(p.body).toContain('href="tel:+380665803498"');
        expect(p.body).toContain('href="https://t.me/hochu_zhit_bot"');
        expect(p.body).toContain('href="https://wa.me/380665803498"');
        expect(p.body).toContain(`href="http://${ONION}/"`);
        expect(p.body).toContain(`href="${MIRROR}/"`);
        const path = url.split('?')[0];
        expect(p.body).toContain(`<link rel="canonical" href="${origin}${path}?lang=en">`);
        expect(p.body).toContain(`<link rel="alternate" hreflang="uk" href="${origin}${path}?lang=uk">`);
      }
    }
    // The Russian page says it in Russian.
    expect((await page('hotline.example.org', '/?lang=ru')).body).toContain(
      'Другие способы связаться с нами',
    );
  });

  it('never echoes a Host that is not a configured origin', async () => {
    const p = await page('evil.example.com');
    expect(p.statusCode).toBe(200);
    expect(p.body).not.toContain('evil.example.com');
    expect(p.body).toContain(`<link rel="canonical" href="${MAIN}/?lang=en">`);
  });

  it('offers the onion to Tor Browser on the clearnet origins, not on the onion itself', async () => {
    expect((await page('hotline.example.org', '/?lang=en')).headers['onion-location']).toBe(
      `http://${ONION}/?lang=en`,
    );
    expect((await page(ONION)).headers['onion-location']).toBeUndefined();
  });

  it('re-encodes an uploaded logo (metadata dropped) and serves it same-origin under the strict CSP', async () => {
    const jpeg = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#2a6' } })
      .jpeg()
      .withMetadata({ exif: { IFD0: { Artist: 'Secret Photographer', Copyright: 'GPS 55.75N' } } })
      .toBuffer();
    expect(jpeg.includes(Buffer.from('Secret Photographer'))).toBe(true);
    const up = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/organisation/logo',
      headers: s.headers,
      payload: { image: jpeg.toString('base64') },
    });
    expect(up.statusCode, up.body).toBe(200);
    const hash = up.json().logo as string;
    expect(hash).toMatch(/^[0-9a-f]{12}$/);

    const logo = await ctx.app.inject({
      method: 'GET',
      url: '/org/logo.png',
      headers: { host: 'hotline.example.org' },
    });
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.headers['content-security-policy']).toContain("default-src 'none'");
    expect(logo.rawPayload.includes(Buffer.from('Secret Photographer'))).toBe(false);
    const meta = await sharp(logo.rawPayload).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 341]);
    expect(meta.exif).toBeUndefined();

    const p = await page('hotline.example.org');
    expect(p.body).toContain(`<img class="logo" src="/org/logo.png?v=${hash}"`);
    expect(p.headers['content-security-policy']).toContain("img-src 'self'");

    const junk = await ctx.app.inject({
      method: 'PUT',
      url: '/api/settings/organisation/logo',
      headers: s.headers,
      payload: { image: Buffer.from('<svg onload=alert(1)>').toString('base64') },
    });
    expect(junk.statusCode).toBe(400);
    const gone = await ctx.app.inject({
      method: 'DELETE',
      url: '/api/settings/organisation/logo',
      headers: s.headers,
    });
    expect(gone.json().logo).toBeNull();
    expect((await ctx.app.inject({ method: 'GET', url: '/org/logo.png' })).statusCode).toBe(404);
  });

  it('writes the bot welcome with the name and every channel as a link', async () => {
    const text = organisationText(await ctx.core.organisation.get(), 'uk');
    expect(text.split('\n')).toEqual([
      'Хочу жить',
      'Линия помощи для тех, кто хочет выжить.',
      '',
      "Інші способи зв'язатися з нами",
      '• Телефон: +380665803498',
      '• Telegram: https://t.me/hochu_zhit_bot',
      '• WhatsApp: https://wa.me/380665803498',
      `• Tor (onion): http://${ONION}/`,
      `• Дзеркало: ${MIRROR}/`,
    ]);
  });

  it('greets a new Telegram user with the organisation and its other channels (real bot, fake Telegram)', async () => {
    const fake = await startFakeTelegram({ globalPerSecond: 1000, perChatPerSecond: 1000 });
    const core = ctx.core;
    const secret = 'welcome-secret-0123456789';
    const telegram = createTelegram(
      { token: fake.token, mode: 'webhook', apiRoot: fake.url, webhookSecret: secret, webhookUrl: undefined },
      {
        db: core.db,
        routing: core.routing,
        clock: core.clock,
        log: core.log,
        channelIntake: core.channelIntake,
        protocol: core.protocol,
        knowledge: core.knowledge,
        relatives: core.relatives,
        organisation: core.organisation,
      },
    );
    const app = await buildApp(core, { intakePerMinute: 6000, secureCookies: true, webhooks: [telegram] });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/channels/telegram/webhook',
        headers: { 'x-telegram-bot-api-secret-token': secret },
        payload: fake.userSends({ id: 551001 }, '/start') as object,
      });
      expect(res.statusCode).toBe(200);
      const welcome = await fake.waitForSent(
        (c) => c.method === 'sendMessage' && String(c.params.text).startsWith('Хочу жить'),
      );
      expect(String(welcome.params.text)).toContain('https://t.me/hochu_zhit_bot');
      expect(String(welcome.params.text)).toContain(`http://${ONION}/`);
      expect(String(welcome.params.text)).toContain('Другие способы связаться с нами');
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
