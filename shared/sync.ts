/** Directory sync contracts shared by the server and the console. */

/** What a run does to users the directory no longer has (Adobe User Sync Tool's options). */
export const SYNC_MISSING_USERS = ['remove', 'remove-entitlements', 'preserve'] as const;
export type SyncMissingUsers = (typeof SYNC_MISSING_USERS)[number];

export const SYNC_RUN_STATUSES = [
  'queued',
  'running',
  'completed',
  'completed-with-errors',
  'failed',
  'stopped',
] as const;
export type SyncRunStatus = (typeof SYNC_RUN_STATUSES)[number];

/** Defaults and bounds of a sync connection. */
export const SYNC_LIMITS = {
  maxRemovalsDefault: 200,
  maxRemovalPercentDefault: 10,
  /** Shortest schedule; 0 switches the schedule off. */
  minIntervalMinutes: 5,
  maxIntervalMinutes: 7 * 24 * 60,
  maxGroupMappings: 200,
  /** Entries asked per page of a paged search (RFC 2696). */
  pageSize: 1000,
} as const;

/** Attribute names a connection reads from each user entry. */
export interface SyncAttributes {
  email: string;
  firstName: string;
  lastName: string;
  country?: string | undefined;
  username?: string | undefined;
  /** A stable id of the entry (survives renames): `entryUUID` (OpenLDAP) or `objectGUID` (AD). */
  externalId?: string | undefined;
}

/** Starting points for the two common directories. */
export const SYNC_PRESETS: Record<
  'active-directory' | 'openldap',
  { userFilter: string; groupFilter: string; attributes: Required<SyncAttributes> }
> = {
  'active-directory': {
    // Enabled user accounts (bit 2 of userAccountControl is "disabled").
    userFilter: '(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))',
    groupFilter: '(objectClass=group)',
    attributes: {
      email: 'mail',
      firstName: 'givenName',
      lastName: 'sn',
      country: 'c',
      username: 'userPrincipalName',
      externalId: 'objectGUID',
    },
  },
  openldap: {
    userFilter: '(objectClass=inetOrgPerson)',
    groupFilter: '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))',
    attributes: {
      email: 'mail',
      firstName: 'givenName',
      lastName: 'sn',
      country: 'c',
      username: 'uid',
      externalId: 'entryUUID',
    },
  },
};
