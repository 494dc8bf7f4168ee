/** Directories, domains and directory trust: the shapes /api/v1/directories, /domains and their trusts answer with. */
import { z } from 'zod';
import { DIRECTORY_IDENTITY_TYPES } from '../contracts.ts';

/**
 * The DNS TXT record that proves an organization controls a domain lives on a label of its own
 * (`_usher-challenge.<domain>`), not on the domain itself, so it never mixes with the domain's SPF
 * and other TXT records and can be removed after the claim without touching them.
 */
export const CHALLENGE_LABEL = '_usher-challenge';
/** What the claiming TXT record's value starts with; the domain's token follows. */
export const CHALLENGE_VALUE_PREFIX = 'usher-verification=';

export const DirectoryIdentityType = z
  .enum(DIRECTORY_IDENTITY_TYPES)
  .meta({ description: 'What users of the directory get: Enterprise ID or Federated ID.' });

export const DirectorySchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ description: 'Unique in the organization (case-insensitive).' }),
    identityType: DirectoryIdentityType,
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Directory' });
/** A directory as the API shows it. */
export type Directory = z.infer<typeof DirectorySchema>;

export const DnsRecordSchema = z
  .object({
    type: z.literal('TXT'),
    name: z.string().meta({ description: `Record name: \`${CHALLENGE_LABEL}.<domain>\`.` }),
    value: z.string().meta({ description: `Record value: \`${CHALLENGE_VALUE_PREFIX}<token>\`.` }),
  })
  .meta({ id: 'DnsRecord', description: 'The DNS record to publish to claim the domain.' });
/** The TXT record that claims a domain. */
export type DnsRecord = z.infer<typeof DnsRecordSchema>;

export const DomainSchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ description: 'Lower-case domain name.' }),
    status: z
      .enum(['pending', 'claimed'])
      .meta({ description: '`claimed` once its TXT record was verified; a name is claimed by one organization.' }),
    directory: z
      .object({ id: z.uuid(), name: z.string(), identityType: DirectoryIdentityType })
      .nullable()
      .meta({ description: 'The directory whose identity type users of the domain get; required to claim.' }),
    record: DnsRecordSchema,
    claimedAt: z.iso.datetime().nullable(),
    lastCheckedAt: z.iso.datetime().nullable().meta({ description: 'When its TXT record was last looked up.' }),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Domain' });
/** A domain as the API shows it, with the TXT record that claims it. */
export type Domain = z.infer<typeof DomainSchema>;

export const TrustSchema = z
  .object({
    organizationId: z.uuid().meta({ description: 'The trusted organization.' }),
    organizationName: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'DirectoryTrust' });
/** An organization a directory trusts. */
export type DirectoryTrust = z.infer<typeof TrustSchema>;

export const TrustedDirectorySchema = z
  .object({
    id: z.uuid().meta({ description: 'The directory (owned by another organization).' }),
    name: z.string(),
    identityType: DirectoryIdentityType,
    owner: z.object({ id: z.uuid(), name: z.string() }).meta({ description: 'The organization that owns it.' }),
    domains: z.array(z.string()).meta({ description: 'Its claimed domains, whose users the caller may add.' }),
    trustedAt: z.iso.datetime(),
  })
  .meta({ id: 'TrustedDirectory' });
/** A directory another organization trusts the caller's organization with. */
export type TrustedDirectory = z.infer<typeof TrustedDirectorySchema>;

export const IdentityProviderSchema = z
  .object({
    directoryId: z.uuid(),
    protocol: z.enum(['oidc', 'saml']),
    issuer: z
      .string()
      .meta({ description: "OpenID Connect: the provider's issuer URL; its discovery document is read from it." }),
    clientId: z.string().meta({ description: 'OpenID Connect: the client id (empty for SAML).' }),
    clientSecretSet: z.boolean().meta({ description: 'A client secret is stored (sealed); it is never shown.' }),
    redirectUri: z
      .string()
      .meta({ description: 'OpenID Connect: the redirect URI to register at the identity provider.' }),
    saml: z
      .object({
        entityId: z.string().meta({ description: "The identity provider's entity id (Issuer of its responses)." }),
        ssoUrl: z.string().meta({ description: 'Where sign-in requests go (HTTP-Redirect binding).' }),
        metadataUrl: z.string().nullable().meta({ description: 'The metadata URL the settings were read from.' }),
        certificates: z
          .array(z.object({ subject: z.string(), validTo: z.iso.datetime() }))
          .meta({ description: 'The signing certificates responses or assertions must be signed with.' }),
        spEntityId: z.string().meta({ description: "Usher's entity id (the audience) to register at the provider." }),
        acsUrl: z.string().meta({ description: "Usher's Assertion Consumer Service URL (HTTP-POST) to register." }),
        spMetadataUrl: z.string().meta({ description: "Usher's SP metadata, for providers that import it." }),
      })
      .optional()
      .meta({ description: 'SAML 2.0: the provider and what to register there.' }),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'IdentityProvider' });
/** A Federated directory's identity provider as the API answers it (never the client secret). */
export type IdentityProvider = z.infer<typeof IdentityProviderSchema>;
/** A SAML identity provider's settings and Usher's side to register there. */
export type SamlView = NonNullable<IdentityProvider['saml']>;
