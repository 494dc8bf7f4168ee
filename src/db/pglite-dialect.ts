import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { ConnectionLock } from './mutex.ts';
import type { PGliteThread } from './pglite-thread.ts';

/** The one PGlite session (in its own thread) as a Kysely connection. */
class PGliteConnection implements DatabaseConnection {
  readonly #pglite: PGliteThread;

  constructor(pglite: PGliteThread) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#pglite.query<R>(compiled.sql, [...compiled.parameters]);
    const kind = compiled.query.kind;
    // Like Kysely's PostgreSQL driver, report affected rows for writes, raw `sql` ones included.
    const writes =
      kind === 'InsertQueryNode' ||
      kind === 'UpdateQueryNode' ||
      kind === 'DeleteQueryNode' ||
      kind === 'MergeQueryNode' ||
      (kind === 'RawNode' && /^\s*(insert|update|delete|merge)\b/i.test(compiled.sql));
    return {
      rows: result.rows,
      ...(writes && result.affectedRows !== undefined ? { numAffectedRows: BigInt(result.affectedRows) } : {}),
    };
  }

  // biome-ignore lint/correctness/useYield: PGlite has no server-side cursors; streaming is not offered.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on PGlite; page with a keyset instead.');
  }
}

/** Kysely driver over one PGlite instance, serialised by a lock shared with the job queue. */
class PGliteDriver implements Driver {
  readonly #connection: PGliteConnection;
  readonly #lock: ConnectionLock;
  readonly #releases = new WeakMap<DatabaseConnection, () => void>();

  constructor(pglite: PGliteThread, lock: ConnectionLock) {
    this.#connection = new PGliteConnection(pglite);
    this.#lock = lock;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#lock.acquire();
    this.#releases.set(this.#connection, release);
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await connection.executeQuery(CompiledQuery.raw(`begin${isolation}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.#releases.get(connection);
    this.#releases.delete(connection);
    release?.();
  }

  async destroy(): Promise<void> {}
}

/**
 * A Kysely dialect for PGlite (embedded PostgreSQL in WebAssembly). The SQL is PostgreSQL's, so
 * the adapter, compiler and introspector are Kysely's PostgreSQL ones.
 */
export class PGliteDialect implements Dialect {
  readonly #pglite: PGliteThread;
  readonly #lock: ConnectionLock;

  constructor(pglite: PGliteThread, lock: ConnectionLock) {
    this.#pglite = pglite;
    this.#lock = lock;
  }

  createAdapter() {
    return new PostgresAdapter();
  }

  createDriver(): Driver {
    return new PGliteDriver(this.#pglite, this.#lock);
  }

  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's own signature takes Kysely<any>.
  createIntrospector(db: Kysely<any>) {
    return new PostgresIntrospector(db);
  }
}
