import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { SsoRequestsTable } from '../db/schema.ts';
import { hashSecret } from './secrets.ts';

/** A sign-in sent to an identity provider, as stored (the state or request id only hashed). */
export type SsoRequestRow = Omit<SsoRequestsTable, 'id' | 'created_at'> & { id: string; created_at: Date };

/**
 * Remembers a sign-in sent to an identity provider until `expiresAt`, keyed by the SHA-256
 * of its state (OpenID Connect) or AuthnRequest id (SAML); forgets the expired ones first.
 */
export async function insertSsoRequest(
  db: Executor,
  request: {
    key: string;
    organizationId: string;
    directoryId: string;
    expiresAt: Date;
    codeVerifier?: string;
    nonce?: string;
  },
): Promise<void> {
  await db.deleteFrom('sso_requests').where('expires_at', '<=', sql<Date>`now()`).execute();
  await db
    .insertInto('sso_requests')
    .values({
      state_hash: hashSecret(request.key),
      organization_id: request.organizationId,
      directory_id: request.directoryId,
      code_verifier: request.codeVerifier ?? null,
      nonce: request.nonce ?? null,
      expires_at: request.expiresAt,
    })
    .execute();
}

/** Takes a sign-in out (it works once), by its state or request id; undefined when unknown. */
export async function deleteSsoRequestByKey(
  db: Executor,
  key: string,
  directoryId?: string,
): Promise<SsoRequestRow | undefined> {
  let query = db.deleteFrom('sso_requests').where('state_hash', '=', hashSecret(key));
  if (directoryId) {
    query = query.where('directory_id', '=', directoryId);
  }
  return query.returningAll().executeTakeFirst();
}

/** When a SAML request of a directory was sent, if it is still waiting for its answer. */
export async function findSamlRequestCreatedAt(
  db: Executor,
  key: string,
  directoryId: string,
): Promise<Date | undefined> {
  const row = await db
    .selectFrom('sso_requests')
    .select('created_at')
    .where('state_hash', '=', hashSecret(key))
    .where('directory_id', '=', directoryId)
    .where('code_verifier', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row?.created_at;
}
