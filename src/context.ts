import type { Kysely } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { DB } from './db/schema.ts';
import type { JobQueue } from './jobs/queue.ts';

/** What services and routes of one process share: configuration, database and job queue. */
export interface AppContext {
  config: Config;
  database: Database;
  db: Kysely<DB>;
  jobs: JobQueue;
}
