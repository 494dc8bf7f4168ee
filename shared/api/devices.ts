/** Devices: a user's devices, the organization's list, and what the public connection page reads. */
import { z } from 'zod';
import { DEVICE_PLATFORMS } from '../contracts.ts';
import { DownloadLinksSchema } from './organizations.ts';

export const DeviceSchema = z
  .object({
    id: z.uuid(),
    platform: z.enum(DEVICE_PLATFORMS),
    name: z.string(),
    deviceId: z.string().meta({ description: "The device's own identifier, as it connected." }),
    connectedAt: z.iso.datetime(),
    link: z
      .object({
        id: z.uuid(),
        sentAt: z.iso.datetime().meta({ description: 'When the instructions e-mail with the link was sent.' }),
        expiresAt: z.iso.datetime(),
      })
      .meta({ description: 'The instructions e-mail (connection link) the device came through.' }),
  })
  .meta({ id: 'Device' });
/** A device of one user, with the link it connected through. */
export type Device = z.infer<typeof DeviceSchema>;

export const DeviceUserSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
});
/** Whose device it is, as the organization's devices list shows it. */
export type DeviceUser = z.infer<typeof DeviceUserSchema>;

export const ListedDeviceSchema = z.object({
  id: z.uuid(),
  user: DeviceUserSchema,
  platform: z.enum(DEVICE_PLATFORMS),
  name: z.string(),
  deviceId: z.string(),
  connectedAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime().meta({ description: 'Its latest connection (a reconnect included).' }),
});
/** A row of the organization's devices list. */
export type ListedDevice = z.infer<typeof ListedDeviceSchema>;

export const AwaitingDeviceSchema = z.object({ user: DeviceUserSchema, sentAt: z.iso.datetime() });
/** A user who was sent instructions and has not connected a device. */
export type AwaitingDevice = z.infer<typeof AwaitingDeviceSchema>;

export const ConnectionLinkSchema = z.object({
  organizationName: z.string(),
  email: z.string(),
  firstName: z.string().nullable(),
  locale: z.string(),
  sentAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  mobileAvailable: z.boolean().meta({ description: 'Whether the link can still connect an Android or iOS device.' }),
  downloadLinks: DownloadLinksSchema.meta({
    description: 'Where to download the security application, per platform, as the organization set it.',
  }),
});
/** What the connection page of an instructions e-mail shows for its link. */
export type ConnectionLink = z.infer<typeof ConnectionLinkSchema>;
