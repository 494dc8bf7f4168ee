import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { IDatabase } from 'pg-boss/dist/types.js';
import { ConnectionLock, inTransactionScope } from './mutex.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import { PGliteThread } from './pglite-thread.ts';
import type { DB } from './schema.ts';

/** PostgreSQL type ids that both drivers parse the same way. */
const INT8 = 20;

/** The database one Usher process talks to, embedded or a server, behind one Kysely instance. */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Kysely<DB>;
  /** How the job queue reaches the same database. */
  readonly queueConnection: { db: IDatabase } | { connectionString: string };
  /** Embedded only: writes the data directory as a tarball that `seedFile` can start from. */
  dump?(file: string): Promise<void>;
  close(): Promise<void>;
}

export type Executor = Kysely<DB> | Transaction<DB>;

/**
 * Runs `fn` in one transaction. Services call this and pass `trx` to every query, audit write
 * and job they enqueue, so that the change and its record commit or roll back together.
 * @param db the root database
 * @param fn the transaction body
 * @returns what `fn` returns (given a transaction, `fn` runs in it)
 */
export function transaction<T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) {
    // A service called with a context whose database is already a transaction (a bulk operation
    // applying a row): join it, so the row's changes commit or roll back with its outcome.
    return fn(db as Transaction<DB>);
  }
  return db.transaction().execute((trx) => inTransactionScope(() => fn(trx)));
}

export interface DatabaseOptions {
  /** `postgres://…` for a server; absent for the embedded database. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded database; absent (with no URL) for an in-memory one (tests). */
  dataDir?: string | undefined;
  /** Pool size for a server connection. */
  poolSize?: number;
  /**
   * Embedded only: a tarball written by `Database.dump` that a new database starts from (the
   * tests start each in-memory database from one migrated copy instead of initdb + migrations).
   */
  seedFile?: string | undefined;
}

/**
 * Opens the database: PGlite (embedded, under `dataDir/pgdata`, or in memory) or PostgreSQL.
 * @param options where the database is
 * @returns the open database
 * @throws Error when the embedded folder is in use by another process, or the server cannot be reached
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openPGlite(options.dataDir, options.seedFile);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  await createDatabaseIfMissing(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    queueConnection: { connectionString: url },
    close: () => db.destroy(),
  };
}

/**
 * Creates the database named in the URL when the server says it does not exist (SQLSTATE
 * 3D000), so `DATABASE_URL=postgres://…/usher npm start` works on a server without set-up.
 */
async function createDatabaseIfMissing(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.end();
    return;
  } catch (error) {
    await client.end().catch(() => {});
    if ((error as { code?: string }).code !== '3D000') {
      throw new Error(`Cannot reach the PostgreSQL server at DATABASE_URL: ${(error as Error).message}`);
    }
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  try {
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
  } catch (error) {
    // 42P04: another process created it at the same moment.
    if ((error as { code?: string }).code !== '42P04') {
      throw error;
    }
  } finally {
    await admin.end();
  }
}

async function openPGlite(dataDir: string | undefined, seedFile: string | undefined): Promise<Database> {
  let releaseDirectory = () => {};
  if (dataDir) {
    fs.mkdirSync(dataDir, { recursive: true });
    releaseDirectory = claimDataDirectory(dataDir);
  }
  let pglite: PGliteThread;
  try {
    pglite = await PGliteThread.open(dataDir ? path.join(dataDir, 'pgdata') : undefined, seedFile);
  } catch (error) {
    releaseDirectory();
    throw error;
  }
  const lock = new ConnectionLock();
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite, lock) });
  return {
    kind: 'pglite',
    db,
    queueConnection: { db: pgliteQueueDatabase(pglite, lock) },
    dump: (file) => lock.run(() => pglite.dumpTo(file)),
    close: async () => {
      await db.destroy();
      await lock.run(() => pglite.close());
      releaseDirectory();
    },
  };
}

/**
 * The job queue's view of PGlite. Every statement takes the same lock as Kysely, and a failed
 * multi-statement block is rolled back while the lock is still held, so nothing of the queue
 * can land in (or abort) an application transaction on the one shared session.
 */
function pgliteQueueDatabase(pglite: PGliteThread, lock: ConnectionLock): IDatabase {
  return {
    executeSql: (text, values) =>
      lock.run(async () => {
        try {
          if (values?.length) {
            return await pglite.query(text, values);
          }
          const results = await pglite.exec(text);
          return { rows: results.flatMap((result) => result.rows) };
        } catch (error) {
          await pglite.rollbackOpenTransaction();
          throw error;
        }
      }),
  };
}

/**
 * PGlite's files may be opened by one process only; a second one would corrupt them. Claims the
 * folder with a lock file holding this process's id, taking over a lock left by a dead process.
 * @returns a function that releases the claim
 * @throws Error when a live process holds the folder
 */
function claimDataDirectory(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'usher.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The embedded database in ${dataDir} is in use by process ${holder}. It serves one process; ` +
            'to run several server or worker processes, set DATABASE_URL to a PostgreSQL server.',
        );
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new Error(`Cannot claim ${dataDir}: remove ${lockFile} if no Usher process is running.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
