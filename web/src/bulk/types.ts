/** Bulk CSV operations as the API shows them (GET /api/v1/bulk-operations…). */

/** The upload types, in the order the console offers them. */
export const BULK_TYPES = [
  'add-users',
  'edit-users',
  'remove-users',
  'add-groups',
  'edit-groups',
  'add-group-members',
  'remove-group-members',
] as const;
export type BulkType = (typeof BULK_TYPES)[number];

/** Types that work on one user group, chosen at upload (`groupId`). */
export const GROUP_TYPES: ReadonlySet<BulkType> = new Set(['add-group-members', 'remove-group-members']);

export type BulkStatus = 'queued' | 'running' | 'completed' | 'completed_with_errors' | 'failed' | 'cancelled';

/** One product whose seats were not enough for the rows that asked for it. */
export interface BulkDeficit {
  productId: string;
  productName: string;
  seats: number;
  used: number;
  needed: number;
}

/** One uploaded file and its processing (GET /api/v1/bulk-operations/{id}). */
export interface BulkOperation {
  id: string;
  type: BulkType;
  fileName: string;
  dryRun: boolean;
  group: { id: string; name: string } | null;
  status: BulkStatus;
  initiatedBy: { kind: 'user' | 'token'; id: string | null; label: string | null };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  totalRows: number | null;
  processedRows: number;
  succeededRows: number;
  failedRows: number;
  /** Rows left alone without failing: an undo's conflicts, rows a cancellation did not reach. */
  skippedRows: number;
  /** Why the whole file failed (status `failed`). */
  error: { code: string; message: string } | null;
  deficits: BulkDeficit[];
  /** The dry run this operation was started from ("Run for real"), or the operation it undoes. */
  sourceOperationId: string | null;
  /** The operation undoes the one named by `sourceOperationId`. */
  undo: boolean;
  /** Who undid this operation and when (its latest finished undo), or null. */
  undoneBy: { operationId: string; label: string; at: string } | null;
}

/** One outcome of a row, as a stable code with its parameters. */
export interface BulkOutcome {
  code: string;
  params: Record<string, unknown>;
}

export type BulkRowStatus = 'pending' | 'succeeded' | 'failed' | 'skipped';

/** One data row of an operation (GET /api/v1/bulk-operations/{id}/rows). */
export interface BulkRow {
  rowNumber: number;
  status: BulkRowStatus;
  /** The row's key: an e-mail or a group name. */
  key: string | null;
  /** The server's English explanation. */
  message: string | null;
  outcomes: BulkOutcome[];
  /** What an applied row changed: its user's or group's state before and after (null: nothing). */
  changes: { before: Record<string, unknown> | null; after: Record<string, unknown> | null } | null;
}

/** Whether the operation may still change (progress to poll, cancel to offer). */
export function isUnfinished(operation: Pick<BulkOperation, 'status'>): boolean {
  return operation.status === 'queued' || operation.status === 'running';
}

/** Path of an operation's API resource. */
export function bulkPath(id: string): string {
  return `/api/v1/bulk-operations/${encodeURIComponent(id)}`;
}
