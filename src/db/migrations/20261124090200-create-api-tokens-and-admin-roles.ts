import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add constraint users__organization_id_id unique (organization_id, id)`.execute(db);
  await sql`create table api_tokens (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    name text not null,
    token_hash text not null constraint api_tokens__token_hash unique,
    token_prefix text not null,
    created_by_user_id uuid references users (id) on delete set null,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    constraint api_tokens__organization_id_id unique (organization_id, id)
  )`.execute(db);
  await sql`create index api_tokens__organization_id_created_at on api_tokens (organization_id, created_at desc)`.execute(
    db,
  );
  // A grant of one role to a user or to an API token; scoped roles carry the id of their scope,
  // and every reference stays inside the grant's organization (composite foreign keys).
  await sql`create table admin_role_assignments (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id uuid,
    api_token_id uuid,
    role text not null constraint admin_role_assignments__role check (role in ('system-admin','product-admin','profile-admin','group-admin','support-admin','deployment-admin')),
    product_id uuid,
    profile_id uuid,
    group_id uuid,
    created_at timestamptz not null default now(),
    constraint admin_role_assignments__principal check ((user_id is null) <> (api_token_id is null)),
    constraint admin_role_assignments__scope check (
      (role = 'product-admin' and product_id is not null and profile_id is null and group_id is null) or
      (role = 'profile-admin' and profile_id is not null and product_id is null and group_id is null) or
      (role = 'group-admin' and group_id is not null and product_id is null and profile_id is null) or
      (role in ('system-admin','support-admin','deployment-admin') and product_id is null and profile_id is null and group_id is null)
    ),
    constraint admin_role_assignments__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade,
    constraint admin_role_assignments__api_token foreign key (organization_id, api_token_id) references api_tokens (organization_id, id) on delete cascade,
    constraint admin_role_assignments__product foreign key (organization_id, product_id) references products (organization_id, id) on delete cascade,
    constraint admin_role_assignments__profile foreign key (organization_id, profile_id) references product_profiles (organization_id, id) on delete cascade,
    constraint admin_role_assignments__group foreign key (organization_id, group_id) references user_groups (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create unique index admin_role_assignments__organization_id_grant on admin_role_assignments (
    organization_id, coalesce(user_id, api_token_id), role,
    coalesce(product_id, profile_id, group_id, '00000000-0000-0000-0000-000000000000'::uuid)
  )`.execute(db);
  await sql`create index admin_role_assignments__organization_id_user_id on admin_role_assignments (organization_id, user_id) where user_id is not null`.execute(
    db,
  );
  await sql`create index admin_role_assignments__organization_id_api_token_id on admin_role_assignments (organization_id, api_token_id) where api_token_id is not null`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table admin_role_assignments`.execute(db);
  await sql`drop table api_tokens`.execute(db);
  await sql`alter table users drop constraint users__organization_id_id`.execute(db);
}
