import type { SyncAttributes, SyncMissingUsers, SyncRunStatus } from '../../../shared/sync.ts';

/** One group mapping of a connection. */
export interface GroupMapping {
  directoryGroup: string;
  userGroups?: string[];
  profiles?: string[];
}

/** A directory's sync connection as the API returns it. */
export interface DirectorySync {
  directoryId: string;
  url: string;
  startTls: boolean;
  caCertificate: string | null;
  bindDn: string;
  bindPasswordSet: true;
  baseDn: string;
  userFilter: string;
  groupBaseDn: string | null;
  groupFilter: string | null;
  attributes: SyncAttributes;
  groups: GroupMapping[];
  missingUsers: SyncMissingUsers;
  maxRemovals: number;
  maxRemovalPercent: number;
  intervalMinutes: number;
  nextRunAt: string | null;
  updatedAt: string;
}

/** A run's counters. */
export interface SyncRun {
  id: string;
  directoryId: string;
  dryRun: boolean;
  trigger: 'manual' | 'schedule';
  status: SyncRunStatus;
  phase: string | null;
  initiatedBy: { kind: string; label: string };
  found: number;
  inScope: number;
  processed: number;
  created: number;
  updated: number;
  takenOver: number;
  restored: number;
  removed: number;
  membershipsAdded: number;
  membershipsRemoved: number;
  unchanged: number;
  skipped: number;
  failed: number;
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** What a run did (or would do) to one user. */
export interface SyncRunUser {
  seq: number;
  email: string | null;
  dn: string | null;
  userId: string | null;
  action: string;
  status: 'planned' | 'succeeded' | 'failed' | 'skipped';
  message: string | null;
  changes: Record<string, unknown> | null;
}

/** "Test connection". */
export interface SyncTestResult {
  users: {
    dn: string;
    email: string | null;
    firstName: string | null;
    lastName: string | null;
    inScope: boolean;
    userGroups: string[];
    profiles: string[];
  }[];
  groups: { directoryGroup: string; found: boolean; dn: string | null; members: number }[];
}

export const syncPath = (directoryId: string) => `/api/v1/directories/${encodeURIComponent(directoryId)}/sync`;
export const runPath = (directoryId: string, runId: string) =>
  `${syncPath(directoryId)}/runs/${encodeURIComponent(runId)}`;
export const isUnfinished = (run: SyncRun) => run.status === 'queued' || run.status === 'running';

/** Badge colour of a run status. */
export function runStatusVariant(status: SyncRunStatus): 'neutral' | 'info' | 'positive' | 'negative' | 'yellow' {
  switch (status) {
    case 'completed':
      return 'positive';
    case 'completed-with-errors':
    case 'stopped':
      return 'yellow';
    case 'failed':
      return 'negative';
    case 'running':
      return 'info';
    default:
      return 'neutral';
  }
}

/** A readable summary of an outcome's changes (names of groups and profiles, fields from → to). */
export function describeChanges(changes: Record<string, unknown> | null): string {
  if (!changes) {
    return '';
  }
  return Object.entries(changes)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => {
      if (Array.isArray(value)) {
        return `${key}: ${value.join(', ')}`;
      }
      if (typeof value === 'object') {
        const change = value as { from?: unknown; to?: unknown };
        return `${key}: ${String(change.from ?? '—')} → ${String(change.to ?? '—')}`;
      }
      return `${key}: ${String(value)}`;
    })
    .join('; ');
}
