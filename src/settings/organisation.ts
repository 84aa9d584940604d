import type { Transaction } from 'kysely';
import sharp from 'sharp';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { type Language, type MessageKey, t } from '../i18n/i18n.ts';
import { CHANNEL_KINDS, type PublicChannelKind } from './public-channels.ts';

/**
 * The organisation's own face: its name, a short description, a logo, and the public channels people
 * can reach it on — phone numbers, the Telegram bot, WhatsApp, the onion address, mirror domains. An
 * admin sets them in the console (audited); the public pages and the bot's welcome show them, so that
 * when one domain is blocked, the others are already in people's hands.
 */
export { CHANNEL_KINDS, type PublicChannelKind };

const ONION = /^(?:https?:\/\/)?([a-z2-7]{56}\.onion)\/?$/;
const PHONE = /^\+[0-9]{7,15}$/;
const TELEGRAM = /^(?:https:\/\/t\.me\/|@)?([A-Za-z][A-Za-z0-9_]{4,31})$/;

/** Each channel is normalised to one canonical value; its link is derived, never typed by hand. */
export const ZPublicChannel = z
  .object({
    kind: z.enum(CHANNEL_KINDS),
    value: z.string().trim().min(1).max(200),
  })
  .transform((c, ctx) => {
    // Numbers are written with spaces, dashes and brackets; stored without them.
    const v = c.value.replace(/[\s().-]/g, '');
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', path: ['value'], message });
      return z.NEVER;
    };
    switch (c.kind) {
      case 'phone':
        return PHONE.test(v) ? { kind: c.kind, value: v } : fail('an international number: +380…');
      case 'whatsapp': {
        const n = /^(?:https:\/\/wa\.me\/)?\+?([0-9]{7,15})$/.exec(v)?.[1];
        return n
          ? { kind: c.kind, value: `+${n}` }
          : fail('a number in international format or a wa.me link');
      }
      case 'telegram': {
        const name = TELEGRAM.exec(c.value.trim())?.[1];
        return name ? { kind: c.kind, value: `@${name}` } : fail('a bot username: @name_bot');
      }
      case 'onion': {
        const host = ONION.exec(c.value.trim().toLowerCase())?.[1];
        return host ? { kind: c.kind, value: host } : fail('a v3 onion address: 56 characters + .onion');
      }
      case 'mirror': {
        try {
          const u = new URL(c.value.trim());
          if (u.protocol !== 'https:' || u.pathname !== '/' || u.search || u.username)
            return fail('an https:// origin, nothing after the domain');
          return { kind: c.kind, value: u.origin };
        } catch {
          return fail('an https:// origin');
        }
      }
    }
  });
export type PublicChannel = z.output<typeof ZPublicChannel>;

export const ZOrganisationInput = z.object({
  name: z.string().trim().max(80),
  description: z.string().trim().max(400),
  channels: z.array(ZPublicChannel).max(30),
});
export type OrganisationInput = z.input<typeof ZOrganisationInput>;

export interface Organisation {
  name: string;
  description: string;
  channels: PublicChannel[];
  /** A short hash of the logo, for cache-busting its URL; null without a logo. */
  logo: string | null;
}

const EMPTY: Organisation = { name: '', description: '', channels: [], logo: null };
const TTL_MS = 5000;
const LOGO_MAX_BYTES = 2 * 1024 * 1024;

/** Where a channel is reached: a link people can follow (or dial). */
export function channelHref(c: PublicChannel): string {
  switch (c.kind) {
    case 'phone':
      return `tel:${c.value}`;
    case 'whatsapp':
      return `https://wa.me/${c.value.slice(1)}`;
    case 'telegram':
      return `https://t.me/${c.value.slice(1)}`;
    case 'onion':
      return `http://${c.value}/`;
    case 'mirror':
      return `${c.value}/`;
  }
}

export function channelLabel(lang: Language, kind: PublicChannelKind): string {
  return t(lang, `org.channel.${kind}` as MessageKey);
}

/** The welcome a bot sends: name, description, and where else to find the hotline. */
export function organisationText(org: Organisation, lang: Language): string {
  const lines: string[] = [];
  if (org.name) lines.push(org.name);
  if (org.description) lines.push(org.description);
  if (org.channels.length) {
    if (lines.length) lines.push('');
    lines.push(t(lang, 'org.channels'));
    for (const c of org.channels) {
      const link = c.kind === 'phone' ? c.value : channelHref(c);
      lines.push(`• ${channelLabel(lang, c.kind)}: ${link}`);
    }
  }
  return lines.join('\n');
}

export function createOrganisationService(deps: { db: Db; audit: AuditLog; clock: Clock }) {
  let cache: { value: Organisation; at: number } | null = null;
  // One read at a time when the cache runs out (every public page asks).
  let loading: Promise<Organisation> | null = null;
  async function readKey(key: string): Promise<unknown> {
    const row = await deps.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }
  async function writeKey(
    q: Transaction<Database>,
    key: string,
    value: unknown,
    actorId: string,
  ): Promise<void> {
    const json = JSON.stringify(value);
    const now = deps.clock.now();
    await q
      .insertInto('settings')
      .values({ key, value: json, updated_at: now, updated_by: actorId })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now, updated_by: actorId }))
      .execute();
  }
  return {
    async get(): Promise<Organisation> {
      const now = Date.now();
      if (cache && now - cache.at < TTL_MS) return cache.value;
      loading ??= (async () => {
        const stored = (await readKey('organisation')) as Partial<Organisation> | undefined;
        const value = { ...EMPTY, ...(stored ?? {}) };
        cache = { value, at: now };
        return value;
      })().finally(() => {
        loading = null;
      });
      return loading;
    },
    async set(actorId: string, input: OrganisationInput): Promise<Organisation> {
      const parsed = ZOrganisationInput.safeParse(input);
      if (!parsed.success) {
        throw new AppError('validation_failed', 'Organisation settings are not valid', {
          issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
      const current = await this.get();
      const value: Organisation = { ...parsed.data, logo: current.logo };
      await deps.audit.write(async (trx, w) => {
        await writeKey(trx, 'organisation', value, actorId);
        // The audit entry says what kinds changed, not the numbers and addresses themselves.
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'settings.organisation',
          details: { channels: value.channels.map((c) => c.kind), named: value.name.length > 0 },
        });
      });
      cache = { value, at: Date.now() };
      return value;
    },
    /** Re-encodes the upload (drops metadata, anything hidden in it) into a PNG of at most 512 px. */
    async setLogo(actorId: string, image: Buffer | null): Promise<Organisation> {
      let png: Buffer | null = null;
      if (image) {
        if (image.length > LOGO_MAX_BYTES)
          throw new AppError('payload_too_large', 'The logo is larger than 2 MB');
        try {
          png = await sharp(image, { limitInputPixels: 4096 * 4096, failOn: 'error' })
            .rotate()
            .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
            .png({ compressionLevel: 9 })
            .toBuffer();
        } catch {
          throw new AppError('validation_failed', 'The logo must be a PNG, JPEG or WebP image');
        }
      }
      const { createHash } = await import('node:crypto');
      const hash = png ? createHash('sha256').update(png).digest('hex').slice(0, 12) : null;
      const current = await this.get();
      const value: Organisation = { ...current, logo: hash };
      await deps.audit.write(async (trx, w) => {
        await writeKey(trx, 'organisation.logo', png ? { png: png.toString('base64') } : {}, actorId);
        await writeKey(trx, 'organisation', value, actorId);
        await w.audit({
          actorType: 'operator',
          actorId,
          action: 'settings.organisation.logo',
          details: { logo: hash },
        });
      });
      cache = { value, at: Date.now() };
      return value;
    },
    async logo(): Promise<Buffer | null> {
      const v = (await readKey('organisation.logo')) as { png?: string } | undefined;
      return v?.png ? Buffer.from(v.png, 'base64') : null;
    },
  };
}

export type OrganisationService = ReturnType<typeof createOrganisationService>;
