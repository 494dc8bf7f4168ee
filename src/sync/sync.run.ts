import type { Locale } from '../../shared/contracts.ts';
import { recordAudits } from '../audit/audit.service.ts';
import type { ItemOutcome } from '../changes/runner.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { type Executor, transaction } from '../db/database.ts';
import { refreshGrownStatistics } from '../db/statistics.ts';
import { findClaimedDomainNamesByDirectoryId } from '../domains/domains.directories.service.ts';
import { emailDomain } from '../domains/identity.ts';
import { setMembershipsCommand } from '../groups/groups.commands.ts';
import { findMembersByGroupIdsAndUserIds } from '../groups/groups.members.ts';
import { queueMessages } from '../outbox/outbox.ts';
import type { Actor } from '../roles/policy.ts';
import {
  createUsersCommand,
  lockUsersById,
  removeUsersCommand,
  restoreUsersCommand,
  setUsersCommand,
  snapshotUsers,
  type UserStateItem,
} from '../users/users.commands.ts';
import {
  findDirectProfilesByUserIds,
  findGroupsByNames,
  findProfilesByNames,
  findSystemAdminEmailsByOrganizationId,
  findUsersByEmailsOrIds,
  type SyncedUserRow,
} from '../users/users.lookup.ts';
import { type NewUserInput, normalizeCountry, organizationLocale } from '../users/users.service.ts';
import { SyncErrorCodes } from './sync.errors.ts';
import { type DirectoryUser, normalizeDn, withDirectory } from './sync.ldap.ts';
import {
  claimSyncRun,
  countSyncedUsersByDirectoryId,
  deleteSyncedUsers,
  deleteSyncRunWorkingSet,
  findSyncByDirectoryId,
  findSyncedUsersMissingFromRun,
  findSyncRunById,
  findSyncRunEntriesAfter,
  insertSyncRunEntries,
  insertSyncRunMembers,
  insertSyncRunUsers,
  type RunUserOutcome,
  type SyncRow,
  type SyncRunRow,
  updateSyncRun,
  updateSyncRunEntryUserIds,
  upsertSyncedUsers,
} from './sync.queries.ts';
import { type GroupMapping, settingsOf } from './sync.service.ts';

/**
 * Entries compared and applied, and users gone from the directory handled, per step and
 * transaction (`USHER_SYNC_CHUNK_USERS`, 1,000; progress and outcome writes follow it).
 */
const chunkOf = (ctx: AppContext) => ctx.config.sync.chunkUsers;

/** The connection acting: audit events name it, and `operationId` ties them to the run. */
function syncActor(sync: SyncRow, runId: string): Actor {
  return {
    type: 'directory_sync',
    id: sync.directory_id,
    label: `Directory sync: ${sync.directory_name}`,
    organizationId: sync.organization_id,
    // A connection is configured by a system admin and acts with that authority, within the
    // groups, profiles and users it manages.
    grants: [{ role: 'system-admin', productId: null, profileId: null, groupId: null }],
    sourceIp: null,
    userAgent: null,
    operationId: runId,
    source: { type: 'directory_sync', id: sync.directory_id },
  };
}

/** A group mapping's Usher side: the user groups and profiles its members get. */
interface Mapping {
  groupIds: string[];
  profileIds: string[];
}

/** The plan for one in-scope directory entry. */
interface EntryPlan {
  /** The entry's number among the run's staged entries. */
  seq: number;
  entry: DirectoryUser & { email: string };
  user: SyncedUserRow | undefined;
  tracked: boolean;
  restore: boolean;
  details: { firstName?: string | null; lastName?: string | null; country?: string | null; email?: string };
  detailsBefore: Record<string, unknown>;
  notes: string[];
  addGroups: string[];
  removeGroups: string[];
  addProfiles: string[];
  removeProfiles: string[];
}

/** Counters of a run, in the run row's column names. */
interface Counts {
  found: number;
  in_scope: number;
  processed: number;
  created: number;
  updated: number;
  taken_over: number;
  restored: number;
  removed: number;
  memberships_added: number;
  memberships_removed: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

const errorText = (error: unknown) => {
  if (error instanceof AppError) {
    const fields = error.errors?.map((problem) => problem.message).join('; ');
    return fields ? `${error.message} (${fields})` : error.message;
  }
  return 'Unexpected error; see the server log.';
};

/** A failed item's message, with its field problems. */
const outcomeText = (outcome: ItemOutcome<unknown>) => {
  const fields = outcome.problems?.map((problem) => problem.message).join('; ');
  const message = outcome.message ?? outcome.code;
  return fields && !message.includes(fields) ? `${message} (${fields})` : message;
};

const sameText = (a: string | null, b: string | null) => (a ?? '') === (b ?? '');

/**
 * Performs one queued run: reads the directory page by page into the run's working set in the
 * database (so memory does not grow with the directory), compares it with the users, memberships
 * and profiles this connection manages, and (unless a preview, or the removal safety limit stops
 * it first) applies the difference a chunk at a time through the change engine's users and groups
 * commands (`users.commands.ts`, `groups.commands.ts`), each change authorized, audited and
 * recorded as managed with the connection as actor. Never throws: every outcome, including a
 * failure, ends in the run row.
 * @param ctx the worker's context
 * @param organizationId the tenant
 * @param runId the run
 */
export async function performSyncRun(ctx: AppContext, organizationId: string, runId: string): Promise<void> {
  const queued = await findSyncRunById(ctx.db, organizationId, runId);
  if (queued?.status !== 'queued') {
    return; // already done (a redelivered job) or deleted
  }
  if (!(await claimSyncRun(ctx.db, organizationId, runId))) {
    await finish(ctx, queued, undefined, {
      status: 'failed',
      error: new AppError(SyncErrorCodes.alreadyRunning, 409, 'Another run of this directory was in progress.'),
    });
    return;
  }
  const sync = await findSyncByDirectoryId(ctx.db, organizationId, queued.directory_id);
  if (!sync) {
    await finish(ctx, queued, undefined, {
      status: 'failed',
      error: new AppError(SyncErrorCodes.notConfigured, 404, 'The directory has no sync connection any more.'),
    });
    return;
  }
  const counts: Counts = {
    found: 0,
    in_scope: 0,
    processed: 0,
    created: 0,
    updated: 0,
    taken_over: 0,
    restored: 0,
    removed: 0,
    memberships_added: 0,
    memberships_removed: 0,
    unchanged: 0,
    skipped: 0,
    failed: 0,
  };
  try {
    const status = await execute(ctx, sync, queued, counts);
    await finish(ctx, queued, sync, { status, counts });
  } catch (error) {
    if (!(error instanceof AppError)) {
      console.error(JSON.stringify({ level: 50, msg: 'directory sync run failed', runId, err: String(error) }));
    }
    await finish(ctx, queued, sync, { status: 'failed', counts, error });
  } finally {
    // The entries and group members staged for the run are needed only while it runs (what a
    // failure here leaves, the minutely job deletes).
    await deleteSyncRunWorkingSet(ctx.db, organizationId, runId).catch((error: unknown) => {
      console.error(
        JSON.stringify({ level: 40, msg: 'directory sync working set not deleted', runId, err: String(error) }),
      );
    });
  }
}

async function execute(
  ctx: AppContext,
  sync: SyncRow,
  run: SyncRunRow,
  counts: Counts,
): Promise<'completed' | 'completed-with-errors' | 'stopped'> {
  const organizationId = sync.organization_id;
  const actor = syncActor(sync, run.id);
  const dryRun = run.dry_run;
  const outcomes = new OutcomeLog(ctx, organizationId, run.id, dryRun);

  // Usher's side of the mapping: names resolved now, so a renamed group fails clearly.
  const mappings = sync.groups as GroupMapping[];
  const groupsByName = await findGroupsByNames(
    ctx.db,
    organizationId,
    mappings.map((mapping, index) => [`groups.${index}.userGroups`, mapping.userGroups ?? []]),
  );
  const profilesByName = await findProfilesByNames(
    ctx.db,
    organizationId,
    mappings.map((mapping, index) => [`groups.${index}.profiles`, mapping.profiles ?? []]),
  );
  const groupName = new Map([...groupsByName.values()].map((group) => [group.id, group.name]));
  const profileName = new Map([...profilesByName.values()].map((profile) => [profile.id, profile.name]));
  const domains = new Set(await findClaimedDomainNamesByDirectoryId(ctx.db, organizationId, sync.directory_id));
  const mapped: Mapping[] = mappings.map((mapping) => ({
    groupIds: (mapping.userGroups ?? []).map((name) => groupsByName.get(name.trim().toLowerCase())?.id ?? ''),
    profileIds: (mapping.profiles ?? []).map((name) => profilesByName.get(name.trim().toLowerCase())?.id ?? ''),
  }));
  const state = new ManagedState(ctx, organizationId, mapped);
  const progress = new Progress(ctx, organizationId, run.id);

  // The directory's side, page by page into the run's working set in the database (memory stays
  // one page whatever the directory's size): the mapped groups' members (nesting resolved), then
  // the users in scope, each matched to the Usher user it is.
  const settings = await settingsOf(ctx, sync);
  let nextSeq = 1;
  await withDirectory(settings, async (reader) => {
    const found = await reader.groupMembers(
      mappings.map((mapping) => mapping.directoryGroup),
      (index, dnKeys) => insertSyncRunMembers(ctx.db, organizationId, run.id, index, dnKeys),
    );
    const absent = mappings.find((_, index) => found[index] === undefined);
    if (absent) {
      throw new AppError(
        SyncErrorCodes.groupNotFound,
        422,
        `The directory has no group "${absent.directoryGroup}" under ${settings.groupBaseDn || settings.baseDn}: correct the group mapping.`,
      );
    }
    const pages = reader.users();
    let next = pages.next();
    // A page rejected while the previous one is staged is thrown by the await below.
    next.catch(() => {});
    for (let read = await next; !read.done; read = await next) {
      // The directory serves the next page while this one is staged.
      next = pages.next();
      next.catch(() => {});
      const page = read.value;
      counts.found += page.length;
      nextSeq = await stagePage(ctx, sync, run.id, page, nextSeq, domains, counts, outcomes);
      await outcomes.flush();
      await progress.write({ found: counts.found });
    }
  });
  await updateSyncRun(ctx.db, organizationId, run.id, {
    found: counts.found,
    in_scope: counts.in_scope,
    skipped: counts.skipped,
    phase: 'comparing',
  });
  await refreshGrownStatistics(ctx.db);

  // The safety limit, counted in the database before anything changes: the users this connection
  // manages that no entry was matched to. Applying adds none (what it creates or takes over is
  // matched), so none counted means none to handle at the end.
  const managed = await countSyncedUsersByDirectoryId(ctx.db, organizationId, sync.directory_id);
  let missing = 0;
  let active = 0;
  await forEachMissing(ctx, sync, run.id, async (rows) => {
    missing += rows.length;
    active += rows.filter((row) => row.status !== 'removed').length;
  });
  const removals = sync.missing_users === 'preserve' ? 0 : active;
  const overCount = removals > sync.max_removals;
  const overShare = managed > 0 && removals * 100 > sync.max_removal_percent * managed;
  if ((overCount || overShare) && !run.ignore_safety_limit) {
    await forEachMissing(ctx, sync, run.id, async (rows) => {
      for (const row of rows.filter((candidate) => candidate.status !== 'removed')) {
        outcomes.add({
          email: row.email,
          dn: row.dn,
          userId: row.id,
          action: sync.missing_users,
          status: 'skipped',
          message: 'Not applied: the run stopped at the safety limit.',
          changes: null,
        });
      }
      await outcomes.flush();
    });
    const limit = overCount ? sync.max_removals : Math.floor((sync.max_removal_percent * managed) / 100);
    throw new AppError(
      SyncErrorCodes.safetyLimit,
      409,
      `This run would ${sync.missing_users === 'remove' ? 'remove' : 'take the entitlements of'} ${removals} users no longer in the directory, more than the safety limit (${sync.max_removals} users or ${sync.max_removal_percent}% of the ${managed} it manages); nothing was changed. Check the list, then run again past the limit, or raise the limit.`,
      { extra: { removals, limit } },
    );
  }

  // Compare and apply (or preview) a chunk of staged entries at a time, against Usher's current
  // state of just those users.
  await updateSyncRun(ctx.db, organizationId, run.id, { phase: dryRun ? 'previewing' : 'applying' });
  let afterSeq = 0;
  for (;;) {
    const rows = await findSyncRunEntriesAfter(
      ctx.db,
      organizationId,
      run.id,
      sync.directory_id,
      afterSeq,
      chunkOf(ctx),
    );
    const last = rows.at(-1);
    if (!last) {
      break;
    }
    afterSeq = last.seq;
    const ids = rows.flatMap((row) => (row.user_id ? [row.user_id] : []));
    const users = new Map(
      (await findUsersByEmailsOrIds(ctx.db, organizationId, sync.identity_type, [], ids)).map((user) => [
        user.id,
        user,
      ]),
    );
    const held = await state.of(ids);
    const chunk = rows.map((row) =>
      planEntry(
        row.seq,
        {
          dn: row.dn,
          key: row.external_key,
          email: row.email,
          firstName: row.first_name,
          lastName: row.last_name,
          country: row.country,
          username: row.username,
        },
        row.user_id ? users.get(row.user_id) : undefined,
        row.tracked,
        row.mappings.flatMap((index) => mapped[index] ?? []),
        held.memberships,
        held.directProfiles,
      ),
    );
    if (dryRun) {
      previewChunk(chunk, counts, outcomes, groupName, profileName);
    } else {
      await applyChunk(ctx, actor, sync, run.id, chunk, counts, outcomes, groupName, profileName);
    }
    counts.processed += chunk.length;
    await outcomes.flush();
    await progress.write({ ...counts });
    if (!dryRun) {
      // A first sync fills users, memberships and its own tables many times over: plans made from
      // statistics of nearly empty tables would walk every user per row written.
      await refreshGrownStatistics(ctx.db);
    }
  }

  if (missing > 0) {
    await updateSyncRun(ctx.db, organizationId, run.id, { phase: dryRun ? 'previewing' : 'removing' });
    const scope: MissingScope = { actor, sync, dryRun, state, counts, outcomes, groupName, profileName };
    await forEachMissing(ctx, sync, run.id, (rows) => handleMissing(ctx, scope, rows));
  }
  return counts.failed > 0 ? 'completed-with-errors' : 'completed';
}

/**
 * Stages one page of directory entries: an entry without an e-mail, outside the claimed domains
 * or with the e-mail of an earlier entry is skipped (with its outcome); the others are matched to
 * their user (by the connection's record of the stable key, else by e-mail) and written to the
 * run's working set.
 * @returns the number the next page's first entry gets
 */
async function stagePage(
  ctx: AppContext,
  sync: SyncRow,
  runId: string,
  page: DirectoryUser[],
  firstSeq: number,
  domains: Set<string>,
  counts: Counts,
  outcomes: OutcomeLog,
): Promise<number> {
  const organizationId = sync.organization_id;
  const reasons: (string | null)[] = [];
  const inScope: { at: number; entry: DirectoryUser & { email: string } }[] = [];
  const pageEmails = new Set<string>();
  for (const [at, entry] of page.entries()) {
    const email = entry.email?.toLowerCase();
    const reason = !email
      ? 'The entry has no e-mail attribute.'
      : !domains.has(emailDomain(email))
        ? `${emailDomain(email)} is not a claimed domain of this directory.`
        : pageEmails.has(email)
          ? 'Another entry has the same e-mail.'
          : null;
    reasons.push(reason);
    if (!reason && email) {
      pageEmails.add(email);
      inScope.push({ at, entry: { ...entry, email: entry.email as string } });
    }
  }
  const staged = await insertSyncRunEntries(
    ctx.db,
    organizationId,
    sync.directory_id,
    runId,
    firstSeq,
    inScope.map(({ entry }) => ({
      dn: entry.dn,
      dnKey: normalizeDn(entry.dn),
      key: entry.key,
      email: entry.email,
      firstName: entry.firstName,
      lastName: entry.lastName,
      country: entry.country,
      username: entry.username,
    })),
  );
  // Entries the connection does not know by key are matched by e-mail.
  const unknown = inScope.flatMap(({ entry }, index) =>
    staged.get(firstSeq + index) === null ? [{ seq: firstSeq + index, email: entry.email.toLowerCase() }] : [],
  );
  if (unknown.length > 0) {
    const byEmail = new Map(
      (
        await findUsersByEmailsOrIds(
          ctx.db,
          organizationId,
          sync.identity_type,
          unknown.map((entry) => entry.email),
          [],
        )
      )
        .filter((row) => row.identity_type === sync.identity_type)
        .map((row) => [row.email.toLowerCase(), row.id]),
    );
    await updateSyncRunEntryUserIds(
      ctx.db,
      organizationId,
      runId,
      unknown.flatMap((entry) => {
        const userId = byEmail.get(entry.email);
        return userId ? [{ seq: entry.seq, userId }] : [];
      }),
    );
  }
  for (const [index, { at }] of inScope.entries()) {
    if (staged.has(firstSeq + index)) {
      counts.in_scope += 1;
    } else {
      reasons[at] = 'Another entry has the same e-mail.';
    }
  }
  for (const [at, entry] of page.entries()) {
    const reason = reasons[at];
    if (reason) {
      counts.skipped += 1;
      outcomes.add({
        email: entry.email,
        dn: entry.dn,
        userId: null,
        action: 'skip',
        status: 'skipped',
        message: reason,
        changes: null,
      });
    }
  }
  return firstSeq + inScope.length;
}

/** A user the connection manages that the directory no longer has, with the DN it had. */
type MissingUser = SyncedUserRow & { dn: string | null };

/**
 * Calls `work` with the users this connection manages that no entry of the run was matched to,
 * a chunk at a time in user-id order (work may stop managing them as it goes).
 */
async function forEachMissing(
  ctx: AppContext,
  sync: SyncRow,
  runId: string,
  work: (rows: MissingUser[]) => Promise<void>,
): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const page = await findSyncedUsersMissingFromRun(
      ctx.db,
      sync.organization_id,
      sync.directory_id,
      runId,
      after,
      chunkOf(ctx),
    );
    const last = page.at(-1);
    if (!last) {
      return;
    }
    after = last.user_id;
    const dnOf = new Map(page.map((row) => [row.user_id, row.dn]));
    const users = await findUsersByEmailsOrIds(
      ctx.db,
      sync.organization_id,
      sync.identity_type,
      [],
      page.map((row) => row.user_id),
    );
    const byId = new Map(users.map((user) => [user.id, user]));
    await work(
      page.flatMap((row) => {
        const user = byId.get(row.user_id);
        return user ? [{ ...user, dn: dnOf.get(row.user_id) ?? null }] : [];
      }),
    );
  }
}

/**
 * Writes a run's live counts (and its heartbeat) at most once a second: the console polls them,
 * and a write per page would be a share of a run with nothing to change.
 */
class Progress {
  readonly #ctx: AppContext;
  readonly #organizationId: string;
  readonly #runId: string;
  #last = 0;

  constructor(ctx: AppContext, organizationId: string, runId: string) {
    this.#ctx = ctx;
    this.#organizationId = organizationId;
    this.#runId = runId;
  }

  async write(set: Parameters<typeof updateSyncRun>[3]): Promise<void> {
    const now = performance.now();
    if (now - this.#last < 1000) {
      return;
    }
    this.#last = now;
    await updateSyncRun(this.#ctx.db, this.#organizationId, this.#runId, set);
  }
}

/** Reads, for a chunk of users, the mapped user groups and mapped direct profiles they hold now. */
class ManagedState {
  readonly #ctx: AppContext;
  readonly #organizationId: string;
  readonly #groupIds: string[];
  readonly #profileIds: Set<string>;

  constructor(ctx: AppContext, organizationId: string, mapped: Mapping[]) {
    this.#ctx = ctx;
    this.#organizationId = organizationId;
    this.#groupIds = [...new Set(mapped.flatMap((mapping) => mapping.groupIds))];
    this.#profileIds = new Set(mapped.flatMap((mapping) => mapping.profileIds));
  }

  /** In `db` (a transaction, to read under its locks) if given. */
  async of(
    userIds: string[],
    db: Executor = this.#ctx.db,
  ): Promise<{ memberships: Map<string, Set<string>>; directProfiles: Map<string, Set<string>> }> {
    const memberships = groupSets(
      (await findMembersByGroupIdsAndUserIds(db, this.#organizationId, this.#groupIds, userIds)).map((row) => [
        row.user_id,
        row.group_id,
      ]),
    );
    const directProfiles =
      this.#profileIds.size === 0
        ? new Map<string, Set<string>>()
        : groupSets(
            (await findDirectProfilesByUserIds(db, this.#organizationId, userIds))
              .filter((row) => this.#profileIds.has(row.profile_id))
              .map((row) => [row.user_id, row.profile_id]),
          );
    return { memberships, directProfiles };
  }
}

function groupSets(pairs: [string, string][]): Map<string, Set<string>> {
  const sets = new Map<string, Set<string>>();
  for (const [key, value] of pairs) {
    let set = sets.get(key);
    if (!set) {
      set = new Set();
      sets.set(key, set);
    }
    set.add(value);
  }
  return sets;
}

function planEntry(
  seq: number,
  entry: DirectoryUser & { email: string },
  user: SyncedUserRow | undefined,
  tracked: boolean,
  memberOf: Mapping[],
  memberships: Map<string, Set<string>>,
  directProfiles: Map<string, Set<string>>,
): EntryPlan {
  const wantGroups = new Set<string>();
  const wantProfiles = new Set<string>();
  for (const mapping of memberOf) {
    for (const id of mapping.groupIds) {
      wantGroups.add(id);
    }
    for (const id of mapping.profileIds) {
      wantProfiles.add(id);
    }
  }
  const notes: string[] = [];
  let country: string | null = null;
  try {
    country = normalizeCountry(entry.country, 'country');
  } catch {
    notes.push(`"${entry.country}" is not an ISO 3166-1 country code: the country is left as it is.`);
    country = user?.country ?? null;
  }
  const plan: EntryPlan = {
    seq,
    entry,
    user,
    tracked,
    restore: user?.status === 'removed',
    details: {},
    detailsBefore: {},
    notes,
    addGroups: [],
    removeGroups: [],
    addProfiles: [],
    removeProfiles: [],
  };
  if (!user) {
    plan.addGroups = [...wantGroups];
    plan.addProfiles = [...wantProfiles];
    return plan;
  }
  const compare = (field: 'firstName' | 'lastName' | 'country', now: string | null, want: string | null) => {
    if (!sameText(now, want)) {
      plan.details[field] = want;
      plan.detailsBefore[field] = now;
    }
  };
  compare('firstName', user.first_name, entry.firstName);
  compare('lastName', user.last_name, entry.lastName);
  compare('country', user.country, country);
  if (user.email.toLowerCase() !== entry.email.toLowerCase()) {
    plan.details.email = entry.email;
    plan.detailsBefore.email = user.email;
  }
  const haveGroups = user.status === 'removed' ? new Set<string>() : (memberships.get(user.id) ?? new Set<string>());
  const haveProfiles =
    user.status === 'removed' ? new Set<string>() : (directProfiles.get(user.id) ?? new Set<string>());
  plan.addGroups = [...wantGroups].filter((id) => !haveGroups.has(id));
  plan.removeGroups = [...haveGroups].filter((id) => !wantGroups.has(id));
  plan.addProfiles = [...wantProfiles].filter((id) => !haveProfiles.has(id));
  plan.removeProfiles = [...haveProfiles].filter((id) => !wantProfiles.has(id));
  return plan;
}

const isUnchanged = (plan: EntryPlan) =>
  plan.user !== undefined &&
  plan.tracked &&
  !plan.restore &&
  Object.keys(plan.details).length === 0 &&
  plan.addGroups.length + plan.removeGroups.length + plan.addProfiles.length + plan.removeProfiles.length === 0;

/** What a plan changes, in names, for the outcome's `changes`. */
function describe(plan: EntryPlan, groupName: Map<string, string>, profileName: Map<string, string>) {
  const names = (ids: string[], map: Map<string, string>) => ids.map((id) => map.get(id) ?? id);
  const changes: Record<string, unknown> = {};
  if (!plan.user) {
    changes.firstName = plan.entry.firstName;
    changes.lastName = plan.entry.lastName;
    changes.country = plan.entry.country;
  }
  for (const [field, value] of Object.entries(plan.details)) {
    changes[field] = { from: plan.detailsBefore[field] ?? null, to: value };
  }
  if (plan.addGroups.length > 0) {
    changes.groupsAdded = names(plan.addGroups, groupName);
  }
  if (plan.removeGroups.length > 0) {
    changes.groupsRemoved = names(plan.removeGroups, groupName);
  }
  if (plan.addProfiles.length > 0) {
    changes.profilesAdded = names(plan.addProfiles, profileName);
  }
  if (plan.removeProfiles.length > 0) {
    changes.profilesRemoved = names(plan.removeProfiles, profileName);
  }
  return changes;
}

function actionOf(plan: EntryPlan): string {
  if (!plan.user) {
    return 'create';
  }
  if (plan.restore) {
    return 'restore';
  }
  return plan.tracked ? 'update' : 'take-over';
}

function messageOf(plan: EntryPlan): string | null {
  const parts = [...plan.notes];
  if (plan.user && !plan.tracked) {
    parts.unshift('An existing user the directory also has: the sync manages this user from now on.');
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

function countPlan(plan: EntryPlan, counts: Counts): void {
  if (!plan.user) {
    counts.created += 1;
    return;
  }
  if (!plan.tracked) {
    counts.taken_over += 1;
  }
  if (plan.restore) {
    counts.restored += 1;
  }
  if (Object.keys(plan.details).length > 0) {
    counts.updated += 1;
  }
  counts.memberships_added += plan.addGroups.length;
  counts.memberships_removed += plan.removeGroups.length;
}

function previewChunk(
  chunk: EntryPlan[],
  counts: Counts,
  outcomes: OutcomeLog,
  groupName: Map<string, string>,
  profileName: Map<string, string>,
): void {
  for (const plan of chunk) {
    if (isUnchanged(plan)) {
      counts.unchanged += 1;
      continue;
    }
    countPlan(plan, counts);
    outcomes.add({
      email: plan.entry.email,
      dn: plan.entry.dn,
      userId: plan.user?.id ?? null,
      action: actionOf(plan),
      status: 'planned',
      message: messageOf(plan),
      changes: describe(plan, groupName, profileName),
    });
  }
}

/**
 * Applies one chunk's plans through the change engine's commands, each set-based over the chunk
 * (the runner tries the whole list, then halves down to the failing entries, so one bad entry
 * does not stop the others): creations, restores, details, memberships and direct profiles. A
 * failure is that user's outcome, and the user's later changes are not tried.
 *
 * The chunk is one transaction: its users are locked, their states read before and after (the
 * change engine's `UserState`, as a bulk operation's rows keep them), and the outcomes written
 * with those states, so what an undo of the run reads is exactly what the run changed.
 */
async function applyChunk(
  ctx: AppContext,
  actor: Actor,
  sync: SyncRow,
  runId: string,
  chunk: EntryPlan[],
  counts: Counts,
  outcomes: OutcomeLog,
  groupName: Map<string, string>,
  profileName: Map<string, string>,
): Promise<void> {
  await transaction(ctx.db, async (trx) => {
    const inTrx = { ...ctx, db: trx };
    const changing = chunk.filter((plan) => plan.user && !isUnchanged(plan)).map((plan) => plan.user?.id as string);
    await lockUsersById(trx, sync.organization_id, changing);
    const before = await snapshotUsers(trx, sync.organization_id, changing);
    const { failures, createdIds } = await applyPlans(inTrx, actor, sync, runId, chunk, groupName, profileName);
    const after = await snapshotUsers(trx, sync.organization_id, [...changing, ...createdIds.values()]);
    for (const plan of chunk) {
      if (isUnchanged(plan)) {
        counts.unchanged += 1;
        continue;
      }
      const failure = failures.get(plan);
      if (failure) {
        counts.failed += 1;
      } else {
        countPlan(plan, counts);
      }
      const userId = plan.user?.id ?? createdIds.get(plan) ?? null;
      outcomes.add({
        email: plan.entry.email,
        dn: plan.entry.dn,
        userId,
        action: actionOf(plan),
        status: failure ? 'failed' : 'succeeded',
        message: failure ?? messageOf(plan),
        changes: describe(plan, groupName, profileName),
        states: failure || !userId ? null : { before: before.get(userId) ?? null, after: after.get(userId) ?? null },
      });
    }
    await outcomes.flush(trx);
  });
}

/**
 * The changes of one chunk, in the caller's transaction (`ctx.db`).
 * @returns the plans that failed (with why) and the ids of the users created
 */
async function applyPlans(
  ctx: AppContext,
  actor: Actor,
  sync: SyncRow,
  runId: string,
  chunk: EntryPlan[],
  groupName: Map<string, string>,
  profileName: Map<string, string>,
): Promise<{ failures: Map<EntryPlan, string>; createdIds: Map<EntryPlan, string> }> {
  const organizationId = sync.organization_id;
  const failures = new Map<EntryPlan, string>();
  /** Records the failed items of a command run on these plans (item i is plans[i]). */
  const failed = <S>(plans: EntryPlan[], outcomes: ItemOutcome<S>[]) => {
    for (const outcome of outcomes) {
      const plan = plans[outcome.index];
      if (outcome.status === 'failed' && plan && !failures.has(plan)) {
        failures.set(plan, outcomeText(outcome));
      }
    }
  };
  const idOf = (plan: EntryPlan) => plan.user?.id as string;

  // New users, with their groups and profiles: one set-based command (the runner finds the
  // failing entries), and the connection's record of them in the same transaction.
  const creates = chunk.filter((plan) => !plan.user);
  const newUser = (plan: EntryPlan): NewUserInput => ({
    email: plan.entry.email,
    firstName: plan.entry.firstName ?? undefined,
    lastName: plan.entry.lastName ?? undefined,
    country: plan.notes.length > 0 ? undefined : (plan.entry.country ?? undefined),
    groups: plan.addGroups.map((id) => groupName.get(id) ?? id),
    profiles: plan.addProfiles.map((id) => profileName.get(id) ?? id),
  });
  const createdIds = new Map<EntryPlan, string>();
  if (creates.length > 0) {
    await transaction(ctx.db, async (trx) => {
      const created = await createUsersCommand({ ...ctx, db: trx }, actor, creates.map(newUser));
      failed(creates, created);
      const tracked = created.flatMap((outcome) => {
        const plan = creates[outcome.index];
        if (outcome.status === 'failed' || !outcome.after || !plan) {
          return [];
        }
        createdIds.set(plan, outcome.after.id);
        return [{ userId: outcome.after.id, key: plan.entry.key, dn: plan.entry.dn }];
      });
      await upsertSyncedUsers(trx, organizationId, sync.directory_id, tracked);
      // The run's entries name their new users: they are managed now, not gone from the directory.
      await updateSyncRunEntryUserIds(
        trx,
        organizationId,
        runId,
        [...createdIds].map(([plan, userId]) => ({ seq: plan.seq, userId })),
      );
    });
  }

  const existing = chunk.filter((plan) => plan.user && !isUnchanged(plan));
  const restores = existing.filter((candidate) => candidate.restore);
  if (restores.length > 0) {
    failed(
      restores,
      await restoreUsersCommand(
        ctx,
        actor,
        restores.map((plan) => ({ user: { id: idOf(plan) } })),
      ),
    );
  }
  // Users added by hand that the directory also has are taken over: managed by the connection
  // from now on (the writer records it and audits the change of source).
  const adopting = existing.filter((plan) => !plan.tracked && !failures.has(plan));
  if (adopting.length > 0) {
    failed(
      adopting,
      await setUsersCommand(
        ctx,
        actor,
        adopting.map((plan) => ({ user: { id: idOf(plan) }, manage: true })),
      ),
    );
  }
  // Taken over (and renamed or moved) users are recorded as managed, with the audit event.
  const retrack = existing.filter((plan) => !failures.has(plan));
  if (retrack.length > 0) {
    await transaction(ctx.db, async (trx) => {
      await upsertSyncedUsers(
        trx,
        organizationId,
        sync.directory_id,
        retrack.map((plan) => ({ userId: plan.user?.id as string, key: plan.entry.key, dn: plan.entry.dn })),
      );
      await recordAudits(
        trx,
        actor,
        retrack
          .filter((plan) => !plan.tracked)
          .map((plan) => ({
            action: 'directory_sync.take_over',
            target: { type: 'user', id: plan.user?.id as string, label: plan.user?.email as string },
            after: { directoryId: sync.directory_id, dn: plan.entry.dn },
          })),
      );
    });
  }
  // Details: one set-based command for the chunk.
  const detailed = existing.filter((plan) => Object.keys(plan.details).length > 0 && !failures.has(plan));
  if (detailed.length > 0) {
    failed(
      detailed,
      await setUsersCommand(
        ctx,
        actor,
        detailed.map((plan) => ({ user: { id: idOf(plan) }, ...plan.details })),
      ),
    );
  }

  // Memberships left and joined: one set-based command (one change per group inside).
  const moves = existing
    .filter((plan) => !failures.has(plan))
    .flatMap((plan) => [
      ...plan.removeGroups.map((groupId) => ({
        plan,
        item: { group: { id: groupId }, userId: idOf(plan), member: false },
      })),
      ...plan.addGroups.map((groupId) => ({
        plan,
        item: { group: { id: groupId }, userId: idOf(plan), member: true },
      })),
    ]);
  if (moves.length > 0) {
    failed(
      moves.map((move) => move.plan),
      await setMembershipsCommand(
        ctx,
        actor,
        moves.map((move) => move.item),
      ),
    );
  }

  // Direct profiles: the user's full set of direct profiles, with the mapped ones as the directory says.
  const profilePlans = existing.filter(
    (plan) => plan.addProfiles.length + plan.removeProfiles.length > 0 && !failures.has(plan),
  );
  if (profilePlans.length > 0) {
    const current = groupSets(
      (await findDirectProfilesByUserIds(ctx.db, organizationId, profilePlans.map(idOf))).map((row) => [
        row.user_id,
        row.name,
      ]),
    );
    const items = profilePlans.map((plan): UserStateItem => {
      const names = new Set(current.get(idOf(plan)) ?? []);
      for (const id of plan.removeProfiles) {
        names.delete(profileName.get(id) ?? '');
      }
      for (const id of plan.addProfiles) {
        names.add(profileName.get(id) ?? '');
      }
      return { user: { id: idOf(plan) }, profiles: [...names] };
    });
    failed(profilePlans, await setUsersCommand(ctx, actor, items));
  }
  return { failures, createdIds };
}

/** What the handling of the users gone from the directory shares across its chunks. */
interface MissingScope {
  actor: Actor;
  sync: SyncRow;
  dryRun: boolean;
  state: ManagedState;
  counts: Counts;
  outcomes: OutcomeLog;
  groupName: Map<string, string>;
  profileName: Map<string, string>;
}

/**
 * One chunk (at most `USHER_SYNC_CHUNK_USERS`, see forEachMissing) of the users the connection
 * manages that the directory no longer has: removed, stripped of the mapped groups and profiles,
 * or left as they are; in every case the connection stops managing them. A real run handles each
 * chunk in its own transaction: its users locked, their mapped groups and profiles read, the users
 * removed or stripped with their states before and after (for undo) and the outcomes written with
 * them, so a run past the safety limit never holds the locks of more than one chunk.
 */
async function handleMissing(outer: AppContext, scope: MissingScope, missing: MissingUser[]): Promise<void> {
  const inChunkTransaction = (work: (ctx: AppContext) => Promise<void>) =>
    scope.dryRun ? work(outer) : transaction(outer.db, (trx) => work({ ...outer, db: trx }));
  await inChunkTransaction(async (ctx) => {
    const { actor, sync, dryRun, counts, outcomes } = scope;
    const organizationId = sync.organization_id;
    const policy = sync.missing_users;
    const failed = new Map<string, string>();
    const active = missing.filter((row) => row.status !== 'removed');
    /** Records the failed items of a command run on these users (item i is ids[i]). */
    const failedOf = <S>(ids: string[], results: ItemOutcome<S>[]) => {
      for (const outcome of results) {
        const id = ids[outcome.index];
        if (outcome.status === 'failed' && id && !failed.has(id)) {
          failed.set(id, outcomeText(outcome));
        }
      }
    };
    // The users whose entitlements or membership of the organization the run takes, locked and
    // read before (released users change only who manages them, which an undo does not give back);
    // what they hold of the mapping is read under the lock.
    const changing = policy === 'preserve' || dryRun ? [] : active.map((row) => row.id);
    await lockUsersById(ctx.db, organizationId, changing);
    const before = await snapshotUsers(ctx.db, organizationId, changing);
    const { memberships, directProfiles } = await scope.state.of(
      missing.map((row) => row.id),
      ctx.db,
    );
    if (!dryRun && active.length > 0) {
      if (policy === 'remove') {
        const ids = active.map((row) => row.id);
        failedOf(
          ids,
          await removeUsersCommand(
            ctx,
            actor,
            ids.map((id) => ({ user: { id }, contentAction: 'transfer-later' })),
          ),
        );
      } else if (policy === 'remove-entitlements') {
        const leaving = active.flatMap((row) =>
          [...(memberships.get(row.id) ?? [])].map((groupId) => ({
            group: { id: groupId },
            userId: row.id,
            member: false,
          })),
        );
        if (leaving.length > 0) {
          failedOf(
            leaving.map((item) => item.userId),
            await setMembershipsCommand(ctx, actor, leaving),
          );
        }
        const withProfiles = active.filter((row) => (directProfiles.get(row.id)?.size ?? 0) > 0 && !failed.has(row.id));
        const current = await findDirectProfilesByUserIds(
          ctx.db,
          organizationId,
          withProfiles.map((row) => row.id),
        );
        const items = withProfiles.map((row): UserStateItem => {
          const mappedHeld = directProfiles.get(row.id) ?? new Set<string>();
          const keep = current.filter((held) => held.user_id === row.id && !mappedHeld.has(held.profile_id));
          return { user: { id: row.id }, profiles: keep.map((held) => held.name) };
        });
        if (items.length > 0) {
          failedOf(
            withProfiles.map((row) => row.id),
            await setUsersCommand(ctx, actor, items),
          );
        }
      }
    }
    // Users left as they are (the `preserve` policy, or removed already) are released: hand-managed
    // from now on, so the console no longer says a sync will change them back.
    const released = missing.filter(
      (row) => (row.status === 'removed' || policy === 'preserve') && !failed.has(row.id),
    );
    if (!dryRun && released.length > 0) {
      const ids = released.map((row) => row.id);
      failedOf(
        ids,
        await setUsersCommand(
          ctx,
          actor,
          ids.map((id) => ({ user: { id }, release: true })),
        ),
      );
    }
    const after = await snapshotUsers(ctx.db, organizationId, changing);
    for (const row of missing) {
      const removedAlready = row.status === 'removed';
      const failure = failed.get(row.id);
      const action = removedAlready || policy === 'preserve' ? 'release' : policy;
      if (failure) {
        counts.failed += 1;
      } else if (action !== 'release') {
        counts.removed += 1;
      }
      const taken =
        policy === 'remove-entitlements'
          ? {
              groupsRemoved: [...(memberships.get(row.id) ?? [])].map((id) => scope.groupName.get(id) ?? id),
              profilesRemoved: [...(directProfiles.get(row.id) ?? [])].map((id) => scope.profileName.get(id) ?? id),
            }
          : null;
      outcomes.add({
        email: row.email,
        dn: row.dn,
        userId: row.id,
        action,
        status: dryRun ? 'planned' : failure ? 'failed' : 'succeeded',
        message:
          failure ??
          (action === 'release'
            ? 'No longer in the directory: left as the user is, and no longer managed by the sync.'
            : 'No longer in the directory.'),
        changes: action === 'remove-entitlements' ? taken : null,
        states:
          failure || !before.has(row.id)
            ? null
            : { before: before.get(row.id) ?? null, after: after.get(row.id) ?? null },
      });
    }
    if (!dryRun) {
      await deleteSyncedUsers(
        ctx.db,
        organizationId,
        sync.directory_id,
        missing.filter((row) => !failed.has(row.id)).map((row) => row.id),
      );
    }
    await scope.outcomes.flush(ctx.db);
  });
}

/** Buffers a run's per-user outcomes and writes them in order. */
class OutcomeLog {
  readonly #ctx: AppContext;
  readonly #organizationId: string;
  readonly #runId: string;
  #pending: RunUserOutcome[] = [];
  #next = 1;

  constructor(ctx: AppContext, organizationId: string, runId: string, _dryRun: boolean) {
    this.#ctx = ctx;
    this.#organizationId = organizationId;
    this.#runId = runId;
  }

  add(outcome: RunUserOutcome): void {
    this.#pending.push(outcome);
  }

  /** Writes the buffered outcomes (in `db`, a transaction of the changes they report, if given). */
  async flush(db: Executor = this.#ctx.db): Promise<void> {
    if (this.#pending.length === 0) {
      return;
    }
    const batch = this.#pending;
    this.#pending = [];
    await insertSyncRunUsers(db, this.#organizationId, this.#runId, this.#next, batch);
    this.#next += batch.length;
  }
}

/**
 * Ends a run: its status, counts and error, and (for a failure or a stop at the safety limit)
 * an e-mail to the admin who started it, or to the system admins for a run started by the
 * schedule or an API token.
 */
async function finish(
  ctx: AppContext,
  run: SyncRunRow,
  sync: SyncRow | undefined,
  result: { status: SyncRunRow['status']; counts?: Counts; error?: unknown },
): Promise<void> {
  const error = result.error;
  const stopped = error instanceof AppError && error.code === SyncErrorCodes.safetyLimit;
  const status = stopped ? 'stopped' : result.status;
  const code = error instanceof AppError ? error.code : error ? 'sync.failed' : null;
  const message = error ? errorText(error) : null;
  await transaction(ctx.db, async (trx) => {
    await updateSyncRun(trx, run.organization_id, run.id, {
      ...(result.counts ?? {}),
      status,
      phase: null,
      error_code: code,
      error_message: message,
      finished_at: new Date(),
    });
    if ((status === 'failed' || status === 'stopped') && sync) {
      // The admin who started it; for a run no person started (the schedule, an API token) or
      // whose initiator is no longer an active user, the system admins.
      const initiator =
        run.initiator_type === 'user' && run.initiator_id
          ? (await findUsersByEmailsOrIds(trx, run.organization_id, 'personal', [], [run.initiator_id]))
              .filter((user) => user.status === 'active')
              .map((user) => ({ id: user.id, email: user.email, locale: null as string | null }))
          : [];
      const recipients =
        initiator.length > 0 ? initiator : await findSystemAdminEmailsByOrganizationId(trx, run.organization_id);
      const defaultLocale = await organizationLocale(trx, run.organization_id);
      const extra = error instanceof AppError ? (error.extra ?? {}) : {};
      await queueMessages(
        trx,
        run.organization_id,
        recipients.map((recipient) => ({
          kind: 'sync_attention' as const,
          userId: recipient.id,
          to: recipient.email,
          locale: (recipient.locale ?? defaultLocale) as Locale,
          data: {
            directory: sync.directory_name,
            directoryId: run.directory_id,
            runId: run.id,
            status,
            message,
            removals: extra.removals ?? 0,
            limit: extra.limit ?? 0,
          },
        })),
      );
    }
  });
}
