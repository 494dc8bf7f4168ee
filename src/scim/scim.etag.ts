import { ScimError } from './scim.errors.ts';

/**
 * ETags of SCIM resources (RFC 7644 §3.14, https://www.rfc-editor.org/rfc/rfc7644#section-3.14):
 * weak validators built from row versions that the database bumps on every change.
 */

/**
 * A user's ETag: its row version, and when its groups last changed (its `groups` are part of the
 * resource, but joining or leaving a group does not write the user's row).
 */
export function userEtag(row: { version: number; groups_changed_at?: Date | null }): string {
  return row.groups_changed_at ? `W/"${row.version}-${row.groups_changed_at.getTime()}"` : `W/"${row.version}"`;
}

/** When a user last changed, its groups included (RFC 7643 §3.1 `lastModified`). */
export function userLastModified(row: { updated_at: Date; groups_changed_at?: Date | null }): Date {
  return row.groups_changed_at && row.groups_changed_at > row.updated_at ? row.groups_changed_at : row.updated_at;
}

/** A group's ETag: its row version and its members' version (members are part of the resource). */
export function groupEtag(row: { version: number; members_version: number }): string {
  return `W/"${row.version}-${row.members_version}"`;
}

function tags(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//i, ''))
    .filter(Boolean);
}

/**
 * Whether an If-None-Match / If-Match header names this ETag (weak comparison; `*` matches any).
 * @returns true when it matches
 */
export function etagMatches(header: string, etag: string): boolean {
  const wanted = etag.replace(/^W\//i, '');
  return tags(header).some((tag) => tag === '*' || tag === wanted);
}

/**
 * Refuses a change when If-Match is given and names another version.
 * @throws ScimError 412
 */
export function checkIfMatch(header: string | undefined, etag: string): void {
  if (header !== undefined && !etagMatches(header, etag)) {
    throw new ScimError(
      412,
      undefined,
      `The resource changed: its version is ${etag}, not ${header}. Read it again and retry.`,
    );
  }
}
