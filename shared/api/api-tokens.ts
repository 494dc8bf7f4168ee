/** API tokens (Settings → API tokens): the shapes GET/POST /api/v1/api-tokens answer with. */
import { z } from 'zod';
import { ADMIN_ROLES } from '../roles.ts';

export const ApiTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the secret, to recognise it.' }),
    role: z.enum(ADMIN_ROLES),
    scope: z.array(z.uuid()).meta({ description: 'Product, profile or group ids of a scoped role.' }),
    createdAt: z.iso.datetime(),
    createdBy: z.string().nullable().meta({ description: 'E-mail of the admin who created it.' }),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ApiToken' });
/** An API token as the API shows it (never its secret or hash). */
export type ApiToken = z.infer<typeof ApiTokenSchema>;

export const CreatedApiTokenSchema = ApiTokenSchema.extend({
  token: z.string().meta({ description: 'The secret, shown only here.' }),
});
/** A token just created: the only answer that carries its secret. */
export type CreatedApiToken = z.infer<typeof CreatedApiTokenSchema>;
