import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import { addLinkToQueuedWelcome, markQueuedWelcomeSso } from '../outbox/welcome.ts';
import { findAdminsWithoutPasswordByUserIds, replacePasswordTokens } from './password-tokens.queries.ts';
import { hashSecret, randomToken } from './secrets.ts';
import { findFederatedUserIds } from './sso.service.ts';

/** How long the "set your password" link of an invitation works. */
export const INVITATION_TTL_HOURS = 72;

/** How long the link of a "Forgot password" e-mail works. */
export const RESET_TTL_MINUTES = 60;

/**
 * The hook of the welcome e-mail: for each user among `userIds` who holds an admin role but has no
 * way to sign in yet, puts a new one-time "set your password" link into the welcome e-mail queued
 * for them in this transaction, and stores the link's SHA-256 (earlier unused invitations of the
 * same user stop working). A federated admin (whose e-mail a Federated directory with an identity
 * provider claims) gets no link: the e-mail says to sign in through the identity provider.
 * Call it right after the welcome e-mails of admin-role grants are queued.
 * The token stays in the outbox row only until the message is sent (the sender drops `token`).
 * @param trx the transaction that queued the welcome e-mails
 * @param organizationId the tenant
 * @param userIds users who were just granted an admin role
 * @returns the ids of the users who were sent a link
 */
export async function attachInvitations(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
): Promise<string[]> {
  const withoutPassword = await findAdminsWithoutPasswordByUserIds(trx, organizationId, [...new Set(userIds)]);
  const federated = new Set(await findFederatedUserIds(trx, organizationId, withoutPassword));
  if (federated.size > 0) {
    await markQueuedWelcomeSso(trx, organizationId, [...federated]);
  }
  const invited = withoutPassword.filter((userId) => !federated.has(userId));
  if (invited.length === 0) {
    return [];
  }
  const expiresAt = new Date(Date.now() + INVITATION_TTL_HOURS * 3_600_000);
  const tokens = new Map(invited.map((userId) => [userId, randomToken()]));
  // The welcome e-mail queued in this transaction (dated with its `now()`), one per user.
  const sent = await addLinkToQueuedWelcome(
    trx,
    organizationId,
    [...tokens].map(([userId, token]) => ({ userId, token })),
    expiresAt,
  );
  await replacePasswordTokens(
    trx,
    sent.map((userId) => ({
      organization_id: organizationId,
      user_id: userId,
      purpose: 'invitation' as const,
      token_hash: hashSecret(tokens.get(userId) ?? ''),
      expires_at: expiresAt,
    })),
  );
  return sent;
}
