/**
 * The layer rules of docs/ARCHITECTURE.md, checked over the import graph and the SQL of the
 * protocol adapters (part of `npm run check`; exits 1 naming each violation):
 *
 * - `src/core/` imports only core/ and shared/; `src/db/` only db/, core/ and shared/; `src/jobs/`
 *   (the queue) only jobs/, db/, core/ and shared/: none of them imports a capability.
 * - Nothing but the composition files (src/app.ts, cli.ts, server.ts, jobs.ts, maintenance.job.ts)
 *   and tests imports a composition file.
 * - A capability never imports another capability's `*.queries.ts`.
 * - `shared/` imports only shared/; `web/` imports nothing outside web/ but shared/.
 * - The protocol adapters (bulk/, scim/, umapi/, sync/) reach other capabilities' tables only
 *   through their services and commands: no Kysely builder call or `sql` text on such a table.
 *
 * Places that broke a rule before the rule existed are listed in KNOWN, each to be removed when
 * fixed; a KNOWN entry that no longer occurs is an error too, so the list only shrinks.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

const COMPOSITION = new Set(['src/app.ts', 'src/cli.ts', 'src/server.ts', 'src/jobs.ts', 'src/maintenance.job.ts']);
/** Top-level files below the capabilities: configuration and the shared context. */
const BASE_FILES = new Set(['src/config.ts', 'src/context.ts']);
/** Folders below the capabilities, and what each may import. */
const FOUNDATION: Record<string, string[]> = {
  core: ['core', 'shared'],
  db: ['db', 'core', 'shared'],
  jobs: ['jobs', 'db', 'core', 'shared', 'base'],
};
const ADAPTERS: Record<string, string[]> = {
  bulk: ['bulk_operations', 'bulk_operation_rows'],
  scim: [],
  umapi: ['umapi_access_tokens'],
  sync: [
    'directory_syncs',
    'directory_sync_runs',
    'directory_sync_run_users',
    'directory_sync_users',
    'directory_sync_run_entries',
    'directory_sync_run_members',
  ],
};

/** Violations that predate the rules: `file: what`. Remove an entry when its place is fixed. */
const KNOWN = new Set<string>([]);

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') {
        filesUnder(rel, out);
      }
    } else if (/\.(ts|tsx)$/.test(entry.name)) {
      out.push(rel);
    }
  }
  return out;
}

/** What a file is, for the rules: its area (`web`, `shared`, `composition`, `base`, a folder of src/) and whether it is a test. */
function areaOf(file: string): string {
  if (file.startsWith('web/')) {
    return 'web';
  }
  if (file.startsWith('shared/')) {
    return 'shared';
  }
  if (file.startsWith('src/')) {
    if (COMPOSITION.has(file)) {
      return 'composition';
    }
    if (BASE_FILES.has(file)) {
      return 'base';
    }
    const parts = file.split('/');
    return parts.length > 2 ? (parts[1] ?? '') : 'composition';
  }
  return 'outside';
}

const isTest = (file: string) => /\.(test|e2e)\.tsx?$/.test(file);

/** The relative imports of a file (static, dynamic and re-exports), resolved to repository paths. */
function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    found.push(path.relative(root, path.resolve(path.dirname(path.join(root, file)), match[1] ?? '')));
  }
  return found;
}

/** The tables an adapter's code names: Kysely builder calls and `sql` template text. */
function tablesOf(text: string): string[] {
  const tables: string[] = [];
  for (const match of text.matchAll(
    /\b(?:selectFrom|insertInto|updateTable|deleteFrom|mergeInto|innerJoin|leftJoin)\(\s*'([a-z_]+)/g,
  )) {
    tables.push(match[1] ?? '');
  }
  for (const template of text.matchAll(/\bsql(?:<[^>`]*>)?`([^`]*)`/g)) {
    for (const match of (template[1] ?? '').matchAll(/\b(?:from|join|into|update)\s+"?([a-z_]+)\b/gi)) {
      tables.push(match[1] ?? '');
    }
  }
  return tables;
}

const schema = fs.readFileSync(path.join(root, 'src/db/schema.ts'), 'utf8');
const TABLES = new Set(
  [...(schema.match(/export interface DB \{([^}]*)\}/)?.[1] ?? '').matchAll(/^\s*([a-z_]+):/gm)].map((m) => m[1]),
);

const problems: string[] = [];
const seenKnown = new Set<string>();
function report(file: string, what: string) {
  const key = `${file}: ${what}`;
  if (KNOWN.has(key)) {
    seenKnown.add(key);
  } else {
    problems.push(key);
  }
}

for (const file of [...filesUnder('src'), ...filesUnder('shared'), ...filesUnder('web/src')]) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const area = areaOf(file);
  const test = isTest(file);
  for (const target of importsOf(file, text)) {
    const to = areaOf(target);
    if (area === 'web' && to !== 'web' && to !== 'shared') {
      report(file, `web/ imports ${target} (the console imports only web/ and shared/)`);
    } else if (area === 'shared' && to !== 'shared') {
      report(file, `shared/ imports ${target} (shared/ imports only shared/)`);
    } else if (test) {
      // Tests may reach anything of the server.
    } else if (FOUNDATION[area] && !FOUNDATION[area].includes(to)) {
      report(file, `${area}/ imports ${target} (${area}/ imports only ${FOUNDATION[area].join(', ')})`);
    } else if (to === 'composition' && area !== 'composition') {
      report(file, `imports the composition file ${target}`);
    } else if (
      target.endsWith('.queries.ts') &&
      to !== area &&
      area !== 'composition' &&
      !FOUNDATION[to] &&
      to !== 'base'
    ) {
      report(file, `imports ${target}, another capability's queries (use its service)`);
    }
  }
  const own = ADAPTERS[area];
  if (own && !test) {
    for (const table of new Set(tablesOf(text))) {
      if (TABLES.has(table) && !own.includes(table)) {
        report(file, `${area}/ reads or writes ${table} directly (use the owning capability's service or command)`);
      }
    }
  }
}
for (const key of KNOWN) {
  if (!seenKnown.has(key)) {
    problems.push(`${key} — fixed: remove it from KNOWN in scripts/check-layers.ts`);
  }
}
if (problems.length > 0) {
  console.error(`Layer rules (docs/ARCHITECTURE.md) broken in ${problems.length} place(s):`);
  for (const problem of problems) {
    console.error(`  ${problem}`);
  }
  process.exit(1);
}
console.log(`Layer rules hold (${KNOWN.size} known exceptions listed in scripts/check-layers.ts).`);
