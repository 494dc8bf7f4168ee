import type { Directory, DirectoryTrust, Domain, TrustedDirectory } from '../../shared/api/domains.ts';
import type { DirectoryIdentityType } from '../../shared/contracts.ts';
import { challengeRecord } from './dns.ts';
import type { DomainRow } from './domains.queries.ts';

/** A directory as the API shows it. */
export type DirectoryView = Directory;
/** A domain as the API shows it, with the TXT record that claims it. */
export type DomainView = Domain;
/** An organization a directory trusts. */
export type TrustView = DirectoryTrust;
/** A directory another organization trusts the caller's organization with. */
export type TrustedDirectoryView = TrustedDirectory;

export function presentDirectory(row: {
  id: string;
  name: string;
  identity_type: DirectoryIdentityType;
  created_at: Date;
}): DirectoryView {
  return { id: row.id, name: row.name, identityType: row.identity_type, createdAt: row.created_at.toISOString() };
}

export function presentDomain(row: DomainRow): DomainView {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    directory:
      row.directory_id && row.directory_name && row.directory_identity_type
        ? { id: row.directory_id, name: row.directory_name, identityType: row.directory_identity_type }
        : null,
    record: challengeRecord(row.name, row.verification_token),
    claimedAt: row.claimed_at?.toISOString() ?? null,
    lastCheckedAt: row.last_checked_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

export function presentTrust(row: { trustee_organization_id: string; trustee_name: string; created_at: Date }) {
  return {
    organizationId: row.trustee_organization_id,
    organizationName: row.trustee_name,
    createdAt: row.created_at.toISOString(),
  } satisfies TrustView;
}

export function presentTrustedDirectory(row: {
  id: string;
  name: string;
  identity_type: DirectoryIdentityType;
  owner_id: string;
  owner_name: string;
  trusted_at: Date;
  domains: string[];
}): TrustedDirectoryView {
  return {
    id: row.id,
    name: row.name,
    identityType: row.identity_type,
    owner: { id: row.owner_id, name: row.owner_name },
    domains: row.domains,
    trustedAt: row.trusted_at.toISOString(),
  };
}
