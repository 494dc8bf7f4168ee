import type { Transaction } from 'kysely';
import { type ConstructorOptions, PgBoss, type QueueOptions } from 'pg-boss';
import { fromKysely } from 'pg-boss/dist/adapters/kysely.js';
import type { Database } from '../db/database.ts';
import { inBackground } from '../db/mutex.ts';
import type { DB } from '../db/schema.ts';

/** What a job's code receives besides its props. */
export interface JobRun {
  id: string;
  retryCount: number;
  signal: AbortSignal;
}

/**
 * A typed background job: its queue name, retry and expiry defaults, an optional cron
 * schedule, and the code that performs it. `perform` must be safe to run again after a crash
 * (the queue delivers at least once).
 */
export interface JobDefinition<Props extends object, Deps> {
  name: string;
  options?: QueueOptions;
  /** Cron expression (UTC) for scheduled jobs; the queue spreads them across processes. */
  schedule?: string;
  perform(deps: Deps, props: Props, run: JobRun): Promise<void>;
}

/** Retry and retention defaults every queue starts from. */
const DEFAULT_QUEUE_OPTIONS: QueueOptions = {
  retryLimit: 5,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 600,
  expireInSeconds: 15 * 60,
  deleteAfterSeconds: 7 * 86_400,
};

/**
 * Defines a job (typed identity helper).
 * @param definition the job
 * @returns the same definition, typed
 */
export function defineJob<Props extends object, Deps>(
  definition: JobDefinition<Props, Deps>,
): JobDefinition<Props, Deps> {
  return definition;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds jobs of every props type.
type AnyJob<Deps> = JobDefinition<any, Deps>;

/**
 * Usher's background job queue: pg-boss on the same PostgreSQL (or PGlite) database, so jobs
 * are durable, survive restarts, and are shared by every app and worker process.
 */
export class JobQueue {
  readonly #boss: PgBoss;
  readonly #kind: Database['kind'];
  /** Aborted when the queue stops, so long jobs stop at their next step instead of running on. */
  readonly #stopping = new AbortController();
  #started = false;

  private constructor(boss: PgBoss, kind: Database['kind']) {
    this.#boss = boss;
    this.#kind = kind;
  }

  /**
   * Opens the queue (installing or migrating pg-boss's schema under its own advisory lock).
   * @param database the database the jobs live in
   * @param options `worker: true` also runs maintenance and cron scheduling in this process
   * @returns the started queue
   */
  static async start(
    database: Database,
    options: { worker: boolean; onError: (error: Error) => void },
  ): Promise<JobQueue> {
    const connection: ConstructorOptions =
      'db' in database.queueConnection
        ? { db: database.queueConnection.db, backend: 'pglite' }
        : { connectionString: database.queueConnection.connectionString, max: 4 };
    const boss = new PgBoss({
      ...connection,
      schema: 'usher_jobs',
      supervise: options.worker,
      schedule: options.worker,
      migrate: true,
    });
    boss.on('error', options.onError);
    await boss.start();
    const queue = new JobQueue(boss, database.kind);
    queue.#started = true;
    return queue;
  }

  /**
   * Creates the queues of these jobs (idempotent) and their schedules.
   * @param jobs the job definitions
   */
  async register<Deps>(jobs: AnyJob<Deps>[]): Promise<void> {
    for (const job of jobs) {
      const { retryDelayMax, ...options } = { ...DEFAULT_QUEUE_OPTIONS, ...job.options };
      // pg-boss accepts a maximum delay only with exponential backoff.
      await this.#boss.createQueue(job.name, options.retryBackoff ? { ...options, retryDelayMax } : options);
      if (job.schedule) {
        await this.#boss.schedule(job.name, job.schedule, {}, { tz: 'UTC' });
      }
    }
  }

  /**
   * Enqueues a job. Given a transaction, the job is written in it and exists only if it commits,
   * so a change and the work it causes (e-mail, bulk processing) are never separated.
   * @param job the definition
   * @param props its input (JSON)
   * @param options `trx` to join, `startAfter` seconds or date, `singletonKey` to deduplicate
   * @returns the job id, or null when deduplicated
   */
  async send<Props extends object, Deps>(
    job: JobDefinition<Props, Deps>,
    props: Props,
    options: { trx?: Transaction<DB>; startAfter?: number | Date; singletonKey?: string } = {},
  ): Promise<string | null> {
    const { trx, ...rest } = options;
    return this.#boss.send(job.name, props, { ...rest, ...(trx ? { db: fromKysely(trx) } : {}) });
  }

  /**
   * Starts working on these jobs in this process.
   * @param jobs the definitions
   * @param deps what `perform` receives
   */
  async work<Deps>(jobs: AnyJob<Deps>[], deps: Deps): Promise<void> {
    const polling = this.#kind === 'pglite' ? { pollingIntervalSeconds: 1 } : { pollingIntervalSeconds: 2 };
    for (const job of jobs) {
      await this.#boss.work(job.name, { ...polling, batchSize: 1 }, async (batch) => {
        for (const entry of batch) {
          // Jobs give way to requests on the embedded database (see ConnectionLock).
          await inBackground(() =>
            job.perform(deps, entry.data as object, {
              id: entry.id,
              retryCount: entry.retryCount,
              signal: AbortSignal.any([entry.signal, this.#stopping.signal]),
            }),
          );
        }
      });
    }
  }

  /**
   * Reads one job's state (tests and diagnostics).
   * @returns the state, or null when unknown
   */
  async getJobState(name: string, id: string): Promise<string | null> {
    const job = await this.#boss.getJobById(name, id);
    return job?.state ?? null;
  }

  /**
   * Stops workers and closes the queue's connections. Running jobs see their signal aborted at
   * once: a bulk operation stops after its batch, a fan-out after its chunk (they resume on the
   * next start); a job still running after 10 s is failed and retried later.
   */
  async stop(): Promise<void> {
    if (!this.#started) {
      return;
    }
    this.#started = false;
    this.#stopping.abort();
    await this.#boss.stop({ graceful: true, timeout: 10_000 });
  }
}
