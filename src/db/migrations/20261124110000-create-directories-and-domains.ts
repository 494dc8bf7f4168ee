import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table directories (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    name text not null,
    identity_type text not null constraint directories__identity_type check (identity_type in ('enterprise','federated')),
    created_at timestamptz not null default now(),
    constraint directories__organization_id_id unique (organization_id, id)
  )`.execute(db);
  await sql`create unique index directories__organization_id_name on directories (organization_id, lower(name))`.execute(
    db,
  );
  // A domain an organization added; claimed once its DNS TXT record was verified. A domain name
  // can be claimed by one organization on the whole instance.
  await sql`create table domains (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    directory_id uuid,
    name text not null constraint domains__name check (name = lower(name) and name ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
    verification_token text not null,
    status text not null default 'pending' constraint domains__status check (status in ('pending','claimed')),
    claimed_at timestamptz,
    last_checked_at timestamptz,
    created_at timestamptz not null default now(),
    constraint domains__organization_id_id unique (organization_id, id),
    constraint domains__directory foreign key (organization_id, directory_id) references directories (organization_id, id) on delete set null (directory_id),
    constraint domains__claimed_has_directory check (status <> 'claimed' or directory_id is not null)
  )`.execute(db);
  await sql`create unique index domains__organization_id_name on domains (organization_id, name)`.execute(db);
  await sql`create unique index domains__name_claimed on domains (name) where status = 'claimed'`.execute(db);
  // Trust: the owner of a directory lets another organization add users of its domains.
  await sql`create table directory_trusts (
    organization_id uuid not null references organizations (id) on delete cascade,
    directory_id uuid not null,
    trustee_organization_id uuid not null references organizations (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (directory_id, trustee_organization_id),
    constraint directory_trusts__directory foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade,
    constraint directory_trusts__not_self check (organization_id <> trustee_organization_id)
  )`.execute(db);
  await sql`create index directory_trusts__trustee_organization_id on directory_trusts (trustee_organization_id)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table directory_trusts`.execute(db);
  await sql`drop table domains`.execute(db);
  await sql`drop table directories`.execute(db);
}
