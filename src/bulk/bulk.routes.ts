import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BulkOperationSchema, BulkRowSchema } from '../../shared/api/bulk.ts';
import type { AppContext } from '../context.ts';
import { csvStream } from '../core/csv.ts';
import { AppError } from '../core/errors.ts';
import { withoutControlCharacters } from '../core/input-guard.ts';
import { IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import { BulkErrorCodes } from './bulk.errors.ts';
import {
  bulkResultsCsv,
  cancelBulkOperation,
  clearBulkOperations,
  createBulkOperation,
  deleteBulkOperation,
  getBulkOperation,
  listBulkOperationRows,
  listBulkOperations,
  runDryRunForReal,
} from './bulk.service.ts';
import { undoBulkOperation } from './bulk.undo.ts';
import { BulkFileError, BulkFileErrorCodes } from './csv/csv.errors.ts';
import { BULK_TYPES, type BulkType } from './csv/formats.ts';

const tags = ['Bulk operations'];

const severalFiles = () =>
  new AppError(
    BulkErrorCodes.severalFiles,
    400,
    'The upload has more than one file: send one CSV file, in the field named file, per bulk operation.',
    { errors: [{ field: 'file', message: 'only one file per upload' }] },
  );

/** The parts of an upload besides the file's bytes: fields (10 × 1,000 bytes at most) and headers. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const fileTooLarge = (maxBytes: number) =>
  new BulkFileError(
    BulkFileErrorCodes.fileTooLarge,
    `The file is larger than ${maxBytes} bytes, the limit of this instance (USHER_BULK_MAX_BYTES): split it into smaller files.`,
  );

/**
 * The uploaded file's bytes, with the multipart limit's error turned into Usher's 413. After the
 * last byte it reads the rest of the upload, so a second file fails the reading of the first (and
 * so the whole upload) instead of being ignored.
 */
async function* limited(
  file: AsyncIterable<Buffer> & { truncated?: boolean },
  maxBytes: number,
  rest: AsyncIterator<{ type: string; file?: { resume(): unknown } }>,
): AsyncGenerator<Buffer> {
  const tooLarge = () => fileTooLarge(maxBytes);
  try {
    yield* file;
  } catch (error) {
    throw (error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge() : error;
  }
  // The multipart reader stops at the limit and marks the stream truncated.
  if (file.truncated) {
    throw tooLarge();
  }
  try {
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      if (next.value.type === 'file') {
        next.value.file?.resume();
        throw severalFiles();
      }
    }
  } catch (error) {
    throw (error as { code?: string }).code === 'FST_FILES_LIMIT' ? severalFiles() : error;
  }
}

/** Bulk CSV operations: upload, progress, results, cancel, remove. */
export function bulkRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(fastifyMultipart, {
      limits: { fileSize: ctx.config.bulk.maxBytes, files: 2, fields: 10, fieldSize: 1000 },
    });

    app.post(
      '/bulk-operations',
      {
        schema: {
          tags,
          summary: 'Upload a CSV file as a bulk operation',
          description:
            'multipart/form-data with the fields `type` (add-users, edit-users, remove-users, add-groups, edit-groups, add-group-members, remove-group-members), optional `dryRun` (true: check every row, change nothing), optional `groupId` (required for the two group-member types), then `file` — send the fields before the file. The file is read at once (file-level errors answer 400/413 here); its rows are applied by the background worker. Formats: docs/CSV.md.',
          consumes: ['multipart/form-data'],
          response: {
            202: z
              .object({ id: z.uuid() })
              .meta({ description: 'Accepted: follow it with GET /bulk-operations/{id}.' }),
            ...problems(401, 403, 404, 413, 415),
          },
        },
      },
      async (request, reply) => {
        // A body that says it is larger than the limit is refused before any of it is parsed (the
        // error handler's path drops the body unread, as below).
        const declared = Number(request.headers['content-length'] ?? Number.NaN);
        if (declared > ctx.config.bulk.maxBytes + MULTIPART_OVERHEAD_BYTES) {
          request.raw.resume();
          throw fileTooLarge(ctx.config.bulk.maxBytes);
        }
        if (!request.isMultipart()) {
          throw new AppError(
            BulkErrorCodes.notMultipart,
            415,
            'Send the file as multipart/form-data with the fields type, dryRun, groupId and file.',
          );
        }
        const fields: Record<string, string> = {};
        const parts = request.parts();
        for (let next = await parts.next(); !next.done; next = await parts.next()) {
          const part = next.value;
          if (part.type === 'field') {
            fields[part.fieldname] = String(part.value);
            continue;
          }
          if (part.fieldname !== 'file') {
            part.file.resume();
            continue;
          }
          const type = fields.type as BulkType | undefined;
          if (!type || !(BULK_TYPES as readonly string[]).includes(type)) {
            part.file.resume();
            throw new AppError(
              BulkErrorCodes.typeRequired,
              400,
              `The type field is missing or unknown (send it before the file): one of ${BULK_TYPES.join(', ')}.`,
              { errors: [{ field: 'type', message: `one of ${BULK_TYPES.join(', ')}` }] },
            );
          }
          const groupId = fields.groupId?.trim() || undefined;
          if (groupId && !/^[0-9a-f-]{36}$/i.test(groupId)) {
            part.file.resume();
            throw new AppError(BulkErrorCodes.groupRequired, 400, 'groupId must be the id (a UUID) of a user group.', {
              errors: [{ field: 'groupId', message: 'must be a UUID' }],
            });
          }
          try {
            const id = await createBulkOperation(ctx, request.actor!, {
              type,
              fileName: withoutControlCharacters(part.filename ?? '').slice(0, 255) || 'upload.csv',
              dryRun: ['true', '1', 'on', 'yes'].includes((fields.dryRun ?? '').trim().toLowerCase()),
              groupId,
              file: limited(part.file, ctx.config.bulk.maxBytes, parts),
            });
            return reply.status(202).send({ id });
          } catch (error) {
            // The file is refused before its end: drop the rest of the upload unread, so the client
            // finishes sending and reads this answer instead of stalling on a full socket.
            request.raw.unpipe();
            request.raw.resume();
            throw error;
          } finally {
            part.file.resume();
          }
        }
        throw new AppError(BulkErrorCodes.fileRequired, 400, 'No file: send the CSV file in the field named file.', {
          errors: [{ field: 'file', message: 'required' }],
        });
      },
    );

    app.get(
      '/bulk-operations',
      {
        schema: {
          tags,
          summary: 'List bulk operations',
          description: 'Newest first. System admins see every operation of the organization; other admins their own.',
          querystring: PageQuery,
          response: { 200: pageOf(BulkOperationSchema), ...problems(401, 403) },
        },
      },
      async (request) => listBulkOperations(ctx, request.actor!, request.query),
    );

    app.delete(
      '/bulk-operations',
      {
        schema: {
          tags,
          summary: 'Clear all finished results',
          description: 'Removes the results of every finished operation the caller can see; running ones stay.',
          response: { 204: z.null().meta({ description: 'Cleared.' }), ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        await clearBulkOperations(ctx, request.actor!);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/bulk-operations/:id',
      {
        schema: {
          tags,
          summary: 'Get a bulk operation: status, counts, progress, deficit report',
          description: 'Poll it while the status is queued or running: processedRows of totalRows is the progress.',
          params: IdParams,
          response: { 200: BulkOperationSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getBulkOperation(ctx, request.actor!, request.params.id),
    );

    app.get(
      '/bulk-operations/:id/rows',
      {
        schema: {
          tags,
          summary: "A bulk operation's rows with their outcomes",
          description:
            'Every row of the file in order, with its status, an English message, outcome codes (what was, or in a dry run would be, done) and the state of its user or group before and after.',
          params: IdParams,
          querystring: PageQuery.extend({ status: z.enum(['pending', 'succeeded', 'failed', 'skipped']).optional() }),
          response: { 200: pageOf(BulkRowSchema), ...problems(401, 403, 404) },
        },
      },
      async (request) => listBulkOperationRows(ctx, request.actor!, request.params.id, request.query),
    );

    app.get(
      '/bulk-operations/:id/results.csv',
      {
        schema: {
          tags,
          summary: 'Download the results as CSV',
          description: 'Every row of the file as uploaded, plus the columns Status and Message.',
          params: IdParams,
          produces: ['text/csv'],
          response: { 200: z.any().meta({ description: 'The CSV file.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const results = await bulkResultsCsv(ctx, request.actor!, request.params.id);
        const base = results.operation.fileName
          .replace(/\.csv$/i, '')
          .replace(/[^\p{L}\p{N} _-]+/gu, '_')
          .slice(0, 80);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${encodeURIComponent(base)}-results.csv"`)
          .send(csvStream(results.header, results.rows));
      },
    );

    app.post(
      '/bulk-operations/:id/cancel',
      {
        schema: {
          tags,
          summary: 'Cancel a queued or running operation',
          description: 'Rows already applied stay applied; the rest are skipped.',
          params: IdParams,
          response: { 200: BulkOperationSchema, ...problems(401, 403, 404, 409) },
        },
      },
      async (request) => cancelBulkOperation(ctx, request.actor!, request.params.id),
    );

    app.post(
      '/bulk-operations/:id/run',
      {
        schema: {
          tags,
          summary: 'Run a finished dry run for real',
          description: 'Creates a new operation with the same rows, applied this time.',
          params: IdParams,
          response: { 202: z.object({ id: z.uuid() }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) =>
        reply.status(202).send({ id: await runDryRunForReal(ctx, request.actor!, request.params.id) }),
    );

    app.post(
      '/bulk-operations/:id/undo',
      {
        schema: {
          tags,
          summary: 'Undo a finished operation',
          description:
            'Creates a new operation that brings every item the operation changed back to its state before: users it created are removed, users it removed are restored with what they lost, details, profiles, groups, admin roles and memberships it changed are set back. An item changed since by anyone else is a conflict: its row is skipped (status `skipped`, counted in `skippedRows`, not as failed), names who changed it last, and the item is never overwritten; an undo whose only non-applied rows are conflicts is `completed`. Run it as a dry run first (`dryRun: true`) to preview each item; the undo can itself be undone (redo). Only who may run the operation may undo it.',
          params: IdParams,
          body: z
            .object({
              dryRun: z
                .boolean()
                .optional()
                .meta({ description: 'Preview: apply nothing, answer per item what would change. Default false.' }),
              deleteCreatedUsers: z.boolean().optional().meta({
                description:
                  'Delete for good, instead of removing, the users the operation created, where nothing else refers to them; a user with a connected device, stored content, a password or second factor, or anything they did (audit log, bulk operations, API tokens) is removed instead and the row says why. Needs the right to delete users; only for operations of users. A deletion cannot be undone: the redo lists those users as not recoverable. Default false.',
              }),
            })
            .strict()
            .optional()
            .nullable(),
          response: { 202: z.object({ id: z.uuid() }), ...problems(400, 401, 403, 404, 409, 422) },
        },
      },
      async (request, reply) =>
        reply.status(202).send({
          id: await undoBulkOperation(ctx, request.actor!, request.params.id, {
            dryRun: request.body?.dryRun ?? false,
            deleteCreatedUsers: request.body?.deleteCreatedUsers ?? false,
          }),
        }),
    );

    app.delete(
      '/bulk-operations/:id',
      {
        schema: {
          tags,
          summary: "Remove one operation's results",
          description: 'Only finished operations; cancel a running one first.',
          params: IdParams,
          response: { 204: z.null().meta({ description: 'Removed.' }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await deleteBulkOperation(ctx, request.actor!, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
