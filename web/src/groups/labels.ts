/** Helpers shared by the user group pages. */
import type { TFunction } from 'i18next';
import { ApiError } from '../api.ts';
import { problemsByField } from '../users/labels.ts';

/** Path of a group's API resource. */
export function groupPath(id: string): string {
  return `/api/v1/groups/${encodeURIComponent(id)}`;
}

/**
 * The problems of a failed group save, next to the name and description fields: the server's
 * field messages, and a taken name; the rest as `field: message` lines.
 */
export function groupFieldErrors(
  t: TFunction,
  error: unknown,
): { name?: string; description?: string; rest: string[] } {
  if (!(error instanceof ApiError)) {
    return { rest: [] };
  }
  const fields = problemsByField(error.errors);
  const name = fields.get('name') ?? (error.code === 'groups.name_taken' ? t('errors.groups.name_taken') : undefined);
  const description = fields.get('description');
  const rest = [...fields]
    .filter(([key]) => key !== 'name' && key !== 'description')
    .map(([key, message]) => `${key}: ${message}`);
  return { name, description, rest };
}
