import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  PutSyncBody,
  StartRunBody,
  SyncRunDetailSchema,
  SyncRunSchema,
  SyncRunUserSchema,
  SyncSchema,
  SyncTestResultSchema,
  UndoRunBody,
} from '../../shared/api/sync.ts';
import type { AppContext } from '../context.ts';
import { csvStream } from '../core/csv.ts';
import { deleteById } from '../core/routes.ts';
import { IdParams, PageQuery, pageOf, problems } from '../core/schemas.ts';
import {
  deleteSync,
  deleteSyncRun,
  getSync,
  getSyncRun,
  listSyncRuns,
  listSyncRunUsers,
  putSync,
  startSyncRun,
  syncRunCsv,
  testSync,
} from './sync.service.ts';
import { undoSyncRun } from './sync.undo.ts';

const RunParams = IdParams.extend({
  runId: z.uuid({ message: 'must be a UUID' }).meta({ description: 'The run id.' }),
});

/** Directory sync: a directory's LDAP / Active Directory connection, its runs and previews. */
export function syncRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const tags = ['Directory sync'];
    app.get(
      '/directories/:id/sync',
      {
        schema: {
          tags,
          summary: "Get a directory's sync connection",
          description: 'The connection without its password. System admins.',
          params: IdParams,
          response: { 200: SyncSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getSync(ctx, request.actor!, request.params.id),
    );
    app.put(
      '/directories/:id/sync',
      {
        schema: {
          tags,
          summary: "Save a directory's sync connection",
          description:
            'Creates or replaces the connection: server, bind account (the password is stored encrypted and never returned; omit it to keep the stored one), users, attribute and group mapping, what happens to users no longer in the directory, the safety limit and the schedule. System admins.',
          params: IdParams,
          body: PutSyncBody,
          response: { 200: SyncSchema, ...problems(401, 403, 404, 422) },
        },
      },
      async (request) => putSync(ctx, request.actor!, request.params.id, request.body),
    );
    deleteById(
      app,
      '/directories/:id/sync',
      {
        tags,
        summary: "Delete a directory's sync connection",
        description: 'Its users stay in the organization and are no longer managed by a sync. System admins.',
        done: 'Deleted.',
        problems: [401, 403, 404],
      },
      (actor, id) => deleteSync(ctx, actor, id),
    );
    app.post(
      '/directories/:id/sync/test',
      {
        schema: {
          tags,
          summary: 'Test a sync connection',
          description:
            'Binds with these settings (the stored password when none is given) and shows the first users found, how they map, and the mapped groups with their member counts. Changes nothing. System admins.',
          params: IdParams,
          body: PutSyncBody,
          response: { 200: SyncTestResultSchema, ...problems(401, 403, 404, 422) },
        },
      },
      async (request) => testSync(ctx, request.actor!, request.params.id, request.body),
    );
    app.post(
      '/directories/:id/sync/runs',
      {
        schema: {
          tags,
          summary: 'Run (or preview) a sync',
          description:
            'Queues a run; with `dryRun` a preview that lists per user what would happen and changes nothing. Poll the run for progress. System admins.',
          params: IdParams,
          body: StartRunBody,
          response: {
            202: z.object({ id: z.uuid().meta({ description: 'The run id.' }) }),
            ...problems(401, 403, 404, 409),
          },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await startSyncRun(ctx, request.actor!, request.params.id, request.body)),
    );
    app.get(
      '/directories/:id/sync/runs',
      {
        schema: {
          tags,
          summary: "List a directory's sync runs",
          description: 'Newest first, cursor-paged. System admins.',
          params: IdParams,
          querystring: PageQuery,
          response: { 200: pageOf(SyncRunSchema), ...problems(401, 403, 404) },
        },
      },
      async (request) => listSyncRuns(ctx, request.actor!, request.params.id, request.query),
    );
    app.get(
      '/directories/:id/sync/runs/:runId',
      {
        schema: {
          tags,
          summary: 'Get a sync run',
          description: 'Status, progress, counts, error and the first 100 per-user outcomes. System admins.',
          params: RunParams,
          response: { 200: SyncRunDetailSchema, ...problems(401, 403, 404) },
        },
      },
      async (request) => getSyncRun(ctx, request.actor!, request.params.id, request.params.runId),
    );
    app.get(
      '/directories/:id/sync/runs/:runId/users',
      {
        schema: {
          tags,
          summary: "A sync run's per-user outcomes",
          description:
            'Every user the run created, changed, took over, removed or skipped, in order, cursor-paged. System admins.',
          params: RunParams,
          querystring: PageQuery,
          response: { 200: pageOf(SyncRunUserSchema), ...problems(401, 403, 404) },
        },
      },
      async (request) => listSyncRunUsers(ctx, request.actor!, request.params.id, request.params.runId, request.query),
    );
    app.get(
      '/directories/:id/sync/runs/:runId/results.csv',
      {
        schema: {
          tags,
          summary: "Download a sync run's results as CSV",
          description: 'One line per user outcome: E-mail, DN, Action, Status, Message, Changes. System admins.',
          params: RunParams,
          produces: ['text/csv'],
          response: { 200: z.any().meta({ description: 'The CSV file.' }), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        const results = await syncRunCsv(ctx, request.actor!, request.params.id, request.params.runId);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="sync-${request.params.runId}-results.csv"`)
          .send(csvStream(results.header, results.rows));
      },
    );
    app.post(
      '/directories/:id/sync/runs/:runId/undo',
      {
        schema: {
          tags,
          summary: 'Undo a sync run',
          description:
            "Creates a bulk operation (`GET /bulk-operations/{id}`, with `undo` and `sourceSyncRunId`) that brings every user the run changed back to the state before it: users it created are removed, details set back, memberships and profiles it added taken away and those it took given back, users it removed restored with what they lost. A user changed since by anyone else is a conflict: its row is skipped (counted in `skippedRows`), names who changed it last, and the user is never overwritten. Run it as a dry run first (`dryRun: true`) to preview each user; the undo can itself be undone (redo). The connection's next run applies the directory again unless its schedule is turned off. Who may run the sync may undo it.",
          params: RunParams,
          body: UndoRunBody.optional().nullable(),
          response: {
            202: z.object({ id: z.uuid().meta({ description: 'The undo operation (a bulk operation) id.' }) }),
            ...problems(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) =>
        reply.status(202).send(
          await undoSyncRun(ctx, request.actor!, request.params.id, request.params.runId, {
            dryRun: request.body?.dryRun ?? false,
          }),
        ),
    );
    app.delete(
      '/directories/:id/sync/runs/:runId',
      {
        schema: {
          tags,
          summary: 'Delete a sync run',
          description: 'Deletes a finished run and its results. System admins.',
          params: RunParams,
          response: { 204: z.null().meta({ description: 'Deleted.' }), ...problems(401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        await deleteSyncRun(ctx, request.actor!, request.params.id, request.params.runId);
        return reply.status(204).send(null);
      },
    );
  };
}
