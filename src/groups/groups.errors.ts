import { registerConstraints } from '../db/constraint-errors.ts';

/** Error codes of user groups. */
export const GroupErrorCodes = {
  nameTaken: 'groups.name_taken',
  versionConflict: 'groups.version_conflict',
  unknownUsers: 'groups.unknown_users',
  removedUsers: 'groups.removed_users',
  unknownProfiles: 'groups.unknown_profiles',
  tooLarge: 'groups.too_large',
  tooManyPerSave: 'groups.too_many_per_save',
  notManaged: 'groups.not_managed',
} as const;

registerConstraints({
  user_groups__organization_id_name: {
    code: GroupErrorCodes.nameTaken,
    status: 409,
    message: 'A user group with this name already exists in the organization: choose another name.',
    field: 'body.name',
  },
});
