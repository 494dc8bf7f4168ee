import { sql, type Transaction } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { productsHeldBy } from '../licenses/licenses.ts';

/** A grant through a group whose welcome e-mails are written after it committed. */
export interface GroupGrant {
  organizationId: string;
  /** The group that gives the products. */
  groupId: string;
  /** The products the grant gave (those the group did not give before, or the group's when members joined). */
  productIds: string[];
  /** The granting transaction's `now()`, as PostgreSQL text (microseconds kept). */
  grantedAt: string;
  /** Only the members who joined in that transaction (members added), not every member (a profile given). */
  joinedOnly: boolean;
}

/**
 * Writes one welcome e-mail per member of the group who gained a license of these products by the
 * grant: an active member by `grantedAt` (one who joined at `grantedAt` when `joinedOnly`) holding the product
 * from no other source (no direct license, no other group giving it), naming those products.
 * Set-based in the database, for the next `limit` members after `after` in id order (every member
 * when `limit` is null). Each message carries a dedupe key, so running this again (a retried job)
 * queues nothing twice.
 * @param after the last user id of the previous chunk, or null for the first
 * @returns the last member id of this chunk, or null when no member was left
 */
export async function queueWelcomeForGroupGrant(
  db: Executor,
  grant: GroupGrant,
  after: string | null,
  limit: number | null,
): Promise<string | null> {
  const { organizationId, groupId, productIds, grantedAt } = grant;
  if (productIds.length === 0) {
    return null;
  }
  // Who joined later gained the products by their own join (and its own welcome), not by this
  // grant, though the job may run after they joined.
  const joined = grant.joinedOnly
    ? sql`and gm.created_at = ${grantedAt}::timestamptz`
    : sql`and gm.created_at <= ${grantedAt}::timestamptz`;
  const bounded = limit === null ? sql`` : sql`limit ${limit}`;
  const { rows } = await sql<{ last: string | null }>`
    with chunk as materialized (
      select gm.user_id from group_members gm
      where gm.organization_id = ${organizationId} and gm.group_id = ${groupId}
        and gm.user_id > ${after ?? '00000000-0000-0000-0000-000000000000'}::uuid ${joined}
      order by gm.user_id
      ${bounded}
    ),
    elsewhere as (
      select pl.user_id, pl.product_id from product_licenses pl
      where pl.organization_id = ${organizationId} and pl.product_id = any(${productIds}::uuid[])
      union
      select om.user_id, pp.product_id from group_profiles gp
      join product_profiles pp on pp.organization_id = gp.organization_id and pp.id = gp.profile_id
      join group_members om on om.organization_id = gp.organization_id and om.group_id = gp.group_id
      where gp.organization_id = ${organizationId} and pp.product_id = any(${productIds}::uuid[])
        and gp.group_id <> ${groupId}
    ),
    gained as (
      select c.user_id, x.product_id from chunk c
      cross join unnest(${productIds}::uuid[]) as x(product_id)
      where not exists (select 1 from elsewhere e where e.user_id = c.user_id and e.product_id = x.product_id)
    ),
    queued as (
      insert into outbox_messages (organization_id, kind, user_id, to_address, locale, data, dedupe_key)
      select ${organizationId}, 'welcome', u.id, u.email, coalesce(u.locale, o.default_locale),
        jsonb_build_object('products', jsonb_agg(p.name order by p.name)), 'welcome:' || ${grantedAt} || ':' || u.id
      from gained g
      join users u on u.organization_id = ${organizationId} and u.id = g.user_id and u.status <> 'removed'
      join products p on p.organization_id = ${organizationId} and p.id = g.product_id
      join organizations o on o.id = u.organization_id
      group by u.id, u.email, u.locale, o.default_locale
      on conflict (organization_id, dedupe_key) where dedupe_key is not null do nothing
      returning 1
    )
    select (select user_id from chunk order by user_id desc limit 1)::text as last,
      (select count(*) from queued) as queued`.execute(db);
  return limit === null ? null : (rows[0]?.last ?? null);
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
    from (${productsHeldBy(organizationId, userIds)}) held
    join products p on p.organization_id = ${organizationId} and p.id = held.product_id
    join users u on u.organization_id = ${organizationId} and u.id = held.user_id and u.status <> 'removed'
    join organizations o on o.id = u.organization_id
    where not coalesce(${held}::jsonb -> u.id::text, '[]'::jsonb) ? p.name
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
