import { type RawBuilder, sql } from 'kysely';
import type { Executor } from './database.ts';

/**
 * Criteria: a protocol-neutral condition on a capability's rows (a user, a group, a member), which
 * an adapter builds from its own filter language (SCIM's `filter`) and the owning capability turns
 * into SQL over its tables with {@link criteriaSql}: the adapter names fields, never columns. The
 * SQL is Kysely `sql` fragments with bound values, never concatenated text; comparisons are plain,
 * so the capability's indexes serve them.
 */

/** A comparison operator. */
export type CriteriaOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** What a comparison reads: a field of the capability, or a constant the adapter presents. */
export type Operand =
  | { field: string }
  /**
   * A constant (an attribute the adapter shows with a fixed value); with `whenSet`, the constant
   * only where that field is not null (and null elsewhere).
   */
  | { constant: string | boolean; caseExact: boolean; whenSet?: string };

/** A condition. `label` names the compared attribute as the caller wrote it, for error messages. */
export type Criteria =
  | { kind: 'and' | 'or'; left: Criteria; right: Criteria }
  | { kind: 'not'; criteria: Criteria }
  | { kind: 'compare'; operand: Operand; op: CriteriaOp; value: string | number | boolean | null; label: string }
  | { kind: 'present'; operand: Operand }
  /** Some related row (a user's group, a group's member) matches the inner criteria. */
  | { kind: 'some'; relation: string; criteria: Criteria };

/** The type of a field's values, which decides how it compares. */
export type FieldType = 'string' | 'boolean' | 'dateTime' | 'uuid';

/** A field: its SQL expression over the rows in scope, its type and whether it compares case-exactly. */
export interface CriteriaField {
  expr: RawBuilder<unknown>;
  type: FieldType;
  caseExact: boolean;
}

/** The fields a capability offers to criteria, and its relations to other rows. */
export interface CriteriaCatalog {
  fields: Record<string, CriteriaField>;
  relations: Record<string, { catalog: CriteriaCatalog; exists: (inner: RawBuilder<boolean>) => RawBuilder<boolean> }>;
}

/** A comparison that cannot be made (a wrong value type or operator for the field); the message says why. */
export class CriteriaError extends Error {}

/**
 * Declares a field.
 * @returns the field
 */
export function criteriaField(expr: RawBuilder<unknown>, type: FieldType, caseExact = false): CriteriaField {
  return { expr, type, caseExact };
}

type Bool = RawBuilder<boolean>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SQL_OPS = { gt: sql`>`, ge: sql`>=`, lt: sql`<`, le: sql`<=` } as const;

function invalid(message: string): never {
  throw new CriteriaError(message);
}

function likePattern(value: string, op: 'co' | 'sw' | 'ew'): string {
  const escaped = value.replace(/[\\%_]/g, (char) => `\\${char}`);
  return op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
}

function resolve(operand: Operand, catalog: CriteriaCatalog): CriteriaField {
  if ('field' in operand) {
    const field = catalog.fields[operand.field];
    if (!field) {
      throw new Error(`criteria: unknown field ${operand.field}`);
    }
    return field;
  }
  const type = typeof operand.constant === 'boolean' ? 'boolean' : 'string';
  if (operand.whenSet === undefined) {
    return criteriaField(sql`${operand.constant}`, type, operand.caseExact);
  }
  const guard = resolve({ field: operand.whenSet }, catalog);
  // A literal, not a bound value: a parameter in a CASE branch would be typed as text.
  return criteriaField(
    sql`case when ${guard.expr} is null then null else ${sql.lit(operand.constant)} end`,
    type,
    operand.caseExact,
  );
}

function compare(target: CriteriaField, op: CriteriaOp, value: string | number | boolean | null, label: string): Bool {
  if (value === null) {
    if (op === 'eq') {
      return sql<boolean>`(${target.expr} is null)`;
    }
    if (op === 'ne') {
      return sql<boolean>`(${target.expr} is not null)`;
    }
    invalid(`${label} ${op} null: only eq and ne compare with null`);
  }
  if (target.type === 'boolean') {
    const parsed = typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value;
    if (typeof parsed !== 'boolean' || (op !== 'eq' && op !== 'ne')) {
      invalid(`${label} is a boolean: compare it with eq or ne and true or false`);
    }
    return op === 'eq'
      ? sql<boolean>`(${target.expr} = ${parsed})`
      : sql<boolean>`coalesce(${target.expr} <> ${parsed}, true)`;
  }
  if (typeof value !== 'string') {
    invalid(`${label} takes a "string" value`);
  }
  if (target.type === 'dateTime') {
    if (Number.isNaN(Date.parse(value)) || op === 'co' || op === 'sw' || op === 'ew') {
      invalid(`${label} is a date-time: compare it with eq, ne, gt, ge, lt or le and an ISO 8601 "string"`);
    }
    const at = sql`${new Date(value).toISOString()}::timestamptz`;
    if (op === 'eq') {
      return sql<boolean>`(${target.expr} = ${at})`;
    }
    if (op === 'ne') {
      return sql<boolean>`coalesce(${target.expr} <> ${at}, true)`;
    }
    return sql<boolean>`(${target.expr} ${SQL_OPS[op]} ${at})`;
  }
  if (target.type === 'uuid' && (op === 'eq' || op === 'ne')) {
    if (!UUID.test(value)) {
      return sql<boolean>`${op === 'ne'}`;
    }
    return op === 'eq'
      ? sql<boolean>`(${target.expr} = ${value.toLowerCase()}::uuid)`
      : sql<boolean>`(${target.expr} <> ${value.toLowerCase()}::uuid)`;
  }
  const text = target.type === 'uuid' ? sql`${target.expr}::text` : target.expr;
  const left = target.caseExact ? text : sql`lower(${text})`;
  const right = target.caseExact ? value : value.toLowerCase();
  switch (op) {
    case 'eq':
      return sql<boolean>`(${left} = ${right})`;
    case 'ne':
      return sql<boolean>`coalesce(${left} <> ${right}, true)`;
    case 'co':
    case 'sw':
    case 'ew':
      return sql<boolean>`(${left} like ${likePattern(right, op)})`;
    default:
      return sql<boolean>`(${left} ${SQL_OPS[op]} ${right})`;
  }
}

function present(target: CriteriaField): Bool {
  return target.type === 'string'
    ? sql<boolean>`(${target.expr} is not null and ${target.expr} <> '')`
    : sql<boolean>`(${target.expr} is not null)`;
}

/**
 * Turns criteria into an SQL condition over a capability's rows.
 * @param criteria the condition
 * @param catalog the capability's fields and relations (a field it does not list is a programming error)
 * @returns the condition, with bound values
 * @throws CriteriaError when a value or operator does not fit a field's type
 */
export function criteriaSql(criteria: Criteria, catalog: CriteriaCatalog): Bool {
  switch (criteria.kind) {
    case 'and':
      return sql<boolean>`(${criteriaSql(criteria.left, catalog)} and ${criteriaSql(criteria.right, catalog)})`;
    case 'or':
      return sql<boolean>`(${criteriaSql(criteria.left, catalog)} or ${criteriaSql(criteria.right, catalog)})`;
    case 'not':
      // Comparisons are plain (so indexes serve them) and yield NULL on a missing value; NOT of
      // NULL would drop the row, so the inner condition counts a missing value as false first.
      return sql<boolean>`(not coalesce(${criteriaSql(criteria.criteria, catalog)}, false))`;
    case 'some': {
      const relation = catalog.relations[criteria.relation];
      if (!relation) {
        throw new Error(`criteria: unknown relation ${criteria.relation}`);
      }
      return relation.exists(criteriaSql(criteria.criteria, relation.catalog));
    }
    case 'present':
      return present(resolve(criteria.operand, catalog));
    default:
      return compare(resolve(criteria.operand, catalog), criteria.op, criteria.value, criteria.label);
  }
}

/** One page of rows matching criteria: offset and size, in an order. */
export interface CriteriaPage<S extends string> {
  criteria: Criteria | null;
  sort: S;
  descending: boolean;
  /** 0-based offset. */
  offset: number;
  count: number;
}

/**
 * One page of a tenant table's rows matching criteria, in a stable order (the sort key, then
 * id), with the total count (the page and the count read in parallel): what a capability answers
 * an adapter's filtered, numbered pages with.
 * @param db database or transaction
 * @param query the table (named as the catalog's fields name it), the columns read, the tenant,
 *   the catalog and the capability's sorts, and a condition every row must meet besides (what
 *   the reader may see)
 * @param page the criteria, sort and window
 * @returns the rows and the number of matches
 * @throws CriteriaError when a value does not fit its field
 */
export async function findPageByCriteria<R, S extends string>(
  db: Executor,
  query: {
    table: string;
    columns: RawBuilder<unknown>;
    organizationId: string;
    catalog: CriteriaCatalog;
    sorts: Record<S, RawBuilder<unknown>>;
    also?: Bool;
  },
  page: CriteriaPage<S>,
): Promise<{ rows: R[]; total: number }> {
  const table = sql.table(query.table);
  const id = sql.ref(`${query.table}.id`);
  const condition = page.criteria ? criteriaSql(page.criteria, query.catalog) : sql<boolean>`true`;
  const where = sql<boolean>`${sql.ref(`${query.table}.organization_id`)} = ${query.organizationId} and ${condition} and ${query.also ?? sql<boolean>`true`}`;
  const direction = page.descending ? sql`desc` : sql`asc`;
  const [rows, total] = await Promise.all([
    page.count === 0
      ? Promise.resolve({ rows: [] as R[] })
      : sql<R>`select ${query.columns} from ${table} where ${where}
          order by ${query.sorts[page.sort]} ${direction}, ${id} ${direction} limit ${page.count} offset ${page.offset}`.execute(
          db,
        ),
    sql<{ n: number }>`select count(*)::int as n from ${table} where ${where}`.execute(db),
  ]);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}
