import { type Kysely, sql } from 'kysely';

// A deleted group's members are kept once, in one row per deleted group (its member ids in an
// array, found by user through a GIN index), instead of a departure row per member and every
// member id again in audit events: deleting a group of 100,000 members writes one row, not
// 100,000. The row is what gives the group back (undo) and what moves each former member's SCIM
// ETag and lastModified (RFC 7644 §3.14). Members leaving a group that still exists keep their
// departure row, as before; the members trigger writes none for a group being deleted.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table group_deletions (
    organization_id uuid not null,
    group_id uuid not null,
    deleted_at timestamptz not null default now(),
    member_ids uuid[] not null,
    constraint group_deletions__pkey primary key (organization_id, group_id),
    constraint group_deletions__organization foreign key (organization_id) references organizations (id) on delete cascade
  )`.execute(db);
  await sql`create index group_deletions__member_ids on group_deletions using gin (member_ids)`.execute(db);
  await sql`create or replace function group_members__bump_members_version() returns trigger language plpgsql as $$
    begin
      update user_groups g set members_version = g.members_version + 1, updated_at = now()
      where (g.organization_id, g.id) in (select distinct organization_id, group_id from changed_members);
      if tg_op = 'DELETE' then
        -- Users deleted for good (whose memberships go with them) leave nothing behind; members of
        -- a deleted group are in its group_deletions row.
        insert into user_group_departures (organization_id, user_id, left_at)
        select distinct c.organization_id, c.user_id, now() from changed_members c
        where exists (select 1 from users u where u.organization_id = c.organization_id and u.id = c.user_id)
          and exists (select 1 from user_groups g where g.organization_id = c.organization_id and g.id = c.group_id)
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
      update user_groups g set members_version = g.members_version + 1, updated_at = now()
      where (g.organization_id, g.id) in (select distinct organization_id, group_id from changed_members);
      if tg_op = 'DELETE' then
        insert into user_group_departures (organization_id, user_id, left_at)
        select distinct c.organization_id, c.user_id, now() from changed_members c
        where exists (select 1 from users u where u.organization_id = c.organization_id and u.id = c.user_id)
        order by c.user_id
        on conflict (organization_id, user_id) do update set left_at = excluded.left_at;
      end if;
      return null;
    end $$`.execute(db);
  await sql`drop table group_deletions`.execute(db);
}
