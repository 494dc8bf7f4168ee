import { sql, type Transaction } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DB } from '../db/schema.ts';

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

/**
 * Queues a welcome e-mail for each of these users who now holds a license, naming the products.
 * @param userIds users who may have gained profiles
 * @param before user id → products held before the change (absent = none)
 */
export async function queueWelcomeMessages(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
  before: Map<string, string[]> = new Map(),
): Promise<void> {
  if (userIds.length === 0) {
    return;
  }
  // One statement: the products each user holds now, less those held before, become the e-mail.
  const held = JSON.stringify(Object.fromEntries(before));
  await sql`
    insert into outbox_messages (organization_id, kind, user_id, to_address, locale, data)
    select u.organization_id, 'welcome', u.id, u.email, coalesce(u.locale, o.default_locale),
      jsonb_build_object('products', jsonb_agg(p.name order by p.name))
    from product_licenses pl
    join products p on p.organization_id = pl.organization_id and p.id = pl.product_id
    join users u on u.organization_id = pl.organization_id and u.id = pl.user_id
    join organizations o on o.id = u.organization_id
    where pl.organization_id = ${organizationId} and pl.user_id = any(${userIds}::uuid[])
      and not coalesce(${held}::jsonb -> u.id::text, '[]'::jsonb) ? p.name
    group by u.organization_id, u.id, u.email, u.locale, o.default_locale`.execute(trx);
}

/**
 * Adds admin roles to the welcome e-mail queued for each of these users in this transaction
 * (dated with its `now()`): a user added by the same change (a bulk row with profiles and roles)
 * gets one e-mail naming both.
 * @returns the ids of the users who had such an e-mail
 */
export async function addRolesToQueuedWelcome(
  trx: Transaction<DB>,
  organizationId: string,
  entries: { userId: string; roles: unknown[] }[],
): Promise<string[]> {
  if (entries.length === 0) {
    return [];
  }
  const joined = await sql<{ user_id: string }>`
    update outbox_messages m
    set data = m.data || jsonb_build_object('adminRoles', coalesce(m.data -> 'adminRoles', '[]'::jsonb) || r.roles)
    from json_to_recordset(${JSON.stringify(
      entries.map((entry) => ({ user_id: entry.userId, roles: entry.roles })),
    )}::json) as r(user_id uuid, roles jsonb)
    where m.organization_id = ${organizationId} and m.user_id = r.user_id and m.kind = 'welcome'
      and m.status = 'queued' and m.created_at = now()
    returning m.user_id`.execute(trx);
  return [...new Set(joined.rows.map((row) => row.user_id))];
}

/**
 * Puts a one-time link (an invitation's token and expiry) into the welcome e-mail queued for each
 * of these users in this transaction (dated with its `now()`). The sender drops the token once the
 * message is sent.
 * @returns the ids of the users who had such an e-mail
 */
export async function addLinkToQueuedWelcome(
  trx: Transaction<DB>,
  organizationId: string,
  tokens: { userId: string; token: string }[],
  expiresAt: Date,
): Promise<string[]> {
  if (tokens.length === 0) {
    return [];
  }
  const attached = await sql<{ user_id: string }>`
    update outbox_messages m
    set data = m.data || jsonb_build_object('token', r.token, 'expiresAt', ${expiresAt.toISOString()}::text)
    from json_to_recordset(${JSON.stringify(
      tokens.map(({ userId, token }) => ({ user_id: userId, token })),
    )}::json) as r(user_id uuid, token text)
    where m.organization_id = ${organizationId} and m.user_id = r.user_id and m.kind = 'welcome'
      and m.status = 'queued' and m.created_at = now()
    returning m.user_id`.execute(trx);
  return [...new Set(attached.rows.map((row) => row.user_id))];
}

/**
 * Marks the welcome e-mail queued for each of these users in this transaction (dated with its
 * `now()`) as one for a federated admin: it sends them to sign in through their identity provider
 * instead of carrying a set-password link.
 */
export async function markQueuedWelcomeSso(
  trx: Transaction<DB>,
  organizationId: string,
  userIds: string[],
): Promise<void> {
  if (userIds.length === 0) {
    return;
  }
  await sql`
    update outbox_messages m
    set data = m.data || jsonb_build_object('signInSso', true)
    where m.organization_id = ${organizationId} and m.user_id = any(${userIds}::uuid[]) and m.kind = 'welcome'
      and m.status = 'queued' and m.created_at = now()`.execute(trx);
}
