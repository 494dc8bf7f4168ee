import type { TFunction } from 'i18next';

const MAX_TEXT = 80;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** The fields that name a thing in an audit value, in the order they are preferred. */
const NAMING_FIELDS = ['name', 'email', 'label', 'fileName', 'id'];

function shorten(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/**
 * An audit event's value in words: "none" for nothing, yes/no, dates in the console's format,
 * lists joined by commas, things by their name, other objects as `field: value` pairs; never raw
 * JSON, `∅` or `[]`.
 * @param formatDate formats an instant (the page's date formatter)
 */
export function formatAuditValue(t: TFunction, value: unknown, formatDate: (date: Date) => string): string {
  const show = (item: unknown, depth: number): string => {
    if (item === null || item === undefined || item === '') {
      return t('audit.value.none');
    }
    if (typeof item === 'boolean') {
      return item ? t('audit.value.yes') : t('audit.value.no');
    }
    if (typeof item === 'string') {
      return INSTANT.test(item) ? formatDate(new Date(item)) : item;
    }
    if (typeof item === 'number' || typeof item === 'bigint') {
      return String(item);
    }
    if (Array.isArray(item)) {
      return item.length === 0 ? t('audit.value.none') : item.map((entry) => show(entry, depth + 1)).join(', ');
    }
    if (typeof item === 'object') {
      const record = item as Record<string, unknown>;
      const naming = NAMING_FIELDS.find((field) => typeof record[field] === 'string');
      if (depth > 0 && naming) {
        return String(record[naming]);
      }
      const entries = Object.entries(record);
      return entries.length === 0
        ? t('audit.value.none')
        : entries.map(([key, entry]) => `${key}: ${show(entry, depth + 1)}`).join('; ');
    }
    return String(item);
  };
  return show(value, 0);
}

/** The fields an audit value is known to carry, by their name in words (`first_name` as `firstName`). */
const FIELD_NAMES = {
  firstName: 'audit.field.firstName',
  lastName: 'audit.field.lastName',
  email: 'audit.field.email',
  username: 'audit.field.username',
  country: 'audit.field.country',
  status: 'audit.field.status',
  groups: 'audit.field.groups',
  profiles: 'audit.field.profiles',
  adminRoles: 'audit.field.adminRoles',
  locale: 'audit.field.locale',
  name: 'audit.field.name',
  externalId: 'audit.field.externalId',
} as const;

/** A stored field's name in words (`first_name` → "First name"); the key itself when it is not a known one. */
export function auditFieldName(t: TFunction, field: string): string {
  const camel = field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return Object.hasOwn(FIELD_NAMES, camel) ? t(FIELD_NAMES[camel as keyof typeof FIELD_NAMES]) : field;
}

/** One field of an event's before/after comparison. */
export interface AuditFieldChange {
  field: string;
  before: string;
  after: string;
  /** Whether the field's value differs (an event may carry unchanged fields for context). */
  changed: boolean;
}

/** The fields of an event's before and after side by side, in words. */
export function auditChanges(
  t: TFunction,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  formatDate: (date: Date) => string,
): AuditFieldChange[] {
  const fields = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  return fields.map((field) => {
    const was = before?.[field];
    const is = after?.[field];
    return {
      field,
      before: formatAuditValue(t, was, formatDate),
      after: formatAuditValue(t, is, formatDate),
      changed: JSON.stringify(was ?? null) !== JSON.stringify(is ?? null),
    };
  });
}

/**
 * A one-line summary of an event's change for the table, e.g. `locale: en → pl; name: Acme`:
 * the changed fields, or all fields when it recorded one side only.
 * @returns the summary, or an empty string when the event carries no fields
 */
export function summarizeChange(
  t: TFunction,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  formatDate: (date: Date) => string,
): string {
  const both = before !== null && after !== null;
  return auditChanges(t, before, after, formatDate)
    .filter((change) => !both || change.changed)
    .map((change) => {
      const field = auditFieldName(t, change.field);
      if (before === null) {
        return `${field}: ${shorten(change.after)}`;
      }
      if (after === null) {
        return `${field}: ${shorten(change.before)}`;
      }
      return `${field}: ${shorten(change.before)} → ${shorten(change.after)}`;
    })
    .join('; ');
}
