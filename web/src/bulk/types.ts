/** Bulk CSV operations as the API shows them (GET /api/v1/bulk-operations…). */
import type { BulkOperation } from '../../../shared/api/bulk.ts';
import type { BulkType } from '../../../shared/contracts.ts';

export type {
  BulkDeficit,
  BulkOperation,
  BulkOutcome,
  BulkRow,
  BulkRowStatus,
  BulkStatus,
} from '../../../shared/api/bulk.ts';
export { BULK_TYPES, type BulkType } from '../../../shared/contracts.ts';

/** Types that work on one user group, chosen at upload (`groupId`). */
export const GROUP_TYPES: ReadonlySet<BulkType> = new Set(['add-group-members', 'remove-group-members']);

/** Whether the operation may still change (progress to poll, cancel to offer). */
export function isUnfinished(operation: Pick<BulkOperation, 'status'>): boolean {
  return operation.status === 'queued' || operation.status === 'running';
}

/** Path of an operation's API resource. */
export function bulkPath(id: string): string {
  return `/api/v1/bulk-operations/${encodeURIComponent(id)}`;
}
