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

/** Platforms a user's device runs (the security application's installers). */
export const DEVICE_PLATFORMS = ['windows', 'macos', 'android', 'ios'] as const;
export type DevicePlatform = (typeof DEVICE_PLATFORMS)[number];

/** Identity types a directory (and so a claimed domain) gives its users. */
export const DIRECTORY_IDENTITY_TYPES = ['enterprise', 'federated'] as const;
export type DirectoryIdentityType = (typeof DIRECTORY_IDENTITY_TYPES)[number];

export const USER_STATUSES = ['active', 'invited', 'removed'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/**
 * Sort orders of the users list (`-` for descending): e-mail, last name, identity type, status and
 * creation time. Each is keyset-paged over an index of its own, so a deep page costs what the first does.
 */
export const USER_SORTS = [
  'email',
  '-email',
  'name',
  '-name',
  'identityType',
  '-identityType',
  'status',
  '-status',
  'created',
  '-created',
] as const;
export type UserSort = (typeof USER_SORTS)[number];

/** Sort orders of the user groups list: by name, A to Z or Z to A. */
export const GROUP_SORTS = ['name', '-name'] as const;
export type GroupSort = (typeof GROUP_SORTS)[number];

/** Sort orders of the audit log: by time, newest first (`-at`) or oldest first. */
export const AUDIT_SORTS = ['-at', 'at'] as const;
export type AuditSort = (typeof AUDIT_SORTS)[number];

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

/** The kinds of bulk upload (SPEC section 4), in the order the console offers them. */
export const BULK_TYPES = [
  'add-users',
  'edit-users',
  'remove-users',
  'add-groups',
  'edit-groups',
  'add-group-members',
  'remove-group-members',
] as const;
export type BulkType = (typeof BULK_TYPES)[number];

/**
 * What each bulk CSV operation needs of its initiator besides `bulk.run` (for the two group-member
 * types, on the operation's group); each row is then checked like the same change in the console.
 * Edit users asks for the right to assign profiles: system and product admins, not the group
 * admins, who edit their group's members with the two group-member types. The console offers
 * only the types the admin may run.
 */
export const BULK_TYPE_ACTIONS = {
  'add-users': 'user.create',
  'edit-users': 'profile.assign',
  'remove-users': 'user.remove',
  'add-groups': 'group.manage',
  'edit-groups': 'group.manage',
  'add-group-members': 'group.members.addExisting',
  'remove-group-members': 'group.members.remove',
} as const;

/** Where an e-mail of the outbox stands. */
export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'failed', 'discarded'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** The kinds of e-mail Usher sends (and the outbox list filters by). */
export const OUTBOX_KINDS = [
  'welcome',
  'instructions',
  'email_changed',
  'bulk_finished',
  'sign_in_throttled',
  'sync_attention',
  'password_reset',
  'license_alert',
] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];
