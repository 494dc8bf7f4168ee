import type { AdminRole } from '../../shared/roles.ts';
import { AppError } from '../core/errors.ts';
import type { ActorType } from '../db/schema.ts';
import { ACTIONS, type Action, ROLE_PERMISSIONS } from './permissions.ts';

/** One admin role held by a user or an API token, with the scope of a scoped role. */
export interface Grant {
  role: AdminRole;
  productId: string | null;
  profileId: string | null;
  groupId: string | null;
}

/** Who is acting: an administrator, an API token, Usher itself (jobs), or a directory's sync connection. */
export interface Actor {
  type: ActorType;
  id: string;
  /** Shown in the audit log: the admin's e-mail or the token's name. */
  label: string;
  organizationId: string;
  grants: Grant[];
  sourceIp: string | null;
  userAgent: string | null;
  /** Set while a bulk operation applies its rows: the audit log names the operation. */
  operationId?: string;
  /**
   * A source that synchronizes an outside directory (a SCIM connection's token, an Adobe-API
   * integration, a directory sync): what it makes is recorded as managed by it (changes/source.ts).
   */
  source?: { type: 'scim' | 'umapi' | 'directory_sync'; id: string };
}

/**
 * What an action is aimed at, as far as scopes care. A profile target names its product too,
 * so a product admin's scope reaches the profiles of their products.
 */
export interface PolicyTarget {
  productId?: string;
  profileId?: string;
  groupId?: string;
}

export const PolicyErrorCodes = {
  forbidden: 'auth.forbidden',
} as const;

function grantCovers(grant: Grant, action: Action, target: PolicyTarget | undefined): boolean {
  const reach = ROLE_PERMISSIONS[grant.role][action];
  if (reach === 'all') {
    return true;
  }
  if (reach !== 'scoped') {
    return false;
  }
  // A scoped permission with no target asks "may they do this to anything at all", which is
  // how the console decides whether to show an action; the service asks again with the target.
  if (!target) {
    return true;
  }
  return (
    (grant.productId !== null && target.productId === grant.productId) ||
    (grant.profileId !== null && target.profileId === grant.profileId) ||
    (grant.groupId !== null && target.groupId === grant.groupId)
  );
}

/**
 * Tells whether the actor may do `action` (to `target`, for scoped roles).
 * @param actor who acts
 * @param action what they want to do
 * @param target the product, profile or group it touches, for scoped permissions
 * @returns true when some grant of the actor allows it
 */
export function can(actor: Actor, action: Action, target?: PolicyTarget): boolean {
  if (actor.type === 'system') {
    return true;
  }
  return actor.grants.some((grant) => grantCovers(grant, action, target));
}

/**
 * The one authorization check every service calls before it reads or changes a target.
 * @param actor who acts
 * @param action what they want to do
 * @param target the product, profile or group it touches, for scoped permissions
 * @throws AppError `auth.forbidden` (403) when no grant allows it; the edge handler audits it
 */
export function authorize(actor: Actor, action: Action, target?: PolicyTarget): void {
  if (!can(actor, action, target)) {
    throw new AppError(PolicyErrorCodes.forbidden, 403, 'You do not have permission to do this.', {
      extra: { action, ...(target ? { target } : {}) },
    });
  }
}

/**
 * The actions the actor may do at all, sent to the console so it shows only what the server
 * will allow (scoped ones still checked per target).
 * @param actor who acts
 * @returns the allowed actions
 */
export function abilities(actor: Actor): Action[] {
  return ACTIONS.filter((action) => can(actor, action));
}

/** The part of an organization a scoped permission reaches: `all`, or these ids. */
export type Reachable = 'all' | { productIds: string[]; profileIds: string[]; groupIds: string[] };

/**
 * What of the organization the actor may do `action` to, for filtering lists: `all`, or the
 * product, profile and group ids of their scoped grants that carry the action.
 * @param actor who acts
 * @param action the action (normally a `*.read`)
 * @returns `all`, or the reachable ids (all empty: nothing)
 */
export function reachable(actor: Actor, action: Action): Reachable {
  if (actor.type === 'system' || actor.grants.some((grant) => ROLE_PERMISSIONS[grant.role][action] === 'all')) {
    return 'all';
  }
  const scoped = actor.grants.filter((grant) => ROLE_PERMISSIONS[grant.role][action] === 'scoped');
  const ids = (pick: (grant: Grant) => string | null) => scoped.map(pick).filter((id) => id !== null);
  return {
    productIds: ids((grant) => grant.productId),
    profileIds: ids((grant) => grant.profileId),
    groupIds: ids((grant) => grant.groupId),
  };
}
