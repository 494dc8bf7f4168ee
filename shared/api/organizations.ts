/** The organization (Settings → Organization): the shape GET/PATCH /api/v1/organization answer with. */
import { z } from 'zod';
import { DEVICE_PLATFORMS, type DevicePlatform, LOCALES } from '../contracts.ts';

/** Where users download the security application, per platform (absent: not set). */
export const DownloadLinksSchema = z
  .object(
    Object.fromEntries(DEVICE_PLATFORMS.map((platform) => [platform, z.string().optional()])) as Record<
      DevicePlatform,
      z.ZodOptional<z.ZodString>
    >,
  )
  .meta({ id: 'DeviceDownloadLinks' });
/** Download links per platform (a platform without a link is absent). */
export type DownloadLinks = z.infer<typeof DownloadLinksSchema>;

export const OrganizationSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    defaultLocale: z
      .enum(LOCALES)
      .meta({ description: "Language of e-mails to users whose language is unknown, and of new admins' console." }),
    requireMfa: z.boolean().meta({
      description:
        'Every admin signing in with a password must give a second factor; admins without one enrol at sign-in.',
    }),
    ssoOnly: z.boolean().meta({
      description:
        'Admins whose e-mail is in a Federated directory with an identity provider sign in only through it; password sign-in is off for them except the break-glass admin.',
    }),
    breakGlassUserId: z.uuid().nullable().meta({
      description: 'The system admin who keeps password sign-in while `ssoOnly` is on.',
    }),
    deviceDownloadLinks: DownloadLinksSchema.meta({
      description:
        'Where users download the security application, per platform (`windows`, `macos`, `android`, `ios`); the connection page of an instructions e-mail links to it.',
    }),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Organization' });
/** The organization as the API shows it. */
export type Organization = z.infer<typeof OrganizationSchema>;
