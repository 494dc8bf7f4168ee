import { runItems } from '../changes/runner.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { constraintError } from '../db/constraint-errors.ts';
import type { Actor } from '../roles/policy.ts';
import { ScimError, type ScimErrorBody, scimErrorBody, toScimError } from './scim.errors.ts';
import { type Doc, getCi } from './scim.patch.ts';
import { createResource, deleteResource, patchResource, type ResourceKind, replaceResource } from './scim.resources.ts';
import { SCHEMA, SCIM_LIMITS } from './scim.schemas.ts';

/**
 * /Bulk (RFC 7644 §3.7, https://www.rfc-editor.org/rfc/rfc7644#section-3.7): operations run in
 * order through the change engine's runner, each in its own savepoint (a failed one changes
 * nothing), until `failOnErrors` errors.
 * `bulkId:<id>` anywhere in a path or value refers to a resource created by another operation of
 * the request: an operation waits for the ones it refers to, and a circular reference fails with 409.
 */

interface BulkOperation {
  index: number;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  bulkId: string | undefined;
  version: string | undefined;
  path: string;
  data: unknown;
}

/** One operation's outcome. */
export interface BulkResult {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: ScimErrorBody;
}

const BULK_REF = /bulkId:([^\s"/]+)/g;

function references(operation: BulkOperation): string[] {
  const found = new Set<string>();
  const text = `${operation.path} ${JSON.stringify(operation.data ?? null)}`;
  for (const match of text.matchAll(BULK_REF)) {
    if (match[1]) {
      found.add(match[1]);
    }
  }
  return [...found];
}

function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(BULK_REF, (whole, bulkId: string) => ids.get(bulkId) ?? whole);
  }
  if (Array.isArray(value)) {
    return value.map((entry) => substitute(entry, ids));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, substitute(entry, ids)]));
  }
  return value;
}

/**
 * Reads and checks a BulkRequest.
 * @returns the operations and failOnErrors
 * @throws ScimError 400 invalidSyntax; 413 tooLarge above maxOperations
 */
export function readBulkRequest(body: unknown): { operations: BulkOperation[]; failOnErrors: number | null } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ScimError(400, 'invalidSyntax', 'A bulk request is a JSON object.');
  }
  const doc = body as Doc;
  const schemas = getCi(doc, 'schemas');
  if (
    Array.isArray(schemas) &&
    !schemas.some((schema) => String(schema).toLowerCase() === SCHEMA.bulkRequest.toLowerCase())
  ) {
    throw new ScimError(400, 'invalidSyntax', `A bulk request has the schema ${SCHEMA.bulkRequest}.`);
  }
  const list = getCi(doc, 'Operations');
  if (!Array.isArray(list)) {
    throw new ScimError(400, 'invalidSyntax', 'A bulk request needs an "Operations" array.');
  }
  if (list.length > SCIM_LIMITS.bulkMaxOperations) {
    throw new ScimError(
      413,
      'tooLarge',
      `The bulk request has ${list.length} operations; at most ${SCIM_LIMITS.bulkMaxOperations} are allowed (maxOperations).`,
    );
  }
  const failOnErrors = getCi(doc, 'failOnErrors');
  if (failOnErrors !== undefined && (!Number.isInteger(failOnErrors) || (failOnErrors as number) < 1)) {
    throw new ScimError(400, 'invalidValue', 'failOnErrors must be a positive integer.');
  }
  const seen = new Set<string>();
  const operations = list.map((entry, index): BulkOperation => {
    if (typeof entry !== 'object' || entry === null) {
      throw new ScimError(400, 'invalidSyntax', `Operations[${index}] must be an object.`);
    }
    const method = String(getCi(entry as Doc, 'method') ?? '').toUpperCase();
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
      throw new ScimError(400, 'invalidSyntax', `Operations[${index}].method must be POST, PUT, PATCH or DELETE.`);
    }
    const path = getCi(entry as Doc, 'path');
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new ScimError(400, 'invalidSyntax', `Operations[${index}].path must be a path such as /Users.`);
    }
    const bulkId = getCi(entry as Doc, 'bulkId');
    if (method === 'POST' && (typeof bulkId !== 'string' || bulkId === '')) {
      throw new ScimError(400, 'invalidSyntax', `Operations[${index}]: a POST needs a bulkId.`);
    }
    if (typeof bulkId === 'string') {
      if (seen.has(bulkId)) {
        throw new ScimError(400, 'invalidSyntax', `Operations[${index}]: bulkId "${bulkId}" is used twice.`);
      }
      seen.add(bulkId);
    }
    const version = getCi(entry as Doc, 'version');
    return {
      index,
      method: method as BulkOperation['method'],
      bulkId: typeof bulkId === 'string' ? bulkId : undefined,
      version: typeof version === 'string' ? version : undefined,
      path,
      data: getCi(entry as Doc, 'data'),
    };
  });
  return { operations, failOnErrors: typeof failOnErrors === 'number' ? failOnErrors : null };
}

function route(path: string, method: string): { kind: ResourceKind; id: string | null } {
  const match = /^\/(Users|Groups)(?:\/([^/]+))?$/i.exec(path);
  if (!match) {
    throw new ScimError(400, 'invalidPath', `Bulk operations apply to /Users and /Groups, not ${path}.`);
  }
  const kind = (match[1]?.toLowerCase() === 'users' ? 'Users' : 'Groups') as ResourceKind;
  const id = match[2] ?? null;
  if ((method === 'POST') !== (id === null)) {
    throw new ScimError(
      400,
      'invalidPath',
      method === 'POST' ? `POST goes to /${kind}.` : `${method} needs /${kind}/{id}.`,
    );
  }
  return { kind, id };
}

/**
 * The order the operations run in: each after the operations whose bulkIds it refers to, otherwise
 * as sent. Operations caught in circular references are left out, to fail with 409.
 * @returns the runnable operations in order, and the circular ones
 */
function runOrder(operations: BulkOperation[]): { ordered: BulkOperation[]; circular: BulkOperation[] } {
  const defined = new Set(operations.flatMap((operation) => (operation.bulkId ? [operation.bulkId] : [])));
  const done = new Set<string>();
  const ordered: BulkOperation[] = [];
  let pending = [...operations];
  for (;;) {
    const next = pending.find((operation) => references(operation).every((ref) => done.has(ref) || !defined.has(ref)));
    if (!next) {
      return { ordered, circular: pending };
    }
    ordered.push(next);
    if (next.bulkId) {
      done.add(next.bulkId);
    }
    pending = pending.filter((operation) => operation !== next);
  }
}

/** Runs one operation (its bulkId references already created) and answers its result. */
async function runOperation(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  operation: BulkOperation,
  ids: Map<string, string>,
): Promise<BulkResult> {
  const unresolved = references(operation).filter((ref) => !ids.has(ref));
  if (unresolved.length > 0) {
    throw new ScimError(
      409,
      'invalidValue',
      `bulkId ${unresolved.join(', ')} does not name a resource created in this request.`,
    );
  }
  const { kind, id } = route(String(substitute(operation.path, ids)), operation.method);
  const data = substitute(operation.data, ids);
  if (operation.method === 'DELETE') {
    await deleteResource(ctx, actor, kind, id as string, operation.version);
    return { method: 'DELETE', location: `${baseUrl}/${kind}/${id}`, status: '204' };
  }
  const done =
    operation.method === 'POST'
      ? await createResource(ctx, actor, baseUrl, kind, data)
      : operation.method === 'PUT'
        ? await replaceResource(ctx, actor, baseUrl, kind, id as string, data, operation.version)
        : await patchResource(ctx, actor, baseUrl, kind, id as string, data, operation.version);
  if (operation.bulkId) {
    ids.set(operation.bulkId, done.id);
  }
  return {
    method: operation.method,
    ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
    location: done.location,
    version: done.etag,
    status: operation.method === 'POST' ? '201' : '200',
  };
}

/**
 * Runs a bulk request through the change engine's runner: the operations are its items, in one
 * transaction (seats are counted across them), each in its own savepoint, so a failed operation
 * changes nothing and the others go on, until `failOnErrors` errors.
 * @returns the BulkResponse
 */
export async function runBulk(ctx: AppContext, actor: Actor, baseUrl: string, body: unknown) {
  const { operations, failOnErrors } = readBulkRequest(body);
  const { ordered, circular } = runOrder(operations);
  const ids = new Map<string, string>();
  const results = new Map<number, BulkResult>();
  let errors = 0;
  const fail = (operation: BulkOperation, error: ScimError) => {
    errors += 1;
    results.set(operation.index, {
      method: operation.method,
      ...(operation.bulkId ? { bulkId: operation.bulkId } : {}),
      status: String(error.status),
      response: scimErrorBody(error.status, error.message, error.scimType),
    });
  };
  await runItems<BulkOperation, null>(ctx, ordered, async (scope, operation) => {
    if (failOnErrors !== null && errors >= failOnErrors) {
      return { status: 'unchanged', code: 'scim.bulk.not_run', params: {}, before: null, after: null };
    }
    try {
      results.set(operation.index, await runOperation(scope.ctx, actor, baseUrl, operation, ids));
    } catch (thrown) {
      const error = toScimError(constraintError(thrown) ?? thrown);
      if (!error) {
        throw thrown;
      }
      fail(operation, error);
      // The runner rolls the operation back to its savepoint and goes on with the next one.
      throw new AppError('scim.bulk.failed', error.status, error.message);
    }
    return { status: 'applied', code: 'scim.bulk.applied', params: {}, before: null, after: null };
  });
  if (failOnErrors === null || errors < failOnErrors) {
    for (const operation of circular) {
      fail(operation, new ScimError(409, 'invalidValue', 'Circular bulkId references: the operation cannot run.'));
    }
  }
  return {
    schemas: [SCHEMA.bulkResponse],
    Operations: [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result),
  };
}
