/** The users list's search, filters and sort, and their query parameters. */
import { IDENTITY_TYPES, type IdentityType, USER_SORTS, type UserSort } from '../../../shared/contracts.ts';
import { ADMIN_ROLES, type AdminRole } from '../../../shared/roles.ts';

/** The status filter: a status, or "Inactive users" (removed, content waiting for transfer). */
export type StatusFilter = 'active' | 'invited' | 'removed' | 'inactive';
const STATUS_FILTERS: readonly StatusFilter[] = ['active', 'invited', 'removed', 'inactive'];

export interface UserFilterForm {
  search: string;
  identityType: IdentityType | null;
  status: StatusFilter | null;
  /** A product id. */
  product: string | null;
  /** A product profile id. */
  profile: string | null;
  adminRole: AdminRole | null;
  /** A group id or name. */
  group: string;
}

export const EMPTY_USER_FILTERS: UserFilterForm = {
  search: '',
  identityType: null,
  status: null,
  product: null,
  profile: null,
  adminRole: null,
  group: '',
};

export type { UserSort };
export const DEFAULT_USER_SORT: UserSort = 'email';

/** `value` when it is one of `allowed`, else null (a hand-edited or stale address). */
function oneOf<T extends string>(allowed: readonly T[], value: string | null): T | null {
  return allowed.find((item) => item === value) ?? null;
}

/**
 * The list's state from the page address (`/users?search=…&status=…&sort=…`), so Back restores it
 * and a view can be bookmarked; unknown values are ignored.
 */
export function userViewFromUrl(params: URLSearchParams): { filters: UserFilterForm; sort: UserSort } {
  return {
    filters: {
      search: params.get('search') ?? '',
      identityType: oneOf(IDENTITY_TYPES, params.get('identityType')),
      status: oneOf(STATUS_FILTERS, params.get('status')),
      product: params.get('product') || null,
      profile: params.get('profile') || null,
      adminRole: oneOf(ADMIN_ROLES, params.get('adminRole')),
      group: params.get('group') ?? '',
    },
    sort: oneOf(USER_SORTS, params.get('sort')) ?? DEFAULT_USER_SORT,
  };
}

/** The page address's query for the list's state: only what differs from the defaults. */
export function userViewToUrl(filters: UserFilterForm, sort: UserSort): URLSearchParams {
  const params = new URLSearchParams();
  const entries: [string, string | null][] = [
    ['search', filters.search.trim() || null],
    ['identityType', filters.identityType],
    ['status', filters.status],
    ['product', filters.product],
    ['profile', filters.profile],
    ['adminRole', filters.adminRole],
    ['group', filters.group.trim() || null],
    ['sort', sort === DEFAULT_USER_SORT ? null : sort],
  ];
  for (const [name, value] of entries) {
    if (value) {
      params.set(name, value);
    }
  }
  return params;
}

/** The filters and sort as the query parameters of GET /api/v1/users. */
export function userQuery(filters: UserFilterForm, sort: UserSort): Record<string, string | undefined> {
  return {
    search: filters.search.trim() || undefined,
    identityType: filters.identityType ?? undefined,
    status: filters.status === 'inactive' ? 'removed' : (filters.status ?? undefined),
    contentPending: filters.status === 'inactive' ? 'true' : undefined,
    product: filters.product ?? undefined,
    profile: filters.profile ?? undefined,
    adminRole: filters.adminRole ?? undefined,
    group: filters.group.trim() || undefined,
    sort,
  };
}
