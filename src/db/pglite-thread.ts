import { Worker } from 'node:worker_threads';

/** What the PGlite thread is started with. */
export interface PGliteWorkerData {
  /** Folder of the database files; absent for an in-memory database. */
  dataDir: string | undefined;
  /** A data directory's tarball (as `dumpTo` writes it) a new database starts from, skipping initdb. */
  seedFile?: string | undefined;
}

/** One call to the PGlite thread. */
export type PGliteRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[] }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'rollback-open' }
  | { id: number; op: 'dump'; file: string }
  | { id: number; op: 'close' };

/** The thread's answer to the call with the same id (id 0: the database is open, or failed to open). */
export type PGliteReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; fields: Record<string, string> } };

/** A statement's result as the thread returns it. */
export interface PGliteResult<R> {
  rows: R[];
  affectedRows?: number | undefined;
}

/**
 * An error PGlite reported, with PostgreSQL's fields (`code` is the SQLSTATE, `constraint` the
 * violated constraint's name), as node-postgres reports them.
 */
export class PGliteError extends Error {
  code?: string;
  constraint?: string;
  detail?: string;
  table?: string;
  column?: string;

  constructor(message: string, fields: Record<string, string>) {
    super(message);
    this.name = 'PGliteError';
    Object.assign(this, fields);
  }
}

/**
 * The embedded database in a worker thread of its own (`pglite-worker.ts`). PGlite runs
 * PostgreSQL in WebAssembly on the thread that calls it, so in the server's thread every long
 * statement (a bulk batch, a 100,000-row e-mail fan-out) would stall every request and even the
 * signal handlers. Here the server's event loop only posts messages and receives results.
 *
 * The worker thread keeps the process alive only while a call is pending, as PGlite in the
 * process did: a command that has finished its work exits without closing the database.
 */
export class PGliteThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  #failure: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /**
   * Starts the thread and opens the database in it.
   * @param dataDir folder of the database files, or undefined for an in-memory database
   * @param seedFile a tarball written by `dumpTo` that a new database starts from (tests start
   *   from a migrated copy instead of running initdb and every migration again)
   * @returns the open database
   * @throws Error when PGlite cannot open the folder
   */
  static async open(dataDir: string | undefined, seedFile?: string): Promise<PGliteThread> {
    const worker = new Worker(new URL('./pglite-worker.ts', import.meta.url), {
      workerData: { dataDir, seedFile } satisfies PGliteWorkerData,
    });
    const thread = new PGliteThread(worker);
    const opened = new Promise<unknown>((resolve, reject) => {
      thread.#pending.set(0, { resolve, reject });
    });
    worker.on('message', (reply: PGliteReply) => thread.#settle(reply));
    worker.on('error', (error: unknown) => thread.#fail(error instanceof Error ? error : new Error(String(error))));
    worker.on('exit', (code) => thread.#fail(new Error(`The embedded database thread stopped (exit code ${code}).`)));
    try {
      await opened;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    worker.unref();
    return thread;
  }

  /**
   * Runs one statement with parameters (PostgreSQL's extended protocol: one statement per call).
   * @returns its rows and, for writes, the affected row count
   */
  query<R>(sql: string, params: readonly unknown[] = []): Promise<PGliteResult<R>> {
    return this.#call({ id: 0, op: 'query', sql, params: [...params] }) as Promise<PGliteResult<R>>;
  }

  /**
   * Runs several statements without parameters (the simple protocol).
   * @returns one result per statement
   */
  exec(sql: string): Promise<PGliteResult<Record<string, unknown>>[]> {
    return this.#call({ id: 0, op: 'exec', sql }) as Promise<PGliteResult<Record<string, unknown>>[]>;
  }

  /** Rolls back the transaction a failed statement block left open, if one is open. */
  async rollbackOpenTransaction(): Promise<void> {
    await this.#call({ id: 0, op: 'rollback-open' });
  }

  /**
   * Writes the whole data directory as an uncompressed tarball (PGlite's `dumpDataDir`), which
   * `open(…, seedFile)` starts a new database from.
   * @param file where to write it
   */
  async dumpTo(file: string): Promise<void> {
    await this.#call({ id: 0, op: 'dump', file });
  }

  /** Closes the database (flushing its files) and stops the thread. */
  async close(): Promise<void> {
    if (!this.#failure) {
      await this.#call({ id: 0, op: 'close' });
    }
    this.#failure ??= new Error('The embedded database is closed.');
    await this.#worker.terminate();
  }

  #call(request: PGliteRequest): Promise<unknown> {
    if (this.#failure) {
      return Promise.reject(this.#failure);
    }
    const id = this.#nextId++;
    if (this.#pending.size === 0) {
      this.#worker.ref();
    }
    const answer = new Promise<unknown>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#worker.postMessage({ ...request, id });
    return answer;
  }

  #settle(reply: PGliteReply): void {
    const waiter = this.#pending.get(reply.id);
    if (!waiter) {
      return;
    }
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) {
      this.#worker.unref();
    }
    if (reply.ok) {
      waiter.resolve(reply.result);
    } else {
      waiter.reject(new PGliteError(reply.error.message, reply.error.fields));
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) {
      waiter.reject(error);
    }
    this.#pending.clear();
  }
}
