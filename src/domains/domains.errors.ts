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
