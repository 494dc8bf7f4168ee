/** Directories, domains and directory trust as the API answers them (/api/v1/directories, /domains). */
export type { Directory, DirectoryTrust, Domain, TrustedDirectory } from '../../../../shared/api/domains.ts';
export { DIRECTORY_IDENTITY_TYPES, type DirectoryIdentityType } from '../../../../shared/contracts.ts';
