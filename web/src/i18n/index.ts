/**
 * The console's languages: i18next with the five message files, the React Spectrum locale of
 * each, and which language to show before sign-in (a remembered choice, else the browser's).
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { LOCALES, type Locale } from '../../../shared/contracts.ts';
import cs from './locales/cs.json';
import en from './locales/en.json';
import fi from './locales/fi.json';
import pl from './locales/pl.json';
import ru from './locales/ru.json';

/** React Spectrum (and Intl) locale of each console language. */
export const SPECTRUM_LOCALES: Record<Locale, string> = {
  en: 'en-US',
  pl: 'pl-PL',
  ru: 'ru-RU',
  cs: 'cs-CZ',
  fi: 'fi-FI',
};

const STORAGE_KEY = 'usher.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

function storedLocale(): Locale | undefined {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return isLocale(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The language before sign-in: the remembered choice, else the browser's if Usher has it, else English. */
export function anonymousLocale(): Locale {
  const stored = storedLocale();
  if (stored) {
    return stored;
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) {
      return base;
    }
  }
  return 'en';
}

/** Remembers a language choice for the sign-in page of this browser. */
export function rememberLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

/** Shows the console in a language now (messages, `<html lang>`). */
export function applyLocale(locale: Locale): void {
  document.documentElement.lang = locale;
  if (i18n.language !== locale) {
    void i18n.changeLanguage(locale);
  }
}

/** The language the console currently shows. */
export function currentLocale(): Locale {
  return isLocale(i18n.language) ? i18n.language : 'en';
}

const initial = anonymousLocale();
document.documentElement.lang = initial;

void i18n.use(initReactI18next).init({
  resources: {
    en: { translation: en },
    pl: { translation: pl },
    ru: { translation: ru },
    cs: { translation: cs },
    fi: { translation: fi },
  },
  lng: initial,
  fallbackLng: 'en',
  supportedLngs: [...LOCALES],
  interpolation: { escapeValue: false },
  initAsync: false,
  returnNull: false,
});

export default i18n;
