import { registerConstraints } from '../db/constraint-errors.ts';

/** Error codes of directories, domains and directory trust. */
export const DomainErrorCodes = {
  domainTaken: 'domains.name_taken',
  claimedElsewhere: 'domains.claimed_elsewhere',
  recordNotFound: 'domains.record_not_found',
  dnsLookupFailed: 'domains.dns_lookup_failed',
  directoryRequired: 'domains.directory_required',
  directoryNotFound: 'domains.directory_not_found',
  directoryNameTaken: 'domains.directory_name_taken',
  directoryHasClaimedDomains: 'domains.directory_has_claimed_domains',
  identityTypeLocked: 'domains.identity_type_locked',
  organizationNotFound: 'domains.organization_not_found',
  trustSelf: 'domains.trust_self',
  alreadyTrusted: 'domains.already_trusted',
} as const;

registerConstraints({
  directories__organization_id_name: {
    code: DomainErrorCodes.directoryNameTaken,
    status: 409,
    message: 'A directory with this name already exists in the organization: choose another name.',
    field: 'body.name',
  },
  domains__organization_id_name: {
    code: DomainErrorCodes.domainTaken,
    status: 409,
    message: 'The organization has already added this domain: verify the one in the list instead.',
    field: 'body.name',
  },
  domains__name_claimed: {
    code: DomainErrorCodes.claimedElsewhere,
    status: 409,
    message: 'The domain was claimed by another organization on this Usher at the same moment.',
    field: 'name',
  },
  domains__claimed_has_directory: {
    code: DomainErrorCodes.directoryHasClaimedDomains,
    status: 409,
    message: 'A claimed domain must stay in a directory: move it to another directory or remove it first.',
    field: 'directoryId',
  },
});
