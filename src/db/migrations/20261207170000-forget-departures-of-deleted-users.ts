import { type Kysely, sql } from 'kysely';

// A user deleted for good leaves nothing behind: its latest departure from a group goes with it
// (one statement per deletion, however many users it deletes).
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function users__forget_group_departures() returns trigger language plpgsql as $$
    begin
      delete from user_group_departures d using deleted_users u
      where d.organization_id = u.organization_id and d.user_id = u.id;
      return null;
    end $$`.execute(db);
  await sql`create trigger users__deleted_forget_group_departures after delete on users
    referencing old table as deleted_users for each statement execute function users__forget_group_departures()`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger users__deleted_forget_group_departures on users`.execute(db);
  await sql`drop function users__forget_group_departures()`.execute(db);
}
