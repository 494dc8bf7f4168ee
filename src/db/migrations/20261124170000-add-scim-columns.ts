import { type Kysely, sql } from 'kysely';

// SCIM 2.0 (RFC 7643/7644): the identity provider's externalId on users and groups, the enterprise
// extension of a user, a row version for ETags (meta.version), SCIM-only API tokens, and the
// indexes the filters Entra ID and Okta send (`userName eq`, `externalId eq`) need at 1M users.
//
// users.version is bumped by a trigger on every update, whichever code path makes it, so an ETag
// can never miss a change made in the console. A group's ETag also covers its members: a
// statement-level trigger bumps user_groups.members_version once per statement that adds or
// removes members (set-based: one update for a million-member insert), leaving `version` — the
// console's edit check — as it was.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column external_id text`.execute(db);
  await sql`alter table users add column enterprise jsonb`.execute(db);
  await sql`alter table users add column version integer not null default 1`.execute(db);
  await sql`alter table user_groups add column external_id text`.execute(db);
  await sql`alter table user_groups add column members_version integer not null default 1`.execute(db);
  await sql`alter table api_tokens add column kind text not null default 'api' constraint api_tokens__kind check (kind in ('api','scim'))`.execute(
    db,
  );
  await sql`create index users__organization_id_username on users (organization_id, lower(username), id)`.execute(db);
  await sql`create index users__organization_id_external_id on users (organization_id, external_id) where external_id is not null`.execute(
    db,
  );
  await sql`create index user_groups__organization_id_external_id on user_groups (organization_id, external_id) where external_id is not null`.execute(
    db,
  );
  await sql`create function users__bump_version() returns trigger language plpgsql as $$
    begin
      new.version := old.version + 1;
      return new;
    end $$`.execute(db);
  await sql`create trigger users__bump_version before update on users for each row
    when (old.* is distinct from new.*) execute function users__bump_version()`.execute(db);
  await sql`create function group_members__bump_members_version() returns trigger language plpgsql as $$
    begin
      update user_groups g set members_version = g.members_version + 1
      where (g.organization_id, g.id) in (select distinct organization_id, group_id from changed_members);
      return null;
    end $$`.execute(db);
  await sql`create trigger group_members__inserted after insert on group_members
    referencing new table as changed_members for each statement execute function group_members__bump_members_version()`.execute(
    db,
  );
  await sql`create trigger group_members__deleted after delete on group_members
    referencing old table as changed_members for each statement execute function group_members__bump_members_version()`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger group_members__deleted on group_members`.execute(db);
  await sql`drop trigger group_members__inserted on group_members`.execute(db);
  await sql`drop function group_members__bump_members_version()`.execute(db);
  await sql`drop trigger users__bump_version on users`.execute(db);
  await sql`drop function users__bump_version()`.execute(db);
  await sql`drop index user_groups__organization_id_external_id`.execute(db);
  await sql`drop index users__organization_id_external_id`.execute(db);
  await sql`drop index users__organization_id_username`.execute(db);
  await sql`alter table api_tokens drop column kind`.execute(db);
  await sql`alter table user_groups drop column members_version`.execute(db);
  await sql`alter table user_groups drop column external_id`.execute(db);
  await sql`alter table users drop column version`.execute(db);
  await sql`alter table users drop column enterprise`.execute(db);
  await sql`alter table users drop column external_id`.execute(db);
}
