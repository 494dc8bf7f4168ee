import { sql } from 'kysely';
import type { IdentityType } from '../../shared/contracts.ts';
import type { Executor } from '../db/database.ts';
import type { Reachable } from '../roles/policy.ts';
import { groupCsvLine } from './csv/templates.ts';

const PAGE = 1000;

/**
 * The group CSV lines of an organization's groups (those the reader reaches), by name, a thousand
 * at a time (keyset on name and id), each page's admins and profiles loaded in two set queries:
 * memory stays flat however many groups there are.
 * @param db database
 * @param organizationId the tenant
 * @param reach which groups: `all`, or the reader's scoped group ids
 * @returns CSV rows in GROUP_CSV_HEADERS order
 */
export async function* findGroupCsvRowsByOrganizationId(
  db: Executor,
  organizationId: string,
  reach: Reachable,
): AsyncGenerator<string[]> {
  if (reach !== 'all' && reach.groupIds.length === 0) {
    return;
  }
  let after: { name: string; id: string } | null = null;
  for (;;) {
    let query = db
      .selectFrom('user_groups')
      .select(['id', 'name', 'description'])
      .where('organization_id', '=', organizationId);
    if (reach !== 'all') {
      query = query.where('id', 'in', reach.groupIds);
    }
    if (after !== null) {
      const { name, id } = after;
      query = query.where(sql<boolean>`(name, id) > (${name}, ${id}::uuid)`);
    }
    const groups = await query.orderBy('name').orderBy('id').limit(PAGE).execute();
    if (groups.length === 0) {
      return;
    }
    const ids = groups.map((group) => group.id);
    const admins = await sql<{ group_id: string; identity_type: IdentityType; email: string }>`
      select a.group_id, u.identity_type, u.email from admin_role_assignments a
      join users u on u.organization_id = a.organization_id and u.id = a.user_id
      where a.organization_id = ${organizationId} and a.role = 'group-admin' and a.group_id = any(${ids}::uuid[])
      order by u.email`.execute(db);
    const profiles = await sql<{ group_id: string; name: string }>`
      select gp.group_id, pp.name from group_profiles gp
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      where gp.organization_id = ${organizationId} and gp.group_id = any(${ids}::uuid[])
      order by pp.name`.execute(db);
    const adminsOf = byGroup(admins.rows);
    const profilesOf = byGroup(profiles.rows);
    for (const group of groups) {
      yield groupCsvLine({
        name: group.name,
        description: group.description,
        admins: (adminsOf.get(group.id) ?? []).map((row) => ({ identityType: row.identity_type, email: row.email })),
        profiles: (profilesOf.get(group.id) ?? []).map((row) => row.name),
      });
    }
    const last = groups.at(-1);
    if (groups.length < PAGE || last === undefined) {
      return;
    }
    after = { name: last.name, id: last.id };
  }
}

function byGroup<T extends { group_id: string }>(rows: T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(row.group_id);
    if (list) {
      list.push(row);
    } else {
      map.set(row.group_id, [row]);
    }
  }
  return map;
}
