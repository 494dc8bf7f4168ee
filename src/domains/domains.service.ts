import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { keysetPage, namePosition, Positions } from '../core/paging.ts';
import { transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { challengeRecord, lookupTxt, type TxtLookup } from './dns.ts';
import { DomainErrorCodes } from './domains.errors.ts';
import {
  findDirectoryById,
  findDomainById,
  findDomainsByOrganizationId,
  isDomainClaimedByOtherOrganization,
} from './domains.queries.ts';
import { type DomainView, presentDomain } from './domains.view.ts';

function directoryNotFound(directoryId: string): AppError {
  return new AppError(
    DomainErrorCodes.directoryNotFound,
    422,
    `No directory with id ${directoryId} in this organization.`,
    {
      errors: [
        {
          field: 'body.directoryId',
          message: 'unknown directory: create it first or pick one of GET /api/v1/directories',
        },
      ],
    },
  );
}

function directoryRequired(field: string): AppError {
  const message =
    'A claimed domain belongs to a directory, which gives its users their identity type: set directoryId (PATCH /api/v1/domains/{id}) first.';
  return new AppError(DomainErrorCodes.directoryRequired, 422, message, { errors: [{ field, message }] });
}

async function directoryOf(trx: Transaction<DB>, organizationId: string, directoryId: string) {
  const directory = await findDirectoryById(trx, organizationId, directoryId);
  if (!directory) {
    throw directoryNotFound(directoryId);
  }
  return directory;
}

async function lockDomain(trx: Transaction<DB>, organizationId: string, domainId: string) {
  const row = await trx
    .selectFrom('domains')
    .select(['name', 'status', 'directory_id', 'verification_token'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', domainId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) {
    throw notFound('Domain');
  }
  return row;
}

async function readDomain(ctx: AppContext, organizationId: string, domainId: string): Promise<DomainView> {
  const row = await findDomainById(ctx.db, organizationId, domainId);
  if (!row) {
    throw notFound('Domain');
  }
  return presentDomain(row);
}

/**
 * Lists the organization's domains by name, cursor-paged, each with the TXT record that claims it.
 * @throws AppError 403 without `domain.read`
 */
export async function listDomains(
  ctx: AppContext,
  actor: Actor,
  query: {
    limit: number;
    cursor?: string | undefined;
    directoryId?: string | undefined;
    status?: 'pending' | 'claimed' | undefined;
  },
) {
  authorize(actor, 'domain.read');
  return keysetPage(query, {
    position: Positions.nameId,
    read: (after, limit) =>
      findDomainsByOrganizationId(ctx.db, actor.organizationId, {
        limit,
        after,
        directoryId: query.directoryId,
        status: query.status,
      }),
    positionOf: namePosition,
    present: (page) => page.map(presentDomain),
  });
}

/**
 * Reads one domain.
 * @throws AppError 403; 404 when not in the organization
 */
export async function getDomain(ctx: AppContext, actor: Actor, domainId: string): Promise<DomainView> {
  authorize(actor, 'domain.read');
  return readDomain(ctx, actor.organizationId, domainId);
}

/**
 * Adds a domain, pending until its TXT record is verified (system admins). Any organization may
 * add any name; only one can claim it.
 * @param input `name` already validated and lower-cased by the route
 * @throws AppError 403; 409 `domains.name_taken`; 422 `domains.directory_not_found`
 */
export async function addDomain(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; directoryId?: string | undefined },
): Promise<DomainView> {
  authorize(actor, 'domain.manage');
  const id = await transaction(ctx.db, async (trx) => {
    const directory = input.directoryId ? await directoryOf(trx, actor.organizationId, input.directoryId) : null;
    const created = await trx
      .insertInto('domains')
      .values({
        organization_id: actor.organizationId,
        directory_id: directory?.id ?? null,
        name: input.name,
        verification_token: randomBytes(16).toString('hex'),
      })
      .returning(['id', 'name'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, actor, {
      action: 'domain.add',
      target: { type: 'domain', id: created.id, label: created.name },
      after: { name: created.name, status: 'pending', directory: directory?.name ?? null },
    });
    return created.id;
  });
  return readDomain(ctx, actor.organizationId, id);
}

/**
 * Moves a domain to another directory, or (while pending) takes it out of its directory (system admins).
 * @throws AppError 403; 404; 422 `domains.directory_not_found`, `domains.directory_required`
 */
export async function updateDomain(
  ctx: AppContext,
  actor: Actor,
  domainId: string,
  patch: { directoryId: string | null },
): Promise<DomainView> {
  authorize(actor, 'domain.manage');
  await transaction(ctx.db, async (trx) => {
    const before = await lockDomain(trx, actor.organizationId, domainId);
    if (patch.directoryId === null && before.status === 'claimed') {
      throw directoryRequired('body.directoryId');
    }
    const directory = patch.directoryId ? await directoryOf(trx, actor.organizationId, patch.directoryId) : null;
    const previous = before.directory_id
      ? await findDirectoryById(trx, actor.organizationId, before.directory_id)
      : null;
    await trx
      .updateTable('domains')
      .set({ directory_id: directory?.id ?? null })
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', domainId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'domain.update',
      target: { type: 'domain', id: domainId, label: before.name },
      before: { directory: previous?.name ?? null },
      after: { directory: directory?.name ?? null },
    });
  });
  return readDomain(ctx, actor.organizationId, domainId);
}

function recordNotPublished(name: string, token: string, lookup: TxtLookup): AppError {
  const record = challengeRecord(name, token);
  const found =
    lookup.kind === 'records'
      ? ` The TXT records found there are: ${lookup.texts.map((text) => JSON.stringify(text)).join(', ')}.`
      : '';
  return new AppError(
    DomainErrorCodes.recordNotFound,
    422,
    `No matching DNS record: publish a TXT record named ${record.name} with the value ${record.value}, wait until DNS serves it, then verify again.${found}`,
    { extra: { record } },
  );
}

/**
 * Verifies a domain: looks up its TXT record and, on a match, claims the domain for the
 * organization. Every lookup is recorded (`last_checked_at`, audit `domain.verify` or
 * `domain.verify_failed`). A domain already claimed is answered as it is, without a lookup
 * (system admins).
 * @throws AppError 403; 404; 409 `domains.claimed_elsewhere`; 422 `domains.directory_required`,
 *   `domains.record_not_found`; 502 `domains.dns_lookup_failed`
 */
export async function verifyDomain(ctx: AppContext, actor: Actor, domainId: string): Promise<DomainView> {
  authorize(actor, 'domain.manage');
  const domain = await findDomainById(ctx.db, actor.organizationId, domainId);
  if (!domain) {
    throw notFound('Domain');
  }
  if (domain.status === 'claimed') {
    return presentDomain(domain);
  }
  if (!domain.directory_id) {
    throw directoryRequired('directoryId');
  }
  if (await isDomainClaimedByOtherOrganization(ctx.db, actor.organizationId, domain.name)) {
    throw claimedElsewhere(domain.name);
  }
  // The lookup runs outside any transaction: nothing waits on the network while holding locks.
  const record = challengeRecord(domain.name, domain.verification_token);
  const lookup = await lookupTxt(record.name, ctx.config.dnsServers);
  const matched = lookup.kind === 'records' && lookup.texts.some((text) => text.trim() === record.value);

  const failure = await transaction(ctx.db, async (trx) => {
    const now = new Date();
    const current = await lockDomain(trx, actor.organizationId, domainId);
    const target = { type: 'domain', id: domainId, label: current.name };
    let refusal: AppError | null = null;
    if (!matched) {
      refusal =
        lookup.kind === 'failed'
          ? new AppError(
              DomainErrorCodes.dnsLookupFailed,
              502,
              `The DNS lookup of ${record.name} failed (${lookup.reason}); nothing was changed. Try again later.`,
            )
          : recordNotPublished(current.name, current.verification_token, lookup);
    } else if (current.status === 'pending' && !current.directory_id) {
      refusal = directoryRequired('directoryId');
    } else if (await isDomainClaimedByOtherOrganization(trx, actor.organizationId, current.name)) {
      refusal = claimedElsewhere(current.name);
    }
    if (refusal) {
      await trx
        .updateTable('domains')
        .set({ last_checked_at: now })
        .where('organization_id', '=', actor.organizationId)
        .where('id', '=', domainId)
        .execute();
      await recordAudit(trx, actor, {
        action: 'domain.verify_failed',
        target,
        after: {
          record: record.name,
          reason: refusal.code,
          ...(lookup.kind === 'failed' ? { dns: lookup.reason } : {}),
        },
      });
      return refusal;
    }
    if (current.status === 'pending') {
      await trx
        .updateTable('domains')
        .set({ status: 'claimed', claimed_at: now, last_checked_at: now })
        .where('organization_id', '=', actor.organizationId)
        .where('id', '=', domainId)
        .execute();
      await recordAudit(trx, actor, {
        action: 'domain.verify',
        target,
        before: { status: 'pending' },
        after: { status: 'claimed', record: record.name },
      });
    }
    return null;
  });
  if (failure) {
    throw failure;
  }
  return readDomain(ctx, actor.organizationId, domainId);
}

function claimedElsewhere(name: string): AppError {
  return new AppError(
    DomainErrorCodes.claimedElsewhere,
    409,
    `${name} is already claimed by another organization on this Usher. Ask that organization to remove it, or to grant your organization trust on its directory.`,
  );
}

/**
 * Removes a domain; a claimed one is released, so another organization may claim it (system admins).
 * @throws AppError 403; 404
 */
export async function removeDomain(ctx: AppContext, actor: Actor, domainId: string): Promise<void> {
  authorize(actor, 'domain.manage');
  await transaction(ctx.db, async (trx) => {
    const before = await findDomainById(trx, actor.organizationId, domainId);
    if (!before) {
      throw notFound('Domain');
    }
    await trx
      .deleteFrom('domains')
      .where('organization_id', '=', actor.organizationId)
      .where('id', '=', domainId)
      .execute();
    await recordAudit(trx, actor, {
      action: 'domain.remove',
      target: { type: 'domain', id: domainId, label: before.name },
      before: { name: before.name, status: before.status, directory: before.directory_name },
    });
  });
}
