import { registerConstraints } from '../db/constraint-errors.ts';

/** Error codes of instructions e-mails and devices. */
export const DeviceErrorCodes = {
  linkInvalid: 'devices.link_invalid',
  mobileLimit: 'devices.mobile_limit',
  identifierTaken: 'devices.identifier_taken',
  rateLimited: 'devices.rate_limited',
  notFound: 'devices.not_found',
  unknownUsers: 'instructions.unknown_users',
} as const;

/** The one answer for a bad, expired or revoked connection link: nothing about why. */
export const LINK_INVALID_MESSAGE =
  'This link is invalid or has expired. Ask your administrator to send you a new instructions e-mail.';

/** The answer to a second Android or iOS device through one link. */
export const MOBILE_LIMIT_MESSAGE =
  'This e-mail has already connected an Android or iOS device; one e-mail connects only one mobile device. ' +
  'Ask your administrator for another e-mail to connect this one.';

/** The answer to a device identifier already connected for someone else or as another platform. */
export const IDENTIFIER_TAKEN_MESSAGE =
  'A device with this identifier is already connected for another user or as another platform. ' +
  'Ask your administrator to disconnect it first.';

registerConstraints({
  devices__organization_id_link_id_mobile: {
    code: DeviceErrorCodes.mobileLimit,
    status: 409,
    message: MOBILE_LIMIT_MESSAGE,
    field: 'body.platform',
  },
  devices__organization_id_device_identifier: {
    code: DeviceErrorCodes.identifierTaken,
    status: 409,
    message: IDENTIFIER_TAKEN_MESSAGE,
    field: 'body.deviceId',
  },
});
