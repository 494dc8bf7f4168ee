import countries from 'i18n-iso-countries';
import englishCountryNames from 'i18n-iso-countries/langs/en.json' with { type: 'json' };
import type { AppContext } from '../context.ts';
import { transaction } from '../db/database.ts';
import type { UserRow } from '../db/schema.ts';
import { findGroupsChangedAtByUserIds } from '../groups/groups.deletions.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import {
  createUsersCommand,
  deleteUsersCommand,
  removeUsersCommand,
  restoreUsersCommand,
  setUsersCommand,
} from '../users/users.commands.ts';
import { findUserIdsByUsername, findUserRowById } from '../users/users.lookup.ts';
import { mailboxOf, normalizeCountry } from '../users/users.service.ts';
import { isUuid, type ScimUserRow } from './scim.criteria.ts';
import { invalidValue, ScimError, succeeded } from './scim.errors.ts';
import { checkIfMatch, userEtag, userLastModified } from './scim.etag.ts';
import { applyPatch, canonicalResource, type Doc, getCi, type ResourceSchemas } from './scim.patch.ts';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_ATTRIBUTES,
  IGNORED_USER_ATTRIBUTES,
  SCHEMA,
  USER_ATTRIBUTES,
} from './scim.schemas.ts';

/**
 * Users over SCIM: the mapping between SCIM's User (with the enterprise extension) and Usher's
 * user, and create / replace / patch / delete as commands of the change engine (same rules,
 * licenses, e-mails and audit as the console and CSV), each request in one transaction with the
 * token as the actor: a failed command rolls the whole request back.
 */

/** The User resource's schemas, for PATCH and PUT. */
export const USER_SCHEMAS: ResourceSchemas = {
  core: SCHEMA.user,
  attributes: [...USER_ATTRIBUTES, ...COMMON_ATTRIBUTES],
  extensions: { [SCHEMA.enterprise]: ENTERPRISE_ATTRIBUTES },
  ignored: IGNORED_USER_ATTRIBUTES,
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_TEXT = 255;

/** What Usher keeps of a SCIM User. */
export interface ScimUserData {
  userName: string;
  email: string;
  givenName: string | null;
  familyName: string | null;
  displayName: string | null;
  active: boolean;
  country: string | null;
  externalId: string | null;
  enterprise: Doc | null;
}

/**
 * The SCIM document of a user (canonical names; without id, meta and groups), for PATCH.
 * @returns the document
 */
export function userDocument(row: UserRow): Doc {
  const enterprise = (row.enterprise ?? null) as Doc | null;
  return {
    userName: row.username,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    // Unassigned attributes are left out (RFC 7643 §2.5): no `"name": {}` for a user without names.
    ...(row.first_name !== null || row.last_name !== null
      ? {
          name: {
            ...(row.first_name !== null ? { givenName: row.first_name } : {}),
            ...(row.last_name !== null ? { familyName: row.last_name } : {}),
          },
        }
      : {}),
    displayName: row.alias,
    active: row.status !== 'removed',
    emails: [{ value: row.email, type: 'work', primary: true }],
    ...(row.country ? { addresses: [{ country: row.country, type: 'work', primary: true }] } : {}),
    ...(enterprise && Object.keys(enterprise).length > 0 ? { [SCHEMA.enterprise]: enterprise } : {}),
  };
}

/**
 * Presents a user as a SCIM User resource (RFC 7643 §4.1).
 * @param baseUrl the SCIM base URL
 * @param row the user
 * @param groups the user's groups, when they are to be returned
 * @returns the resource
 */
export function presentScimUser(baseUrl: string, row: ScimUserRow, groups?: { id: string; name: string }[]): Doc {
  const doc = userDocument(row);
  const name = doc.name as Doc | undefined;
  const formatted = [row.first_name, row.last_name].filter(Boolean).join(' ');
  const enterprise = doc[SCHEMA.enterprise] as Doc | undefined;
  const manager = enterprise?.manager as Doc | undefined;
  return {
    schemas: enterprise ? [SCHEMA.user, SCHEMA.enterprise] : [SCHEMA.user],
    id: row.id,
    ...doc,
    ...(name ? { name: { formatted, ...name } } : {}),
    // The manager is a user of this organization: its reference, as /Schemas advertises.
    ...(enterprise && typeof manager?.value === 'string'
      ? { [SCHEMA.enterprise]: { ...enterprise, manager: { ...manager, $ref: `${baseUrl}/Users/${manager.value}` } } }
      : {}),
    ...(groups
      ? {
          groups: groups.map((group) => ({
            value: group.id,
            $ref: `${baseUrl}/Groups/${group.id}`,
            display: group.name,
            type: 'direct',
          })),
        }
      : {}),
    meta: {
      resourceType: 'User',
      created: row.created_at.toISOString(),
      lastModified: userLastModified(row).toISOString(),
      location: `${baseUrl}/Users/${row.id}`,
      version: userEtag(row),
    },
  };
}

function text(value: unknown, field: string): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== 'string') {
    throw invalidValue(`${field} must be a string.`);
  }
  const trimmed = value.trim();
  if (trimmed.length > MAX_TEXT) {
    throw invalidValue(`${field} is longer than ${MAX_TEXT} characters.`);
  }
  return trimmed === '' ? null : trimmed;
}

function pick(values: unknown, field: string): Doc | null {
  if (values === undefined || values === null) {
    return null;
  }
  if (!Array.isArray(values)) {
    throw invalidValue(`${field} must be an array.`);
  }
  const entries = values.filter((entry): entry is Doc => typeof entry === 'object' && entry !== null);
  return (
    entries.find((entry) => getCi(entry, 'primary') === true) ??
    entries.find((entry) => String(getCi(entry, 'type') ?? '').toLowerCase() === 'work') ??
    entries[0] ??
    null
  );
}

countries.registerLocale(englishCountryNames);

function countryByName(name: string): string | undefined {
  return countries.getAlpha2Code(name, 'en');
}

function country(value: unknown): string | null {
  const code = text(value, 'addresses.country');
  if (!code) {
    return null;
  }
  // A code (alpha-2 or alpha-3), or an English name: directories often hold "Poland", not "PL".
  const alpha2 =
    code.length === 3 ? countries.alpha3ToAlpha2(code.toUpperCase()) : code.length === 2 ? code : countryByName(code);
  try {
    return normalizeCountry(alpha2 ?? code, 'addresses.country');
  } catch {
    throw invalidValue(
      `addresses.country "${code}" is not an ISO 3166-1 country code or English country name (e.g. PL, CZE, Finland).`,
    );
  }
}

/**
 * Reads a canonical User document into what Usher keeps, checking every value.
 * @param current for an existing user, whether it is active now: an unassigned `active` (left
 *   out of a PUT, removed by a PATCH) keeps that state, so it never restores a removed user
 * @returns the user's data
 * @throws ScimError 400 invalidValue naming the attribute
 */
export function readUserDocument(doc: Doc, current?: { active: boolean }): ScimUserData {
  const userName = text(doc.userName, 'userName');
  if (!userName) {
    throw invalidValue('userName is required.');
  }
  const primaryEmail = pick(doc.emails, 'emails');
  const emailValue = primaryEmail ? text(getCi(primaryEmail, 'value'), 'emails.value') : null;
  const email = emailValue ?? (EMAIL.test(userName) ? userName : null);
  if (!email || !EMAIL.test(email)) {
    throw invalidValue(
      emailValue
        ? `emails.value "${emailValue}" is not an e-mail address.`
        : 'Usher needs an e-mail: send emails, or a userName that is an e-mail address.',
    );
  }
  const name = (doc.name ?? {}) as Doc;
  if (typeof name !== 'object') {
    throw invalidValue('name must be an object.');
  }
  const active = doc.active === undefined || doc.active === null ? (current?.active ?? true) : doc.active;
  if (typeof active !== 'boolean') {
    throw invalidValue('active must be true or false.');
  }
  const address = pick(doc.addresses, 'addresses');
  const enterpriseDoc = doc[SCHEMA.enterprise] as Doc | undefined;
  let enterprise: Doc | null = null;
  if (enterpriseDoc && typeof enterpriseDoc === 'object') {
    enterprise = {};
    for (const def of ENTERPRISE_ATTRIBUTES) {
      const value = enterpriseDoc[def.name];
      if (def.name === 'manager') {
        const managerId = value && typeof value === 'object' ? text((value as Doc).value, 'manager.value') : null;
        if (managerId) {
          enterprise.manager = { value: managerId };
        }
      } else {
        const entry = text(value, def.name);
        if (entry) {
          enterprise[def.name] = entry;
        }
      }
    }
    if (Object.keys(enterprise).length === 0) {
      enterprise = null;
    }
  }
  return {
    userName,
    email,
    givenName: text(getCi(name, 'givenName'), 'name.givenName'),
    familyName: text(getCi(name, 'familyName'), 'name.familyName'),
    displayName: text(doc.displayName, 'displayName'),
    active,
    country: address ? country(getCi(address, 'country')) : null,
    externalId: text(doc.externalId, 'externalId'),
    enterprise,
  };
}

async function requireScimUser(
  ctx: AppContext,
  organizationId: string,
  userId: string,
  lock = false,
): Promise<ScimUserRow> {
  const row = await findUserRowById(
    ctx.db,
    organizationId,
    isUuid(userId) ? userId : '00000000-0000-0000-0000-000000000000',
    { lock },
  );
  if (!row) {
    throw new ScimError(404, undefined, `User ${userId} not found.`);
  }
  const changed = await findGroupsChangedAtByUserIds(ctx.db, organizationId, [row.id]);
  return { ...row, groups_changed_at: changed.get(row.id) ?? null };
}

async function assertUserNameFree(ctx: AppContext, organizationId: string, userName: string, exceptId?: string) {
  const taken = (await findUserIdsByUsername(ctx.db, organizationId, userName)).filter((id) => id !== exceptId);
  if (taken.length > 0) {
    throw new ScimError(409, 'uniqueness', `A user with userName "${userName}" already exists.`);
  }
}

/**
 * Brings a user to its new SCIM state through the users commands, inside the caller's
 * transaction: restored first when it becomes active, then one audited change of every attribute
 * the provider changed (details, e-mail, sign-in name, display name, its id, the enterprise
 * extension), then removed when it becomes inactive.
 */
async function applyUserData(ctx: AppContext, actor: Actor, row: UserRow, data: ScimUserData): Promise<void> {
  if (data.userName.toLowerCase() !== row.username.toLowerCase()) {
    await assertUserNameFree(ctx, actor.organizationId, data.userName, row.id);
  }
  const user = { id: row.id };
  if (data.active && row.status === 'removed') {
    succeeded(await restoreUsersCommand(ctx, actor, [{ user }]));
  }
  // A hand-managed user the connection updates is taken over (managed by it from now on); one it
  // deprovisions is not (the removal is refused: it removes only its own users); one another
  // synchronizing source manages is refused by the command (409 users.not_managed).
  const deprovisions = !data.active && row.status !== 'removed';
  succeeded(
    await setUsersCommand(ctx, actor, [
      {
        user,
        ...(deprovisions ? {} : { manage: true }),
        firstName: data.givenName,
        lastName: data.familyName,
        country: data.country,
        email: data.email,
        username: data.userName,
        alias: data.displayName ?? mailboxOf(data.email),
        externalId: data.externalId,
        enterprise: data.enterprise ?? null,
      },
    ]),
  );
  if (!data.active && row.status !== 'removed') {
    succeeded(await removeUsersCommand(ctx, actor, [{ user, contentAction: 'transfer-later' }]));
  }
}

/**
 * Creates a user from a SCIM User (POST /Users). The identity type follows the e-mail's domain;
 * `active: false` creates the user and removes it at once.
 * @returns the created user
 * @throws ScimError 409 uniqueness for a taken userName or e-mail; 400 invalidValue; 403
 */
export async function createScimUser(ctx: AppContext, actor: Actor, body: Doc): Promise<ScimUserRow> {
  authorize(actor, 'user.create');
  const data = readUserDocument(canonicalResource(USER_SCHEMAS, body));
  return transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    await assertUserNameFree(inTrx, actor.organizationId, data.userName);
    // One audited create with every attribute the provider sent, its userName and externalId too.
    const [created] = succeeded(
      await createUsersCommand(inTrx, actor, [
        {
          email: data.email,
          firstName: data.givenName ?? undefined,
          lastName: data.familyName ?? undefined,
          country: data.country ?? undefined,
          alias: data.displayName ?? undefined,
          username: data.userName,
          externalId: data.externalId,
          enterprise: data.enterprise ?? null,
        },
      ]),
    );
    const id = created?.after?.id;
    if (!id) {
      throw new Error('createUsersCommand returned no user');
    }
    if (!data.active) {
      succeeded(await removeUsersCommand(inTrx, actor, [{ user: { id }, contentAction: 'transfer-later' }]));
    }
    return requireScimUser(inTrx, actor.organizationId, id);
  });
}

/**
 * Reads one user.
 * @throws ScimError 404
 */
export async function getScimUser(ctx: AppContext, actor: Actor, userId: string): Promise<ScimUserRow> {
  authorize(actor, 'user.read');
  return requireScimUser(ctx, actor.organizationId, userId);
}

/**
 * Replaces a user (PUT /Users/{id}): attributes left out are cleared (RFC 7644 §3.5.1).
 * @throws ScimError 404; 412 when If-Match does not match; 409; 400
 */
export async function replaceScimUser(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  body: Doc,
  ifMatch: string | undefined,
): Promise<ScimUserRow> {
  authorize(actor, 'user.read');
  const doc = canonicalResource(USER_SCHEMAS, body);
  readUserDocument(doc);
  return transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const row = await requireScimUser(inTrx, actor.organizationId, userId, true);
    checkIfMatch(ifMatch, userEtag(row));
    await applyUserData(inTrx, actor, row, readUserDocument(doc, { active: row.status !== 'removed' }));
    return requireScimUser(inTrx, actor.organizationId, userId);
  });
}

/**
 * Patches a user (PATCH /Users/{id}): all operations or none.
 * @throws ScimError 404; 412; 400 invalidPath, noTarget, mutability, invalidValue; 409
 */
export async function patchScimUser(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  operations: { op: 'add' | 'remove' | 'replace'; path?: string; value?: unknown }[],
  ifMatch: string | undefined,
): Promise<ScimUserRow> {
  authorize(actor, 'user.read');
  return transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const row = await requireScimUser(inTrx, actor.organizationId, userId, true);
    checkIfMatch(ifMatch, userEtag(row));
    const doc = applyPatch(USER_SCHEMAS, userDocument(row), operations, undefined, row.id);
    await applyUserData(inTrx, actor, row, readUserDocument(doc, { active: row.status !== 'removed' }));
    return requireScimUser(inTrx, actor.organizationId, userId);
  });
}

/**
 * Deletes a user for good (DELETE /Users/{id}): removed first if active, then erased, in one transaction.
 * @throws ScimError 404; 412
 */
export async function deleteScimUser(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  ifMatch: string | undefined,
): Promise<void> {
  authorize(actor, 'user.delete');
  await transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const row = await requireScimUser(inTrx, actor.organizationId, userId, true);
    checkIfMatch(ifMatch, userEtag(row));
    const user = { id: row.id };
    if (row.status !== 'removed') {
      succeeded(await removeUsersCommand(inTrx, actor, [{ user, contentAction: 'delete' }]));
    }
    succeeded(await deleteUsersCommand(inTrx, actor, [{ user }]));
  });
}
