import type { SyncRun } from '../../../shared/api/sync.ts';
import type { SyncRunStatus } from '../../../shared/sync.ts';

export type {
  DirectorySync,
  GroupMapping,
  SyncRun,
  SyncRunDetail,
  SyncRunUser,
  SyncTestResult,
} from '../../../shared/api/sync.ts';

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
