import { registerConstraints } from '../db/constraint-errors.ts';

/** Error codes of user management. */
export const UserErrorCodes = {
  alreadyExists: 'users.already_exists',
  duplicateInRequest: 'users.duplicate_in_request',
  unknownProfile: 'users.unknown_profile',
  unknownGroup: 'users.unknown_group',
  invalidCountry: 'users.invalid_country',
  readOnly: 'users.read_only',
  emailNotChangeable: 'users.email_not_changeable',
  notRemoved: 'users.not_removed',
  alreadyRemoved: 'users.already_removed',
  lastSystemAdmin: 'users.last_system_admin',
  transferTargetInvalid: 'users.transfer_target_invalid',
  noPendingContent: 'users.no_pending_content',
  removed: 'users.removed',
  versionConflict: 'users.version_conflict',
  notManaged: 'users.not_managed',
  tooManyMatching: 'users.too_many_matching',
} as const;

registerConstraints({
  users__organization_id_email_identity_type: {
    code: UserErrorCodes.alreadyExists,
    status: 409,
    message: 'A user with this e-mail and identity type already exists in the organization.',
    field: 'body.email',
  },
});
