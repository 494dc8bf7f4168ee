import { type Kysely, sql } from 'kysely';

// Products, their profiles and user groups: the targets that scoped admin roles point at.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table products (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    name text not null,
    license_quantity integer not null constraint products__license_quantity check (license_quantity >= 0),
    created_at timestamptz not null default now(),
    constraint products__organization_id_id unique (organization_id, id)
  )`.execute(db);
  await sql`create unique index products__organization_id_name on products (organization_id, lower(name))`.execute(db);
  await sql`create table product_profiles (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null,
    product_id uuid not null,
    name text not null,
    description text,
    created_at timestamptz not null default now(),
    constraint product_profiles__organization_id_id unique (organization_id, id),
    constraint product_profiles__product foreign key (organization_id, product_id) references products (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create unique index product_profiles__organization_id_name on product_profiles (organization_id, lower(name))`.execute(
    db,
  );
  await sql`create table user_groups (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    name text not null,
    description text,
    created_at timestamptz not null default now(),
    constraint user_groups__organization_id_id unique (organization_id, id)
  )`.execute(db);
  await sql`create unique index user_groups__organization_id_name on user_groups (organization_id, lower(name))`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table user_groups`.execute(db);
  await sql`drop table product_profiles`.execute(db);
  await sql`drop table products`.execute(db);
}
