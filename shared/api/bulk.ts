/** Bulk CSV operations: the shapes GET /api/v1/bulk-operations, an operation and its rows answer with. */
import { z } from 'zod';
import { BULK_TYPES } from '../contracts.ts';

/** Where an operation stands (`receiving`, while its rows are stored, is never shown). */
export const BULK_STATUSES = [
  'queued',
  'running',
  'completed',
  'completed_with_errors',
  'failed',
  'cancelled',
] as const;
export type BulkStatus = (typeof BULK_STATUSES)[number];

/** Where one row of an operation stands. */
export const BULK_ROW_STATUSES = ['pending', 'succeeded', 'failed', 'skipped'] as const;
export type BulkRowStatus = (typeof BULK_ROW_STATUSES)[number];

export const BulkDeficitSchema = z.object({
  productId: z.uuid(),
  productName: z.string(),
  seats: z.number().int(),
  used: z.number().int(),
  needed: z.number().int().meta({ description: 'How many more licenses the failed rows needed.' }),
});
/** One product whose seats were not enough for the rows that asked for it. */
export type BulkDeficit = z.infer<typeof BulkDeficitSchema>;

export const BulkOutcomeSchema = z.object({
  code: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
/** One outcome of a row, as a stable code with its parameters. */
export type BulkOutcome = z.infer<typeof BulkOutcomeSchema>;

export const BulkOperationSchema = z
  .object({
    id: z.uuid(),
    type: z.enum(BULK_TYPES),
    fileName: z.string(),
    dryRun: z.boolean(),
    group: z.object({ id: z.uuid(), name: z.string() }).nullable(),
    status: z.enum(BULK_STATUSES),
    initiatedBy: z.object({ kind: z.enum(['user', 'token']), id: z.uuid(), label: z.string() }),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
    totalRows: z.number().int().meta({ description: 'Data rows in the file.' }),
    processedRows: z.number().int().meta({ description: 'Rows done so far (progress).' }),
    succeededRows: z.number().int(),
    failedRows: z.number().int(),
    skippedRows: z.number().int().meta({
      description:
        "Rows left alone without failing: an undo's conflicts (items changed since by someone else) and rows a cancellation did not reach. They do not make the operation completed_with_errors.",
    }),
    error: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .meta({ description: 'Why the whole operation failed, if it did.' }),
    deficits: z.array(BulkDeficitSchema).meta({ description: 'License deficit report: products whose seats ran out.' }),
    sourceOperationId: z
      .uuid()
      .nullable()
      .meta({ description: 'The dry run this operation ran for real, or (with `undo`) the operation it undoes.' }),
    undo: z.boolean().meta({
      description: 'The operation undoes the one named by sourceOperationId (or the sync run sourceSyncRunId).',
    }),
    sourceSyncRunId: z.uuid().nullable().meta({
      description: 'With `undo`: the directory-sync run this operation undoes (`undone` rows are its users).',
    }),
    deleteCreatedUsers: z.boolean().meta({
      description:
        'An undo that deletes for good, instead of removing, the users the undone operation created, where nothing else refers to them (no connected device, stored content, password or second factor, nor anything they did).',
    }),
    undoneBy: z
      .object({
        operationId: z.uuid().meta({ description: 'The undo operation.' }),
        label: z.string().meta({ description: 'Who ran it.' }),
        at: z.iso.datetime().meta({ description: 'When it finished.' }),
      })
      .nullable()
      .meta({ description: 'Who undid this operation and when, or null.' }),
  })
  .meta({ id: 'BulkOperation' });
/** One uploaded file and its processing (GET /api/v1/bulk-operations/{id}). */
export type BulkOperation = z.infer<typeof BulkOperationSchema>;

export const BulkRowSchema = z
  .object({
    rowNumber: z.number().int().meta({ description: '1 = the first data row.' }),
    status: z.enum(BULK_ROW_STATUSES),
    key: z.string().nullable().meta({ description: "The row's user e-mail or group name." }),
    message: z.string(),
    outcomes: z.array(BulkOutcomeSchema),
    changes: z
      .object({
        before: z
          .record(z.string(), z.unknown())
          .nullable()
          .meta({ description: 'The user or group before the row (null: the row created it).' }),
        after: z
          .record(z.string(), z.unknown())
          .nullable()
          .meta({ description: 'The user or group after the row (null: the row deleted it).' }),
      })
      .nullable()
      .meta({
        description:
          "What an applied row changed: its user's or group's state before and after (in a dry run, what it would have changed); null for a row that changed nothing or failed.",
      }),
  })
  .meta({ id: 'BulkOperationRow' });
/** One data row of an operation (GET /api/v1/bulk-operations/{id}/rows). */
export type BulkRow = z.infer<typeof BulkRowSchema>;
