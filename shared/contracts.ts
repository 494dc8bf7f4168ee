/**
 * Contracts shared by the server and the console: enumerations and limits. Both sides import
 * this file, so a limit changes in one place.
 */

/** Languages of the console and of e-mails (the seed languages). */
export const LOCALES = ['en', 'pl', 'ru', 'cs', 'fi'] as const;
export type Locale = (typeof LOCALES)[number];

/** Native names of the console languages, shown in the language picker. */
export const LOCALE_NAMES: Record<Locale, string> = {
  en: 'English',
  pl: 'Polski',
  ru: 'Русский',
  cs: 'Čeština',
  fi: 'Suomi',
};

export const IDENTITY_TYPES = ['personal', 'enterprise', 'federated'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

export const USER_STATUSES = ['active', 'invited', 'removed'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** Limits on names and free text, enforced by the API and mirrored by console forms. */
export const LIMITS = {
  organizationNameMax: 255,
  tokenNameMax: 100,
  passwordMin: 12,
  passwordMax: 256,
  emailMax: 254,
  nameMax: 255,
  pageSizeDefault: 50,
  pageSizeMax: 500,
} as const;
