/** Directories, domains and directory trust as the API answers them (/api/v1/directories, /domains). */

export type DirectoryIdentityType = 'enterprise' | 'federated';
export const DIRECTORY_IDENTITY_TYPES: DirectoryIdentityType[] = ['enterprise', 'federated'];

export interface Directory {
  id: string;
  name: string;
  identityType: DirectoryIdentityType;
  createdAt: string;
}

export interface Domain {
  id: string;
  name: string;
  status: 'pending' | 'claimed';
  directory: { id: string; name: string; identityType: DirectoryIdentityType } | null;
  record: { type: 'TXT'; name: string; value: string };
  claimedAt: string | null;
  lastCheckedAt: string | null;
  createdAt: string;
}

export interface DirectoryTrust {
  organizationId: string;
  organizationName: string;
  createdAt: string;
}

export interface TrustedDirectory {
  id: string;
  name: string;
  identityType: DirectoryIdentityType;
  owner: { id: string; name: string };
  domains: string[];
  trustedAt: string;
}
