import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../../errors.ts';
import { isLanguage, type Language, negotiateLanguage } from '../../i18n/i18n.ts';

/** Shared by the public, server-rendered pages (surrender form, follow-up, relatives desk). */

/** Form fields arrive as strings; a repeated field (array) or a JSON body is not a browser form. */
export function parseForm<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new AppError('bad_request', 'Malformed form');
  return r.data;
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
