import { type RawBuilder, sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * The api-tokens capability's reads and writes for those that authenticate with a token or run on
 * its behalf (the UMAPI token endpoint, a bulk operation started with a token): the only place
 * outside this folder's service where `api_tokens` is named.
 */

/** What authenticating an integration needs of it. */
export interface IntegrationCredential {
  id: string;
  organization_id: string;
  name: string;
  token_hash: string;
  revoked_at: Date | null;
}

/**
 * The UMAPI integration with this OAuth client id (revoked ones included, so that their use is audited).
 * @param db database
 * @param clientId the public client id sent to the token endpoint
 * @returns the integration, or undefined
 */
export async function findUmapiIntegrationByClientId(
  db: Executor,
  clientId: string,
): Promise<IntegrationCredential | undefined> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'organization_id', 'name', 'token_hash', 'revoked_at'])
    .where('client_id', '=', clientId)
    .where('kind', '=', 'umapi')
    .executeTakeFirst();
}

/**
 * Notes that a token was just used (its `last_used_at`, shown in Settings).
 * @param db database
 * @param tokenId the token
 */
export async function markApiTokenUsed(db: Executor, tokenId: string): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: sql<Date>`now()` }).where('id', '=', tokenId).execute();
}

/**
 * Whether a token of the organization exists and is not revoked (a job run on its behalf acts with
 * its roles only while it is).
 * @param db database
 * @param organizationId the tenant
 * @param tokenId the token
 * @returns true for a live token
 */
export async function isApiTokenLive(db: Executor, organizationId: string, tokenId: string): Promise<boolean> {
  const token = await db
    .selectFrom('api_tokens')
    .select(['revoked_at'])
    .where('organization_id', '=', organizationId)
    .where('id', '=', tokenId)
    .executeTakeFirst();
  return token !== undefined && !token.revoked_at;
}

/**
 * The tokens as a relation (id, organization_id, name, client_id, revoked_at) for a caller that
 * joins them in the one statement that authenticates a request (as `roles/grants.ts` gives the
 * grants); the database inlines it, so the plan is that of a join on the table.
 * @returns a subquery to join, aliased by the caller
 */
export function apiTokensRelation(): RawBuilder<unknown> {
  return sql`(select id, organization_id, name, client_id, revoked_at from api_tokens)`;
}
