import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import { isLanguage, type Language, negotiateLanguage } from '../i18n/i18n.ts';

/** Shared by the public, server-rendered pages (surrender form, follow-up, relatives desk). */

/** Form fields arrive as strings; a repeated field (array) or a JSON body is not a browser form. */
export function parseForm<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new AppError('bad_request', 'Malformed form');
  return r.data;
}

/**
 * Route hook for public form posts: only what a browser form sends (urlencoded). A JSON body is not
 * parsed at all: it would widen what an attacker's script can shape (nested values, types) for no
 * requester's benefit. 415 with a stable code, answered as the localized error page.
 */
export async function requireFormBody(req: FastifyRequest): Promise<void> {
  const type = req.headers['content-type'];
  if (type === undefined) return;
  const media = type.split(';', 1)[0]?.trim().toLowerCase();
  if (media !== 'application/x-www-form-urlencoded')
    throw new AppError('unsupported_media_type', 'Only form posts (application/x-www-form-urlencoded)');
}

/** The page language: the form's hidden field, else `?lang=`, else Accept-Language, else Russian. */
export function langOf(req: FastifyRequest, bodyLang?: string): Language {
  if (isLanguage(bodyLang)) return bodyLang;
  return negotiateLanguage(
    (req.query as Record<string, unknown> | undefined)?.lang,
    req.headers['accept-language'],
  );
}

export function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}
