import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { LIMITS } from '../../shared/contracts.ts';
import { CHALLENGE_LABEL, CHALLENGE_VALUE_PREFIX } from './dns.ts';

/** Host name syntax (RFC 1123 section 2.1) with at least two labels, as the `domains__name` check has it. */
const DOMAIN_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;
const DOMAIN_MESSAGE =
  'not a domain name: write it like example.com (letters, digits and hyphens; labels of 1–63 characters separated by dots; at most 253 characters)';

/**
 * A domain name as typed: trimmed, lower-cased, a trailing dot dropped and international names
 * converted to their ASCII (punycode) form, then checked.
 */
export const DomainName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(300, DOMAIN_MESSAGE)
  .transform((value, context) => {
    const typed = value.replace(/\.$/, '').toLowerCase();
    // Only letters, digits, marks, hyphens and dots: no URL, path, port or address parts.
    const plain = !/[^\p{L}\p{N}\p{M}.-]/u.test(typed);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range, on purpose.
    const ascii = /^[\x00-\x7f]*$/.test(typed) ? typed : domainToASCII(typed);
    const labels = ascii.split('.');
    const valid =
      plain &&
      ascii.length <= 253 &&
      DOMAIN_PATTERN.test(ascii) &&
      labels.every((label) => label.length <= 63) &&
      !/^\d+$/.test(labels.at(-1) ?? '');
    if (!valid) {
      context.addIssue({ code: 'custom', message: DOMAIN_MESSAGE });
      return z.NEVER;
    }
    return ascii;
  })
  .meta({ description: 'The domain, e.g. `example.com`; stored lower-case (international names in punycode).' });

export const DirectoryIdentityType = z
  .enum(['enterprise', 'federated'])
  .meta({ description: 'What users of the directory get: Enterprise ID or Federated ID.' });

export const DirectoryName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);

export const DirectorySchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ description: 'Unique in the organization (case-insensitive).' }),
    identityType: DirectoryIdentityType,
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Directory' });

export const DnsRecordSchema = z
  .object({
    type: z.literal('TXT'),
    name: z.string().meta({ description: `Record name: \`${CHALLENGE_LABEL}.<domain>\`.` }),
    value: z.string().meta({ description: `Record value: \`${CHALLENGE_VALUE_PREFIX}<token>\`.` }),
  })
  .meta({ id: 'DnsRecord', description: 'The DNS record to publish to claim the domain.' });

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

export const TrustSchema = z
  .object({
    organizationId: z.uuid().meta({ description: 'The trusted organization.' }),
    organizationName: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'DirectoryTrust' });

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
