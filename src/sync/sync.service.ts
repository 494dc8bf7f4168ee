import type { DirectorySync, GroupMapping, PutSyncInput, SyncRun } from '../../shared/api/sync.ts';
import { SYNC_LIMITS, type SyncAttributes } from '../../shared/sync.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { secretBox } from '../auth/encryption.ts';
import { syncRunsUndoneBy, type UndoneBy } from '../bulk/bulk.undo.ts';
import type { AppContext } from '../context.ts';
import { AppError, notFound } from '../core/errors.ts';
import { keysetPage, Positions } from '../core/paging.ts';
import { transaction } from '../db/database.ts';
import { findClaimedDomainNamesByDirectoryId, findDirectoryRow } from '../domains/domains.directories.service.ts';
import { emailDomain } from '../domains/identity.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { findGroupsByNames, findProfilesByNames } from '../users/users.lookup.ts';
import { SyncErrorCodes } from './sync.errors.ts';
import { runSyncJob } from './sync.job.ts';
import { type DirectorySettings, normalizeDn, withDirectory } from './sync.ldap.ts';
import {
  deleteSyncByDirectoryId,
  deleteSyncRunById,
  findActiveSyncRunByDirectoryId,
  findSyncByDirectoryId,
  findSyncRunById,
  findSyncRunsByDirectoryId,
  findSyncRunUsersByRunId,
  insertSyncRun,
  lockSyncByDirectoryId,
  type SyncRow,
  type SyncRunRow,
  upsertSync,
} from './sync.queries.ts';

/** One group mapping as stored (and as the API shows it). */
export type { GroupMapping };

/** The AAD of a stored bind password: it opens only on its own directory's row. */
export const passwordContext = (organizationId: string, directoryId: string) =>
  `directory-sync:${organizationId}:${directoryId}`;

/** Presents a connection (never the password). */
export function presentSync(row: SyncRow): DirectorySync {
  return {
    directoryId: row.directory_id,
    url: row.url,
    startTls: row.start_tls,
    caCertificate: row.ca_certificate,
    bindDn: row.bind_dn,
    bindPasswordSet: true as const,
    baseDn: row.base_dn,
    userFilter: row.user_filter,
    groupBaseDn: row.group_base_dn,
    groupFilter: row.group_filter,
    attributes: row.attributes as SyncAttributes,
    groups: row.groups as GroupMapping[],
    missingUsers: row.missing_users,
    maxRemovals: row.max_removals,
    maxRemovalPercent: row.max_removal_percent,
    intervalMinutes: row.interval_minutes,
    nextRunAt: row.next_run_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
  };
}

async function requireDirectory(ctx: AppContext, actor: Actor, directoryId: string) {
  const directory = await findDirectoryRow(ctx.db, actor.organizationId, directoryId);
  if (!directory) {
    throw notFound('Directory');
  }
  return directory;
}

/**
 * Reads a directory's sync connection (system admins).
 * @throws AppError 403; 404 (no directory, or `sync.not_configured`)
 */
export async function getSync(ctx: AppContext, actor: Actor, directoryId: string) {
  authorize(actor, 'domain.manage');
  await requireDirectory(ctx, actor, directoryId);
  const row = await findSyncByDirectoryId(ctx.db, actor.organizationId, directoryId);
  if (!row) {
    throw new AppError(SyncErrorCodes.notConfigured, 404, 'This directory has no sync connection yet: save one first.');
  }
  return presentSync(row);
}

/** Checks that the mapped user groups and profiles exist, naming the field of each unknown name. */
async function checkMapping(ctx: AppContext, organizationId: string, groups: GroupMapping[]): Promise<void> {
  await findGroupsByNames(
    ctx.db,
    organizationId,
    groups.map((group, index) => [`body.groups.${index}.userGroups`, group.userGroups ?? []]),
  );
  await findProfilesByNames(
    ctx.db,
    organizationId,
    groups.map((group, index) => [`body.groups.${index}.profiles`, group.profiles ?? []]),
  );
}

/**
 * Creates or replaces a directory's sync connection (system admins). The bind password is sealed
 * with AES-256-GCM before it is stored and is never returned; omitted, the stored one is kept.
 * Mapped user groups and profiles must exist. Audited without the password.
 * @throws AppError 403; 404; 400 `sync.password_required` on the first save; 422 unknown
 *   groups or profiles; 503 `secrets.key_missing`
 */
export async function putSync(ctx: AppContext, actor: Actor, directoryId: string, input: PutSyncInput) {
  authorize(actor, 'domain.manage');
  await requireDirectory(ctx, actor, directoryId);
  await checkMapping(ctx, actor.organizationId, input.groups);
  const sealed = input.bindPassword
    ? (await secretBox(ctx.config)).seal(input.bindPassword, passwordContext(actor.organizationId, directoryId))
    : undefined;
  await transaction(ctx.db, async (trx) => {
    const before = await findSyncByDirectoryId(trx, actor.organizationId, directoryId);
    if (!before && !sealed) {
      throw new AppError(
        SyncErrorCodes.passwordRequired,
        400,
        'Give the bind password the first time the connection is saved.',
        {
          errors: [{ field: 'body.bindPassword', message: 'required when the connection is created' }],
        },
      );
    }
    const values = {
      url: input.url.replace(/\/+$/, ''),
      start_tls: input.startTls ?? false,
      ca_certificate: input.caCertificate || null,
      bind_dn: input.bindDn,
      base_dn: input.baseDn,
      user_filter: input.userFilter,
      group_base_dn: input.groupBaseDn || null,
      group_filter: input.groupFilter || null,
      attributes: JSON.stringify(input.attributes),
      groups: JSON.stringify(input.groups),
      missing_users: input.missingUsers,
      max_removals: input.maxRemovals,
      max_removal_percent: input.maxRemovalPercent ?? SYNC_LIMITS.maxRemovalPercentDefault,
      interval_minutes: input.intervalMinutes,
      next_run_at: input.intervalMinutes > 0 ? new Date(Date.now() + input.intervalMinutes * 60_000) : null,
      updated_at: new Date(),
    };
    await upsertSync(trx, actor.organizationId, directoryId, {
      ...values,
      ...(sealed ? { bind_password_sealed: sealed } : {}),
    });
    const after = await findSyncByDirectoryId(trx, actor.organizationId, directoryId);
    const view = (row: SyncRow | undefined) => {
      if (!row) {
        return null;
      }
      const { nextRunAt: _next, updatedAt: _updated, bindPasswordSet: _set, ...rest } = presentSync(row);
      return rest;
    };
    await recordAudit(trx, actor, {
      action: before ? 'directory.sync_update' : 'directory.sync_create',
      target: { type: 'directory', id: directoryId, label: after?.directory_name ?? null },
      before: view(before),
      after: { ...view(after), ...(sealed ? { bindPassword: 'changed' } : {}) },
    });
  });
  return getSync(ctx, actor, directoryId);
}

/**
 * Deletes a directory's sync connection; its users stay, no longer managed (system admins).
 * @throws AppError 403; 404
 */
export async function deleteSync(ctx: AppContext, actor: Actor, directoryId: string): Promise<void> {
  authorize(actor, 'domain.manage');
  await transaction(ctx.db, async (trx) => {
    const before = await findSyncByDirectoryId(trx, actor.organizationId, directoryId);
    if (!before) {
      throw new AppError(SyncErrorCodes.notConfigured, 404, 'This directory has no sync connection.');
    }
    await deleteSyncByDirectoryId(trx, actor.organizationId, directoryId);
    const { nextRunAt: _next, updatedAt: _updated, bindPasswordSet: _set, ...rest } = presentSync(before);
    await recordAudit(trx, actor, {
      action: 'directory.sync_delete',
      target: { type: 'directory', id: directoryId, label: before.directory_name },
      before: rest,
    });
  });
}

/**
 * The settings a run or a test reads the directory with: the stored row, its password opened.
 * @throws AppError `secrets.unreadable` when the key changed
 */
export async function settingsOf(ctx: AppContext, row: SyncRow): Promise<DirectorySettings> {
  const box = await secretBox(ctx.config);
  return {
    url: row.url,
    startTls: row.start_tls,
    caCertificate: row.ca_certificate,
    bindDn: row.bind_dn,
    bindPassword: box.open(row.bind_password_sealed, passwordContext(row.organization_id, row.directory_id)),
    baseDn: row.base_dn,
    userFilter: row.user_filter,
    groupBaseDn: row.group_base_dn,
    groupFilter: row.group_filter,
    attributes: row.attributes as SyncAttributes,
  };
}

/**
 * "Test connection": binds with the given settings (the stored password when none is given),
 * reads the first users and the mapped groups, and shows how they would map. Changes nothing.
 * @throws AppError 403; 404; 422 `sync.unreachable`, `sync.tls_failed`, `sync.bind_failed`,
 *   `sync.search_failed`
 */
export async function testSync(ctx: AppContext, actor: Actor, directoryId: string, input: PutSyncInput) {
  authorize(actor, 'domain.manage');
  await requireDirectory(ctx, actor, directoryId);
  const stored = await findSyncByDirectoryId(ctx.db, actor.organizationId, directoryId);
  let bindPassword = input.bindPassword;
  if (!bindPassword) {
    if (!stored) {
      throw new AppError(SyncErrorCodes.passwordRequired, 400, 'Give the bind password to test the connection.', {
        errors: [{ field: 'body.bindPassword', message: 'required until the connection is saved' }],
      });
    }
    bindPassword = (await settingsOf(ctx, stored)).bindPassword;
  }
  const settings: DirectorySettings = {
    url: input.url.replace(/\/+$/, ''),
    startTls: input.startTls ?? false,
    caCertificate: input.caCertificate || null,
    bindDn: input.bindDn,
    bindPassword,
    baseDn: input.baseDn,
    userFilter: input.userFilter,
    groupBaseDn: input.groupBaseDn || null,
    groupFilter: input.groupFilter || null,
    attributes: input.attributes,
  };
  const domains = new Set(await findClaimedDomainNamesByDirectoryId(ctx.db, actor.organizationId, directoryId));
  const names = input.groups.map((group) => group.directoryGroup);
  return withDirectory(settings, async (reader) => {
    const groups = await reader.groups(names);
    const users = [];
    for await (const page of reader.users(10)) {
      users.push(...page.slice(0, 10 - users.length));
      if (users.length >= 10) {
        break;
      }
    }
    return {
      users: users.map((user) => {
        const dn = normalizeDn(user.dn);
        const mapped = input.groups.filter((group) => groups.get(group.directoryGroup)?.members.has(dn));
        return {
          dn: user.dn,
          email: user.email,
          firstName: user.firstName,
          lastName: user.lastName,
          country: user.country,
          username: user.username,
          inScope: user.email !== null && domains.has(emailDomain(user.email)),
          userGroups: [...new Set(mapped.flatMap((group) => group.userGroups ?? []))],
          profiles: [...new Set(mapped.flatMap((group) => group.profiles ?? []))],
        };
      }),
      groups: names.map((name) => {
        const group = groups.get(name);
        return {
          directoryGroup: name,
          found: group !== undefined,
          dn: group?.dn ?? null,
          members: group?.members.size ?? 0,
        };
      }),
    };
  });
}

/** Presents a run, with who undid it (`undone`, by run id). */
export function presentRun(row: SyncRunRow, undone?: Map<string, UndoneBy>): SyncRun {
  return {
    id: row.id,
    directoryId: row.directory_id,
    dryRun: row.dry_run,
    trigger: row.trigger,
    status: row.status,
    phase: row.phase,
    initiatedBy: {
      kind: row.initiator_type === 'api_token' ? 'token' : row.initiator_type === 'system' ? 'schedule' : 'user',
      label: row.initiator_label,
    },
    found: row.found,
    inScope: row.in_scope,
    processed: row.processed,
    created: row.created,
    updated: row.updated,
    takenOver: row.taken_over,
    restored: row.restored,
    removed: row.removed,
    membershipsAdded: row.memberships_added,
    membershipsRemoved: row.memberships_removed,
    unchanged: row.unchanged,
    skipped: row.skipped,
    failed: row.failed,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    undoneBy: undone?.get(row.id) ?? null,
  };
}

/**
 * Queues a run (or, with `dryRun`, a preview) of a directory's sync (system admins).
 * @returns the run's id
 * @throws AppError 403; 404; 409 `sync.already_running`
 */
export async function startSyncRun(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  input: { dryRun?: boolean | undefined; ignoreSafetyLimit?: boolean | undefined },
): Promise<{ id: string }> {
  authorize(actor, 'domain.manage');
  return transaction(ctx.db, async (trx) => {
    const sync = await findSyncByDirectoryId(trx, actor.organizationId, directoryId);
    if (!sync) {
      throw new AppError(
        SyncErrorCodes.notConfigured,
        404,
        'This directory has no sync connection yet: save one first.',
      );
    }
    // The connection row is locked so two requests cannot both find no run in progress.
    await lockSyncByDirectoryId(trx, actor.organizationId, directoryId);
    const active = await findActiveSyncRunByDirectoryId(trx, actor.organizationId, directoryId);
    if (active) {
      throw new AppError(
        SyncErrorCodes.alreadyRunning,
        409,
        'A run of this directory is queued or running: wait for it to finish.',
        {
          extra: { runId: active.id },
        },
      );
    }
    const run = await insertSyncRun(trx, {
      organization_id: actor.organizationId,
      directory_id: directoryId,
      dry_run: input.dryRun ?? false,
      ignore_safety_limit: input.ignoreSafetyLimit ?? false,
      trigger: 'manual',
      initiator_type: actor.type,
      initiator_id: actor.type === 'user' || actor.type === 'api_token' ? actor.id : null,
      initiator_label: actor.label,
    });
    await recordAudit(trx, actor, {
      action: input.dryRun ? 'directory.sync_preview' : 'directory.sync_run',
      target: { type: 'directory', id: directoryId, label: sync.directory_name },
      after: { runId: run.id, ...(input.ignoreSafetyLimit ? { ignoreSafetyLimit: true } : {}) },
    });
    await ctx.jobs.send(runSyncJob, { organizationId: actor.organizationId, runId: run.id }, { trx });
    return { id: run.id };
  });
}

async function requireRun(ctx: AppContext, actor: Actor, directoryId: string, runId: string) {
  const run = await findSyncRunById(ctx.db, actor.organizationId, runId);
  if (!run || run.directory_id !== directoryId) {
    throw notFound('Sync run');
  }
  return run;
}

/**
 * A run with its counts and the first page of per-user outcomes (system admins).
 * @throws AppError 403; 404
 */
export async function getSyncRun(ctx: AppContext, actor: Actor, directoryId: string, runId: string) {
  authorize(actor, 'domain.manage');
  const run = await requireRun(ctx, actor, directoryId, runId);
  const page = await listSyncRunUsers(ctx, actor, directoryId, runId, { limit: 100 });
  const undone = await syncRunsUndoneBy(ctx.db, actor.organizationId, [run.id]);
  return { ...presentRun(run, undone), outcomes: page.items, nextCursor: page.nextCursor };
}

/**
 * A page of a run's per-user outcomes (system admins).
 * @throws AppError 403; 404; 400 bad cursor
 */
export async function listSyncRunUsers(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  runId: string,
  query: { limit: number; cursor?: string | undefined },
) {
  authorize(actor, 'domain.manage');
  return keysetPage(query, {
    position: Positions.number,
    // The cursor is checked first, then the run.
    read: async (after, limit) => {
      await requireRun(ctx, actor, directoryId, runId);
      return findSyncRunUsersByRunId(ctx.db, actor.organizationId, runId, { limit, afterSeq: after ?? 0 });
    },
    positionOf: (row) => row.seq,
    present: (page) =>
      page.map((row) => ({
        seq: row.seq,
        email: row.email,
        dn: row.dn,
        userId: row.user_id,
        action: row.action,
        status: row.status,
        message: row.message,
        changes: (row.changes as Record<string, unknown> | null) ?? null,
      })),
  });
}

/**
 * A directory's runs, newest first (system admins).
 * @throws AppError 403; 404
 */
export async function listSyncRuns(
  ctx: AppContext,
  actor: Actor,
  directoryId: string,
  query: { limit: number; cursor?: string | undefined },
) {
  authorize(actor, 'domain.manage');
  return keysetPage(query, {
    position: Positions.createdAtId,
    read: async (before, limit) => {
      await requireDirectory(ctx, actor, directoryId);
      return findSyncRunsByDirectoryId(ctx.db, actor.organizationId, directoryId, { limit, before });
    },
    positionOf: (row) => ({ createdAt: row.created_at.toISOString(), id: row.id }),
    present: async (page) => {
      const undone = await syncRunsUndoneBy(
        ctx.db,
        actor.organizationId,
        page.map((row) => row.id),
      );
      return page.map((row) => presentRun(row, undone));
    },
  });
}

/** Header of a run's results CSV. */
export const SYNC_RESULTS_CSV_HEADER = ['E-mail', 'DN', 'Action', 'Status', 'Message', 'Changes'];

/**
 * A run's outcomes as CSV: the header and the rows, read page by page (system admins). Cells are
 * formula-guarded by the CSV writer.
 * @throws AppError 403; 404
 */
export async function syncRunCsv(ctx: AppContext, actor: Actor, directoryId: string, runId: string) {
  authorize(actor, 'domain.manage');
  await requireRun(ctx, actor, directoryId, runId);
  async function* rows() {
    let after = 0;
    for (;;) {
      const page = await findSyncRunUsersByRunId(ctx.db, actor.organizationId, runId, { limit: 1000, afterSeq: after });
      for (const row of page) {
        yield [
          row.email ?? '',
          row.dn ?? '',
          row.action,
          row.status,
          row.message ?? '',
          row.changes ? JSON.stringify(row.changes) : '',
        ];
      }
      const last = page.at(-1);
      if (!last || page.length < 1000) {
        return;
      }
      after = last.seq;
    }
  }
  return { header: SYNC_RESULTS_CSV_HEADER, rows: rows() };
}

/**
 * Deletes a finished run and its results (system admins).
 * @throws AppError 403; 404; 409 `sync.run_not_finished`
 */
export async function deleteSyncRun(ctx: AppContext, actor: Actor, directoryId: string, runId: string): Promise<void> {
  authorize(actor, 'domain.manage');
  const run = await requireRun(ctx, actor, directoryId, runId);
  if (run.status === 'queued' || run.status === 'running') {
    throw new AppError(SyncErrorCodes.runNotFinished, 409, 'The run has not finished yet.');
  }
  await transaction(ctx.db, async (trx) => {
    await deleteSyncRunById(trx, actor.organizationId, runId);
    await recordAudit(trx, actor, {
      action: 'directory.sync_run_delete',
      target: { type: 'directory', id: directoryId, label: null },
      before: { runId, status: run.status },
    });
  });
}
