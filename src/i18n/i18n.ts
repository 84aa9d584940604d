import { type Catalogue, en, type MessageKey } from './en.ts';
import { ko } from './ko.ts';
import { LANGUAGES, type Language } from './languages.ts';
import { ru } from './ru.ts';
import { uk } from './uk.ts';

export { LANGUAGES, type Language };
/** Russian first: most requesters write in Russian. */
export const DEFAULT_LANGUAGE: Language = 'ru';

const catalogues: Record<Language, Catalogue> = { ru, uk, en, ko };

export const LANGUAGE_NAMES: Record<Language, string> = {
  ru: 'Русский',
  uk: 'Українська',
  en: 'English',
  ko: '한국어',
};

export function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

export function t(lang: Language, key: MessageKey): string {
  return catalogues[lang][key];
}

export function hasKey(key: string): key is MessageKey {
  return key in en;
}

/** `?lang=` wins, then Accept-Language (q-values honoured), then Russian. */
export function negotiateLanguage(query: unknown, acceptLanguage: string | undefined): Language {
  if (isLanguage(query)) return query;
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .slice(0, 20)
      .map((part, i) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
        const qv = q ? Number(q.slice(2)) : 1;
        return { lang: tag.toLowerCase().split('-')[0], q: Number.isFinite(qv) ? qv : 0, i };
      })
      .filter((x) => x.q > 0)
      .sort((a, b) => b.q - a.q || a.i - b.i);
    for (const r of ranked) if (isLanguage(r.lang)) return r.lang;
  }
  return DEFAULT_LANGUAGE;
}

export type { MessageKey };
