import type { TFunction } from 'i18next';
import { REQUEST_LANGUAGES, type RequestLanguage } from '../types.ts';

export function isRequestLanguage(v: string): v is RequestLanguage {
  return (REQUEST_LANGUAGES as readonly string[]).includes(v);
}

/** A requester language's name in the interface language; an unknown code is shown as is. */
export function languageName(t: TFunction, code: string): string {
  return isRequestLanguage(code) ? t(`language.${code}`) : code;
}
