import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { DevicePlatform, IdentityType, Locale, UserStatus } from '../../shared/contracts.ts';
import type { AdminRole } from '../../shared/roles.ts';

/** Who acts: an admin, an API token, Usher itself or a directory sync (see roles/policy.ts `Actor`). */
export type ActorType = 'user' | 'api_token' | 'system' | 'directory_sync';

/** A timestamp column: read as a Date, written as a Date or an ISO string, defaulted by the DB. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** The kinds of source that make users, groups and memberships. */
export type ChangeSourceType = 'console' | 'bulk' | 'scim' | 'directory_sync' | 'umapi';
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<unknown, string | null | undefined, string | null>;

export interface OrganizationsTable {
  id: Generated<string>;
  name: string;
  default_locale: Generated<Locale>;
  /** Every admin signing in with a password must use a second factor. */
  require_mfa: Generated<boolean>;
  /** "Send all" of a held outbox backlog: messages created up to here are not held. */
  outbox_released_at: NullableTimestamp;
  /** Admins of a Federated directory with an identity provider sign in only through it. */
  sso_only: Generated<boolean>;
  /** The system admin who keeps password sign-in under `sso_only` (break-glass). */
  break_glass_user_id: string | null;
  /** Where users download the security application, per platform (platform → URL). */
  device_download_links: ColumnType<Partial<Record<DevicePlatform, string>>, string | undefined, string>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  organization_id: string;
  email: string;
  username: string;
  first_name: string | null;
  last_name: string | null;
  country: string | null;
  alias: string;
  identity_type: IdentityType;
  status: Generated<UserStatus>;
  locale: Locale | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  removed_at: NullableTimestamp;
  content_status: 'pending' | null;
  /** The identity provider's id of the user (SCIM `externalId`). */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** SCIM enterprise extension attributes (employeeNumber, department, manager …). */
  enterprise: Json;
  /** Row version, bumped by a trigger on every update: SCIM `meta.version`. */
  version: Generated<number>;
  /** What the users-list search matches: e-mail, first and last name, lower-cased (generated). */
  search_text: ColumnType<string, never, never>;
  /** Who manages the row: `console`, `bulk`, `scim`, `directory_sync` or `umapi` (see changes/source.ts). */
  source_type: ColumnType<ChangeSourceType, ChangeSourceType | undefined, ChangeSourceType>;
  /** The bulk operation's, SCIM token's, directory sync's or integration's id; null for the console. */
  source_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AdminCredentialsTable {
  user_id: string;
  organization_id: string;
  password_hash: string;
  password_changed_at: Generated<Date>;
  /** The last console sign-in; null for an admin who has not signed in yet. */
  last_sign_in_at: NullableTimestamp;
}

export interface ProductsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  license_quantity: number;
  licenses_used: Generated<number>;
  /** The highest seat-use threshold (90, 100, 110 %) the system admins were last alerted of; 0 = none. */
  alert_level: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface ProductProfilesTable {
  id: Generated<string>;
  organization_id: string;
  product_id: string;
  name: string;
  description: string | null;
  services: Generated<string[]>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface UserGroupsTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
  /** The identity provider's id of the group (SCIM `externalId`). */
  external_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Bumped by a trigger whenever members join or leave: part of the SCIM ETag. */
  members_version: Generated<number>;
  /** Who manages the row: `console`, `bulk`, `scim`, `directory_sync` or `umapi` (see changes/source.ts). */
  source_type: ColumnType<ChangeSourceType, ChangeSourceType | undefined, ChangeSourceType>;
  /** The bulk operation's, SCIM token's, directory sync's or integration's id; null for the console. */
  source_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AdminRoleAssignmentsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string | null;
  api_token_id: string | null;
  role: AdminRole;
  product_id: string | null;
  profile_id: string | null;
  group_id: string | null;
  created_at: CreatedAt;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  organization_id: string;
  user_id: string;
  csrf_token: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  source_ip: string | null;
  user_agent: string | null;
  /** Started under "require a second factor" by an admin without one: may only enrol one. */
  mfa_enrolment_required: Generated<boolean>;
}

export interface ApiTokensTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  created_by_user_id: string | null;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  /**
   * `api` tokens call /api/v1 (and /scim/v2 with a suitable role); `scim` tokens only /scim/v2;
   * `umapi` tokens are integrations of Adobe's User Management API: the secret is the OAuth
   * client secret, exchanged at /ims/token/v2 for short-lived access tokens.
   */
  kind: Generated<ApiTokenKind>;
  /** The public OAuth client id of a `umapi` integration (null for other kinds). */
  client_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** What an API token is for. */
export type ApiTokenKind = 'api' | 'scim' | 'umapi';

/** An access token issued to a UMAPI integration by the token endpoint (stored as SHA-256). */
export interface UmapiAccessTokensTable {
  token_hash: string;
  organization_id: string;
  api_token_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<number>;
  organization_id: string;
  at: CreatedAt;
  actor_type: string;
  actor_id: string | null;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  target_label: string | null;
  before: Json;
  after: Json;
  source_ip: string | null;
  user_agent: string | null;
  /** The bulk operation that made the change, if any. */
  operation_id: Generated<string | null>;
}

export interface SetupTokensTable {
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  hits: number;
  last_hit_at: Generated<Date>;
}

export interface DirectoriesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  identity_type: 'enterprise' | 'federated';
  created_at: CreatedAt;
}

export interface IdentityProvidersTable {
  directory_id: string;
  organization_id: string;
  protocol: 'oidc' | 'saml';
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  /** Sealed with the instance key (src/auth/encryption.ts), bound to the directory. */
  oidc_client_secret: string | null;
  /** SAML: the identity provider's entity id (the Issuer of its responses). */
  saml_entity_id: string | null;
  /** SAML: where the AuthnRequest goes (HTTP-Redirect binding). */
  saml_sso_url: string | null;
  /** SAML: the IdP's signing certificates, PEM, one after the other. */
  saml_certificates: string | null;
  /** SAML: the metadata URL the settings were read from, if any. */
  saml_metadata_url: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface SsoRequestsTable {
  id: Generated<string>;
  state_hash: string;
  organization_id: string;
  directory_id: string;
  /** OpenID Connect only (null for SAML). */
  code_verifier: string | null;
  /** OpenID Connect only (null for SAML). */
  nonce: string | null;
  created_at: CreatedAt;
  expires_at: Date;
}

/** SAML assertions accepted, remembered until they expire so a replay is refused. */
export interface SamlAssertionsTable {
  organization_id: string;
  directory_id: string;
  assertion_id: string;
  expires_at: Date;
}

export interface DomainsTable {
  id: Generated<string>;
  organization_id: string;
  directory_id: string | null;
  name: string;
  verification_token: string;
  status: Generated<'pending' | 'claimed'>;
  claimed_at: NullableTimestamp;
  last_checked_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface DirectoryTrustsTable {
  organization_id: string;
  directory_id: string;
  trustee_organization_id: string;
  created_at: CreatedAt;
}

export interface UserProfilesTable {
  organization_id: string;
  user_id: string;
  profile_id: string;
  created_at: CreatedAt;
}

export interface GroupMembersTable {
  organization_id: string;
  group_id: string;
  user_id: string;
  created_at: CreatedAt;
  /** Who manages the row: `console`, `bulk`, `scim`, `directory_sync` or `umapi` (see changes/source.ts). */
  source_type: ColumnType<ChangeSourceType, ChangeSourceType | undefined, ChangeSourceType>;
  /** The bulk operation's, SCIM token's, directory sync's or integration's id; null for the console. */
  source_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A user's latest departure from a group (written by the group_members trigger). */
export interface UserGroupDeparturesTable {
  organization_id: string;
  user_id: string;
  left_at: Date;
}

/** A deleted group's members, kept once (one row per deleted group): to give it back, and for SCIM's ETags. */
export interface GroupDeletionsTable {
  organization_id: string;
  group_id: string;
  deleted_at: CreatedAt;
  /** Every member's id when the group was deleted, in id order. */
  member_ids: string[];
}

export interface GroupProfilesTable {
  organization_id: string;
  group_id: string;
  profile_id: string;
  created_at: CreatedAt;
}

export interface ProductLicensesTable {
  organization_id: string;
  product_id: string;
  user_id: string;
  created_at: CreatedAt;
}

export interface UserContentTable {
  organization_id: string;
  user_id: string;
  items: Generated<number>;
  bytes: Generated<number>;
  updated_at: Generated<Date>;
}

export interface OutboxMessagesTable {
  id: Generated<string>;
  organization_id: string;
  kind: string;
  user_id: string | null;
  to_address: string;
  locale: Generated<string>;
  data: Json;
  status: Generated<'queued' | 'sending' | 'sent' | 'failed' | 'discarded'>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  last_error: string | null;
  sent_at: NullableTimestamp;
  created_at: CreatedAt;
  dedupe_key: string | null;
}

/** A personal connection link of one instructions e-mail (the token is stored as its SHA-256). */
export interface InstructionLinksTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

/** A one-time link that sets an admin's password: an invitation or a reset (stored as its SHA-256). */
export interface PasswordTokensTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  purpose: 'invitation' | 'reset';
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

/** A second factor of an admin: a TOTP authenticator (secret) or a WebAuthn credential. */
export interface MfaFactorsTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  kind: 'totp' | 'webauthn';
  label: string;
  secret: string | null;
  last_used_step: number | null;
  credential_id: string | null;
  public_key: Uint8Array | null;
  sign_count: number | null;
  transports: string[] | null;
  /** Null while enrolment waits for the first code. */
  confirmed_at: NullableTimestamp;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
}

/** A one-time recovery code of an admin (SHA-256). */
export interface MfaRecoveryCodesTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  code_hash: string;
  created_at: CreatedAt;
  used_at: NullableTimestamp;
}

/** A sign-in whose password was right, waiting for the second factor. */
export interface MfaChallengesTable {
  id: Generated<string>;
  token_hash: string;
  organization_id: string;
  user_id: string;
  webauthn_challenge: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

/** A device a user connected through a link. */
export interface DevicesTable {
  id: Generated<string>;
  organization_id: string;
  user_id: string;
  link_id: string;
  platform: 'windows' | 'macos' | 'android' | 'ios';
  name: string;
  device_identifier: string;
  connected_at: CreatedAt;
  /** The device's latest connection through a link (a reconnect moves it). */
  last_seen_at: Generated<Date>;
}

/** A bulk CSV operation. */
export interface BulkOperationsTable {
  id: Generated<string>;
  organization_id: string;
  type: string;
  file_name: string;
  dry_run: Generated<boolean>;
  group_id: string | null;
  group_name: string | null;
  status: Generated<
    'receiving' | 'queued' | 'running' | 'completed' | 'completed_with_errors' | 'failed' | 'cancelled'
  >;
  initiator_type: ActorType;
  initiator_id: string;
  initiator_label: string;
  delimiter: Generated<string>;
  header: string[];
  total_rows: Generated<number>;
  processed_rows: Generated<number>;
  succeeded_rows: Generated<number>;
  failed_rows: Generated<number>;
  /** Rows left alone without failing: an undo's conflicts, rows a cancellation did not reach. */
  skipped_rows: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  deficits: ColumnType<unknown, string | undefined, string>;
  consumed: ColumnType<unknown, string | undefined, string>;
  cancel_requested: Generated<boolean>;
  source_operation_id: string | null;
  /** The operation undoes the one named by `source_operation_id`. */
  undo: Generated<boolean>;
  /** An undo deletes for good the users the undone operation created (nothing else refers to them). */
  delete_created_users: Generated<boolean>;
  /** The directory-sync run this operation undoes (an undo whose rows came from the run's outcomes). */
  source_sync_run_id: string | null;
  created_at: CreatedAt;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

/** One data row of a bulk operation's file, with its outcome. */
export interface BulkOperationRowsTable {
  organization_id: string;
  operation_id: string;
  row_number: number;
  cells: string[];
  record: Json | null;
  key: string | null;
  status: Generated<'pending' | 'succeeded' | 'failed' | 'skipped'>;
  message: string | null;
  outcomes: Json | null;
  /** An applied row's state before and after (`{ before, after }`), for undo. */
  changes: Json | null;
}

/** A directory's sync connection (LDAP / Active Directory). */
export interface DirectorySyncsTable {
  organization_id: string;
  directory_id: string;
  url: string;
  start_tls: Generated<boolean>;
  ca_certificate: string | null;
  bind_dn: string;
  /** AES-256-GCM sealed (auth/encryption.ts); never leaves the server. */
  bind_password_sealed: string;
  base_dn: string;
  user_filter: string;
  group_base_dn: string | null;
  group_filter: string | null;
  attributes: ColumnType<unknown, string, string>;
  groups: ColumnType<unknown, string | undefined, string>;
  missing_users: 'remove' | 'remove-entitlements' | 'preserve';
  max_removals: Generated<number>;
  max_removal_percent: Generated<number>;
  interval_minutes: Generated<number>;
  next_run_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

/** One run (or preview) of a directory sync. */
export interface DirectorySyncRunsTable {
  id: Generated<string>;
  organization_id: string;
  directory_id: string;
  dry_run: Generated<boolean>;
  ignore_safety_limit: Generated<boolean>;
  trigger: 'manual' | 'schedule';
  status: Generated<'queued' | 'running' | 'completed' | 'completed-with-errors' | 'failed' | 'stopped'>;
  initiator_type: string;
  initiator_id: string | null;
  initiator_label: string;
  phase: string | null;
  found: Generated<number>;
  in_scope: Generated<number>;
  processed: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  taken_over: Generated<number>;
  restored: Generated<number>;
  removed: Generated<number>;
  memberships_added: Generated<number>;
  memberships_removed: Generated<number>;
  unchanged: Generated<number>;
  skipped: Generated<number>;
  failed: Generated<number>;
  error_code: string | null;
  error_message: string | null;
  heartbeat_at: NullableTimestamp;
  created_at: CreatedAt;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

/** What a sync run did (or would do) to one user. */
export interface DirectorySyncRunUsersTable {
  organization_id: string;
  run_id: string;
  seq: number;
  email: string | null;
  dn: string | null;
  user_id: string | null;
  action: string;
  status: 'planned' | 'succeeded' | 'failed' | 'skipped';
  message: string | null;
  changes: Json | null;
  /** An applied outcome's user state before and after (`{ before, after }`), for undo. */
  states: Json | null;
}

/** An in-scope directory entry a sync run read, with the user it was matched to (the run's working set). */
export interface DirectorySyncRunEntriesTable {
  organization_id: string;
  run_id: string;
  seq: number;
  dn: string;
  /** The DN lower-cased, without spaces around commas: how group members name it. */
  dn_key: string;
  external_key: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  country: string | null;
  username: string | null;
  user_id: string | null;
}

/** A user DN in a mapped directory group (by the mapping's index), nesting resolved (the run's working set). */
export interface DirectorySyncRunMembersTable {
  organization_id: string;
  run_id: string;
  dn_key: string;
  mapping: number;
}

/** A user a directory's sync connection manages. */
export interface DirectorySyncUsersTable {
  organization_id: string;
  directory_id: string;
  user_id: string;
  external_key: string | null;
  dn: string | null;
  synced_at: Generated<Date>;
}

/** Every table Usher owns, as Kysely sees it. */
export interface DB {
  organizations: OrganizationsTable;
  users: UsersTable;
  admin_credentials: AdminCredentialsTable;
  products: ProductsTable;
  product_profiles: ProductProfilesTable;
  user_groups: UserGroupsTable;
  admin_role_assignments: AdminRoleAssignmentsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  umapi_access_tokens: UmapiAccessTokensTable;
  audit_events: AuditEventsTable;
  setup_tokens: SetupTokensTable;
  rate_limits: RateLimitsTable;
  directories: DirectoriesTable;
  identity_providers: IdentityProvidersTable;
  sso_requests: SsoRequestsTable;
  saml_assertions: SamlAssertionsTable;
  domains: DomainsTable;
  directory_trusts: DirectoryTrustsTable;
  user_profiles: UserProfilesTable;
  group_members: GroupMembersTable;
  user_group_departures: UserGroupDeparturesTable;
  group_deletions: GroupDeletionsTable;
  group_profiles: GroupProfilesTable;
  product_licenses: ProductLicensesTable;
  user_content: UserContentTable;
  outbox_messages: OutboxMessagesTable;
  instruction_links: InstructionLinksTable;
  devices: DevicesTable;
  password_tokens: PasswordTokensTable;
  mfa_factors: MfaFactorsTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  mfa_challenges: MfaChallengesTable;
  bulk_operations: BulkOperationsTable;
  bulk_operation_rows: BulkOperationRowsTable;
  directory_syncs: DirectorySyncsTable;
  directory_sync_runs: DirectorySyncRunsTable;
  directory_sync_run_users: DirectorySyncRunUsersTable;
  directory_sync_users: DirectorySyncUsersTable;
  directory_sync_run_entries: DirectorySyncRunEntriesTable;
  directory_sync_run_members: DirectorySyncRunMembersTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
