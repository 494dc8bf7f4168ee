import type { FastifyInstance } from 'fastify';
import { resumeBulkOperations } from './bulk/bulk.job.ts';
import { type Config, loadConfig } from './config.ts';
import type { AppContext } from './context.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { JobQueue } from './jobs/queue.ts';
import { JOBS } from './jobs.ts';
import { ensureFirstOrganization, type FirstRunOutcome } from './organizations/setup.service.ts';
import { startOutboxPoller } from './outbox/delivery.ts';
import { buildServer, type ServerOptions } from './server.ts';

/** One running Usher process: database, job queue, HTTP server (and workers, when asked). */
export interface App {
  ctx: AppContext;
  server: FastifyInstance;
  firstRun: FirstRunOutcome;
  appliedMigrations: string[];
  /** Stops taking requests, lets jobs in progress finish, closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  config?: Config;
  /** An already open database (tests share one between processes-in-a-process). */
  database?: Database;
  /** Run background workers in this process. */
  worker?: boolean;
  server?: ServerOptions;
}

/**
 * Opens the database, migrates it (under an advisory lock), starts the job queue, makes sure
 * the first organization exists or a setup link is printed, and builds the HTTP server.
 * @param options configuration and switches
 * @returns the app, not yet listening
 */
export async function createApp(options: StartOptions = {}): Promise<App> {
  const config = options.config ?? loadConfig();
  const database =
    options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  let jobs: JobQueue | undefined;
  try {
    const appliedMigrations = await migrateToLatest(database.db);
    const worker = options.worker ?? config.runWorker;
    const onError = (error: Error) =>
      console.error(JSON.stringify({ level: 50, msg: 'job queue error', err: error.message }));
    jobs = await JobQueue.start(database, { worker, onError });
    const ctx: AppContext = { config, database, db: database.db, jobs };
    await jobs.register(JOBS);
    let stopOutbox = async () => {};
    if (worker) {
      await jobs.work(JOBS, ctx);
      await resumeBulkOperations(ctx);
      stopOutbox = startOutboxPoller(ctx, (error) =>
        console.error(JSON.stringify({ level: 50, msg: 'outbox delivery error', err: String(error) })),
      );
    }
    const firstRun = await ensureFirstOrganization(ctx);
    const server = await buildServer(ctx, options.server);
    const queue = jobs;
    return {
      ctx,
      server,
      firstRun,
      appliedMigrations,
      close: async () => {
        await server.close();
        await stopOutbox();
        await queue.stop();
        if (!options.database) {
          await database.close();
        }
      },
    };
  } catch (error) {
    await jobs?.stop().catch(() => {});
    if (!options.database) {
      await database.close().catch(() => {});
    }
    throw error;
  }
}
