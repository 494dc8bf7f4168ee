/** Helpers shared by the user group pages. */

/** Path of a group's API resource. */
export function groupPath(id: string): string {
  return `/api/v1/groups/${encodeURIComponent(id)}`;
}

/** A taken group name is a problem of the name field (see useServerErrors). */
export const GROUP_CODE_FIELDS: Readonly<Record<string, string>> = { 'groups.name_taken': 'name' };
