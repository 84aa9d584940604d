import type { TFunction } from 'i18next';
import {
  LANGUAGES as REQUEST_LANGUAGES,
  type Language as RequestLanguage,
} from '../../../src/i18n/languages.ts';

export function isRequestLanguage(v: string): v is RequestLanguage {
  return (REQUEST_LANGUAGES as readonly string[]).includes(v);
}

/** A requester language's name in the interface language; an unknown code is shown as is. */
export function languageName(t: TFunction, code: string): string {
  if (isRequestLanguage(code)) return t(`language.${code}`);
  try {
    // Any other code triage detected (kk, ka …): the browser knows its name in the interface language.
    return new Intl.DisplayNames([t('language.uiLocale')], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** The language a request is in: what triage detected in the text, else the page's language. */
export function requestLanguage(item: { language: string; detectedLanguage: string | null }): string {
  return item.detectedLanguage && item.detectedLanguage !== 'other' ? item.detectedLanguage : item.language;
}
