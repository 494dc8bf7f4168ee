import type { Executor } from '../db/database.ts';

/** Whose factor: the user and their organization. */
interface FactorOwner {
  organizationId: string;
  userId: string;
}

/**
 * Starts an enrolment: the owner's unconfirmed factor of this kind (an enrolment left half-way)
 * is deleted and the new one inserted, waiting for its confirmation.
 * @param factor its id when the caller needs it beforehand (a secret sealed to it), its label and
 *   its secret (the sealed TOTP secret, or the WebAuthn challenge)
 */
export async function replacePendingFactor(
  db: Executor,
  owner: FactorOwner,
  kind: 'totp' | 'webauthn',
  factor: { id?: string; label: string; secret: string },
): Promise<void> {
  await db
    .deleteFrom('mfa_factors')
    .where('organization_id', '=', owner.organizationId)
    .where('user_id', '=', owner.userId)
    .where('kind', '=', kind)
    .where('confirmed_at', 'is', null)
    .execute();
  await db
    .insertInto('mfa_factors')
    .values({
      ...(factor.id ? { id: factor.id } : {}),
      organization_id: owner.organizationId,
      user_id: owner.userId,
      kind,
      label: factor.label,
      secret: factor.secret,
    })
    .execute();
}
