import type { AppContext } from '../context.ts';
import { findGroupNamesByUserIds, findMemberUsernamesByGroupIds } from '../groups/groups.members.ts';
import { type Actor, authorize, reachable } from '../roles/policy.ts';
import {
  findScimGroupsByOrganizationId,
  findScimUsersByOrganizationId,
  groupFilterCriteria,
  userFilterCriteria,
} from './scim.criteria.ts';
import { ScimError } from './scim.errors.ts';
import { groupEtag, userEtag } from './scim.etag.ts';
import { parseFilter } from './scim.filter.ts';
import {
  createScimGroup,
  deleteScimGroup,
  getScimGroup,
  patchScimGroup,
  presentScimGroup,
  replaceScimGroup,
} from './scim.groups.ts';
import { type Doc, getCi, readPatchRequest } from './scim.patch.ts';
import { SCHEMA, SCIM_LIMITS } from './scim.schemas.ts';
import {
  createScimUser,
  deleteScimUser,
  getScimUser,
  patchScimUser,
  presentScimUser,
  replaceScimUser,
} from './scim.users.ts';

/**
 * The operations on /Users and /Groups, shared by the HTTP routes and /Bulk: each returns the
 * presented resource with its ETag, honouring `attributes` / `excludedAttributes`
 * (RFC 7644 §3.4.2.5) and loading members or groups only when they are returned.
 */

export type ResourceKind = 'Users' | 'Groups';

/** Which attributes to return (RFC 7644 §3.4.2.5): lists of attribute paths, as sent. */
export interface Projection {
  attributes: string[];
  excluded: string[];
}

/** A presented resource with what the HTTP layer needs. */
export interface ResourceResult {
  resource: Doc;
  etag: string;
  location: string;
  id: string;
}

const ALWAYS = new Set(['id', 'schemas']);

function splitPath(path: string, kind: ResourceKind): string[] {
  const core = kind === 'Users' ? SCHEMA.user : SCHEMA.group;
  const lower = path.trim().toLowerCase();
  if (lower === SCHEMA.enterprise.toLowerCase()) {
    return [SCHEMA.enterprise];
  }
  if (lower.startsWith(`${SCHEMA.enterprise.toLowerCase()}:`)) {
    return [
      SCHEMA.enterprise,
      ...path
        .trim()
        .slice(SCHEMA.enterprise.length + 1)
        .split('.'),
    ];
  }
  const rest = lower.startsWith(`${core.toLowerCase()}:`) ? path.trim().slice(core.length + 1) : path.trim();
  return rest.split('.');
}

/**
 * Reads `attributes` / `excludedAttributes` query values (comma-separated).
 * @returns the projection
 */
export function readProjection(attributes: string | undefined, excluded: string | undefined): Projection {
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
  return { attributes: list(attributes), excluded: list(excluded) };
}

function keyOf(object: Doc, name: string): string | undefined {
  return Object.keys(object).find((key) => key.toLowerCase() === name.toLowerCase());
}

/**
 * Whether a top-level attribute is returned under a projection.
 * @returns true when it is
 */
export function returns(projection: Projection, kind: ResourceKind, attribute: string): boolean {
  const name = attribute.toLowerCase();
  if (projection.attributes.length > 0) {
    return projection.attributes.some((path) => splitPath(path, kind)[0]?.toLowerCase() === name);
  }
  return !projection.excluded.some((path) => {
    const parts = splitPath(path, kind);
    return parts.length === 1 && parts[0]?.toLowerCase() === name;
  });
}

/**
 * Applies a projection to a presented resource.
 * @returns the resource with only the attributes to return
 */
export function project(resource: Doc, projection: Projection, kind: ResourceKind): Doc {
  if (projection.attributes.length > 0) {
    const result: Doc = {};
    for (const key of Object.keys(resource)) {
      if (ALWAYS.has(key)) {
        result[key] = resource[key];
      }
    }
    for (const path of projection.attributes) {
      const [top, sub] = splitPath(path, kind);
      const key = top ? keyOf(resource, top) : undefined;
      if (!key) {
        continue;
      }
      const value = resource[key];
      if (!sub) {
        result[key] = value;
      } else if (Array.isArray(value)) {
        const existing = (Array.isArray(result[key]) ? result[key] : value.map(() => ({}))) as Doc[];
        result[key] = value.map((entry, index) => {
          const subKey = keyOf(entry as Doc, sub);
          return subKey ? { ...existing[index], [subKey]: (entry as Doc)[subKey] } : existing[index];
        });
      } else if (typeof value === 'object' && value !== null) {
        const subKey = keyOf(value as Doc, sub);
        if (subKey) {
          result[key] = { ...((result[key] as Doc) ?? {}), [subKey]: (value as Doc)[subKey] };
        }
      }
    }
    return result;
  }
  const result: Doc = structuredClone(resource);
  for (const path of projection.excluded) {
    const [top, sub] = splitPath(path, kind);
    const key = top ? keyOf(result, top) : undefined;
    if (!key || ALWAYS.has(key)) {
      continue;
    }
    if (!sub) {
      delete result[key];
    } else if (typeof result[key] === 'object' && result[key] !== null) {
      for (const entry of Array.isArray(result[key]) ? (result[key] as Doc[]) : [result[key] as Doc]) {
        const subKey = keyOf(entry, sub);
        if (subKey) {
          delete entry[subKey];
        }
      }
    }
  }
  return result;
}

const NO_PROJECTION: Projection = { attributes: [], excluded: [] };

async function presentUsers(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  rows: Awaited<ReturnType<typeof getScimUser>>[],
  projection: Projection,
) {
  const groups = returns(projection, 'Users', 'groups')
    ? await findGroupNamesByUserIds(
        ctx.db,
        actor.organizationId,
        rows.map((row) => row.id),
      )
    : null;
  return rows.map((row) => ({
    resource: project(
      presentScimUser(baseUrl, row, groups ? (groups.get(row.id) ?? []) : undefined),
      projection,
      'Users',
    ),
    etag: userEtag(row),
    location: `${baseUrl}/Users/${row.id}`,
    id: row.id,
  }));
}

async function presentGroups(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  rows: Awaited<ReturnType<typeof getScimGroup>>[],
  projection: Projection,
) {
  const members = returns(projection, 'Groups', 'members')
    ? await findMemberUsernamesByGroupIds(
        ctx.db,
        actor.organizationId,
        rows.map((row) => row.id),
      )
    : null;
  return rows.map((row) => ({
    resource: project(
      presentScimGroup(baseUrl, row, members ? (members.get(row.id) ?? []) : undefined),
      projection,
      'Groups',
    ),
    etag: groupEtag(row),
    location: `${baseUrl}/Groups/${row.id}`,
    id: row.id,
  }));
}

/**
 * Reads one resource.
 * @throws ScimError 404; 403
 */
export async function readResource(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  kind: ResourceKind,
  id: string,
  projection = NO_PROJECTION,
): Promise<ResourceResult> {
  if (kind === 'Users') {
    const row = await getScimUser(ctx, actor, id);
    return (await presentUsers(ctx, actor, baseUrl, [row], projection))[0] as ResourceResult;
  }
  const row = await getScimGroup(ctx, actor, id);
  return (await presentGroups(ctx, actor, baseUrl, [row], projection))[0] as ResourceResult;
}

/** A list request: RFC 7644 §3.4.2 query parameters or a SearchRequest body. */
export interface ListRequest {
  filter?: string | undefined;
  startIndex?: number | undefined;
  count?: number | undefined;
  sortBy?: string | undefined;
  sortOrder?: string | undefined;
  attributes?: string | undefined;
  excludedAttributes?: string | undefined;
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  const number = Number(value);
  if (!Number.isInteger(number)) {
    throw new ScimError(400, 'invalidValue', `${name} must be an integer.`);
  }
  return number;
}

/**
 * Reads a SearchRequest body (POST /.search, RFC 7644 §3.4.3) into list parameters.
 * @throws ScimError 400 invalidSyntax / invalidValue
 */
export function readSearchRequest(body: unknown): ListRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ScimError(400, 'invalidSyntax', 'A search request is a JSON object.');
  }
  const doc = body as Doc;
  const list = (value: unknown) =>
    Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    filter: text(getCi(doc, 'filter')),
    startIndex: integer(getCi(doc, 'startIndex'), 'startIndex'),
    count: integer(getCi(doc, 'count'), 'count'),
    sortBy: text(getCi(doc, 'sortBy')),
    sortOrder: text(getCi(doc, 'sortOrder')),
    attributes: list(getCi(doc, 'attributes')),
    excludedAttributes: list(getCi(doc, 'excludedAttributes')),
  };
}

/**
 * Lists resources: filter, stable order, startIndex/count paging (count capped at maxResults).
 * @returns a ListResponse
 * @throws ScimError 400 invalidFilter / invalidValue; 403
 */
export async function listResources(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  kind: ResourceKind,
  request: ListRequest,
) {
  authorize(actor, kind === 'Users' ? 'user.read' : 'group.read');
  const startIndex = Math.max(1, integer(request.startIndex, 'startIndex') ?? 1);
  const count = Math.min(Math.max(0, integer(request.count, 'count') ?? 100), SCIM_LIMITS.maxResults);
  const sortOrder = (request.sortOrder ?? 'ascending').toLowerCase();
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw new ScimError(400, 'invalidValue', 'sortOrder is ascending or descending.');
  }
  const filter = request.filter?.trim() ? parseFilter(request.filter) : null;
  const projection = readProjection(request.attributes, request.excludedAttributes);
  const page = { sortBy: request.sortBy, descending: sortOrder === 'descending', offset: startIndex - 1, count };
  let resources: ResourceResult[];
  let total: number;
  if (kind === 'Users') {
    const found = await findScimUsersByOrganizationId(ctx.db, actor.organizationId, {
      ...page,
      filter: filter ? userFilterCriteria(filter) : null,
    });
    resources = await presentUsers(ctx, actor, baseUrl, found.rows, projection);
    total = found.total;
  } else {
    const reach = reachable(actor, 'group.read');
    const found = await findScimGroupsByOrganizationId(
      ctx.db,
      actor.organizationId,
      { ...page, filter: filter ? groupFilterCriteria(filter) : null },
      reach === 'all' ? 'all' : reach.groupIds,
    );
    resources = await presentGroups(ctx, actor, baseUrl, found.rows, projection);
    total = found.total;
  }
  return {
    schemas: [SCHEMA.listResponse],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources.map((entry) => entry.resource),
  };
}

function bodyObject(body: unknown): Doc {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ScimError(400, 'invalidSyntax', 'The request body must be a JSON object.');
  }
  return body as Doc;
}

/**
 * Creates a resource (POST).
 * @throws ScimError 409 uniqueness; 400; 403
 */
export async function createResource(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  kind: ResourceKind,
  body: unknown,
  projection = NO_PROJECTION,
): Promise<ResourceResult> {
  if (kind === 'Users') {
    // A new user belongs to no group yet: present the created row without reading it again.
    const row = await createScimUser(ctx, actor, bodyObject(body));
    return {
      resource: project(presentScimUser(baseUrl, row, []), projection, 'Users'),
      etag: userEtag(row),
      location: `${baseUrl}/Users/${row.id}`,
      id: row.id,
    };
  }
  const id = (await createScimGroup(ctx, actor, bodyObject(body))).id;
  return readResource(ctx, actor, baseUrl, kind, id, projection);
}

/**
 * Replaces a resource (PUT).
 * @throws ScimError 404; 412; 409; 400
 */
export async function replaceResource(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  kind: ResourceKind,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  projection = NO_PROJECTION,
): Promise<ResourceResult> {
  if (kind === 'Users') {
    await replaceScimUser(ctx, actor, id, bodyObject(body), ifMatch);
  } else {
    await replaceScimGroup(ctx, actor, id, bodyObject(body), ifMatch);
  }
  return readResource(ctx, actor, baseUrl, kind, id, projection);
}

/**
 * Patches a resource (PATCH).
 * @throws ScimError 404; 412; 400 invalidSyntax, invalidPath, noTarget, mutability, invalidValue; 409
 */
export async function patchResource(
  ctx: AppContext,
  actor: Actor,
  baseUrl: string,
  kind: ResourceKind,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  projection = NO_PROJECTION,
): Promise<ResourceResult> {
  const operations = readPatchRequest(body, SCHEMA.patchOp);
  if (kind === 'Users') {
    await patchScimUser(ctx, actor, id, operations, ifMatch);
  } else {
    await patchScimGroup(ctx, actor, id, operations, ifMatch);
  }
  return readResource(ctx, actor, baseUrl, kind, id, projection);
}

/**
 * Deletes a resource (DELETE): a user for good, a group (members stay).
 * @throws ScimError 404; 412; 403
 */
export async function deleteResource(
  ctx: AppContext,
  actor: Actor,
  kind: ResourceKind,
  id: string,
  ifMatch: string | undefined,
): Promise<void> {
  if (kind === 'Users') {
    await deleteScimUser(ctx, actor, id, ifMatch);
  } else {
    await deleteScimGroup(ctx, actor, id, ifMatch);
  }
}
