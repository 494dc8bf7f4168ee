import type { Transaction } from 'kysely';
import { recordAudit } from '../audit/audit.service.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { type Actor, authorize } from '../roles/policy.ts';
import { findMatchingUserIds } from '../users/users.matching.ts';
import type { UserListFilter } from '../users/users.service.ts';
import { DeviceErrorCodes } from './devices.errors.ts';
import { type InstructionsRecipients, queueInstructions } from './instructions.ts';

/**
 * Queues instructions e-mails (each with a new connection link) inside the caller's transaction
 * and records one audit event per named user, or one for "all users". The caller authorizes.
 * @returns how many e-mails were queued
 */
export async function sendInstructionsInTransaction(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  recipients: InstructionsRecipients,
): Promise<number> {
  const userIds = await queueInstructions(trx, actor.organizationId, recipients, ctx.config.instructionsTtlDays);
  if ('all' in recipients) {
    await recordAudit(trx, actor, {
      action: 'instructions.send',
      target: { type: 'organization', id: actor.organizationId, label: null },
      after: { all: true, users: userIds.length, linkDays: ctx.config.instructionsTtlDays },
    });
    return userIds.length;
  }
  const emails = new Map(
    (
      await trx
        .selectFrom('users')
        .select(['id', 'email'])
        .where('organization_id', '=', actor.organizationId)
        .where('id', 'in', userIds.length > 0 ? userIds : ['00000000-0000-0000-0000-000000000000'])
        .execute()
    ).map((row) => [row.id, row.email]),
  );
  for (const userId of userIds) {
    await recordAudit(trx, actor, {
      action: 'instructions.send',
      target: { type: 'user', id: userId, label: emails.get(userId) ?? null },
      after: { linkDays: ctx.config.instructionsTtlDays },
    });
  }
  return userIds.length;
}

/**
 * "Send instructions" from the users list: to chosen users, or to every user of the organization
 * who is not removed (set-based, any size). Each e-mail carries a new personal connection link.
 * @param body `userIds` (up to 1,000), `all: true`, or `matching`: the users list's search and filters
 * @returns how many e-mails were queued
 * @throws AppError 403 without `instructions.send`; 422 `instructions.unknown_users` naming ids that
 *   are not users of the organization or are removed
 */
export async function sendInstructions(
  ctx: AppContext,
  actor: Actor,
  body: { userIds?: string[] | undefined; all?: boolean | undefined; matching?: UserListFilter | undefined },
): Promise<{ queued: number }> {
  authorize(actor, 'instructions.send');
  const matched = body.matching
    ? await findMatchingUserIds(ctx, actor, body.matching, { skipRemoved: true, field: 'body.matching' })
    : null;
  if (matched?.length === 0) {
    return { queued: 0 };
  }
  return transaction(ctx.db, async (trx) => {
    if (body.all) {
      return { queued: await sendInstructionsInTransaction(ctx, trx, actor, { all: true }) };
    }
    const wanted = matched ?? [...new Set(body.userIds ?? [])];
    const found = await trx
      .selectFrom('users')
      .select(['id', 'status'])
      .where('organization_id', '=', actor.organizationId)
      .where('id', 'in', wanted)
      .execute();
    const active = new Set(found.filter((row) => row.status !== 'removed').map((row) => row.id));
    const missing = wanted.filter((id) => !active.has(id));
    if (missing.length > 0) {
      throw new AppError(
        DeviceErrorCodes.unknownUsers,
        422,
        `${missing.length} of the chosen users are not users of the organization or are removed: nothing was sent.`,
        {
          errors: missing.map((id) => ({
            field: `body.userIds.${wanted.indexOf(id)}`,
            message: 'no such active user',
          })),
        },
      );
    }
    return { queued: await sendInstructionsInTransaction(ctx, trx, actor, { userIds: wanted }) };
  });
}
