import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { IdentityType, Locale } from '../../shared/contracts.ts';
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
  /** What each group found gives its members (by group id): its profiles with their products. */
  readonly groupGives: ReadonlyMap<string, GivenProfile[]>;
  /** The product of each profile found (by profile id). */
  readonly profileProducts: ReadonlyMap<string, { id: string; name: string }>;
  /** The organization's default language (e-mails to new users). */
  readonly locale: Locale;
}

/** A profile a group gives, with its product (the scope rule and the licenses need it). */
export interface GivenProfile {
  group_id: string;
  group_name: string;
  profile_id: string;
  product_id: string;
  product_name: string;
}

/** Lookups made by {@link resolveForChange}; the brand cannot be written by hand. */
export type Resolution = ResolvedLookups & { readonly [issued]: true };

/** Every resolution made, with the transaction (or database) it was read in. */
const made = new WeakMap<object, Executor>();

const keyOf = (name: string) => name.trim().toLowerCase();

/**
 * Resolves profile and group names (case-insensitively), what the groups give, e-mail domains
 * and the organization's language, in one statement.
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
  const groupGives = new Map<string, GivenProfile[]>();
  const profileProducts = new Map<string, { id: string; name: string }>();
  const none = sql<null>`null`;
  // One statement: the profiles with their products, the groups with what they give, the
  // domains' standings and the organization's language.
  const row = (
    await sql<{
      profiles: { id: string; name: string; product_id: string; product_name: string }[] | null;
      groups: { id: string; name: string; gives: GivenProfile[] }[] | null;
      domains: { name: string; directory_id: string | null; identity_type: IdentityType; owned: boolean }[] | null;
      locale: Locale;
    }>`
    select
      ${
        askedProfiles.size === 0
          ? none
          : sql`(select json_agg(json_build_object('id', pp.id, 'name', pp.name, 'product_id', p.id, 'product_name', p.name))
              from product_profiles pp
              join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
              where pp.organization_id = ${organizationId} and lower(pp.name) = any(${[...askedProfiles]}::text[]))`
      } as profiles,
      ${
        askedGroups.size === 0
          ? none
          : sql`(select json_agg(json_build_object('id', g.id, 'name', g.name, 'gives', (
                select coalesce(json_agg(json_build_object('group_id', g.id, 'group_name', g.name,
                  'profile_id', pp.id, 'product_id', p.id, 'product_name', p.name)), '[]'::json)
                from group_profiles gp
                join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
                join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
                where gp.organization_id = g.organization_id and gp.group_id = g.id)))
              from user_groups g
              where g.organization_id = ${organizationId} and lower(g.name) = any(${[...askedGroups]}::text[]))`
      } as groups,
      ${domains.length === 0 ? none : jsonArrayFrom(domainStandingsQuery(db, organizationId, domains))} as domains,
      (select default_locale from organizations where id = ${organizationId}) as locale`.execute(db)
  ).rows[0];
  for (const profile of row?.profiles ?? []) {
    profiles.set(keyOf(profile.name), { id: profile.id, name: profile.name, productId: profile.product_id });
    profileProducts.set(profile.id, { id: profile.product_id, name: profile.product_name });
  }
  for (const group of row?.groups ?? []) {
    groups.set(keyOf(group.name), { id: group.id, name: group.name, productId: null });
    groupGives.set(group.id, group.gives);
  }
  for (const domain of row?.domains ?? []) {
    standings.set(domain.name, standingOf(domain));
  }
  const resolution = {
    organizationId,
    profiles,
    groups,
    askedProfiles,
    askedGroups,
    domains: standings,
    groupGives,
    profileProducts,
    locale: row?.locale ?? 'en',
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
