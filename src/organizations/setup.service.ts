import { sql, type Transaction } from 'kysely';
import { AuthErrorCodes } from '../auth/auth.errors.ts';
import { hashSecret, randomToken } from '../auth/secrets.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../core/errors.ts';
import { transaction } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { createOrganizationWithAdmin, type NewOrganization } from './organizations.service.ts';

const SETUP_TOKEN_DAYS = 7;

/** Serialises first-organization set-up across processes that start together. */
async function lockSetup(trx: Transaction<DB>): Promise<boolean> {
  await sql`select pg_advisory_xact_lock(hashtext('usher.setup'))`.execute(trx);
  const row = await trx.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

/** What start-up did about the first organization. */
export type FirstRunOutcome =
  | { kind: 'existing' }
  | { kind: 'created'; organizationId: string; email: string }
  | { kind: 'setup-link'; url: string };

/**
 * On an empty database, creates the organization and system admin named by USHER_ADMIN_EMAIL,
 * USHER_ADMIN_PASSWORD and USHER_ORG_NAME; without them, issues a one-time setup link. Safe when
 * several processes start at once: the first creates, the others find it done.
 * @param ctx the app
 * @returns what was done
 */
export async function ensureFirstOrganization(ctx: AppContext): Promise<FirstRunOutcome> {
  const bootstrap = ctx.config.bootstrapAdmin;
  return transaction(ctx.db, async (trx) => {
    if (!(await lockSetup(trx))) {
      return { kind: 'existing' };
    }
    if (bootstrap) {
      const created = await createOrganizationWithAdmin(trx, bootstrap, { ip: null, userAgent: null, via: 'start-up' });
      return { kind: 'created', organizationId: created.organizationId, email: bootstrap.email };
    }
    const token = randomToken();
    await trx
      .insertInto('setup_tokens')
      .values({ token_hash: hashSecret(token), expires_at: new Date(Date.now() + SETUP_TOKEN_DAYS * 86_400_000) })
      .execute();
    return { kind: 'setup-link', url: `${ctx.config.publicUrl}/setup?token=${token}` };
  });
}

/**
 * Tells whether a setup link can still be used.
 * @returns true while no organization exists and the token is known and unexpired
 */
export async function isSetupTokenValid(ctx: AppContext, token: string): Promise<boolean> {
  const organization = await ctx.db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  if (organization) {
    return false;
  }
  const row = await ctx.db
    .selectFrom('setup_tokens')
    .select('token_hash')
    .where('token_hash', '=', hashSecret(token))
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Uses a setup link: creates the first organization and its system admin, then voids every
 * setup link.
 * @throws AppError `setup.unavailable` (410) when the link is unknown, expired or already used
 */
export async function completeSetup(
  ctx: AppContext,
  token: string,
  input: NewOrganization,
  origin: { ip: string; userAgent: string | null },
): Promise<{ organizationId: string; userId: string }> {
  return transaction(ctx.db, async (trx) => {
    const empty = await lockSetup(trx);
    const known = await trx
      .selectFrom('setup_tokens')
      .select('token_hash')
      .where('token_hash', '=', hashSecret(token))
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
    if (!empty || !known) {
      throw new AppError(
        AuthErrorCodes.setupUnavailable,
        410,
        'This setup link is no longer valid: Usher has already been set up, or the link expired. Restart the server for a new link.',
      );
    }
    const created = await createOrganizationWithAdmin(trx, input, { ...origin, via: 'setup link' });
    await trx.deleteFrom('setup_tokens').execute();
    return { organizationId: created.organizationId, userId: created.userId };
  });
}
