/** Directory sync: the connection, run, per-user result and test shapes, and the connection's input. */
import { z } from 'zod';
import { SYNC_LIMITS, SYNC_MISSING_USERS, SYNC_RUN_STATUSES } from '../sync.ts';

const attributeName = z
  .string()
  .trim()
  .min(1, 'must name an LDAP attribute')
  .max(100)
  .regex(
    /^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$|^\d+(\.\d+)+$/,
    'must be an LDAP attribute name, e.g. mail or givenName',
  );

const dn = (what: string) => z.string().trim().min(1, `must be ${what}`).max(1000);

/** The attribute mapping of a connection. */
export const SyncAttributesSchema = z.strictObject({
  email: attributeName.meta({ description: "The user's e-mail (`mail`)." }),
  firstName: attributeName.meta({ description: 'First name (`givenName`).' }),
  lastName: attributeName.meta({ description: 'Last name (`sn`).' }),
  country: attributeName.optional().meta({ description: 'ISO 3166-1 alpha-2 country (`c`).' }),
  username: attributeName.optional().meta({
    description: '`uid` (OpenLDAP) or `userPrincipalName` (AD): shown in previews; Usher usernames are e-mails.',
  }),
  externalId: attributeName.optional().meta({
    description:
      'A stable id that survives renames: `entryUUID` (OpenLDAP) or `objectGUID` (AD). Without it users are matched by DN and e-mail.',
  }),
});

/** One directory group and what its members get. */
export const SyncGroupMappingSchema = z.strictObject({
  directoryGroup: z
    .string()
    .trim()
    .min(1, 'must name a directory group')
    .max(1000)
    .meta({ description: "The group's DN, or its `cn`. Members of nested groups count as members." }),
  userGroups: z.array(z.string().trim().min(1).max(255)).max(50).optional().meta({
    description: 'Usher user groups (names) its members are kept in.',
  }),
  profiles: z.array(z.string().trim().min(1).max(255)).max(50).optional().meta({
    description: 'Product profiles (names) its members get directly.',
  }),
});

/** `PUT /directories/{id}/sync`. */
export const PutSyncBody = z.strictObject({
  url: z
    .string()
    .trim()
    .max(500)
    .refine((value) => /^ldaps?:\/\/[^/\s]+\/?$/i.test(value) && URL.canParse(value), {
      message: 'must be ldap://host[:port] or ldaps://host[:port], e.g. ldaps://dc1.example.com:636',
    })
    .meta({ description: 'The directory server: `ldap://host:389` (with `startTls` for TLS) or `ldaps://host:636`.' }),
  startTls: z
    .boolean()
    .optional()
    .meta({ description: 'Upgrade an ldap:// connection with StartTLS (RFC 4511 section 4.14).' }),
  caCertificate: z
    .string()
    .trim()
    .max(20_000)
    .refine((value) => value === '' || value.includes('-----BEGIN CERTIFICATE-----'), {
      message: 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)',
    })
    .nullable()
    .optional()
    .meta({
      description: "PEM of the CA that signed the server's certificate; without it the system's trusted roots.",
    }),
  bindDn: dn('the DN (or user@domain for AD) to bind as').meta({
    description: 'The account Usher binds as (read-only is enough).',
  }),
  bindPassword: z.string().min(1, 'must not be empty').max(1000).optional().meta({
    description: 'Write-only: stored encrypted, never returned. Omit to keep the stored one.',
    writeOnly: true,
  }),
  baseDn: dn('the DN users are searched under').meta({ description: 'Where users are searched (subtree).' }),
  userFilter: z
    .string()
    .trim()
    .min(3)
    .max(2000)
    .refine((value) => value.startsWith('(') && value.endsWith(')'), {
      message: 'must be an LDAP filter in parentheses, e.g. (objectClass=inetOrgPerson)',
    })
    .meta({ description: 'LDAP filter (RFC 4515) selecting the users.' }),
  groupBaseDn: dn('a DN')
    .nullable()
    .optional()
    .meta({ description: 'Where groups are searched; the base DN by default.' }),
  groupFilter: z
    .string()
    .trim()
    .max(2000)
    .refine((value) => value.startsWith('(') && value.endsWith(')'), {
      message: 'must be an LDAP filter in parentheses',
    })
    .nullable()
    .optional()
    .meta({ description: 'LDAP filter selecting groups; by default AD groups, groupOfNames and groupOfUniqueNames.' }),
  attributes: SyncAttributesSchema,
  groups: z.array(SyncGroupMappingSchema).max(SYNC_LIMITS.maxGroupMappings).meta({
    description: 'Group mapping. Only these user groups and profiles are changed by the sync.',
  }),
  missingUsers: z.enum(SYNC_MISSING_USERS).meta({
    description:
      'Users the directory no longer has: `remove` from the organization, `remove-entitlements` (out of the mapped groups and profiles), or `preserve`.',
  }),
  maxRemovals: z
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .meta({
      description: `Safety limit: a run that would remove more users stops and asks (default ${SYNC_LIMITS.maxRemovalsDefault}).`,
    }),
  maxRemovalPercent: z
    .number()
    .int()
    .min(1)
    .max(100)
    .optional()
    .meta({
      description: `Safety limit as a share of the users the connection manages (default ${SYNC_LIMITS.maxRemovalPercentDefault}).`,
    }),
  intervalMinutes: z
    .number()
    .int()
    .min(0)
    .max(SYNC_LIMITS.maxIntervalMinutes)
    .refine((value) => value === 0 || value >= SYNC_LIMITS.minIntervalMinutes, {
      message: `must be 0 (no schedule) or at least ${SYNC_LIMITS.minIntervalMinutes}`,
    })
    .meta({ description: 'Minutes between scheduled runs; 0 runs only on demand.' }),
});
export type PutSyncInput = z.infer<typeof PutSyncBody>;

/** A sync connection as the API shows it (never the password). */
export const SyncSchema = z
  .object({
    directoryId: z.uuid(),
    url: z.string(),
    startTls: z.boolean(),
    caCertificate: z.string().nullable(),
    bindDn: z.string(),
    bindPasswordSet: z.literal(true).meta({ description: 'A password is stored (it is never returned).' }),
    baseDn: z.string(),
    userFilter: z.string(),
    groupBaseDn: z.string().nullable(),
    groupFilter: z.string().nullable(),
    attributes: SyncAttributesSchema,
    groups: z.array(SyncGroupMappingSchema),
    missingUsers: z.enum(SYNC_MISSING_USERS),
    maxRemovals: z.number().int(),
    maxRemovalPercent: z.number().int(),
    intervalMinutes: z.number().int(),
    nextRunAt: z.string().nullable().meta({ description: 'When the schedule runs next; null without a schedule.' }),
    updatedAt: z.string(),
  })
  .meta({ id: 'DirectorySync' });

const counts = {
  found: z.number().int().meta({ description: 'Entries the user filter found.' }),
  inScope: z.number().int().meta({ description: 'Entries with an e-mail in a claimed domain of the directory.' }),
  processed: z.number().int().meta({ description: 'In-scope entries compared so far (progress).' }),
  created: z.number().int(),
  updated: z.number().int().meta({ description: 'Users whose details changed.' }),
  takenOver: z.number().int().meta({ description: 'Existing users the connection now manages.' }),
  restored: z.number().int(),
  removed: z.number().int().meta({ description: 'Users no longer in the directory handled by `missingUsers`.' }),
  membershipsAdded: z.number().int(),
  membershipsRemoved: z.number().int(),
  unchanged: z.number().int(),
  skipped: z
    .number()
    .int()
    .meta({ description: 'Entries without an e-mail, outside the claimed domains, or repeated.' }),
  failed: z.number().int(),
};

/** One user of a run's results. */
export const SyncRunUserSchema = z.object({
  seq: z.number().int(),
  email: z.string().nullable(),
  dn: z.string().nullable(),
  userId: z.string().nullable(),
  action: z.string().meta({
    description:
      '`create`, `update`, `take-over`, `restore`, `remove`, `remove-entitlements`, `release` (no longer managed), `skip`.',
  }),
  status: z.enum(['planned', 'succeeded', 'failed', 'skipped']).meta({ description: '`planned` in a preview.' }),
  message: z.string().nullable(),
  changes: z.record(z.string(), z.unknown()).nullable(),
});

/** A run as the API shows it. */
export const SyncRunSchema = z
  .object({
    id: z.uuid(),
    directoryId: z.uuid(),
    dryRun: z.boolean(),
    trigger: z.enum(['manual', 'schedule']),
    status: z.enum(SYNC_RUN_STATUSES),
    phase: z.string().nullable().meta({ description: '`reading`, `applying` or `removing` while running.' }),
    initiatedBy: z.object({ kind: z.string(), label: z.string() }),
    ...counts,
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    undoneBy: z
      .object({
        operationId: z.uuid().meta({ description: 'The undo: a bulk operation (`GET /bulk-operations/{id}`).' }),
        label: z.string().meta({ description: 'Who ran it.' }),
        at: z.iso.datetime().meta({ description: 'When it finished.' }),
      })
      .nullable()
      .meta({ description: 'The undo of this run that ran for real and finished, if any.' }),
  })
  .meta({ id: 'DirectorySyncRun' });

/** A run with the first page of its per-user outcomes. */
export const SyncRunDetailSchema = SyncRunSchema.extend({
  outcomes: z.array(SyncRunUserSchema),
  nextCursor: z.string().nullable().meta({ description: 'More outcomes: `GET …/runs/{runId}/users?cursor=`.' }),
});

/** `POST /directories/{id}/sync/runs/{runId}/undo`. */
export const UndoRunBody = z.strictObject({
  dryRun: z
    .boolean()
    .optional()
    .meta({ description: 'Preview: apply nothing, answer per user what the undo would change. Default false.' }),
});

/** `POST /directories/{id}/sync/runs`. */
export const StartRunBody = z.strictObject({
  dryRun: z.boolean().optional().meta({ description: 'Preview: compute and list what would happen, change nothing.' }),
  ignoreSafetyLimit: z.boolean().optional().meta({
    description: 'Go past the removal safety limit (after a run stopped at it and the removals were checked).',
  }),
});

/** "Test connection": what the directory answers with the given (or stored) settings. */
export const SyncTestResultSchema = z.object({
  users: z.array(
    z.object({
      dn: z.string(),
      email: z.string().nullable(),
      firstName: z.string().nullable(),
      lastName: z.string().nullable(),
      country: z.string().nullable(),
      username: z.string().nullable(),
      inScope: z.boolean().meta({ description: 'Has an e-mail in a claimed domain of the directory.' }),
      userGroups: z.array(z.string()),
      profiles: z.array(z.string()),
    }),
  ),
  groups: z.array(
    z.object({
      directoryGroup: z.string(),
      found: z.boolean(),
      dn: z.string().nullable(),
      members: z.number().int().meta({ description: 'Users in the group, nested groups included.' }),
    }),
  ),
});

/** One group mapping of a connection. */
export type GroupMapping = z.infer<typeof SyncGroupMappingSchema>;
/** A directory's sync connection as the API returns it (never the password). */
export type DirectorySync = z.infer<typeof SyncSchema>;
/** A run's counters. */
export type SyncRun = z.infer<typeof SyncRunSchema>;
/** A run with the first page of its per-user outcomes. */
export type SyncRunDetail = z.infer<typeof SyncRunDetailSchema>;
/** What a run did (or would do) to one user. */
export type SyncRunUser = z.infer<typeof SyncRunUserSchema>;
/** "Test connection": what the directory answers. */
export type SyncTestResult = z.infer<typeof SyncTestResultSchema>;
