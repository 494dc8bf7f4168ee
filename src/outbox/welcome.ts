import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * Writes one welcome e-mail per user who gained a license of these products at `grantedAt` (the
 * `now()` of the transaction that granted them), set-based in the database. Each message carries a
 * dedupe key, so running this again (a retried job) queues nothing twice.
 * @param db database or transaction
 * @param grantedAt the granting transaction's `now()`, as PostgreSQL text (microseconds kept)
 * @returns how many e-mails were queued
 */
export async function queueWelcomeForLicensesGrantedAt(
  db: Executor,
  organizationId: string,
  productIds: string[],
  grantedAt: string,
): Promise<number> {
  if (productIds.length === 0) {
    return 0;
  }
  const result = await sql`
    insert into outbox_messages (organization_id, kind, user_id, to_address, locale, data, dedupe_key)
    select ${organizationId}, 'welcome', u.id, u.email, coalesce(u.locale, o.default_locale),
      jsonb_build_object('products', jsonb_agg(p.name order by p.name)), 'welcome:' || ${grantedAt} || ':' || u.id
    from product_licenses pl
    join users u on u.organization_id = pl.organization_id and u.id = pl.user_id
    join products p on p.organization_id = pl.organization_id and p.id = pl.product_id
    join organizations o on o.id = pl.organization_id
    where pl.organization_id = ${organizationId} and pl.product_id = any(${productIds}::uuid[])
      and pl.created_at = ${grantedAt}::timestamptz
    group by u.id, u.email, u.locale, o.default_locale
    on conflict (organization_id, dedupe_key) where dedupe_key is not null do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * `queueWelcomeForLicensesGrantedAt` for the next `limit` users after `after` (in id order): one
 * bounded statement, so on the embedded database (one session) a 100,000-member grant's e-mails
 * are written in short steps with requests served between them.
 * @param after the last user id of the previous chunk, or null for the first
 * @returns the last user id of this chunk, or null when no user was left
 */
export async function queueWelcomeChunk(
  db: Executor,
  organizationId: string,
  productIds: string[],
  grantedAt: string,
  after: string | null,
  limit: number,
): Promise<string | null> {
  if (productIds.length === 0) {
    return null;
  }
  const { rows } = await sql<{ last: string | null }>`
    with chunk as (
      select distinct pl.user_id from product_licenses pl
      where pl.organization_id = ${organizationId} and pl.user_id > ${after ?? '00000000-0000-0000-0000-000000000000'}::uuid
        and pl.product_id = any(${productIds}::uuid[]) and pl.created_at = ${grantedAt}::timestamptz
      order by pl.user_id
      limit ${limit}
    ), queued as (
      insert into outbox_messages (organization_id, kind, user_id, to_address, locale, data, dedupe_key)
      select ${organizationId}, 'welcome', u.id, u.email, coalesce(u.locale, o.default_locale),
        jsonb_build_object('products', jsonb_agg(p.name order by p.name)), 'welcome:' || ${grantedAt} || ':' || u.id
      from chunk c
      join product_licenses pl on pl.organization_id = ${organizationId} and pl.user_id = c.user_id
        and pl.product_id = any(${productIds}::uuid[]) and pl.created_at = ${grantedAt}::timestamptz
      join users u on u.organization_id = pl.organization_id and u.id = pl.user_id
      join products p on p.organization_id = pl.organization_id and p.id = pl.product_id
      join organizations o on o.id = pl.organization_id
      group by u.id, u.email, u.locale, o.default_locale
      on conflict (organization_id, dedupe_key) where dedupe_key is not null do nothing
      returning 1
    )
    select (select user_id from chunk order by user_id desc limit 1)::text as last,
      (select count(*) from queued) as queued`.execute(db);
  return rows[0]?.last ?? null;
}
