/**
 * What Usher's SCIM server supports, as data: the schemas (RFC 7643 §7–8), the resource types and
 * the service provider configuration (§5). Discovery answers from here, and the filter, sort, PATCH
 * and PUT code reads the same definitions, so what is advertised is what works.
 */

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  enterprise: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  bulkRequest: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
  bulkResponse: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** The limits Usher advertises and enforces. */
export const SCIM_LIMITS = {
  /** Most resources one list page returns (`count` above it is lowered to it). */
  maxResults: 1000,
  /** Most operations in one /Bulk request. */
  bulkMaxOperations: 1000,
} as const;

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex';

/** One attribute definition, in the shape of RFC 7643 §7. */
export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDef[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

function attr(
  name: string,
  type: AttributeType,
  description: string,
  extra: Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>> = {},
): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...extra,
  };
}

/** The User schema as Usher keeps it: the attributes it stores, no more. */
export const USER_ATTRIBUTES: AttributeDef[] = [
  attr('userName', 'string', "The user's sign-in name; Usher's username. Unique in the organization.", {
    required: true,
    uniqueness: 'server',
  }),
  attr('name', 'complex', "The user's name.", {
    subAttributes: [
      attr('formatted', 'string', 'Given and family name together: Usher derives it, and ignores what is sent.'),
      attr('familyName', 'string', 'Last name.'),
      attr('givenName', 'string', 'First name.'),
    ],
  }),
  attr('displayName', 'string', "Usher's alias: the name shown for the user (defaults to the e-mail's mailbox)."),
  attr('active', 'boolean', 'false removes the user from the organization (entitlements revoked); true restores.'),
  attr(
    'emails',
    'complex',
    "The user's e-mail: Usher keeps one, the primary (or work) one; without it userName is the e-mail.",
    {
      multiValued: true,
      subAttributes: [
        attr('value', 'string', 'The e-mail address.'),
        attr('type', 'string', 'Always work.', { canonicalValues: ['work'] }),
        attr('primary', 'boolean', 'Always true.'),
      ],
    },
  ),
  attr(
    'addresses',
    'complex',
    "The user's address: Usher keeps the country only; other parts are accepted and ignored.",
    {
      multiValued: true,
      subAttributes: [
        attr('country', 'string', 'ISO 3166-1 alpha-2 code (an English country name is accepted).'),
        attr('type', 'string', 'Always work.', { canonicalValues: ['work'] }),
        attr('primary', 'boolean', 'Always true.'),
      ],
    },
  ),
  attr('groups', 'complex', 'The user groups the user is a member of (change them through /Groups).', {
    multiValued: true,
    mutability: 'readOnly',
    subAttributes: [
      attr('value', 'string', 'The group id.', { mutability: 'readOnly' }),
      attr('$ref', 'reference', 'The group URI.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
      attr('display', 'string', 'The group name.', { mutability: 'readOnly' }),
      attr('type', 'string', 'direct', { mutability: 'readOnly', canonicalValues: ['direct'] }),
    ],
  }),
];

/** The enterprise extension attributes Usher keeps (RFC 7643 §4.3). */
export const ENTERPRISE_ATTRIBUTES: AttributeDef[] = [
  attr('employeeNumber', 'string', 'Employee number.'),
  attr('costCenter', 'string', 'Cost center.'),
  attr('organization', 'string', 'Organization.'),
  attr('division', 'string', 'Division.'),
  attr('department', 'string', 'Department.'),
  attr('manager', 'complex', "The user's manager.", {
    subAttributes: [
      attr('value', 'string', "The manager's id."),
      attr('$ref', 'reference', "The manager's URI.", { referenceTypes: ['User'] }),
      attr('displayName', 'string', "The manager's name.", { mutability: 'readOnly' }),
    ],
  }),
];

/** The Group schema. */
export const GROUP_ATTRIBUTES: AttributeDef[] = [
  attr('displayName', 'string', 'The user group name (unique in the organization, up to 255 characters).', {
    required: true,
    uniqueness: 'server',
  }),
  attr('members', 'complex', 'The members: users of the organization, by id.', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string', 'The user id.', { mutability: 'immutable' }),
      attr('$ref', 'reference', 'The user URI.', { mutability: 'immutable', referenceTypes: ['User'] }),
      attr('display', 'string', "The member's userName.", { mutability: 'readOnly' }),
      attr('type', 'string', 'User (groups cannot be members).', {
        mutability: 'immutable',
        canonicalValues: ['User'],
      }),
    ],
  }),
];

/** Attributes every resource has (RFC 7643 §3.1), not listed in the schemas. */
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  attr('id', 'string', 'Usher id.', {
    mutability: 'readOnly',
    returned: 'always',
    caseExact: true,
    uniqueness: 'server',
  }),
  attr('externalId', 'string', "The identity provider's id.", { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    mutability: 'readOnly',
    subAttributes: [
      attr('resourceType', 'string', 'User or Group.', { mutability: 'readOnly' }),
      attr('created', 'dateTime', 'When created.', { mutability: 'readOnly' }),
      attr('lastModified', 'dateTime', 'When last changed.', { mutability: 'readOnly' }),
      attr('location', 'reference', 'The resource URI.', { mutability: 'readOnly' }),
      attr('version', 'string', 'The weak ETag.', { mutability: 'readOnly' }),
    ],
  }),
];

/**
 * RFC 7643 User attributes Usher does not store. Writes to them are accepted and ignored (identity
 * providers send them by default), rather than failing the whole provisioning of the user.
 */
export const IGNORED_USER_ATTRIBUTES = new Set(
  [
    'nickName',
    'profileUrl',
    'title',
    'userType',
    'preferredLanguage',
    'locale',
    'timezone',
    'password',
    'phoneNumbers',
    'ims',
    'photos',
    'entitlements',
    'roles',
    'x509Certificates',
    // Address parts other than the country (Entra ID maps them by default).
    'addresses.formatted',
    'addresses.streetAddress',
    'addresses.locality',
    'addresses.region',
    'addresses.postalCode',
  ].map((name) => name.toLowerCase()),
);

/**
 * Finds an attribute definition by name, case-insensitively (RFC 7643 §2.1).
 * @returns the definition, or undefined
 */
export function findAttribute(attributes: AttributeDef[], name: string): AttributeDef | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((candidate) => candidate.name.toLowerCase() === wanted);
}

function schemaResource(baseUrl: string, id: string, name: string, description: string, attributes: AttributeDef[]) {
  return {
    schemas: [SCHEMA.schema],
    id,
    name,
    description,
    attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${id}` },
  };
}

/**
 * The /Schemas resources.
 * @param baseUrl the SCIM base URL (…/scim/v2)
 * @returns the User, enterprise User and Group schemas
 */
export function schemaResources(baseUrl: string) {
  const common = COMMON_ATTRIBUTES.filter((definition) => definition.name === 'externalId');
  return [
    schemaResource(baseUrl, SCHEMA.user, 'User', 'User Account', [...USER_ATTRIBUTES, ...common]),
    schemaResource(baseUrl, SCHEMA.enterprise, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_ATTRIBUTES),
    schemaResource(baseUrl, SCHEMA.group, 'Group', 'Group', [...GROUP_ATTRIBUTES, ...common]),
  ];
}

/**
 * The /ResourceTypes resources.
 * @param baseUrl the SCIM base URL
 * @returns User and Group
 */
export function resourceTypeResources(baseUrl: string) {
  return [
    {
      schemas: [SCHEMA.resourceType],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A user of the organization',
      schema: SCHEMA.user,
      schemaExtensions: [{ schema: SCHEMA.enterprise, required: false }],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: [SCHEMA.resourceType],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A user group of the organization',
      schema: SCHEMA.group,
      schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
    },
  ];
}

/**
 * The /ServiceProviderConfig resource: only what works.
 * @param baseUrl the SCIM base URL
 * @param maxPayloadSize the largest request body, in bytes
 * @returns the configuration
 */
export function serviceProviderConfig(baseUrl: string, maxPayloadSize: number) {
  return {
    schemas: [SCHEMA.serviceProviderConfig],
    documentationUri: `${baseUrl.replace(/\/scim\/v2$/, '')}/api/docs`,
    patch: { supported: true },
    bulk: { supported: true, maxOperations: SCIM_LIMITS.bulkMaxOperations, maxPayloadSize },
    filter: { supported: true, maxResults: SCIM_LIMITS.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description:
          'A SCIM token (Settings → SCIM) or an API token with the system-admin or group-admin role, as `Authorization: Bearer <token>`.',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}
