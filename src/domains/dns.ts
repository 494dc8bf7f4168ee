import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CHALLENGE_LABEL, CHALLENGE_VALUE_PREFIX, type DnsRecord } from '../../shared/api/domains.ts';

/** The claiming record's label and value prefix, declared with the domain shapes in shared/api. */
export { CHALLENGE_LABEL, CHALLENGE_VALUE_PREFIX };

/**
 * The TXT record that proves control of `domain`.
 * @param domain the lower-case domain name
 * @param token the domain's verification token
 * @returns the record to publish
 */
export function challengeRecord(domain: string, token: string): DnsRecord {
  return { type: 'TXT', name: `${CHALLENGE_LABEL}.${domain}`, value: `${CHALLENGE_VALUE_PREFIX}${token}` };
}

/** What a TXT lookup found: the record's texts, no record at all, or a failure of DNS itself. */
export type TxtLookup = { kind: 'records'; texts: string[] } | { kind: 'none' } | { kind: 'failed'; reason: string };

/** c-ares codes that mean "the name or its TXT record does not exist", as opposed to a DNS failure. */
const ABSENT = new Set(['ENODATA', 'ENOTFOUND', 'NOTFOUND', 'ENONAME']);

/**
 * Turns `host:port` entries (USHER_DNS_SERVERS) into what `Resolver.setServers` takes: it wants IP
 * addresses, so host names are looked up first.
 */
async function serverAddresses(servers: string[]): Promise<string[]> {
  return Promise.all(
    servers.map(async (server) => {
      const [host = '', port] = server.split(':');
      const address = isIP(host) ? host : (await lookup(host)).address;
      const ip = isIP(address) === 6 ? `[${address}]` : address;
      return port ? `${ip}:${port}` : ip;
    }),
  );
}

/**
 * Looks up the TXT records of a name with Node's resolver (c-ares, not the system's stub), asking
 * the configured servers when there are any.
 * @param name the fully qualified name
 * @param servers `host:port` entries; empty for the system's servers
 * @returns each record's text (its character-strings joined, RFC 7208 section 3.3), none, or why DNS failed
 */
export async function lookupTxt(name: string, servers: string[]): Promise<TxtLookup> {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  try {
    if (servers.length > 0) {
      resolver.setServers(await serverAddresses(servers));
    }
    const records = await resolver.resolveTxt(name);
    return records.length === 0 ? { kind: 'none' } : { kind: 'records', texts: records.map((parts) => parts.join('')) };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && ABSENT.has(code)) {
      return { kind: 'none' };
    }
    return { kind: 'failed', reason: typeof code === 'string' ? code : String(error) };
  }
}
