import { AppError, HttpErrorCodes } from '../core/errors.ts';
import { DomainErrorCodes } from '../domains/domains.errors.ts';
import { ProductErrorCodes } from '../products/products.errors.ts';

/** What a violated constraint means to the caller: code, status, message and the field to fix. */
interface ConstraintMeaning {
  code: string;
  status: number;
  message: string;
  field: string;
}

/**
 * Named constraints (`table__columns`) that a request can violate, mapped to domain errors. The
 * database is the last word on uniqueness (two requests at once), and this turns its refusal into
 * the same answer a service check would give.
 */
const CONSTRAINTS: Record<string, ConstraintMeaning> = {
  user_groups__organization_id_name: {
    code: 'groups.name_taken',
    status: 409,
    message: 'A user group with this name already exists in the organization: choose another name.',
    field: 'body.name',
  },
  users__organization_id_email_identity_type: {
    code: 'users.already_exists',
    status: 409,
    message: 'A user with this e-mail and identity type already exists in the organization.',
    field: 'body.email',
  },
  products__organization_id_name: {
    code: ProductErrorCodes.productNameTaken,
    status: 409,
    message: 'A product with this name already exists in the organization: choose another name.',
    field: 'body.name',
  },
  product_profiles__organization_id_name: {
    code: ProductErrorCodes.profileNameTaken,
    status: 409,
    message:
      'A product profile with this name already exists in the organization (profile names are unique): choose another name.',
    field: 'body.name',
  },
  directories__organization_id_name: {
    code: DomainErrorCodes.directoryNameTaken,
    status: 409,
    message: 'A directory with this name already exists in the organization: choose another name.',
    field: 'body.name',
  },
  domains__organization_id_name: {
    code: DomainErrorCodes.domainTaken,
    status: 409,
    message: 'The organization has already added this domain: verify the one in the list instead.',
    field: 'body.name',
  },
  domains__name_claimed: {
    code: DomainErrorCodes.claimedElsewhere,
    status: 409,
    message: 'The domain was claimed by another organization on this Usher at the same moment.',
    field: 'name',
  },
  devices__organization_id_link_id_mobile: {
    code: 'devices.mobile_limit',
    status: 409,
    message:
      'This e-mail has already connected an Android or iOS device; one e-mail connects only one mobile device. Ask your administrator for another e-mail to connect this one.',
    field: 'body.platform',
  },
  devices__organization_id_device_identifier: {
    code: 'devices.identifier_taken',
    status: 409,
    message:
      'A device with this identifier is already connected for another user or as another platform. Ask your administrator to disconnect it first.',
    field: 'body.deviceId',
  },
  ...Object.fromEntries(
    ['user_profiles__profile', 'group_profiles__profile', 'admin_role_assignments__profile'].map((name) => [
      name,
      {
        code: ProductErrorCodes.profileGone,
        status: 409,
        message:
          'The product profile was deleted while this change was being made: reload, and choose another profile.',
        field: 'profileId',
      },
    ]),
  ),
  domains__claimed_has_directory: {
    code: DomainErrorCodes.directoryHasClaimedDomains,
    status: 409,
    message: 'A claimed domain must stay in a directory: move it to another directory or remove it first.',
    field: 'directoryId',
  },
};

/**
 * Translates a database error about a known constraint into an AppError.
 * @param error anything thrown by a query
 * @returns the AppError, or undefined when the error is not a known constraint violation
 */
export function constraintError(error: unknown): AppError | undefined {
  const constraint = (error as { constraint?: unknown }).constraint;
  const meaning = typeof constraint === 'string' ? CONSTRAINTS[constraint] : undefined;
  if (meaning) {
    return new AppError(meaning.code, meaning.status, meaning.message, {
      errors: [{ field: meaning.field, message: meaning.message }],
      cause: error,
    });
  }
  // Any other unique or foreign-key violation is a change that raced another one: a conflict, not a 500.
  const sqlState = (error as { code?: unknown }).code;
  if (sqlState === '23505' || sqlState === '23503') {
    return new AppError(
      HttpErrorCodes.conflict,
      409,
      'Something this change refers to was changed or deleted at the same moment: reload and try again.',
      { cause: error },
    );
  }
  return undefined;
}
