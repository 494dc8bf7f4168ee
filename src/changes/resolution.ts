import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Executor } from '../db/database.ts';
import { type DomainStanding, domainStandingsQuery, standingOf } from '../domains/identity.ts';
import type { Named } from './names.ts';

/**
 * Lookups resolved once for a change: profile and group names to their ids, e-mail domains to
 * the identity type their directory gives. An adapter that must read them to shape its items
 * (Adobe's User Management API tells a profile from a user group and checks an identity type
 * before it builds a create) hands them to the command, which then does not read them again.
 *
 * The command stays the one place rules apply: it authorizes every profile and group it gives,
 * counts seats and refuses what exists, from these lookups exactly as from its own. It trusts a
 * resolution only when this module made it (a brand the type system checks, and a registry
 * checked at run time, so a protocol's raw id list cannot pass for one) in the very transaction
 * the command runs in, for the same organization; anything else, or a name or domain the
 * resolution was not asked about, is resolved again as without one.
 */

declare const issued: unique symbol;

/** What a resolution answers: each map is keyed by the lower-cased, trimmed name or domain. */
export interface ResolvedLookups {
  readonly organizationId: string;
  /** Profiles found (with their product); a name asked and not found is in `askedProfiles` only. */
  readonly profiles: ReadonlyMap<string, Named & { productId: string }>;
  readonly groups: ReadonlyMap<string, Named>;
  readonly askedProfiles: ReadonlySet<string>;
  readonly askedGroups: ReadonlySet<string>;
  /** A standing for every domain asked (`none` → Personal ID). */
  readonly domains: ReadonlyMap<string, DomainStanding>;
}

/** Lookups made by {@link resolveForChange}; the brand cannot be written by hand. */
export type Resolution = ResolvedLookups & { readonly [issued]: true };

/** Every resolution made, with the transaction (or database) it was read in. */
const made = new WeakMap<object, Executor>();

const keyOf = (name: string) => name.trim().toLowerCase();

/**
 * Resolves profile and group names (case-insensitively) and e-mail domains in one statement.
 * @param db the transaction the change will run in (a command trusts the resolution only there)
 * @param organizationId the organization of the change
 * @param wanted names of profiles, names of groups, lower-case domains (any may be left out)
 * @returns the lookups, branded for the commands to trust
 */
export async function resolveForChange(
  db: Executor,
  organizationId: string,
  wanted: { profiles?: string[]; groups?: string[]; domains?: string[] },
): Promise<Resolution> {
  const askedProfiles = new Set((wanted.profiles ?? []).map(keyOf));
  const askedGroups = new Set((wanted.groups ?? []).map(keyOf));
  const domains = [...new Set((wanted.domains ?? []).filter(Boolean))];
  const profiles = new Map<string, Named & { productId: string }>();
  const groups = new Map<string, Named>();
  const standings = new Map<string, DomainStanding>(domains.map((domain) => [domain, standingOf(undefined)]));
  if (askedProfiles.size + askedGroups.size + domains.length > 0) {
    const none = sql<never>`null`;
    const row = await db
      .selectNoFrom([
        askedProfiles.size === 0
          ? none.as('profiles')
          : jsonArrayFrom(
              db
                .selectFrom('product_profiles')
                .select(['id', 'name', 'product_id'])
                .where('organization_id', '=', organizationId)
                .where(sql<string>`lower(name)`, '=', sql<string>`any(${[...askedProfiles]}::text[])`),
            ).as('profiles'),
        askedGroups.size === 0
          ? none.as('groups')
          : jsonArrayFrom(
              db
                .selectFrom('user_groups')
                .select(['id', 'name'])
                .where('organization_id', '=', organizationId)
                .where(sql<string>`lower(name)`, '=', sql<string>`any(${[...askedGroups]}::text[])`),
            ).as('groups'),
        domains.length === 0
          ? none.as('domains')
          : jsonArrayFrom(domainStandingsQuery(db, organizationId, domains)).as('domains'),
      ])
      .executeTakeFirstOrThrow();
    for (const profile of row.profiles ?? []) {
      profiles.set(keyOf(profile.name), { id: profile.id, name: profile.name, productId: profile.product_id });
    }
    for (const group of row.groups ?? []) {
      groups.set(keyOf(group.name), { id: group.id, name: group.name, productId: null });
    }
    for (const domain of row.domains ?? []) {
      standings.set(domain.name, standingOf(domain));
    }
  }
  const resolution = {
    organizationId,
    profiles,
    groups,
    askedProfiles,
    askedGroups,
    domains: standings,
  } as ResolvedLookups as Resolution;
  made.set(resolution, db);
  return resolution;
}

/**
 * The lookups a command may use in place of its own reads.
 * @param resolution what the caller handed over, if anything
 * @param db the transaction the command runs in
 * @param organizationId the command's organization
 * @returns the lookups when they were made by {@link resolveForChange} in this transaction for
 *   this organization; undefined otherwise (the command resolves again)
 * @throws Error for an object that claims to be a resolution and is not one (a bug, never input)
 */
export function trustedLookups(
  resolution: Resolution | undefined,
  db: Executor,
  organizationId: string,
): ResolvedLookups | undefined {
  if (!resolution) {
    return undefined;
  }
  const readIn = made.get(resolution);
  if (!readIn) {
    throw new Error('a resolution not made by resolveForChange was handed to a command');
  }
  return readIn === db && resolution.organizationId === organizationId ? resolution : undefined;
}

/**
 * Whether lookups answer for every name or domain given.
 * @param kind which of them
 */
export function answersFor(
  lookups: ResolvedLookups | undefined,
  kind: 'profiles' | 'groups' | 'domains',
  keys: Iterable<string>,
): lookups is ResolvedLookups {
  if (!lookups) {
    return false;
  }
  for (const key of keys) {
    const known =
      kind === 'profiles'
        ? lookups.askedProfiles.has(keyOf(key))
        : kind === 'groups'
          ? lookups.askedGroups.has(keyOf(key))
          : !key || lookups.domains.has(key);
    if (!known) {
      return false;
    }
  }
  return true;
}
