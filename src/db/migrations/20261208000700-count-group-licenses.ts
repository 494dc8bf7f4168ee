import { type Kysely, sql } from 'kysely';

// Licenses through groups are no longer written per member (issue 22: giving a profile to a
// 1,000,000-member group wrote 1,000,000 rows): `product_licenses` keeps the licenses of direct
// profiles only, a license through a group is implied by `group_members` × `group_profiles`, and
// the services count a product's users at each change. The rows only groups gave go, and every
// product's counter is recounted from what its users hold (active users, directly or through a
// group, once each), so counters and rows start exact.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    delete from product_licenses pl
    where not exists (
      select 1 from user_profiles up
      join product_profiles pp on pp.organization_id = up.organization_id and pp.id = up.profile_id
      join users u on u.organization_id = up.organization_id and u.id = up.user_id and u.status <> 'removed'
      where up.organization_id = pl.organization_id and up.user_id = pl.user_id and pp.product_id = pl.product_id)`.execute(
    db,
  );
  await sql`
    update products p set licenses_used = (
      select count(*)::int from (
        select pl.user_id from product_licenses pl
        where pl.organization_id = p.organization_id and pl.product_id = p.id
        union
        select gm.user_id from product_profiles pp
        join group_profiles gp on gp.organization_id = pp.organization_id and gp.profile_id = pp.id
        join group_members gm on gm.organization_id = gp.organization_id and gm.group_id = gp.group_id
        join users u on u.organization_id = gm.organization_id and u.id = gm.user_id and u.status <> 'removed'
        where pp.organization_id = p.organization_id and pp.product_id = p.id) held)`.execute(db);
}

// Writes back a license row per member of a group giving the product (what the services wrote
// before); the counters are already the number of users holding each product.
// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    insert into product_licenses (organization_id, product_id, user_id)
    select distinct gm.organization_id, pp.product_id, gm.user_id from group_members gm
    join group_profiles gp on gp.organization_id = gm.organization_id and gp.group_id = gm.group_id
    join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
    join users u on u.organization_id = gm.organization_id and u.id = gm.user_id and u.status <> 'removed'
    on conflict do nothing`.execute(db);
}
