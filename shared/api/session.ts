/** The signed-in session: the shapes sign-in, GET /api/v1/auth/session and set-up answer with. */
import { z } from 'zod';
import { LOCALES } from '../contracts.ts';
import { ACTIONS, ADMIN_ROLES } from '../roles.ts';

export const RoleGrantSchema = z
  .object({
    role: z.enum(ADMIN_ROLES),
    scope: z
      .object({
        type: z.enum(['product', 'profile', 'group']),
        id: z.uuid(),
        name: z.string(),
      })
      .nullable()
      .meta({ description: 'The product, profile or group a scoped role covers; null for unscoped roles.' }),
  })
  .meta({ id: 'RoleGrant', description: 'One admin role held, with its scope.' });
/** One admin role held, with its scope's name. */
export type RoleGrant = z.infer<typeof RoleGrantSchema>;

export const SessionSchema = z
  .object({
    csrfToken: z
      .string()
      .nullable()
      .meta({ description: 'Send back as `X-CSRF-Token` on cookie-authenticated writes; null for API tokens.' }),
    actor: z.object({
      type: z.enum(['user', 'api_token']),
      id: z.uuid(),
      label: z.string().meta({ description: "The admin's e-mail or the token's name." }),
    }),
    user: z
      .object({
        id: z.uuid(),
        email: z.string(),
        firstName: z.string().nullable(),
        lastName: z.string().nullable(),
        locale: z
          .enum(LOCALES)
          .nullable()
          .meta({ description: "The admin's console language; null = organization default." }),
      })
      .nullable(),
    organization: z.object({ id: z.uuid(), name: z.string(), defaultLocale: z.enum(LOCALES) }),
    roles: z.array(RoleGrantSchema),
    abilities: z.array(z.enum(ACTIONS)).meta({ description: 'Actions the caller may do (scoped ones per target).' }),
    mfaEnrolmentRequired: z.boolean().meta({
      description:
        'The organization requires a second factor and this admin has none: until one is enrolled, only ' +
        'enrolment, the session and sign-out work.',
    }),
  })
  .meta({ id: 'Session', description: 'Who is signed in, in which organization, and what they may do.' });
/** Who is signed in, in which organization, and what they may do (GET /api/v1/auth/session). */
export type Session = z.infer<typeof SessionSchema>;

export const MfaRequiredSchema = z
  .object({
    mfaRequired: z.literal(true),
    methods: z
      .array(z.enum(['totp', 'webauthn', 'recovery_code']))
      .meta({ description: 'How the second factor can be given: POST /api/v1/auth/mfa/verify.' }),
  })
  .meta({ id: 'MfaRequired', description: 'The password was right; the sign-in waits for the second factor.' });
/** The answer of a right password when a second factor must follow. */
export type MfaRequired = z.infer<typeof MfaRequiredSchema>;
