/** Message keys and formats shared by the users pages. */
import type { IdentityType, UserStatus } from '../../../shared/contracts.ts';
import type { User } from '../types.ts';

/** Message key of an identity type's name (Personal ID, Enterprise ID, Federated ID). */
export function identityTypeKey(type: IdentityType): `users.identityType.${IdentityType}` {
  return `users.identityType.${type}`;
}

/** Message key of a status's name. */
export function statusKey(status: UserStatus): `users.status.${UserStatus}` {
  return `users.status.${status}`;
}

/** The Spectrum StatusLight variant of a status. */
export function statusVariant(status: UserStatus): 'positive' | 'notice' | 'neutral' {
  return status === 'active' ? 'positive' : status === 'invited' ? 'notice' : 'neutral';
}

/** "First Last", or null when the user has no name. */
export function fullName(user: Pick<User, 'firstName' | 'lastName'>): string | null {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ').trim();
  return name || null;
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;

/**
 * A size in bytes, human-readable in the language (1 536 → "1.5 kB").
 * @param locale an Intl locale, e.g. pl-PL
 */
export function formatBytes(bytes: number, locale: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/** Splits a comma-separated list of names (profiles, groups), trimmed, without empties or repeats. */
export function splitNames(text: string): string[] {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const part of text.split(',')) {
    const name = part.trim();
    if (name && !seen.has(name.toLowerCase())) {
      seen.add(name.toLowerCase());
      names.push(name);
    }
  }
  return names;
}

/** Field problems of an error keyed by field path without `body.` (e.g. `users.3.email`). */
export function problemsByField(errors: { field: string; message: string }[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const problem of errors) {
    const field = problem.field.replace(/^body\./, '');
    map.set(field, map.has(field) ? `${map.get(field)}; ${problem.message}` : problem.message);
  }
  return map;
}
