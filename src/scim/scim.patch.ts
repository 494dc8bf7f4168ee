import { invalidValue, ScimError } from './scim.errors.ts';
import { type Filter, type PatchPath, parseAttrPath, parsePatchPath } from './scim.filter.ts';
import { type AttributeDef, findAttribute } from './scim.schemas.ts';

/**
 * PATCH (RFC 7644 §3.5.2, https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2) applied to a
 * resource held as a JSON document with canonical attribute names. The shapes identity providers
 * really send are accepted too: `op` in any case ("Replace"), string booleans ("False"), path-less
 * values whose keys are dotted (`name.givenName`) or URN-prefixed, and Entra's plain-string manager.
 * The caller validates and stores the resulting document, in one transaction: all operations or none.
 */

export type Doc = Record<string, unknown>;

/** The schemas of a resource: the core attributes and its extensions (URN → attributes). */
export interface ResourceSchemas {
  core: string;
  attributes: AttributeDef[];
  extensions: Record<string, AttributeDef[]>;
  /** RFC attributes the resource does not keep: writes to them are ignored. */
  ignored: Set<string>;
}

/** One PATCH operation as sent. */
export interface PatchOperation {
  op: string;
  path?: string | undefined;
  value?: unknown;
}

interface Target {
  /** Where the attribute lives: the document itself or an extension object. */
  container: string | null;
  def: AttributeDef;
  filter: Filter | null;
  sub: AttributeDef | null;
}

const isObject = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);

function keyOf(object: Doc, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === wanted);
}

/** Reads a property case-insensitively (RFC 7643 §2.1: attribute names are case-insensitive). */
export function getCi(object: Doc, name: string): unknown {
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
}

function resolve(schemas: ResourceSchemas, parsed: PatchPath, raw: string): Target | 'ignored' {
  const { path } = parsed;
  let container: string | null = null;
  let attributes = schemas.attributes;
  if (path.uri && path.uri.toLowerCase() !== schemas.core.toLowerCase()) {
    const extension = Object.keys(schemas.extensions).find((urn) => urn.toLowerCase() === path.uri?.toLowerCase());
    if (!extension) {
      const bare = Object.keys(schemas.extensions).find(
        (urn) => urn.toLowerCase() === `${path.uri}:${path.name}`.toLowerCase(),
      );
      if (bare) {
        throw new ScimError(
          400,
          'invalidPath',
          `"${raw}" names the extension, not one of its attributes: use a path such as "${bare}:${schemas.extensions[bare]?.[0]?.name ?? 'attribute'}", or an add or replace without a path whose value is {"${bare}": {…}}.`,
        );
      }
      const known = [schemas.core, ...Object.keys(schemas.extensions)].join(', ');
      throw new ScimError(400, 'invalidPath', `Unknown schema in path "${raw}": the schemas here are ${known}.`);
    }
    container = extension;
    attributes = schemas.extensions[extension] ?? [];
  }
  const def = findAttribute(attributes, path.name);
  if (!def) {
    if (!container && schemas.ignored.has(path.name.toLowerCase())) {
      return 'ignored';
    }
    throw new ScimError(400, 'invalidPath', `Unknown attribute in path "${raw}".`);
  }
  const subName = path.sub ?? parsed.sub;
  let sub: AttributeDef | null = null;
  if (subName) {
    sub = def.subAttributes ? (findAttribute(def.subAttributes, subName) ?? null) : null;
    if (!sub && !container && schemas.ignored.has(`${def.name}.${subName}`.toLowerCase())) {
      return 'ignored';
    }
    if (!sub) {
      throw new ScimError(400, 'invalidPath', `Unknown sub-attribute in path "${raw}".`);
    }
  }
  if (parsed.filter && !def.multiValued) {
    throw new ScimError(400, 'invalidPath', `"${def.name}" is not multi-valued: a value filter does not apply.`);
  }
  return { container, def, filter: parsed.filter, sub };
}

/** Coerces the string booleans some clients send ("True", "False"). */
export function coerceBoolean(value: unknown): unknown {
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) {
    return value.trim().toLowerCase() === 'true';
  }
  return value;
}

/**
 * Puts a value into canonical shape for its definition: canonical sub-attribute names, string
 * booleans as booleans, unknown sub-attributes dropped.
 */
export function canonicalValue(def: AttributeDef, value: unknown): unknown {
  if (value === null || value === undefined) {
    return value;
  }
  if (def.multiValued) {
    const single: AttributeDef = { ...def, multiValued: false };
    const values = Array.isArray(value) ? value : [value];
    return values.map((entry) => canonicalValue(single, entry));
  }
  if (def.type === 'boolean') {
    return coerceBoolean(value);
  }
  if (def.type === 'complex' && def.subAttributes) {
    if (!isObject(value)) {
      // Entra sends the manager as a plain id: read it as {value}.
      if (typeof value === 'string' && findAttribute(def.subAttributes, 'value')) {
        return { value };
      }
      throw invalidValue(`"${def.name}" must be an object.`);
    }
    const result: Doc = {};
    for (const [key, entry] of Object.entries(value)) {
      const sub = findAttribute(def.subAttributes, key);
      if (sub) {
        result[sub.name] = canonicalValue(sub, entry);
      }
    }
    return result;
  }
  return value;
}

/**
 * Canonicalizes a whole resource body (POST, PUT): case-insensitive attribute names, URN-prefixed
 * keys and extension objects, unknown attributes dropped.
 * @returns the document with canonical names (no id, meta or schemas)
 */
export function canonicalResource(schemas: ResourceSchemas, body: Doc): Doc {
  const doc: Doc = {};
  for (const [key, value] of Object.entries(body)) {
    const extension = Object.keys(schemas.extensions).find((urn) => urn.toLowerCase() === key.toLowerCase());
    if (extension) {
      if (isObject(value)) {
        const extensionDoc: Doc = {};
        for (const [subKey, subValue] of Object.entries(value)) {
          const def = findAttribute(schemas.extensions[extension] ?? [], subKey);
          if (def) {
            extensionDoc[def.name] = canonicalValue(def, subValue);
          }
        }
        doc[extension] = extensionDoc;
      }
      continue;
    }
    if (key.toLowerCase() === schemas.core.toLowerCase() && isObject(value)) {
      Object.assign(doc, canonicalResource(schemas, value));
      continue;
    }
    const def = findAttribute(schemas.attributes, key);
    if (def && def.mutability !== 'readOnly') {
      doc[def.name] = canonicalValue(def, value);
    }
  }
  return doc;
}

function matches(filter: Filter, element: unknown): boolean {
  switch (filter.kind) {
    case 'and':
      return matches(filter.left, element) && matches(filter.right, element);
    case 'or':
      return matches(filter.left, element) || matches(filter.right, element);
    case 'not':
      return !matches(filter.filter, element);
    case 'valuePath':
      return false;
    default: {
      const name = filter.path.sub ? `${filter.path.name}.${filter.path.sub}` : filter.path.name;
      const actual = isObject(element) ? getCi(element, name) : name.toLowerCase() === 'value' ? element : undefined;
      if (filter.kind === 'present') {
        return actual !== undefined && actual !== null && actual !== '';
      }
      const wanted = filter.value;
      const left = typeof actual === 'string' ? actual.toLowerCase() : coerceBoolean(actual);
      const right = typeof wanted === 'string' ? wanted.toLowerCase() : wanted;
      switch (filter.op) {
        case 'eq':
          return left === right || (left === undefined && right === null);
        case 'ne':
          return left !== right;
        case 'co':
          return typeof left === 'string' && typeof right === 'string' && left.includes(right);
        case 'sw':
          return typeof left === 'string' && typeof right === 'string' && left.startsWith(right);
        case 'ew':
          return typeof left === 'string' && typeof right === 'string' && left.endsWith(right);
        default: {
          if (left === undefined || left === null || right === null) {
            return false;
          }
          const a = left as string | number;
          const b = right as string | number;
          return filter.op === 'gt' ? a > b : filter.op === 'ge' ? a >= b : filter.op === 'lt' ? a < b : a <= b;
        }
      }
    }
  }
}

/** The equality conditions of a filter (`type eq "work"`), to create the value an add/replace names. */
function equalities(filter: Filter): Doc | null {
  if (filter.kind === 'compare' && filter.op === 'eq' && !filter.path.sub && !filter.path.uri) {
    return { [filter.path.name]: filter.value };
  }
  if (filter.kind === 'and') {
    const left = equalities(filter.left);
    const right = equalities(filter.right);
    return left && right ? { ...left, ...right } : null;
  }
  return null;
}

function holderOf(doc: Doc, container: string | null): Doc {
  if (!container) {
    return doc;
  }
  if (!isObject(doc[container])) {
    doc[container] = {};
  }
  return doc[container] as Doc;
}

function sameValue(a: unknown, b: unknown): boolean {
  const key = (entry: unknown) => {
    const value = isObject(entry) ? getCi(entry, 'value') : entry;
    return typeof value === 'string' ? value.toLowerCase() : JSON.stringify(value);
  };
  return key(a) === key(b);
}

/**
 * At most one value of a multi-valued attribute is primary (RFC 7643 §2.4): when an add or a
 * replace writes a primary value, the values it did not write stop being primary.
 */
function keepOnePrimary(holder: Doc, def: AttributeDef, before: unknown[]): void {
  const values = holder[def.name];
  if (!Array.isArray(values) || !def.subAttributes || !findAttribute(def.subAttributes, 'primary')) {
    return;
  }
  const written = values.filter((entry) => !before.includes(entry));
  const isPrimary = (entry: unknown) => isObject(entry) && coerceBoolean(getCi(entry, 'primary')) === true;
  if (!written.some(isPrimary)) {
    return;
  }
  holder[def.name] = values.map((entry) => {
    if (written.includes(entry) || !isPrimary(entry)) {
      return entry;
    }
    const { primary: _primary, ...rest } = entry as Doc;
    return rest;
  });
}

function applyTo(doc: Doc, op: 'add' | 'remove' | 'replace', target: Target, value: unknown, raw: string): void {
  const holder = holderOf(doc, target.container);
  const before =
    target.def.multiValued && Array.isArray(holder[target.def.name]) ? [...(holder[target.def.name] as unknown[])] : [];
  applyValue(holder, op, target, value, raw);
  if (target.def.multiValued && op !== 'remove') {
    keepOnePrimary(holder, target.def, before);
  }
}

function applyValue(holder: Doc, op: 'add' | 'remove' | 'replace', target: Target, value: unknown, raw: string): void {
  const { def, filter, sub } = target;
  if (def.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    throw new ScimError(400, 'mutability', `"${raw}" is read-only.`);
  }
  if (op !== 'remove' && value === undefined) {
    throw new ScimError(400, 'invalidValue', `The ${op} operation on "${raw}" needs a value.`);
  }
  if (!def.multiValued) {
    if (sub) {
      const complex = isObject(holder[def.name]) ? (holder[def.name] as Doc) : {};
      if (op === 'remove') {
        delete complex[sub.name];
      } else {
        complex[sub.name] = canonicalValue(sub, value);
      }
      holder[def.name] = complex;
    } else if (op === 'remove') {
      delete holder[def.name];
    } else if (def.type === 'complex' && isObject(holder[def.name])) {
      // RFC 7644 §3.5.2.1/3: sub-attributes not given are left as they were.
      holder[def.name] = { ...(holder[def.name] as Doc), ...(canonicalValue(def, value) as Doc) };
    } else {
      holder[def.name] = canonicalValue(def, value);
    }
    return;
  }
  const current = Array.isArray(holder[def.name]) ? [...(holder[def.name] as unknown[])] : [];
  if (!filter) {
    if (sub) {
      if (op === 'remove') {
        holder[def.name] = current.map((entry) => (isObject(entry) ? { ...entry, [sub.name]: undefined } : entry));
      } else {
        const values = current.length > 0 ? current : [{}];
        holder[def.name] = values.map((entry) => ({
          ...(isObject(entry) ? entry : {}),
          [sub.name]: canonicalValue(sub, value),
        }));
      }
      return;
    }
    if (op === 'remove') {
      if (value === undefined) {
        holder[def.name] = [];
      } else {
        const removing = canonicalValue(def, value) as unknown[];
        holder[def.name] = current.filter((entry) => !removing.some((gone) => sameValue(entry, gone)));
      }
      return;
    }
    const values = canonicalValue(def, value) as unknown[];
    if (op === 'replace') {
      holder[def.name] = values;
      return;
    }
    holder[def.name] = [...current.filter((entry) => !values.some((added) => sameValue(entry, added))), ...values];
    return;
  }
  const matching = current.filter((entry) => matches(filter, entry));
  if (op === 'remove') {
    if (matching.length === 0) {
      throw new ScimError(400, 'noTarget', `No value matches "${raw}".`);
    }
    holder[def.name] = sub
      ? current.map((entry) =>
          matching.includes(entry) && isObject(entry) ? { ...entry, [sub.name]: undefined } : entry,
        )
      : current.filter((entry) => !matching.includes(entry));
    return;
  }
  if (matching.length === 0) {
    // An `add` of `addresses[type eq "work"].country` for a user without an address creates the
    // value the filter describes (what Entra ID sends); a `replace` whose filter matches nothing
    // has no target (RFC 7644 §3.5.2.3), and neither has an add without such equalities.
    const seed = sub && op === 'add' ? equalities(filter) : null;
    if (!seed || !sub) {
      throw new ScimError(400, 'noTarget', `No value matches "${raw}": nothing to ${op}.`);
    }
    holder[def.name] = [
      ...current,
      { ...(canonicalValue({ ...def, multiValued: false }, seed) as Doc), [sub.name]: canonicalValue(sub, value) },
    ];
    return;
  }
  holder[def.name] = current.map((entry) => {
    if (!matching.includes(entry)) {
      return entry;
    }
    if (sub) {
      return { ...(isObject(entry) ? entry : {}), [sub.name]: canonicalValue(sub, value) };
    }
    const replacement = canonicalValue({ ...def, multiValued: false }, value);
    return isObject(entry) && isObject(replacement) ? { ...entry, ...replacement } : replacement;
  });
}

/**
 * Normalizes and checks a PATCH request body.
 * @returns the operations with `op` in lower case
 * @throws ScimError 400 invalidSyntax
 */
export function readPatchRequest(
  body: unknown,
  patchSchema: string,
): { op: 'add' | 'remove' | 'replace'; path?: string; value?: unknown }[] {
  if (!isObject(body)) {
    throw new ScimError(400, 'invalidSyntax', 'The PATCH body must be a JSON object.');
  }
  const schemas = getCi(body, 'schemas');
  if (Array.isArray(schemas) && !schemas.some((schema) => String(schema).toLowerCase() === patchSchema.toLowerCase())) {
    throw new ScimError(400, 'invalidSyntax', `A PATCH body has the schema ${patchSchema}.`);
  }
  const operations = getCi(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new ScimError(400, 'invalidSyntax', 'A PATCH body needs a non-empty "Operations" array.');
  }
  return operations.map((operation, index) => {
    if (!isObject(operation)) {
      throw new ScimError(400, 'invalidSyntax', `Operations[${index}] must be an object.`);
    }
    const op = String(getCi(operation, 'op') ?? '').toLowerCase();
    if (op !== 'add' && op !== 'remove' && op !== 'replace') {
      throw new ScimError(400, 'invalidSyntax', `Operations[${index}].op must be add, remove or replace.`);
    }
    const path = getCi(operation, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') {
      throw new ScimError(400, 'invalidPath', `Operations[${index}].path must be a string.`);
    }
    return {
      op,
      ...(typeof path === 'string' && path.trim() !== '' ? { path: path.trim() } : {}),
      ...(keyOf(operation, 'value') !== undefined ? { value: getCi(operation, 'value') } : {}),
    };
  });
}

/**
 * Expands a path-less add/replace into one operation per attribute of its value (keys may be
 * dotted or URN-prefixed, or an extension's URN with an object).
 * @returns [path, value] pairs
 */
export function pathlessTargets(
  schemas: ResourceSchemas,
  value: unknown,
  skip: Set<string>,
  currentId?: string,
): [string, unknown][] {
  if (!isObject(value)) {
    throw new ScimError(400, 'invalidValue', 'An add or replace without a path needs an object value.');
  }
  const result: [string, unknown][] = [];
  for (const [key, entry] of Object.entries(value)) {
    // Okta repeats the resource's id in a path-less replace: the same id is fine, another is not.
    if (
      key.toLowerCase() === 'id' &&
      currentId !== undefined &&
      String(entry).toLowerCase() !== currentId.toLowerCase()
    ) {
      throw new ScimError(400, 'mutability', 'id is read-only.');
    }
    if (skip.has(key.toLowerCase())) {
      continue;
    }
    const extension = Object.keys(schemas.extensions).find((urn) => urn.toLowerCase() === key.toLowerCase());
    if (extension && isObject(entry)) {
      for (const [subKey, subValue] of Object.entries(entry)) {
        result.push([`${extension}:${subKey}`, subValue]);
      }
    } else if (key.toLowerCase() === schemas.core.toLowerCase() && isObject(entry)) {
      result.push(...pathlessTargets(schemas, entry, skip));
    } else if (parseAttrPath(key)) {
      result.push([key, entry]);
    } else {
      throw new ScimError(400, 'invalidPath', `"${key}" is not an attribute name.`);
    }
  }
  return result;
}

/**
 * Applies PATCH operations to a document (a copy), RFC 7644 §3.5.2.
 * @param doc the current resource, canonical names
 * @param operations the operations, checked by readPatchRequest
 * @param skip path-less keys to ignore (id, schemas, meta …)
 * @param currentId the resource's id: a path-less `id` must equal it
 * @returns the new document
 * @throws ScimError 400 invalidPath, noTarget, mutability, invalidValue
 */
export function applyPatch(
  schemas: ResourceSchemas,
  doc: Doc,
  operations: { op: 'add' | 'remove' | 'replace'; path?: string; value?: unknown }[],
  skip: Set<string> = new Set(['id', 'schemas', 'meta']),
  currentId?: string,
): Doc {
  const result = structuredClone(doc);
  for (const operation of operations) {
    if (!operation.path) {
      if (operation.op === 'remove') {
        throw new ScimError(400, 'noTarget', 'A remove operation needs a path.');
      }
      for (const [path, value] of pathlessTargets(schemas, operation.value, skip, currentId)) {
        const target = resolve(schemas, parsePatchPath(path), path);
        if (target !== 'ignored') {
          applyTo(result, operation.op, target, value, path);
        }
      }
      continue;
    }
    const target = resolve(schemas, parsePatchPath(operation.path), operation.path);
    if (target !== 'ignored') {
      applyTo(result, operation.op, target, operation.value, operation.path);
    }
  }
  return result;
}
