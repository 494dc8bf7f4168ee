import { z } from 'zod';
import { DEVICE_PLATFORMS, type DevicePlatform } from '../../shared/contracts.ts';

/** Longest download link accepted (a signed storage URL fits). */
const DOWNLOAD_LINK_MAX = 2000;

const downloadLink = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// address' })
  .max(DOWNLOAD_LINK_MAX);

/** A change of download links: a platform set to a URL, or to null to remove its link; others stay. */
export const DownloadLinksPatch = z.strictObject(
  Object.fromEntries(DEVICE_PLATFORMS.map((platform) => [platform, downloadLink.nullable().optional()])) as Record<
    DevicePlatform,
    z.ZodOptional<z.ZodNullable<typeof downloadLink>>
  >,
);
