import { type Kysely, sql } from 'kysely';

// Each applied row of a bulk operation keeps the state of what it changed before and after
// (`{ before, after }` of the change engine's outcome: a user's details, profiles, groups and admin
// roles with ids and names; a group's description, profiles and admins), the basis of an undo.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operation_rows add column changes jsonb`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table bulk_operation_rows drop column changes`.execute(db);
}
