/**
 * The embedded database's own thread: PGlite (PostgreSQL in WebAssembly) runs its statements
 * here, so a long statement never blocks the HTTP server's event loop. `pglite-thread.ts` starts
 * this file with `node:worker_threads` and sends one message per call.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { PGliteReply, PGliteRequest, PGliteWorkerData } from './pglite-thread.ts';

/** PostgreSQL's int8 type id: parsed as a JS number, like the PostgreSQL driver does. */
const INT8 = 20;

/** Error fields PostgreSQL reports (SQLSTATE, constraint, …), copied across the thread boundary. */
const ERROR_FIELDS = [
  'severity',
  'code',
  'detail',
  'hint',
  'position',
  'where',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'routine',
] as const;

function describeError(error: unknown): { message: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  for (const field of ERROR_FIELDS) {
    const value = (error as Record<string, unknown> | null)?.[field];
    if (typeof value === 'string') {
      fields[field] = value;
    }
  }
  return { message: error instanceof Error ? error.message : String(error), fields };
}

const port = parentPort;
if (!port) {
  throw new Error('pglite-worker.ts runs as a worker thread (started by pglite-thread.ts).');
}
const { dataDir, seedFile } = workerData as PGliteWorkerData;

let pglite: PGlite;
try {
  pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(seedFile ? { loadDataDir: new Blob([fs.readFileSync(seedFile)]) } : {}),
    extensions: { pg_trgm },
    parsers: { [INT8]: (value: string) => Number(value) },
  });
} catch (error) {
  port.postMessage({ id: 0, ok: false, error: describeError(error) } satisfies PGliteReply);
  process.exit(1);
}
port.postMessage({ id: 0, ok: true, result: null } satisfies PGliteReply);

async function perform(request: PGliteRequest): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const result = await pglite.query(request.sql, request.params);
      return { rows: result.rows, affectedRows: result.affectedRows };
    }
    case 'exec': {
      const results = await pglite.exec(request.sql);
      return results.map((result) => ({ rows: result.rows, affectedRows: result.affectedRows }));
    }
    case 'rollback-open':
      // After a failed multi-statement block: end the transaction it left open, if any.
      if (pglite.isInTransaction()) {
        await pglite.query('rollback');
      }
      return null;
    case 'dump': {
      const tarball = await pglite.dumpDataDir('none');
      fs.writeFileSync(request.file, Buffer.from(await tarball.arrayBuffer()));
      return null;
    }
    case 'close':
      await pglite.close();
      return null;
  }
}

port.on('message', (request: PGliteRequest) => {
  perform(request).then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies PGliteReply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: describeError(error) } satisfies PGliteReply),
  );
});
