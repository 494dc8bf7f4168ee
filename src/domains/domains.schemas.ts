import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { DirectoryIdentityType } from '../../shared/api/domains.ts';
import { LIMITS } from '../../shared/contracts.ts';

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

export const DirectoryName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(LIMITS.nameMax, `at most ${LIMITS.nameMax} characters`);

export { DirectoryIdentityType };
