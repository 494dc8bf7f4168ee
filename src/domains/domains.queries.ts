import { sql } from 'kysely';
import type { NamePosition } from '../core/paging.ts';
import type { Executor } from '../db/database.ts';

const DIRECTORY_COLUMNS = ['id', 'name', 'identity_type', 'created_at'] as const;

/**
 * A page of an organization's directories ordered by name (case-insensitive).
 * @returns up to `limit` rows after `after`
 */
export async function findDirectoriesByOrganizationId(
  db: Executor,
  organizationId: string,
  page: { limit: number; after?: NamePosition | undefined },
) {
  let query = db.selectFrom('directories').select(DIRECTORY_COLUMNS).where('organization_id', '=', organizationId);
  if (page.after) {
    const { name, id } = page.after;
    query = query.where(sql<boolean>`(lower(name), id) > (${name}, ${id}::uuid)`);
  }
  return query.orderBy(sql`lower(name)`).orderBy('id').limit(page.limit).execute();
}

/** One directory of the organization, or undefined. */
export async function findDirectoryById(db: Executor, organizationId: string, directoryId: string) {
  return db
    .selectFrom('directories')
    .select(DIRECTORY_COLUMNS)
    .where('organization_id', '=', organizationId)
    .where('id', '=', directoryId)
    .executeTakeFirst();
}

/** How many claimed domains a directory of the organization has. */
export async function countClaimedDomainsByDirectoryId(db: Executor, organizationId: string, directoryId: string) {
  const row = await db
    .selectFrom('domains')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'claimed')
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

function domainsWithDirectory(db: Executor, organizationId: string) {
  return db
    .selectFrom('domains')
    .leftJoin('directories', (join) =>
      join
        .onRef('directories.id', '=', 'domains.directory_id')
        .onRef('directories.organization_id', '=', 'domains.organization_id'),
    )
    .select([
      'domains.id',
      'domains.name',
      'domains.status',
      'domains.verification_token',
      'domains.directory_id',
      'directories.name as directory_name',
      'directories.identity_type as directory_identity_type',
      'domains.claimed_at',
      'domains.last_checked_at',
      'domains.created_at',
    ])
    .where('domains.organization_id', '=', organizationId);
}

/** A domain row with its directory's name and identity type (null when it has none). */
export type DomainRow = NonNullable<Awaited<ReturnType<typeof findDomainById>>>;

/**
 * A page of an organization's domains ordered by name, optionally of one directory or status.
 * @returns up to `limit` rows after `after`
 */
export async function findDomainsByOrganizationId(
  db: Executor,
  organizationId: string,
  page: {
    limit: number;
    after?: NamePosition | undefined;
    directoryId?: string | undefined;
    status?: 'pending' | 'claimed' | undefined;
  },
) {
  let query = domainsWithDirectory(db, organizationId);
  if (page.directoryId) {
    query = query.where('domains.directory_id', '=', page.directoryId);
  }
  if (page.status) {
    query = query.where('domains.status', '=', page.status);
  }
  if (page.after) {
    const { name, id } = page.after;
    query = query.where(sql<boolean>`(domains.name, domains.id) > (${name}, ${id}::uuid)`);
  }
  return query.orderBy('domains.name').orderBy('domains.id').limit(page.limit).execute();
}

/** One domain of the organization with its directory, or undefined. */
export async function findDomainById(db: Executor, organizationId: string, domainId: string) {
  return domainsWithDirectory(db, organizationId).where('domains.id', '=', domainId).executeTakeFirst();
}

/** Whether an organization other than this one has claimed the domain name. */
export async function isDomainClaimedByOtherOrganization(db: Executor, organizationId: string, name: string) {
  const row = await db
    .selectFrom('domains')
    .select('id')
    .where('name', '=', name)
    .where('status', '=', 'claimed')
    .where('organization_id', '<>', organizationId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether an organization with this id exists (nothing else about it). */
export async function existsOrganizationById(db: Executor, organizationId: string) {
  const row = await db.selectFrom('organizations').select('id').where('id', '=', organizationId).executeTakeFirst();
  return row !== undefined;
}

/** The organizations a directory of the organization trusts, with their names, oldest first. */
export async function findTrustsByDirectoryId(db: Executor, organizationId: string, directoryId: string) {
  return db
    .selectFrom('directory_trusts')
    .innerJoin('organizations', 'organizations.id', 'directory_trusts.trustee_organization_id')
    .select([
      'directory_trusts.trustee_organization_id',
      'organizations.name as trustee_name',
      'directory_trusts.created_at',
    ])
    .where('directory_trusts.organization_id', '=', organizationId)
    .where('directory_trusts.directory_id', '=', directoryId)
    .orderBy('directory_trusts.created_at')
    .orderBy('directory_trusts.trustee_organization_id')
    .execute();
}

/**
 * The directories other organizations trust this one with: each with its owner's name and the
 * domains the owner has claimed in it.
 */
export async function findTrustedDirectoriesByTrusteeOrganizationId(db: Executor, trusteeOrganizationId: string) {
  return db
    .selectFrom('directory_trusts')
    .innerJoin('directories', (join) =>
      join
        .onRef('directories.id', '=', 'directory_trusts.directory_id')
        .onRef('directories.organization_id', '=', 'directory_trusts.organization_id'),
    )
    .innerJoin('organizations', 'organizations.id', 'directory_trusts.organization_id')
    .select([
      'directories.id',
      'directories.name',
      'directories.identity_type',
      'organizations.id as owner_id',
      'organizations.name as owner_name',
      'directory_trusts.created_at as trusted_at',
      sql<string[]>`array(select claimed.name from domains claimed
        where claimed.organization_id = directories.organization_id
          and claimed.directory_id = directories.id
          and claimed.status = 'claimed'
        order by claimed.name)`.as('domains'),
    ])
    .where('directory_trusts.trustee_organization_id', '=', trusteeOrganizationId)
    .orderBy(sql`lower(organizations.name)`)
    .orderBy(sql`lower(directories.name)`)
    .orderBy('directories.id')
    .execute();
}
