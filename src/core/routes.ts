import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdParams, problems } from './schemas.ts';

/** A route module's Fastify instance (with zod schemas). */
type ZodApp = Parameters<FastifyPluginAsyncZod>[0];
/** The signed-in caller of an `/api/v1` route. */
type Caller = NonNullable<FastifyRequest['actor']>;

/** The OpenAPI words of a {@link deleteById} route. */
interface DeleteDoc {
  tags: string[];
  summary: string;
  description: string;
  /** What the 204 answer means: `Deleted.`, `Removed.`, `Revoked.` */
  done: string;
  /** The 4xx statuses it may answer (400 is always declared). */
  problems: number[];
}

/**
 * Declares `DELETE <url>` of one resource named by its `:id`: `run` does it for the signed-in
 * caller, and the answer is 204 with no body. The one shape of the API's deletes by id.
 */
export function deleteById(
  app: ZodApp,
  url: string,
  doc: DeleteDoc,
  run: (actor: Caller, id: string) => Promise<unknown>,
): void {
  app.delete(
    url,
    {
      schema: {
        tags: doc.tags,
        summary: doc.summary,
        description: doc.description,
        params: IdParams,
        response: { 204: z.null().meta({ description: doc.done }), ...problems(...doc.problems) },
      },
    },
    async (request, reply) => {
      await run(request.actor!, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
