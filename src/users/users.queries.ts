import { type SelectQueryBuilder, sql } from 'kysely';
import type { UserSort } from '../../shared/contracts.ts';
import type { AdminRole } from '../../shared/roles.ts';
import { type CriteriaCatalog, type CriteriaPage, criteriaField as field, findPageByCriteria } from '../db/criteria.ts';
import type { Executor } from '../db/database.ts';
import { likeContains } from '../db/like.ts';
import type { DB, UserRow } from '../db/schema.ts';
import { productsHeldBy } from '../licenses/licenses.ts';

export { USER_SORTS, type UserSort } from '../../shared/contracts.ts';

/** Filters of the users list. Group, profile and product are ids (resolved from names by the service). */
export interface UserFilter {
  search?: string | undefined;
  identityType?: string | undefined;
  status?: string | undefined;
  groupId?: string | undefined;
  profileId?: string | undefined;
  productId?: string | undefined;
  adminRole?: AdminRole | undefined;
  contentPending?: boolean | undefined;
  /**
   * Set by `narrowUserFilter` when the group, profile or product filter is held by few users: the
   * list then reads those users and sorts them instead of walking every user in order.
   */
  fewHolders?: HolderFilter | undefined;
}

/** A filter by what users hold: a group's members, a profile's or a product's holders. */
export interface HolderFilter {
  kind: 'group' | 'profile' | 'product';
  id: string;
}

/**
 * The most holders for which a filter reads its holders instead of walking the list: a page then
 * reads at most this many users by primary key and sorts them (a few milliseconds), where walking
 * the list in order to find 50 of them could read every user of the organization.
 */
export const FEW_HOLDERS = 10_000;

/**
 * The users holding a group, profile or product (a user may come twice: directly and through a
 * group, or through two groups), each branch one range of a key index: a group's members by
 * (organization, group); a profile's direct holders by (organization, profile), then the members
 * of the groups giving it; a product's direct licenses (licenses through groups are not stored
 * per member), then the members of the groups giving one of its profiles.
 */
function holdersOf(organizationId: string, holder: HolderFilter) {
  const members = (groups: ReturnType<typeof sql>) => sql`
    select gm.user_id from group_members gm
    where gm.organization_id = ${organizationId} and gm.group_id = any(array(${groups}))`;
  switch (holder.kind) {
    case 'group':
      return sql<{ user_id: string }>`select gm.user_id from group_members gm
        where gm.organization_id = ${organizationId} and gm.group_id = ${holder.id}`;
    case 'profile':
      return sql<{ user_id: string }>`
        select up.user_id from user_profiles up where up.organization_id = ${organizationId} and up.profile_id = ${holder.id}
        union all
        ${members(sql`select gp.group_id from group_profiles gp
          where gp.organization_id = ${organizationId} and gp.profile_id = ${holder.id}`)}`;
    case 'product':
      return sql<{ user_id: string }>`
        select pl.user_id from product_licenses pl where pl.organization_id = ${organizationId} and pl.product_id = ${holder.id}
        union all
        ${members(sql`select gp.group_id from group_profiles gp
          join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
          where gp.organization_id = ${organizationId} and pp.product_id = ${holder.id}`)}`;
  }
}

/**
 * Picks the plan of a filtered list by what the data holds, never by table statistics: the
 * holders of the group, profile or product filter are counted up to `FEW_HOLDERS` + 1 (index
 * entries only, so the count costs the same for a group of a million), and a filter held by few
 * is marked so the list reads its holders (`users.id in (holders)`) instead of walking every user
 * in order and probing each (which fills a page fast when many users match, and reads the whole
 * organization when few do).
 * @param few the most holders read instead of walking (`FEW_HOLDERS`; smaller in tests)
 * @returns the filter, with `fewHolders` set when one of its holder filters has few holders
 */
export async function narrowUserFilter(
  db: Executor,
  organizationId: string,
  filter: UserFilter,
  few = FEW_HOLDERS,
): Promise<UserFilter> {
  const holders: HolderFilter[] = [];
  if (filter.groupId) {
    holders.push({ kind: 'group', id: filter.groupId });
  }
  if (filter.profileId) {
    holders.push({ kind: 'profile', id: filter.profileId });
  }
  if (filter.productId) {
    holders.push({ kind: 'product', id: filter.productId });
  }
  for (const holder of holders) {
    const result = await sql<{ n: number }>`
      select count(*)::int as n from (${holdersOf(organizationId, holder)} limit ${few + 1}) as h`.execute(db);
    if (Number(result.rows[0]?.n ?? 0) <= few) {
      return { ...filter, fewHolders: holder };
    }
  }
  return filter;
}

/** A keyset position: the sort key values of the last row and its id. */
export interface UserPosition {
  k: string[];
  id: string;
}

/** A sort order without its direction. */
type SortColumn = 'email' | 'name' | 'identityType' | 'status' | 'created';

/**
 * The key of each sort order (then the id), as the list orders and compares by it; each has an index
 * `(organization_id, <key>, id)`: users__organization_id_email, _last_name, _identity_type, _status
 * and _created_at. `cast` types a cursor's text value for the comparison.
 */
const SORT_KEYS: Record<SortColumn, { key: ReturnType<typeof sql<unknown>>; cast: 'text' | 'timestamptz' }[]> = {
  email: [{ key: sql`lower(users.email)`, cast: 'text' }],
  name: [
    { key: sql`lower(coalesce(users.last_name, ''))`, cast: 'text' },
    { key: sql`lower(users.email)`, cast: 'text' },
  ],
  identityType: [
    { key: sql`users.identity_type`, cast: 'text' },
    { key: sql`lower(users.email)`, cast: 'text' },
  ],
  status: [
    { key: sql`users.status`, cast: 'text' },
    { key: sql`lower(users.email)`, cast: 'text' },
  ],
  created: [{ key: sql`users.created_at`, cast: 'timestamptz' }],
};

/**
 * The creation time as a cursor keeps it: to the microsecond, as the database stores it (a JS Date
 * keeps milliseconds, and the users a bulk operation adds share one time to the microsecond).
 */
export const CREATED_KEY = sql<string>`to_char(users.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A user as the list reads it: the row and its creation time as a cursor keeps it. */
export type ListedUser = UserRow & { created_key: string };

/** The sort key values of a row, for the next cursor. */
export function sortKeyOf(row: ListedUser, sort: UserSort): string[] {
  const email = row.email.toLowerCase();
  switch (sortColumn(sort)) {
    case 'email':
      return [email];
    case 'name':
      return [(row.last_name ?? '').toLowerCase(), email];
    case 'identityType':
      return [row.identity_type, email];
    case 'status':
      return [row.status, email];
    case 'created':
      return [row.created_key];
  }
}

/** A sort order's column (without the direction). */
export function sortColumn(sort: UserSort): SortColumn {
  return sort.replace('-', '') as SortColumn;
}

/**
 * What search matches: the e-mail, first and last name, lower-cased, kept by PostgreSQL as a
 * generated column. The trigram index `users__organization_id_search` holds it, and the sort
 * indexes carry it, so a search walking the list in order reads it from the index.
 */
const SEARCH_TEXT = sql<string>`users.search_text`;

/**
 * Narrows a users query to the list's search and filters (the list, its CSV export and counts
 * share it, so they always agree on who matches).
 * @returns the narrowed query
 */
export function applyUserFilter<O>(
  query: SelectQueryBuilder<DB, 'users', O>,
  organizationId: string,
  filter: UserFilter,
): SelectQueryBuilder<DB, 'users', O> {
  let q = query;
  if (filter.search) {
    q = q.where(SEARCH_TEXT, 'like', likeContains(filter.search.trim().toLowerCase()));
  }
  if (filter.identityType) {
    q = q.where('users.identity_type', '=', filter.identityType as UserRow['identity_type']);
  }
  if (filter.status) {
    q = q.where('users.status', '=', filter.status as UserRow['status']);
  }
  if (filter.contentPending) {
    q = q.where('users.content_status', '=', 'pending');
  }
  if (filter.fewHolders) {
    q = q.where(
      'users.id',
      'in',
      sql<string>`(select h.user_id from (${holdersOf(organizationId, filter.fewHolders)}) as h)`,
    );
  }
  const few = filter.fewHolders?.kind;
  if (filter.groupId && few !== 'group') {
    const groupId = filter.groupId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('group_members')
          .select('group_members.user_id')
          .where('group_members.organization_id', '=', organizationId)
          .where('group_members.group_id', '=', groupId)
          .whereRef('group_members.user_id', '=', 'users.id'),
      ),
    );
  }
  if (filter.profileId && few !== 'profile') {
    const profileId = filter.profileId;
    q = q.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('user_profiles')
            .select('user_profiles.user_id')
            .where('user_profiles.organization_id', '=', organizationId)
            .where('user_profiles.profile_id', '=', profileId)
            .whereRef('user_profiles.user_id', '=', 'users.id'),
        ),
        eb.exists(
          eb
            .selectFrom('group_members')
            .innerJoin('group_profiles', (join) =>
              join
                .onRef('group_profiles.organization_id', '=', 'group_members.organization_id')
                .onRef('group_profiles.group_id', '=', 'group_members.group_id'),
            )
            .select('group_members.user_id')
            .where('group_members.organization_id', '=', organizationId)
            .where('group_profiles.profile_id', '=', profileId)
            .whereRef('group_members.user_id', '=', 'users.id'),
        ),
      ]),
    );
  }
  if (filter.productId && few !== 'product') {
    // A direct license, or a membership of a group giving the product (a license through a group
    // is not stored per member). The groups giving it are read once (a few ids); each user is then
    // one probe of the memberships' (organization, user) index prefix, its few groups filtered
    // against them (not one index descent per giving group), so a page walking the sort order
    // stops as soon as it is full instead of reading every member of those groups first.
    const productId = filter.productId;
    q = q.where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('product_licenses')
            .select('product_licenses.user_id')
            .where('product_licenses.organization_id', '=', organizationId)
            .where('product_licenses.product_id', '=', productId)
            .whereRef('product_licenses.user_id', '=', 'users.id'),
        ),
        eb.exists(
          eb
            .selectFrom('group_members')
            .select('group_members.user_id')
            .where('group_members.organization_id', '=', organizationId)
            .whereRef('group_members.user_id', '=', 'users.id')
            .where(
              sql<boolean>`array_position(array(
                select gp.group_id from group_profiles gp
                join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
                where gp.organization_id = ${organizationId} and pp.product_id = ${productId}), group_members.group_id) is not null`,
            ),
        ),
      ]),
    );
  }
  if (filter.adminRole) {
    const role = filter.adminRole;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('admin_role_assignments')
          .select('admin_role_assignments.user_id')
          .where('admin_role_assignments.organization_id', '=', organizationId)
          .where('admin_role_assignments.role', '=', role)
          .whereRef('admin_role_assignments.user_id', '=', 'users.id'),
      ),
    );
  }
  return q;
}

type Page = { sort: UserSort; limit: number; after?: UserPosition | undefined };

/** A page's list (filters, cursor, order) before its columns and limit are chosen. */
function orderedUsers(db: Executor, organizationId: string, filter: UserFilter, page: Page) {
  const descending = page.sort.startsWith('-');
  const keys = SORT_KEYS[sortColumn(page.sort)];
  let query = applyUserFilter(
    db.selectFrom('users').where('users.organization_id', '=', organizationId),
    organizationId,
    filter,
  );
  if (page.after && page.after.k.length === keys.length) {
    const left = sql.join([...keys.map(({ key }) => key), sql`users.id`]);
    const right = sql.join([
      ...page.after.k.map((value, index) =>
        keys[index]?.cast === 'timestamptz' ? sql`${value}::timestamptz` : sql`${value}`,
      ),
      sql`${page.after.id}::uuid`,
    ]);
    query = query.where(descending ? sql<boolean>`(${left}) < (${right})` : sql<boolean>`(${left}) > (${right})`);
  }
  for (const { key } of keys) {
    query = query.orderBy(key, descending ? 'desc' : 'asc');
  }
  return query.orderBy('users.id', descending ? 'desc' : 'asc');
}

/** The users of a page's list (filters, cursor, order), before the limit. */
function listQuery(
  db: Executor,
  organizationId: string,
  filter: UserFilter,
  page: Page,
): SelectQueryBuilder<DB, 'users', ListedUser> {
  return orderedUsers(db, organizationId, filter, page).selectAll('users').select(CREATED_KEY.as('created_key'));
}

/**
 * One page of an organization's users, filtered and sorted, after a keyset position. Each sort
 * is served by an index that leads with organization_id, so a deep page costs what the first does.
 * (A search goes through `searchUsersByOrganizationId`, which picks its plan by the term.)
 * @returns up to `limit` users
 */
export async function findUsersByOrganizationId(
  db: Executor,
  organizationId: string,
  filter: UserFilter,
  page: Page,
): Promise<ListedUser[]> {
  return usersPageQuery(db, organizationId, filter, page).execute();
}

/**
 * The statement of one page of the list without a search (for `findUsersByOrganizationId`, and
 * for EXPLAIN in the benchmark).
 * @returns the page's query
 */
export function usersPageQuery(db: Executor, organizationId: string, filter: UserFilter, page: Page) {
  return listQuery(db, organizationId, filter, page).limit(page.limit);
}

/** Rows of the sort order a search reads before it judges how often its term matches. */
const SEARCH_FIRST_WINDOW = 4000;
/** Rows of the sort order a search reads at most in one request. */
const SEARCH_MOST_WALKED = 40_000;
/**
 * Below this share of matching rows (1 in 2,000) a term of three or more characters is looked up
 * in the trigram index instead: a page would need 100,000 rows read in order, while the trigram
 * index yields the few matching rows directly. Above it, reading in order is the cheaper plan:
 * a term matching thousands of users has trigrams that thousands more users share, and the
 * trigram index reads and rechecks all of them before sorting.
 */
const SEARCH_RARE_SHARE = 0.0005;

/** A search page, and where to go on when the page stopped before the end of the list. */
export interface SearchPage {
  rows: ListedUser[];
  /** Set when the search read its most rows without filling the page: the next page starts here. */
  resumeAt: UserPosition | null;
}

/**
 * A page of the users whose e-mail or name contains a term, with the plan chosen by how often
 * the term matches, measured while reading, never guessed from table statistics:
 *
 * - the list is read in its sort order (the sort index), in windows growing from 4,000 rows, and
 *   the matches kept, until the page is full: a frequent term (`st123` among `First1234`) fills
 *   its page after a few thousand rows;
 * - a term of three or more characters that matched less than 1 in 2,000 of the rows read so far,
 *   or that did not fill its page in 40,000 rows, is looked up in the trigram index for the rest
 *   of the page (a rare term, or one matching nobody);
 * - a term of one or two characters has no trigram: it is read in order up to 40,000 rows per
 *   request, and a page that is not full by then ends with a cursor (`resumeAt`) from which the
 *   next page goes on, so no request reads a million rows.
 * @returns the page's users (up to `limit`) and where to resume if it stopped early
 */
export async function searchUsersByOrganizationId(
  db: Executor,
  organizationId: string,
  filter: UserFilter & { search: string },
  page: Page,
): Promise<SearchPage> {
  const term = filter.search.trim().toLowerCase();
  const pattern = likeContains(term);
  const rest: UserFilter = { ...filter, search: undefined };
  const keysOf = (row: ListedUser): UserPosition => ({ k: sortKeyOf(row, page.sort), id: row.id });
  const rows: ListedUser[] = [];
  let after = page.after;
  let walked = 0;
  let window = SEARCH_FIRST_WINDOW;
  for (;;) {
    const need = page.limit - rows.length;
    const read = await searchWindow(db, organizationId, rest, { ...page, after }, window, pattern, need + 1).execute(
      db,
    );
    const hits = read.rows.filter((row) => row.hit);
    rows.push(...hits.slice(0, need).map(stripSearchColumns));
    const end = read.rows.find((row) => Number(row.n) === window);
    if (rows.length >= page.limit || !end) {
      return { rows, resumeAt: null };
    }
    walked += window;
    after = keysOf(end);
    if (term.length >= 3 && (rows.length < walked * SEARCH_RARE_SHARE || walked >= SEARCH_MOST_WALKED)) {
      rows.push(...(await searchByTrigrams(db, organizationId, rest, { ...page, after, limit: need }, pattern)));
      return { rows: rows.slice(0, page.limit), resumeAt: null };
    }
    if (walked >= SEARCH_MOST_WALKED) {
      return { rows, resumeAt: after };
    }
    window = Math.min(window * 4, SEARCH_MOST_WALKED - walked);
  }
}

/**
 * One window of a search: the next `window` users of the list in sort order (after the page's
 * position), of which it keeps the matches and the window's last row (`n = window`, to go on
 * from), at most `keep` rows. The window reads only the columns the sort indexes carry, so once
 * the table is vacuumed the walk is an index-only scan; full rows are read for the kept rows only.
 * @returns the statement (rows of `users` with `hit` and `n`, in sort order)
 */
export function searchWindow(
  db: Executor,
  organizationId: string,
  filter: UserFilter,
  page: Page,
  window: number,
  pattern: string,
  keep: number,
) {
  const windowed = orderedUsers(db, organizationId, filter, page)
    .select(['users.id', 'users.search_text'])
    .limit(window);
  return sql<ListedUser & { hit: boolean; n: number }>`
    with kept as materialized (
      select w.id, w.hit, w.n from (
        select users.id, ${SEARCH_TEXT} like ${pattern} as hit, row_number() over () as n
        from (${windowed}) as users
      ) as w
      where w.hit or w.n = ${window}
      limit ${keep}
    )
    select users.*, ${CREATED_KEY} as created_key, kept.hit, kept.n from kept join users on users.id = kept.id
    where users.organization_id = ${organizationId}
    order by kept.n`;
}

function stripSearchColumns(row: ListedUser & { hit?: boolean; n?: number }): ListedUser {
  const { hit: _hit, n: _n, ...user } = row;
  return user;
}

/**
 * The trigram plan: every user of the instance whose text contains the term, found through the
 * trigram GIN index (materialized, so the planner cannot trade it for a walk of the sort index),
 * then this organization's, filtered, in order, after the position.
 */
async function searchByTrigrams(
  db: Executor,
  organizationId: string,
  filter: UserFilter,
  page: Page,
  pattern: string,
): Promise<ListedUser[]> {
  const query = listQuery(db, organizationId, filter, page)
    .where('users.id', 'in', sql<string>`(select id from search_matches)`)
    .limit(page.limit);
  const result = await sql<ListedUser>`
    with search_matches as materialized (select users.id from users where ${SEARCH_TEXT} like ${pattern})
    ${query}`.execute(db);
  return result.rows;
}

/**
 * The product names each of these users holds a license of.
 * @returns user id → product names, sorted
 */
export async function findProductNamesByUserIds(
  db: Executor,
  organizationId: string,
  userIds: string[],
): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) {
    return result;
  }
  const { rows } = await sql<{ user_id: string; name: string }>`
    select h.user_id, p.name from (${productsHeldBy(organizationId, userIds)}) h
    join products p on p.organization_id = ${organizationId} and p.id = h.product_id
    order by p.name`.execute(db);
  for (const row of rows) {
    result.get(row.user_id)?.push(row.name);
  }
  return result;
}

/** One user of the organization, or undefined. */
export async function findUserById(db: Executor, organizationId: string, userId: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

/** A group a user is in, as criteria on a user's groups see it (`gm`: the membership, `g`: the group). */
const USER_GROUP_CRITERIA: CriteriaCatalog = {
  fields: {
    groupId: field(sql`gm.group_id`, 'uuid', true),
    groupName: field(sql`g.name`, 'string'),
  },
  relations: {},
};

/** The enterprise attributes kept as text in `users.enterprise`. */
const USER_ENTERPRISE_STRINGS = ['employeeNumber', 'costCenter', 'organization', 'division', 'department'];

/**
 * The fields of a user that criteria compare (over `users`); `groups` relates a user to the groups
 * it is a member of. The frequent ones (`username`, `externalId`, `alias`, `id`) are served by
 * indexes that lead with organization_id.
 */
const USER_CRITERIA: CriteriaCatalog = {
  fields: {
    id: field(sql`users.id`, 'uuid', true),
    username: field(sql`users.username`, 'string'),
    externalId: field(sql`users.external_id`, 'string', true),
    alias: field(sql`users.alias`, 'string'),
    firstName: field(sql`users.first_name`, 'string'),
    lastName: field(sql`users.last_name`, 'string'),
    fullName: field(
      sql`nullif(trim(coalesce(users.first_name, '') || ' ' || coalesce(users.last_name, '')), '')`,
      'string',
    ),
    active: field(sql`(users.status <> 'removed')`, 'boolean'),
    email: field(sql`users.email`, 'string'),
    country: field(sql`users.country`, 'string'),
    createdAt: field(sql`users.created_at`, 'dateTime'),
    updatedAt: field(sql`users.updated_at`, 'dateTime'),
    managerId: field(sql`(users.enterprise -> 'manager' ->> 'value')`, 'string', true),
    managerName: field(sql`(users.enterprise -> 'manager' ->> 'displayName')`, 'string'),
    ...Object.fromEntries(
      USER_ENTERPRISE_STRINGS.map((key) => [`enterprise.${key}`, field(sql`(users.enterprise ->> ${key})`, 'string')]),
    ),
  },
  relations: {
    groups: {
      catalog: USER_GROUP_CRITERIA,
      exists: (inner) =>
        sql<boolean>`exists (select 1 from group_members gm join user_groups g on g.organization_id = gm.organization_id and g.id = gm.group_id
        where gm.organization_id = users.organization_id and gm.user_id = users.id and ${inner})`,
    },
  },
};

/** The orders a page of users by criteria takes (ties broken by id). */
const CRITERIA_USER_SORTS = {
  id: sql`users.id`,
  username: sql`lower(users.username)`,
  externalId: sql`users.external_id`,
  alias: sql`lower(users.alias)`,
  lastName: sql`lower(coalesce(users.last_name, ''))`,
  firstName: sql`lower(coalesce(users.first_name, ''))`,
  email: sql`lower(users.email)`,
  createdAt: sql`users.created_at`,
  updatedAt: sql`users.updated_at`,
};
export type UserCriteriaSort = keyof typeof CRITERIA_USER_SORTS;

/**
 * One page of an organization's users matching criteria, in a stable order (the sort key, then id),
 * with the total count (the page and the count read in parallel).
 * @returns the rows and the number of matches
 * @throws CriteriaError when a value does not fit its field
 */
export function findUsersPageByCriteria(
  db: Executor,
  organizationId: string,
  page: CriteriaPage<UserCriteriaSort>,
): Promise<{ rows: UserRow[]; total: number }> {
  return findPageByCriteria<UserRow, UserCriteriaSort>(
    db,
    { table: 'users', columns: sql`users.*`, organizationId, catalog: USER_CRITERIA, sorts: CRITERIA_USER_SORTS },
    page,
  );
}
