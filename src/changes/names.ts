import { sql } from 'kysely';
import type { FieldProblem } from '../core/errors.ts';
import type { Executor } from '../db/database.ts';

/** What a name can stand for in a change. */
export type NameKind = 'profile' | 'group' | 'product';

/** A thing found by name; profiles carry their product (scope checks need it). */
export interface Named {
  id: string;
  name: string;
  productId: string | null;
}

const TABLES = { profile: 'product_profiles', group: 'user_groups', product: 'products' } as const;

/**
 * The one name resolver of the change engine: names of profiles, groups or products (admin
 * scopes are one of them) to ids, for many items at once, with a problem per item and name not
 * found. Names are trimmed; by default they are compared case-insensitively (Adobe's sync tool
 * lower-cases every name it sends); `exact` compares them as written.
 * @param wanted per item, the field that named them and the names
 * @returns the things found by (lower-cased, unless exact) name, and the problems, per item index
 */
export async function resolveNames(
  db: Executor,
  organizationId: string,
  kind: NameKind,
  wanted: { field: string; names: string[] }[],
  options: { exact?: boolean } = {},
): Promise<{ found: Map<string, Named>; problems: Map<number, FieldProblem[]> }> {
  const keyOf = (name: string) => (options.exact ? name.trim() : name.trim().toLowerCase());
  const keys = [...new Set(wanted.flatMap((item) => item.names.map(keyOf)))];
  const found = new Map<string, Named>();
  if (keys.length > 0) {
    const column = options.exact ? sql<string>`name` : sql<string>`lower(name)`;
    const product = kind === 'profile' ? sql`product_id` : sql`null::uuid`;
    const rows = await sql<{ id: string; name: string; product_id: string | null }>`
      select id, name, ${product} as product_id from ${sql.table(TABLES[kind])}
      where organization_id = ${organizationId} and ${column} = any(${keys}::text[])`.execute(db);
    for (const row of rows.rows) {
      found.set(keyOf(row.name), { id: row.id, name: row.name, productId: row.product_id });
    }
  }
  const problems = new Map<number, FieldProblem[]>();
  for (const [index, item] of wanted.entries()) {
    const missing = item.names.filter((name) => !found.has(keyOf(name)));
    if (missing.length > 0) {
      problems.set(
        index,
        missing.map((name) => ({ field: item.field, message: `no ${kind} named "${name}" in this organization` })),
      );
    }
  }
  return { found, problems };
}
