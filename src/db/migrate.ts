import type { Kysely } from 'kysely';
import { type MigrationResultSet, Migrator, NO_MIGRATIONS } from 'kysely/migration';
import { migrations } from './migrations/index.ts';
import type { DB } from './schema.ts';

function createMigrator(db: Kysely<DB>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'usher_migrations',
    migrationLockTableName: 'usher_migrations_lock',
  });
}

function unwrap(result: MigrationResultSet, what: string): string[] {
  if (result.error) {
    const failed = result.results?.find((entry) => entry.status === 'Error');
    const detail = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`${what} failed${failed ? ` at ${failed.migrationName}` : ''}: ${detail}`);
  }
  return (result.results ?? []).map((entry) => entry.migrationName);
}

/**
 * Brings the schema to the latest version. Kysely's migrator holds a PostgreSQL advisory lock
 * on one connection and runs the pending migrations in one transaction, so processes that start
 * together apply each migration exactly once and the others wait, then find nothing to do.
 * @param db the root database
 * @returns the names of the migrations this call applied
 * @throws Error naming the migration that failed (nothing of it is applied)
 */
export async function migrateToLatest(db: Kysely<DB>): Promise<string[]> {
  return unwrap(await createMigrator(db).migrateToLatest(), 'Migration');
}

/**
 * Reverts every migration, newest first (used by the round-trip test).
 * @param db the root database
 * @returns the names of the migrations reverted
 */
export async function migrateDownToEmpty(db: Kysely<DB>): Promise<string[]> {
  return unwrap(await createMigrator(db).migrateTo(NO_MIGRATIONS), 'Reverting migrations');
}

/**
 * Tells whether every known migration has been applied.
 * @param db the root database
 * @returns true when the schema is current
 */
export async function isMigrated(db: Kysely<DB>): Promise<boolean> {
  const applied = await createMigrator(db).getMigrations();
  return applied.every((migration) => migration.executedAt !== undefined);
}
