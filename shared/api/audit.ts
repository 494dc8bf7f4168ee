/** The audit log: the shape of one event in GET /api/v1/audit-events. */
import { z } from 'zod';

export const AuditEventSchema = z
  .object({
    id: z.string().meta({ description: 'Event id (increasing).' }),
    at: z.iso.datetime(),
    actor: z.object({
      type: z.string().meta({ description: '`user` (an admin), `api_token`, `system`.' }),
      id: z.string().nullable(),
      label: z.string().nullable().meta({ description: 'E-mail of the admin or name of the token.' }),
    }),
    action: z
      .string()
      .meta({ description: 'What was done, `<resource>.<verb>`, e.g. `auth.login`, `api_token.revoke`.' }),
    target: z
      .object({ type: z.string().nullable(), id: z.string().nullable(), label: z.string().nullable() })
      .nullable(),
    before: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Changed fields before.' }),
    after: z.record(z.string(), z.unknown()).nullable().meta({ description: 'Changed fields after.' }),
    source: z.object({ ip: z.string().nullable(), userAgent: z.string().nullable() }),
  })
  .meta({ id: 'AuditEvent' });
/** One audited change or sign-in, with the fields it changed before and after. */
export type AuditEvent = z.infer<typeof AuditEventSchema>;
