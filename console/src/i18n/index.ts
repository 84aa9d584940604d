import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en.ts';
import { uk } from './uk.ts';

export const UI_LANGUAGES = ['uk', 'en'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

/** Default: Ukrainian. The operator's choice is kept in localStorage (it is not personal data). */
const DEFAULT_UI_LANGUAGE: UiLanguage = 'uk';
const STORAGE_KEY = 'wf.console.lang';

function isUiLanguage(v: unknown): v is UiLanguage {
  return typeof v === 'string' && (UI_LANGUAGES as readonly string[]).includes(v);
}

function storedLanguage(): UiLanguage {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isUiLanguage(v) ? v : DEFAULT_UI_LANGUAGE;
  } catch {
    return DEFAULT_UI_LANGUAGE;
  }
}

export function setUiLanguage(lang: UiLanguage): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
  void i18next.changeLanguage(lang);
}

export function currentUiLanguage(): UiLanguage {
  return isUiLanguage(i18next.language) ? i18next.language : DEFAULT_UI_LANGUAGE;
}

export function initI18n(): void {
  const lng = storedLanguage();
  document.documentElement.lang = lng;
  i18next.on('languageChanged', (l) => {
    document.documentElement.lang = l;
  });
  void i18next.use(initReactI18next).init({
    resources: { uk: { translation: uk }, en: { translation: en } },
    lng,
    fallbackLng: 'en',
    supportedLngs: [...UI_LANGUAGES],
    // React escapes text itself; escaping here would double-escape.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
  });
}
