/** Settings → SCIM: the shapes GET /api/v1/scim and POST /api/v1/scim/tokens answer with. */
import { z } from 'zod';

export const ScimTokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the secret, to recognise it.' }),
    createdAt: z.iso.datetime(),
    createdBy: z.string().nullable().meta({ description: 'E-mail of the admin who created it.' }),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'When the identity provider last called with it.' }),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'ScimToken' });
/** A SCIM token: works only under /scim/v2. */
export type ScimToken = z.infer<typeof ScimTokenSchema>;

export const CreatedScimTokenSchema = ScimTokenSchema.extend({
  token: z.string().meta({ description: 'The secret, shown only here.' }),
});
/** A SCIM token just created, with its secret. */
export type CreatedScimToken = z.infer<typeof CreatedScimTokenSchema>;

export const ScimSettingsSchema = z
  .object({
    baseUrl: z.string().meta({ description: 'The SCIM 2.0 base URL to give the identity provider (Tenant URL).' }),
    tokens: z.array(ScimTokenSchema),
  })
  .meta({ id: 'ScimSettings' });
/** The base URL for identity providers and the SCIM tokens. */
export type ScimSettings = z.infer<typeof ScimSettingsSchema>;
