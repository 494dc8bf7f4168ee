import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { keysetPage, namePosition, Positions } from '../core/paging.ts';
import { type Executor, transaction } from '../db/database.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { DomainErrorCodes } from './domains.errors.ts';
import {
  countClaimedDomainsByDirectoryId,
  findDirectoriesByOrganizationId,
  findDirectoryById,
  findTrustsByDirectoryId,
} from './domains.queries.ts';
import { type DirectoryView, presentDirectory } from './domains.view.ts';

type DirectoryIdentityType = DirectoryView['identityType'];

/**
 * Lists the organization's directories by name, cursor-paged.
 * @throws AppError 403 without `domain.read`
 */
export async function listDirectories(
  ctx: AppContext,
  actor: Actor,
  query: { limit: number; cursor?: string | undefined },
) {
  authorize(actor, 'domain.read');
  return keysetPage(query, {
    position: Positions.nameId,
    read: (after, limit) => findDirectoriesByOrganizationId(ctx.db, actor.organizationId, { limit, after }),
    positionOf: namePosition,
    present: (page) => page.map(presentDirectory),
  });
}

/**
 * Reads one directory.
 * @throws AppError 403; 404 when not in the organization
 */
export async function getDirectory(ctx: AppContext, actor: Actor, directoryId: string): Promise<DirectoryView> {
  authorize(actor, 'domain.read');
  const row = await findDirectoryById(ctx.db, actor.organizationId, directoryId);
  if (!row) {
    throw notFound('Directory');
  }
  return presentDirectory(row);
}

/**
 * Adds a directory: the identity type its claimed domains give to users (system admins).
 * @throws AppError 403; 409 `domains.directory_name_taken`
 */
export async function createDirectory(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; identityType: DirectoryIdentityType },
): Promise<DirectoryView> {
  authorize(actor, 'domain.manage');
  const row = await transaction(ctx.db, async (trx) => {
    const created = await trx
      .insertInto('directories')
      .values({ organization_id: actor.organizationId, name: input.name.trim(), identity_type: input.identityType })
      .returning(['id', 'name', 'identity_type', 'created_at'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'directory.create',
      target: { type: 'directory', id: created.id, label: created.name },
      after: { name: created.name, identityType: created.identity_type },
    });
    return created;
  });
  return presentDirectory(row);
}

/**
 * Renames a directory or changes its identity type; the type is fixed once the directory has a
 * claimed domain, because users were added with it (system admins).
 * @throws AppError 403; 404; 409 `domains.directory_name_taken`; 422 `domains.identity_type_locked`
 */
export async function updateDirectory(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  patch: { name?: string | undefined; identityType?: DirectoryIdentityType | undefined },
): Promise<DirectoryView> {
  authorize(actor, 'domain.manage');
  const row = await transaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom('directories')
      .select(['name', 'identity_type'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', directoryId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) {
      throw notFound('Directory');
    }
    const identityType = patch.identityType ?? before.identity_type;
    if (identityType !== before.identity_type) {
      const claimed = await countClaimedDomainsByDirectoryId(trx, actor.organizationId, directoryId);
      if (claimed > 0) {
        const message = `The directory has ${claimed} claimed domain(s), and users were added with its identity type; create another directory and move the domains to it instead.`;
        throw new AppError(DomainErrorCodes.identityTypeLocked, 422, message, {
          errors: [{ field: 'body.identityType', message }],
        });
      }
    }
    const updated = await trx
      .updateTable('directories')
      .set({ name: patch.name?.trim() ?? before.name, identity_type: identityType })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', directoryId)
      .returning(['id', 'name', 'identity_type', 'created_at'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'directory.update',
      target: { type: 'directory', id: directoryId, label: updated.name },
      before: { name: before.name, identityType: before.identity_type },
      after: { name: updated.name, identityType: updated.identity_type },
    });
    return updated;
  });
  return presentDirectory(row);
}

/**
 * Deletes a directory and the trust granted on it; its pending domains lose their directory. A
 * directory with claimed domains is refused: remove them or move them to another directory first
 * (system admins).
 * @throws AppError 403; 404; 409 `domains.directory_has_claimed_domains`
 */
export async function deleteDirectory(ctx: AppContext, actor: Actor, directoryId: string): Promise<void> {
  authorize(actor, 'domain.manage');
  await transaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom('directories')
      .select(['name', 'identity_type'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', directoryId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) {
      throw notFound('Directory');
    }
    const claimed = await countClaimedDomainsByDirectoryId(trx, actor.organizationId, directoryId);
    if (claimed > 0) {
      throw new AppError(
        DomainErrorCodes.directoryHasClaimedDomains,
        409,
        `The directory has ${claimed} claimed domain(s): remove them or move them to another directory first.`,
      );
    }
    const trusts = await findTrustsByDirectoryId(trx, actor.organizationId, directoryId);
    await trx
      .deleteFrom('directories')
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', directoryId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'directory.delete',
      target: { type: 'directory', id: directoryId, label: before.name },
      before: {
        name: before.name,
        identityType: before.identity_type,
        trustedOrganizations: trusts.map((trust) => trust.trustee_organization_id),
      },
    });
  });
}

/** Names (lower case) of a directory's claimed domains. */
export async function findClaimedDomainNamesByDirectoryId(
  db: Executor,
  organizationId: string,
  directoryId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('domains')
    .select('name')
    .where('organization_id', '=', organizationId)
    .where('directory_id', '=', directoryId)
    .where('status', '=', 'claimed')
    .execute();
  return rows.map((row) => row.name.toLowerCase());
}

/**
 * One directory of the organization (what other capabilities, such as directory sync, read of it).
 * @returns the directory's row, or undefined
 */
export async function findDirectoryRow(db: Executor, organizationId: string, directoryId: string) {
  return findDirectoryById(db, organizationId, directoryId);
}

/**
 * Directories' names and identity types (organization_id, id, name, identity_type) as a relation
 * for another capability to join in one statement, aliased by the caller
 * (`.innerJoin(directoryNames(db).as('directories'), …)`); the database inlines it, so the plan is
 * that of a join on `directories`.
 * @returns the subquery
 */
export function directoryNames(db: Executor) {
  return db.selectFrom('directories').select(['organization_id', 'id', 'name', 'identity_type']);
}
