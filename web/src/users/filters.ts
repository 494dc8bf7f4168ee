/** The users list's search, filters and sort, and their query parameters. */
import type { IdentityType } from '../../../shared/contracts.ts';
import type { AdminRole } from '../../../shared/roles.ts';

/** The status filter: a status, or "Inactive users" (removed, content waiting for transfer). */
export type StatusFilter = 'active' | 'invited' | 'removed' | 'inactive';

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

export type UserSort = 'email' | '-email' | 'name' | '-name';

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
