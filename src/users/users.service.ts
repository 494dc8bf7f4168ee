import countries from 'i18n-iso-countries';
import { sql, type Transaction } from 'kysely';
import { z } from 'zod';
import type { User } from '../../shared/api/users.ts';
import {
  IDENTITY_TYPES,
  type IdentityType,
  type Locale,
  USER_STATUSES,
  type UserStatus,
} from '../../shared/contracts.ts';
import type { AdminRole } from '../../shared/roles.ts';
import { recordAudits } from '../audit/audit.service.ts';
import { answersFor, type Resolution, type ResolvedLookups, trustedLookups } from '../changes/resolution.ts';
import { sourceColumns } from '../changes/source.ts';
import type { AppContext } from '../context.ts';
import { AppError, type FieldProblem, notFound } from '../core/errors.ts';
import { keysetPage, PositionParts, Positions } from '../core/paging.ts';
import { type Executor, transaction } from '../db/database.ts';
import { insertManyReturning } from '../db/insert-many.ts';
import type { DB, UserRow } from '../db/schema.ts';
import { sendInstructionsInTransaction } from '../devices/instructions.service.ts';
import { emailDomain, resolveDomainStandings } from '../domains/identity.ts';
import { insertNewUserMemberships } from '../groups/groups.members.ts';
import { grantNewUserLicenses } from '../licenses/licenses.ts';
import { queueMessages } from '../outbox/outbox.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { UserErrorCodes } from './users.errors.ts';
import { findGroupsByNames, findProfilesByNames } from './users.lookup.ts';
import { insertNewUserProfiles } from './users.profiles.ts';
import {
  findProductNamesByUserIds,
  findUserById,
  findUsersByOrganizationId,
  narrowUserFilter,
  searchUsersByOrganizationId,
  sortColumn,
  sortKeyOf,
  type UserFilter,
  type UserSort,
} from './users.queries.ts';

/** A user as lists show it. */
export type UserView = User;

/** One user to add. */
export interface NewUserInput {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  country?: string | undefined;
  alias?: string | undefined;
  profiles?: string[] | undefined;
  groups?: string[] | undefined;
  /** Sign-in name when it is not the e-mail (a directory's userName). */
  username?: string | undefined;
  /** The identity provider's id of the user (SCIM externalId). */
  externalId?: string | null | undefined;
  /** Directory attributes (SCIM enterprise extension). */
  enterprise?: Record<string, unknown> | null | undefined;
}

/**
 * Presents a user row.
 * @returns the API shape
 */
export function presentUser(row: UserRow, products: string[]): UserView {
  return {
    id: row.id,
    email: row.email,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    country: row.country,
    alias: row.alias,
    identityType: row.identity_type,
    status: row.status,
    products,
    contentPending: row.content_status === 'pending',
    createdAt: row.created_at.toISOString(),
    version: row.version,
  };
}

/**
 * Users as lists show them, by id (the answer of a change).
 * @returns the users found, in the order of `ids`
 */
export async function presentUsersByIds(db: Executor, organizationId: string, ids: string[]): Promise<UserView[]> {
  if (ids.length === 0) {
    return [];
  }
  const rows = await db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const products = await findProductNamesByUserIds(db, organizationId, ids);
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [presentUser(row, products.get(id) ?? [])] : [];
  });
}

/** The mailbox part of an e-mail: the default alias. */
export function mailboxOf(email: string): string {
  return email.slice(0, Math.max(email.lastIndexOf('@'), 0)) || email;
}

/**
 * Checks a country code against ISO 3166-1 alpha-2.
 * @returns the upper-case code, or null for none
 * @throws AppError `users.invalid_country` (400) naming the field
 */
export function normalizeCountry(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value.trim() === '') {
    return null;
  }
  const code = value.trim().toUpperCase();
  if (!countries.isValid(code) || code.length !== 2) {
    throw new AppError(
      UserErrorCodes.invalidCountry,
      400,
      `"${value}" is not an ISO 3166-1 alpha-2 country code (e.g. PL, CZ, FI).`,
      {
        errors: [{ field, message: 'use a two-letter ISO 3166-1 country code, e.g. PL' }],
      },
    );
  }
  return code;
}

/**
 * Adds users with their profiles and groups, all or nothing. The identity type follows each
 * e-mail's domain; one user per (e-mail, identity type). Licenses are counted and refused past
 * the seats; welcome (and, when asked, instructions) e-mails are queued in the same transaction.
 * @throws AppError 403 (no `user.create`, or a profile or group outside the actor's scope); 400
 *   for bad rows; 409 `users.already_exists`; 422 unknown profile/group or not enough licenses
 */
export async function addUsers(
  ctx: AppContext,
  actor: Actor,
  input: { users: NewUserInput[]; sendInstructions?: boolean | undefined },
): Promise<UserView[]> {
  authorize(actor, 'user.create');
  if (input.sendInstructions) {
    authorize(actor, 'instructions.send');
  }
  const created = await transaction(ctx.db, async (trx) => {
    const rows = await insertUsers(trx, actor, input);
    if (input.sendInstructions) {
      await sendInstructionsInTransaction(ctx, trx, actor, { userIds: rows.map((row) => row.id) });
    }
    return rows;
  });
  const products = await findProductNamesByUserIds(
    ctx.db,
    actor.organizationId,
    created.map((user) => user.id),
  );
  return created.map((user) => presentUser(user, products.get(user.id) ?? []));
}

/**
 * The body of `addUsers` inside the caller's transaction, for services that create users as part
 * of a larger change (a group's "add new users"). The caller authorizes the creation itself;
 * profiles and groups are still checked against the actor's scope here.
 * @param resolution the names and domains the caller resolved in this transaction
 *   (`resolveForChange`), used instead of reading them again
 * @returns the inserted rows
 */
export async function insertUsers(
  trx: Transaction<DB>,
  actor: Actor,
  input: { users: NewUserInput[]; sendInstructions?: boolean | undefined },
  fieldPrefix: string | ((index: number) => string) = 'body.users',
  resolution?: Resolution,
): Promise<UserRow[]> {
  // What the caller resolved in this transaction is not read again (`changes/resolution.ts`).
  const lookups = trustedLookups(resolution, trx, actor.organizationId);
  // The field path of the user at `index`: `body.users.3`, or the caller's own path of it.
  const at = (index: number) => (typeof fieldPrefix === 'string' ? `${fieldPrefix}.${index}` : fieldPrefix(index));
  const rows = input.users.map((user, index) => ({
    index,
    email: user.email.trim(),
    firstName: user.firstName?.trim() || null,
    lastName: user.lastName?.trim() || null,
    country: normalizeCountry(user.country, `${at(index)}.country`),
    alias: user.alias?.trim() || mailboxOf(user.email.trim()),
    profiles: user.profiles ?? [],
    groups: user.groups ?? [],
    username: user.username?.trim() || user.email.trim(),
    externalId: user.externalId ?? null,
    enterprise: user.enterprise ?? null,
  }));
  const domains = rows.map((row) => emailDomain(row.email));
  const standings = answersFor(lookups, 'domains', domains)
    ? lookups.domains
    : await resolveDomainStandings(trx, actor.organizationId, domains);
  const typed = rows.map((row) => ({
    ...row,
    identityType: standings.get(emailDomain(row.email))?.identityType ?? 'personal',
  }));

  const seen = new Map<string, number>();
  const duplicates: FieldProblem[] = [];
  for (const row of typed) {
    const key = `${row.email.toLowerCase()}|${row.identityType}`;
    const first = seen.get(key);
    if (first !== undefined) {
      duplicates.push({
        field: `${at(row.index)}.email`,
        message: `same e-mail as users.${first}: list each user once`,
      });
    } else {
      seen.set(key, row.index);
    }
  }
  if (duplicates.length > 0) {
    throw new AppError(UserErrorCodes.duplicateInRequest, 400, 'The same user is listed more than once.', {
      errors: duplicates,
    });
  }

  const existing = await trx
    .selectFrom('users')
    .select(['email', 'identity_type'])
    .where('organization_id', '=', actor.organizationId)
    .where(
      sql<string>`lower(email)`,
      'in',
      typed.map((row) => row.email.toLowerCase()),
    )
    .execute();
  const existingKeys = new Set(existing.map((user) => `${user.email.toLowerCase()}|${user.identity_type}`));
  const conflicts = typed
    .filter((row) => existingKeys.has(`${row.email.toLowerCase()}|${row.identityType}`))
    .map((row) => ({
      field: `${at(row.index)}.email`,
      message: `${row.email} is already a user of the organization`,
    }));
  if (conflicts.length > 0) {
    throw new AppError(
      UserErrorCodes.alreadyExists,
      409,
      `Already users of the organization: ${conflicts.map((c) => c.message.split(' ')[0]).join(', ')}.`,
      {
        errors: conflicts,
      },
    );
  }

  const profiles = await findProfilesByNames(
    trx,
    actor.organizationId,
    typed.map((row) => [`${at(row.index)}.profiles`, row.profiles]),
    lookups,
  );
  for (const profile of profiles.values()) {
    authorize(actor, 'profile.assign', { productId: profile.productId, profileId: profile.id });
  }
  const groups = await findGroupsByNames(
    trx,
    actor.organizationId,
    typed.map((row) => [`${at(row.index)}.groups`, row.groups]),
    lookups,
  );
  for (const group of groups.values()) {
    authorize(actor, 'group.members.addNew', { groupId: group.id });
  }

  const inserted = await insertManyReturning(
    trx,
    'users',
    typed.map((row) => ({
      organization_id: actor.organizationId,
      email: row.email,
      username: row.username,
      external_id: row.externalId,
      enterprise: row.enterprise,
      first_name: row.firstName,
      last_name: row.lastName,
      country: row.country,
      alias: row.alias,
      identity_type: row.identityType,
      // Who manages the user: the console, a bulk operation, a SCIM connection, a sync…
      ...sourceColumns(actor),
    })),
  );
  const idByKey = new Map(inserted.map((user) => [`${user.email.toLowerCase()}|${user.identity_type}`, user.id]));
  const userIdOf = (row: (typeof typed)[number]) => idByKey.get(`${row.email.toLowerCase()}|${row.identityType}`) ?? '';

  await insertNewUserProfiles(
    trx,
    actor.organizationId,
    typed.flatMap((row) =>
      [...new Set(row.profiles.map((name) => profiles.get(name.trim().toLowerCase())?.id ?? ''))].map((profileId) => ({
        userId: userIdOf(row),
        profileId,
      })),
    ),
  );
  await insertNewUserMemberships(
    trx,
    actor,
    typed.flatMap((row) =>
      [...new Set(row.groups.map((name) => groups.get(name.trim().toLowerCase())?.id ?? ''))].map((groupId) => ({
        groupId,
        userId: userIdOf(row),
      })),
    ),
    lookups?.groupGives,
  );
  // New users held nothing: their licenses and welcome e-mails follow from their profiles and
  // groups, without reading back the rows just written.
  const given = await productsGivenBy(trx, actor.organizationId, lookups, [
    ...[...profiles.values()].map((profile) => profile.id),
    ...[...groups.values()].map((group) => group.id),
  ]);
  const entitled = typed.map((row) => {
    const products = new Map<string, string>();
    const direct = new Set<string>();
    for (const name of row.profiles) {
      for (const product of given.get(profiles.get(name.trim().toLowerCase())?.id ?? '') ?? []) {
        products.set(product.id, product.name);
        direct.add(product.id);
      }
    }
    for (const name of row.groups) {
      for (const product of given.get(groups.get(name.trim().toLowerCase())?.id ?? '') ?? []) {
        products.set(product.id, product.name);
      }
    }
    return { row, userId: userIdOf(row), products, direct };
  });
  await grantNewUserLicenses(
    trx,
    actor.organizationId,
    entitled.flatMap((user) =>
      [...user.products.keys()].map((productId) => ({
        userId: user.userId,
        productId,
        direct: user.direct.has(productId),
      })),
    ),
  );

  await recordAudits(
    trx,
    actor,
    typed.map((row) => ({
      action: 'user.create',
      target: { type: 'user', id: userIdOf(row), label: row.email },
      after: {
        email: row.email,
        identityType: row.identityType,
        firstName: row.firstName,
        lastName: row.lastName,
        country: row.country,
        alias: row.alias,
        profiles: row.profiles.map((name) => profiles.get(name.trim().toLowerCase())?.name),
        groups: row.groups.map((name) => groups.get(name.trim().toLowerCase())?.name),
        // Every attribute written is in the event: a directory's sign-in name and ids too.
        ...(row.username !== row.email ? { username: row.username } : {}),
        ...(row.externalId !== null ? { externalId: row.externalId } : {}),
        ...(row.enterprise !== null ? { enterprise: row.enterprise } : {}),
      },
    })),
  );
  const locale = lookups?.locale ?? (await organizationLocale(trx, actor.organizationId));
  await queueMessages(
    trx,
    actor.organizationId,
    entitled
      .filter((user) => user.products.size > 0)
      .map((user) => ({
        kind: 'welcome' as const,
        userId: user.userId,
        to: user.row.email,
        locale,
        data: { products: [...user.products.values()].sort((a, b) => a.localeCompare(b)) },
      })),
  );
  return inserted;
}

/** Each profile's product, and each group's products (through its profiles), with their names. */
async function productsGivenBy(
  trx: Transaction<DB>,
  organizationId: string,
  lookups: ResolvedLookups | undefined,
  sources: string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const given = new Map<string, { id: string; name: string }[]>();
  if (sources.length === 0) {
    return given;
  }
  // Read from what the caller resolved when it knows every profile and group.
  if (lookups && sources.every((id) => lookups.profileProducts.has(id) || lookups.groupGives.has(id))) {
    for (const id of sources) {
      const product = lookups.profileProducts.get(id);
      const list = product
        ? [product]
        : (lookups.groupGives.get(id) ?? []).map((row) => ({ id: row.product_id, name: row.product_name }));
      given.set(id, [...(given.get(id) ?? []), ...list]);
    }
    return given;
  }
  const rows = await sql<{ source: string; id: string; name: string }>`
    select pp.id as source, p.id, p.name from product_profiles pp
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    where pp.organization_id = ${organizationId} and pp.id = any(${sources}::uuid[])
    union all
    select gp.group_id, p.id, p.name from group_profiles gp
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    join products p on p.organization_id = pp.organization_id and p.id = pp.product_id
    where gp.organization_id = ${organizationId} and gp.group_id = any(${sources}::uuid[])`.execute(trx);
  for (const row of rows.rows) {
    given.set(row.source, [...(given.get(row.source) ?? []), { id: row.id, name: row.name }]);
  }
  return given;
}

/**
 * Inserts an organization's first administrator, a personal identity named by its e-mail, before
 * any actor exists: the caller grants the role, stores the credential and audits the creation.
 */
export async function insertFirstAdmin(
  trx: Transaction<DB>,
  organizationId: string,
  input: {
    email: string;
    firstName?: string | null | undefined;
    lastName?: string | null | undefined;
    locale?: Locale | null | undefined;
  },
): Promise<string> {
  const user = await trx
    .insertInto('users')
    .values({
      organization_id: organizationId,
      email: input.email,
      username: input.email,
      first_name: input.firstName?.trim() || null,
      last_name: input.lastName?.trim() || null,
      country: null,
      alias: input.email.split('@')[0] ?? input.email,
      identity_type: 'personal',
      locale: input.locale ?? null,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return user.id;
}

/** The organization's default language, for e-mails to users who have not chosen one. */
export async function organizationLocale(trx: Transaction<DB>, organizationId: string): Promise<Locale> {
  const row = await trx
    .selectFrom('organizations')
    .select('default_locale')
    .where('id', '=', organizationId)
    .executeTakeFirstOrThrow();
  return row.default_locale;
}

/** The search and filters of the users list (and of its CSV export) as the HTTP layer validated them. */
export interface UserListFilter {
  search?: string | undefined;
  identityType?: IdentityType | undefined;
  status?: UserStatus | undefined;
  /** A group's id or name. */
  group?: string | undefined;
  /** A profile's id or name. */
  profile?: string | undefined;
  /** A product's id or name. */
  product?: string | undefined;
  adminRole?: AdminRole | undefined;
  contentPending?: boolean | undefined;
}

/** Query of the users list as the HTTP layer validated it. */
export interface ListUsersQuery extends UserListFilter {
  sort: UserSort;
  limit: number;
  cursor?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function idOrName(
  ctx: AppContext,
  organizationId: string,
  table: 'user_groups' | 'product_profiles' | 'products',
  value: string | undefined,
): Promise<string | undefined> {
  if (!value) {
    return undefined;
  }
  if (UUID.test(value)) {
    return value.toLowerCase();
  }
  const row = await ctx.db
    .selectFrom(table)
    .select('id')
    .where('organization_id', '=', organizationId)
    .where(sql<string>`lower(name)`, '=', value.trim().toLowerCase())
    .executeTakeFirst();
  // An unknown name matches no user (rather than an error), like any other filter value.
  return row?.id ?? '00000000-0000-0000-0000-000000000000';
}

/**
 * The list's filter with groups, profiles and products named by id or name resolved to ids, and
 * its plan picked by how many users hold them (`narrowUserFilter`).
 * @returns the filter the queries take
 */
export async function resolveUserFilter(
  ctx: AppContext,
  organizationId: string,
  query: UserListFilter,
): Promise<UserFilter> {
  return narrowUserFilter(ctx.db, organizationId, {
    search: query.search,
    identityType: query.identityType,
    status: query.status,
    adminRole: query.adminRole,
    contentPending: query.contentPending,
    groupId: await idOrName(ctx, organizationId, 'user_groups', query.group),
    profileId: await idOrName(ctx, organizationId, 'product_profiles', query.profile),
    productId: await idOrName(ctx, organizationId, 'products', query.product),
  });
}

/** The values a cursor of each sort order holds (then the id). */
const SORT_KEY_VALUES = {
  email: [PositionParts.text],
  name: [PositionParts.text, PositionParts.text],
  identityType: [z.enum(IDENTITY_TYPES), PositionParts.text],
  status: [z.enum(USER_STATUSES), PositionParts.text],
  created: [PositionParts.timestamp],
} as const;

/**
 * The positions of the users list in one sort order: a cursor made for another order, or whose
 * values are not of this order's types (a time where the creation time goes), is refused with 400.
 * @returns the position schema
 */
function userPosition(sort: UserSort) {
  const values = SORT_KEY_VALUES[sortColumn(sort)];
  return Positions.sortKeyId.refine(
    (position) =>
      position.s === sort &&
      position.k.length === values.length &&
      values.every((value, index) => value.safeParse(position.k[index]).success),
  );
}

/**
 * One page of the users list: search, filters, sort, keyset cursor. Works the same at any size.
 * @throws AppError 403 without `user.read`; 400 for a cursor of another sort or list
 */
export async function listUsers(ctx: AppContext, actor: Actor, query: ListUsersQuery) {
  authorize(actor, 'user.read');
  const filter = await resolveUserFilter(ctx, actor.organizationId, query);
  const search = filter.search?.trim();
  return keysetPage(query, {
    position: userPosition(query.sort),
    // A search may stop reading before its page is full (a rare one- or two-character term in a
    // large organization): it then ends with a cursor from which the next page goes on.
    read: async (after, limit) => {
      if (!search) {
        return findUsersByOrganizationId(ctx.db, actor.organizationId, filter, { sort: query.sort, limit, after });
      }
      const page = await searchUsersByOrganizationId(
        ctx.db,
        actor.organizationId,
        { ...filter, search },
        { sort: query.sort, limit, after },
      );
      return { rows: page.rows, resumeAt: page.resumeAt && { s: query.sort, ...page.resumeAt } };
    },
    positionOf: (user) => ({ s: query.sort, k: sortKeyOf(user, query.sort), id: user.id }),
    present: async (page) => {
      const products = await findProductNamesByUserIds(
        ctx.db,
        actor.organizationId,
        page.map((user) => user.id),
      );
      return page.map((user) => presentUser(user, products.get(user.id) ?? []));
    },
  });
}

/**
 * Reads a user, with 404 for ids outside the organization.
 * @throws AppError 404
 */
export async function requireUser(
  trx: Transaction<DB> | AppContext['db'],
  organizationId: string,
  userId: string,
  options: { lock?: boolean } = {},
): Promise<UserRow> {
  const row = options.lock
    ? await trx
        .selectFrom('users')
        .selectAll()
        .where('organization_id', '=', organizationId)
        .where('id', '=', userId)
        .forUpdate()
        .executeTakeFirst()
    : await findUserById(trx, organizationId, userId);
  if (!row) {
    throw notFound('User');
  }
  return row;
}
