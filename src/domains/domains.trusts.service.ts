import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { DomainErrorCodes } from './domains.errors.ts';
import {
  existsOrganizationById,
  findDirectoryById,
  findTrustedDirectoriesByTrusteeOrganizationId,
  findTrustsByDirectoryId,
} from './domains.queries.ts';
import { presentTrust, presentTrustedDirectory, type TrustedDirectoryView, type TrustView } from './domains.view.ts';

/**
 * Lists the organizations a directory of the caller's organization trusts.
 * @throws AppError 403; 404 when the directory is not the organization's
 */
export async function listTrusts(ctx: AppContext, actor: Actor, directoryId: string): Promise<{ items: TrustView[] }> {
  authorize(actor, 'domain.read');
  if (!(await findDirectoryById(ctx.db, actor.organizationId, directoryId))) {
    throw notFound('Directory');
  }
  const rows = await findTrustsByDirectoryId(ctx.db, actor.organizationId, directoryId);
  return { items: rows.map(presentTrust) };
}

/**
 * Grants another organization trust on a directory: it may then add users of the directory's
 * claimed domains, read-only (system admins). An unknown organization id is refused with the same
 * answer whatever the reason, so nothing else about other organizations is revealed.
 * @throws AppError 403; 404; 409 `domains.already_trusted`; 422 `domains.organization_not_found`, `domains.trust_self`
 */
export async function grantTrust(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  trusteeOrganizationId: string,
): Promise<TrustView> {
  authorize(actor, 'domain.manage');
  return transaction(ctx.db, async (trx) => {
    const directory = await findDirectoryById(trx, actor.organizationId, directoryId);
    if (!directory) {
      throw notFound('Directory');
    }
    if (trusteeOrganizationId === actor.organizationId) {
      const message = 'An organization cannot trust itself: its own domains already give their identity type.';
      throw new AppError(DomainErrorCodes.trustSelf, 422, message, {
        errors: [{ field: 'body.organizationId', message }],
      });
    }
    if (!(await existsOrganizationById(trx, trusteeOrganizationId))) {
      const message =
        'No organization with this id on this Usher: ask its administrators for the id shown in their Settings.';
      throw new AppError(DomainErrorCodes.organizationNotFound, 422, message, {
        errors: [{ field: 'body.organizationId', message }],
      });
    }
    const inserted = await trx
      .insertInto('directory_trusts')
      .values({
        organization_id: actor.organizationId,
        directory_id: directoryId,
        trustee_organization_id: trusteeOrganizationId,
      })
      .onConflict((conflict) => conflict.columns(['directory_id', 'trustee_organization_id']).doNothing())
      .returning(['trustee_organization_id'])
      .executeTakeFirst();
    if (!inserted) {
      throw new AppError(
        DomainErrorCodes.alreadyTrusted,
        409,
        'This organization is already trusted on this directory.',
      );
    }
    const trust = (await findTrustsByDirectoryId(trx, actor.organizationId, directoryId)).find(
      (row) => row.trustee_organization_id === trusteeOrganizationId,
    );
    if (!trust) {
      throw notFound('Trust');
    }
    await recordAudit(trx, actor, {
      action: 'directory_trust.grant',
      target: { type: 'directory', id: directoryId, label: directory.name },
      after: { organizationId: trusteeOrganizationId, organizationName: trust.trustee_name },
    });
    return presentTrust(trust);
  });
}

/**
 * Revokes an organization's trust on a directory: from then on the directory's domains give it
 * nothing (Personal ID for new users) (system admins).
 * @throws AppError 403; 404 when the directory is not the organization's or the trust does not exist
 */
export async function revokeTrust(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  trusteeOrganizationId: string,
): Promise<void> {
  authorize(actor, 'domain.manage');
  await transaction(ctx.db, async (trx) => {
    const directory = await findDirectoryById(trx, actor.organizationId, directoryId);
    if (!directory) {
      throw notFound('Directory');
    }
    const deleted = await trx
      .deleteFrom('directory_trusts')
      .where('organization_id', '=', actor.organizationId)
      .where('directory_id', '=', directoryId)
      .where('trustee_organization_id', '=', trusteeOrganizationId)
      .returning('trustee_organization_id')
      .executeTakeFirst();
    if (!deleted) {
      throw notFound('Trust');
    }
    await recordAudit(trx, actor, {
      action: 'directory_trust.revoke',
      target: { type: 'directory', id: directoryId, label: directory.name },
      before: { organizationId: trusteeOrganizationId },
    });
  });
}

/**
 * The directories other organizations trust the caller's organization with: name, identity type,
 * owner and the claimed domains whose users it may add.
 * @throws AppError 403 without `domain.read`
 */
export async function listTrustedDirectories(
  ctx: AppContext,
  actor: Actor,
): Promise<{ items: TrustedDirectoryView[] }> {
  authorize(actor, 'domain.read');
  const rows = await findTrustedDirectoriesByTrusteeOrganizationId(ctx.db, actor.organizationId);
  return { items: rows.map(presentTrustedDirectory) };
}
