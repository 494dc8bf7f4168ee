/** Second factors: what an admin sees of their own. */
import { z } from 'zod';

export const MyMfaSchema = z
  .object({
    factors: z.array(
      z.object({
        id: z.uuid(),
        kind: z.enum(['totp', 'webauthn']),
        label: z.string(),
        createdAt: z.iso.datetime(),
        lastUsedAt: z.iso.datetime().nullable(),
      }),
    ),
    recoveryCodesLeft: z.number().int().meta({ description: 'Unused recovery codes.' }),
    required: z.boolean().meta({ description: 'The organization requires a second factor.' }),
  })
  .meta({ id: 'MyMfa' });
/** The signed-in admin's second factors, recovery codes left, and whether one is required. */
export type MyMfa = z.infer<typeof MyMfaSchema>;
