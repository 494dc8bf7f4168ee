import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import { queueMessagesSelected } from '../outbox/outbox.ts';

/** Which users get an instructions e-mail: these ids, or every user who is not removed. */
export type InstructionsRecipients = { userIds: string[] } | { all: true };

/**
 * Writes one instructions e-mail per recipient into the outbox, each with a new personal connection
 * link, set-based in one statement (an organization of a million users is one INSERT … SELECT, not
 * a loop in the process). The link's token is 256 random bits (SHA-256 over three v4 UUIDs, 366
 * random bits from PostgreSQL's strong generator), base64url; `instruction_links` keeps only its
 * SHA-256. The token itself travels in the outbox row until the message is sent, then the sender
 * drops it. Removed users are skipped.
 * @param trx the change's transaction (the messages exist exactly when it commits)
 * @param organizationId the tenant
 * @param recipients user ids, or all
 * @param ttlDays how long the links work (USHER_INSTRUCTIONS_TTL_DAYS)
 * @returns the ids of the users who were sent instructions
 */
export async function queueInstructions(
  trx: Transaction<DB>,
  organizationId: string,
  recipients: InstructionsRecipients,
  ttlDays: number,
): Promise<string[]> {
  if ('userIds' in recipients && recipients.userIds.length === 0) {
    return [];
  }
  const which = 'userIds' in recipients ? sql`and u.id = any(${recipients.userIds}::uuid[])` : sql``;
  // The links are this module's; the messages are the outbox's, written from the same statement.
  return await queueMessagesSelected(
    trx,
    'instructions',
    sql`select ${organizationId}::uuid, t.id, t.email, t.locale,
      jsonb_build_object('linkId', l.id, 'token', t.token, 'expiresAt', l.expires_at)
    from tokens t join links l on l.user_id = t.id`,
    sql`with tokens as materialized (
      select u.id, u.email, coalesce(u.locale, o.default_locale) as locale,
        rtrim(translate(encode(sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())), 'base64'), '+/', '-_'), '=') as token
      from users u join organizations o on o.id = u.organization_id
      where u.organization_id = ${organizationId} and u.status <> 'removed' ${which}
    ), links as (
      insert into instruction_links (organization_id, user_id, token_hash, expires_at)
      select ${organizationId}, t.id, encode(sha256(convert_to(t.token, 'UTF8')), 'hex'), now() + make_interval(days => ${ttlDays})
      from tokens t
      returning id, user_id, expires_at
    )`,
  );
}
