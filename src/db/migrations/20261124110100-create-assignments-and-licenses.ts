import { type Kysely, sql } from 'kysely';

// Who holds which profile (directly or through a group) and the licenses that follow from it.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table user_profiles (
    organization_id uuid not null,
    user_id uuid not null,
    profile_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (organization_id, user_id, profile_id),
    constraint user_profiles__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade,
    constraint user_profiles__profile foreign key (organization_id, profile_id) references product_profiles (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index user_profiles__organization_id_profile_id on user_profiles (organization_id, profile_id, user_id)`.execute(
    db,
  );
  await sql`create table group_members (
    organization_id uuid not null,
    group_id uuid not null,
    user_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (organization_id, group_id, user_id),
    constraint group_members__group foreign key (organization_id, group_id) references user_groups (organization_id, id) on delete cascade,
    constraint group_members__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index group_members__organization_id_user_id on group_members (organization_id, user_id, group_id)`.execute(
    db,
  );
  await sql`create table group_profiles (
    organization_id uuid not null,
    group_id uuid not null,
    profile_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (organization_id, group_id, profile_id),
    constraint group_profiles__group foreign key (organization_id, group_id) references user_groups (organization_id, id) on delete cascade,
    constraint group_profiles__profile foreign key (organization_id, profile_id) references product_profiles (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index group_profiles__organization_id_profile_id on group_profiles (organization_id, profile_id)`.execute(
    db,
  );
  // One row per (product, user) for a user holding any profile of the product, however many
  // profiles and groups give it: the licenses in use. Maintained set-based by the services that
  // change assignments, with products.licenses_used kept equal to its row count per product.
  await sql`create table product_licenses (
    organization_id uuid not null,
    product_id uuid not null,
    user_id uuid not null,
    created_at timestamptz not null default now(),
    primary key (organization_id, product_id, user_id),
    constraint product_licenses__product foreign key (organization_id, product_id) references products (organization_id, id) on delete cascade,
    constraint product_licenses__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index product_licenses__organization_id_user_id on product_licenses (organization_id, user_id)`.execute(
    db,
  );
  await sql`alter table products add column licenses_used integer not null default 0 constraint products__licenses_used check (licenses_used >= 0)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table products drop column licenses_used`.execute(db);
  await sql`drop table product_licenses`.execute(db);
  await sql`drop table group_profiles`.execute(db);
  await sql`drop table group_members`.execute(db);
  await sql`drop table user_profiles`.execute(db);
}
