import type { ManagedBy } from '../../shared/api/users.ts';
import type { Executor } from '../db/database.ts';
import type { ChangeSourceType } from '../db/schema.ts';
import type { Actor } from '../roles/policy.ts';

/**
 * Who manages a user, a group or a membership: the source that made it. The writers record it
 * from the actor, so no caller passes it: a SCIM connection (its token), an Adobe-API
 * integration and a directory sync say so on their actor; a bulk operation is the actor's
 * `operationId`; anything else is the console or the REST API.
 */
export interface ChangeSource {
  type: ChangeSourceType;
  /** The SCIM token's, integration's, synced directory's or bulk operation's id; null for the console. */
  id: string | null;
}

/**
 * The sources that synchronize an outside directory: each removes only what it manages. An
 * Adobe-API integration records what it creates (`umapi`) but is not one of them: Adobe's User
 * Management API lets a client remove any user and delete any user group its role allows, and
 * the User Sync Tool relies on it (user-sync `engine/umapi.py` removes "Adobe-only" users found in
 * the organization's listing, whoever added them; its own configuration says which).
 */
const SYNCHRONIZING: ChangeSourceType[] = ['scim', 'directory_sync'];

/**
 * The source of the changes an actor makes.
 * @returns the actor's own source, a bulk operation, or the console
 */
export function sourceOf(actor: Actor): ChangeSource {
  if (actor.source) {
    return actor.source;
  }
  if (actor.operationId) {
    return { type: 'bulk', id: actor.operationId };
  }
  return { type: 'console', id: null };
}

/** The columns a writer stores with a new row. */
export function sourceColumns(actor: Actor): { source_type: ChangeSourceType; source_id: string | null } {
  const source = sourceOf(actor);
  return { source_type: source.type, source_id: source.id };
}

/**
 * The source an actor synchronizes, whose removals must stay within what it manages; null for
 * the console, the API and bulk files (an admin may remove anything they are allowed to).
 */
export function synchronizingSource(actor: Actor): ChangeSource | null {
  const source = sourceOf(actor);
  return SYNCHRONIZING.includes(source.type) ? source : null;
}

/** Whether a user, group or membership recorded with this source type is a synchronized one. */
export function isSynchronized(type: ChangeSourceType): boolean {
  return SYNCHRONIZING.includes(type);
}

/** A source as the API shows it: `managedBy` of users and groups. */
export type SourceView = ManagedBy;

/**
 * Names sources for the API (one query per kind that needs a name).
 * @returns the view of each source
 */
export async function presentSource(
  db: Executor,
  organizationId: string,
  source: { source_type: ChangeSourceType; source_id: string | null },
): Promise<SourceView> {
  const id = source.source_id;
  let name: string | null = null;
  if (id && (source.source_type === 'scim' || source.source_type === 'umapi')) {
    name =
      (
        await db
          .selectFrom('api_tokens')
          .select('name')
          .where('organization_id', '=', organizationId)
          .where('id', '=', id)
          .executeTakeFirst()
      )?.name ?? null;
  } else if (id && source.source_type === 'directory_sync') {
    name =
      (
        await db
          .selectFrom('directories')
          .select('name')
          .where('organization_id', '=', organizationId)
          .where('id', '=', id)
          .executeTakeFirst()
      )?.name ?? null;
  }
  return { type: source.source_type, id, name };
}
