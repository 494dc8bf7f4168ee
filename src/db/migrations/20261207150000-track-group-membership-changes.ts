import { type Kysely, sql } from 'kysely';

// When group memberships change, the resources that show them change too (RFC 7643 §3.1, RFC 7644
// §3.14): a group's last-modified time moves with its members, and a user's groups change when it
// joins (the membership's created_at says when) or leaves a group (kept here, one row per user,
// the latest departure). Nothing is written on the users' rows, so adding a million members
// neither rewrites a million users nor takes their row locks; the departure is an upsert in user
// order, so concurrent statements lock the same rows in the same order.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table user_group_departures (
    organization_id uuid not null,
    user_id uuid not null,
    left_at timestamptz not null,
    primary key (organization_id, user_id))`.execute(db);
  await sql`create or replace function group_members__bump_members_version() returns trigger language plpgsql as $$
    begin
      update user_groups g set members_version = g.members_version + 1, updated_at = now()
      where (g.organization_id, g.id) in (select distinct organization_id, group_id from changed_members);
      if tg_op = 'DELETE' then
        -- Users deleted for good (whose memberships go with them) leave nothing behind.
        insert into user_group_departures (organization_id, user_id, left_at)
        select distinct c.organization_id, c.user_id, now() from changed_members c
        where exists (select 1 from users u where u.organization_id = c.organization_id and u.id = c.user_id)
        order by c.user_id
        on conflict (organization_id, user_id) do update set left_at = excluded.left_at;
      end if;
      return null;
    end $$`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`create or replace function group_members__bump_members_version() returns trigger language plpgsql as $$
    begin
      update user_groups g set members_version = g.members_version + 1
      where (g.organization_id, g.id) in (select distinct organization_id, group_id from changed_members);
      return null;
    end $$`.execute(db);
  await sql`drop table user_group_departures`.execute(db);
}
