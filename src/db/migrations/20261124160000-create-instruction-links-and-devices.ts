import { type Kysely, sql } from 'kysely';

// Installation instructions and devices (seed 000): each instructions e-mail carries a personal
// connection link, stored only as the SHA-256 of its random token; devices are connected through
// a link. One link connects any number of Windows and macOS devices but one Android or iOS device,
// enforced by a partial unique index so two requests at once cannot both take the mobile slot.
// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not DB.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table instruction_links (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    token_hash text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    constraint instruction_links__token_hash unique (token_hash),
    constraint instruction_links__organization_id_id unique (organization_id, id),
    constraint instruction_links__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create index instruction_links__organization_id_user_id on instruction_links (organization_id, user_id, created_at)`.execute(
    db,
  );
  await sql`create table devices (
    id uuid primary key default gen_random_uuid(),
    organization_id uuid not null references organizations (id) on delete cascade,
    user_id uuid not null,
    link_id uuid not null,
    platform text not null constraint devices__platform check (platform in ('windows','macos','android','ios')),
    name text not null,
    device_identifier text not null,
    connected_at timestamptz not null default now(),
    constraint devices__organization_id_id unique (organization_id, id),
    constraint devices__organization_id_device_identifier unique (organization_id, device_identifier),
    constraint devices__user foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade,
    constraint devices__link foreign key (organization_id, link_id) references instruction_links (organization_id, id) on delete cascade
  )`.execute(db);
  await sql`create unique index devices__organization_id_link_id_mobile on devices (organization_id, link_id) where platform in ('android','ios')`.execute(
    db,
  );
  await sql`create index devices__organization_id_user_id on devices (organization_id, user_id, connected_at)`.execute(
    db,
  );
  // The outbox page lists messages by status, newest first.
  await sql`create index outbox_messages__organization_id_status_created_at on outbox_messages (organization_id, status, created_at desc, id desc)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: see up().
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index outbox_messages__organization_id_status_created_at`.execute(db);
  await sql`drop table devices`.execute(db);
  await sql`drop table instruction_links`.execute(db);
}
