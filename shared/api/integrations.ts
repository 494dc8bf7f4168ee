/** Settings → Integrations: the shapes GET/POST /api/v1/integrations answer with. */
import { z } from 'zod';
import { ADMIN_ROLES } from '../roles.ts';

export const IntegrationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    clientId: z.string().meta({ description: 'The OAuth client id (`client_id`, also sent as `x-api-key`).' }),
    secretPrefix: z.string().meta({ description: 'The first characters of the client secret, to recognise it.' }),
    role: z.enum(ADMIN_ROLES),
    scope: z.array(z.uuid()).meta({ description: 'Product, profile or group ids of a scoped role.' }),
    createdAt: z.iso.datetime(),
    createdBy: z.string().nullable().meta({ description: 'E-mail of the admin who created it.' }),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'When a client last got an access token.' }),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'Integration' });
/** An OAuth client for Adobe's User Management API clients. */
export type Integration = z.infer<typeof IntegrationSchema>;

export const IntegrationSettingsSchema = z
  .object({
    orgId: z.string().meta({ description: "The organization id for the clients' `org_id`." }),
    host: z.string().meta({ description: 'Host (and port) of the token endpoint and the API.' }),
    tokenEndpoint: z.string(),
    apiEndpoint: z.string(),
    https: z.boolean().meta({ description: "Whether USHER_PUBLIC_URL is https; Adobe's clients need it." }),
    integrations: z.array(IntegrationSchema),
  })
  .meta({ id: 'IntegrationSettings' });
/** What the clients' configuration needs, and the integrations. */
export type IntegrationSettings = z.infer<typeof IntegrationSettingsSchema>;

const Secret = z.string().meta({ description: 'The client secret, shown only here.' });

export const CreatedIntegrationSchema = z.object({
  id: z.uuid(),
  clientId: z.string(),
  clientSecret: Secret,
  orgId: z.string(),
  integration: IntegrationSchema,
});
/** An integration just created: the only answer that carries its client secret. */
export type CreatedIntegration = z.infer<typeof CreatedIntegrationSchema>;

export const RotatedSecretSchema = z.object({ clientSecret: Secret });
/** A new client secret (POST /api/v1/integrations/{id}/secret). */
export type RotatedSecret = z.infer<typeof RotatedSecretSchema>;
