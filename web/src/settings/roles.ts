import { type AdminRole, ROLE_SCOPE, type ScopeKind } from '../../../shared/roles.ts';

/** Message key of an admin role's name. */
export function roleKey(role: AdminRole): `roles.${AdminRole}` {
  return `roles.${role}`;
}

/** What a role's scope ids name, or null for a role over the whole organization. */
export function scopeOf(role: AdminRole): ScopeKind | null {
  return ROLE_SCOPE[role];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Splits a scope field (ids separated by commas, spaces or new lines).
 * @returns the distinct ids, and the entries that are not ids
 */
export function parseScope(text: string): { ids: string[]; invalid: string[] } {
  const entries = [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
  return {
    ids: entries.filter((entry) => UUID.test(entry)).map((entry) => entry.toLowerCase()),
    invalid: entries.filter((entry) => !UUID.test(entry)),
  };
}
