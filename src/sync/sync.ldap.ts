import {
  Client,
  type Entry,
  InvalidCredentialsError,
  type Client as LdapClient,
  NoSuchObjectError,
  type SearchOptions,
} from 'ldapts';
import { SYNC_LIMITS, type SyncAttributes } from '../../shared/sync.ts';
import { AppError } from '../core/errors.ts';
import { SyncErrorCodes } from './sync.errors.ts';

/** Everything needed to read a directory (the bind password already opened). */
export interface DirectorySettings {
  url: string;
  startTls: boolean;
  caCertificate: string | null;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  groupBaseDn: string | null;
  groupFilter: string | null;
  attributes: SyncAttributes;
}

/** One user entry, with the mapped attributes read. */
export interface DirectoryUser {
  dn: string;
  /** The stable id (externalId attribute), or the DN when none is configured or present. */
  key: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  country: string | null;
  username: string | null;
}

/** A mapped directory group as found: its DN and the DNs of the users in it, nesting resolved. */
export interface ResolvedGroup {
  dn: string;
  /** Lower-case user DNs. */
  members: Set<string>;
}

const DEFAULT_GROUP_FILTER = '(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))';
/** Binary attributes that must not be decoded as text (AD ids). */
const BINARY_ATTRIBUTES = ['objectGUID', 'objectSid'];

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Turns an LDAP or socket error into a clear, stable error (never a 500, never the password).
 * @param error what ldapts or the socket threw
 * @param settings the connection (for the message)
 * @param during what was being done
 * @returns the error to throw
 */
export function directoryError(
  error: unknown,
  settings: Pick<DirectorySettings, 'url' | 'bindDn'>,
  during: string,
): AppError {
  if (error instanceof AppError) {
    return error;
  }
  const code = (error as { code?: unknown }).code;
  const text = error instanceof Error ? error.message : String(error);
  if (error instanceof InvalidCredentialsError) {
    return new AppError(
      SyncErrorCodes.bindFailed,
      422,
      `The directory refused the bind DN "${settings.bindDn}" with this password: check both.`,
    );
  }
  if (typeof code === 'string' && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new AppError(
      SyncErrorCodes.tlsFailed,
      422,
      `TLS with ${settings.url} failed (${code}): give the CA certificate that signed the server's certificate, and use the host name the certificate names.`,
    );
  }
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code)
  ) {
    return new AppError(
      SyncErrorCodes.unreachable,
      422,
      `Cannot reach ${settings.url} (${code}): check the address, the port and the firewall.`,
    );
  }
  if (/timeout|timed out/i.test(text)) {
    return new AppError(SyncErrorCodes.unreachable, 422, `${settings.url} did not answer in time while ${during}.`);
  }
  if (error instanceof NoSuchObjectError) {
    return new AppError(
      SyncErrorCodes.searchFailed,
      422,
      `While ${during}: the base DN does not exist in the directory.`,
    );
  }
  return new AppError(
    SyncErrorCodes.searchFailed,
    422,
    `The directory answered an error while ${during}: ${text.slice(0, 300)}`,
  );
}

/**
 * Opens and binds a connection: StartTLS first when asked, with the given CA (otherwise Node's
 * trusted roots), then a simple bind (RFC 4513 section 5.1).
 * @returns the bound client; the caller unbinds it
 * @throws AppError `sync.unreachable`, `sync.tls_failed`, `sync.bind_failed`
 */
async function connect(settings: DirectorySettings): Promise<LdapClient> {
  const tlsOptions = settings.caCertificate ? { ca: [settings.caCertificate] } : {};
  const client = new Client({
    url: settings.url,
    connectTimeout: 10_000,
    timeout: 120_000,
    strictDN: false,
    ...(settings.url.startsWith('ldaps:') ? { tlsOptions } : {}),
  });
  try {
    if (settings.startTls) {
      await client.startTLS(tlsOptions);
    }
    await client.bind(settings.bindDn, settings.bindPassword);
    return client;
  } catch (error) {
    await client.unbind().catch(() => {});
    throw directoryError(error, settings, 'connecting');
  }
}

/**
 * Runs `work` with a bound connection and always unbinds.
 * @param settings the connection
 * @param work what to read
 * @returns what work returns
 */
export async function withDirectory<T>(
  settings: DirectorySettings,
  work: (reader: DirectoryReader) => Promise<T>,
): Promise<T> {
  const client = await connect(settings);
  try {
    return await work(new DirectoryReader(client, settings));
  } finally {
    await client.unbind().catch(() => {});
  }
}

function valuesOf(entry: Entry, name: string): (string | Buffer)[] {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() === lower) {
      return (Array.isArray(value) ? value : [value]) as (string | Buffer)[];
    }
  }
  return [];
}

function firstText(entry: Entry, name: string | undefined): string | null {
  if (!name) {
    return null;
  }
  const value = valuesOf(entry, name)[0];
  if (value === undefined) {
    return null;
  }
  const text = typeof value === 'string' ? value : value.toString('hex');
  return text.trim() === '' ? null : text.trim();
}

/** Reads users and groups from one bound connection. */
export class DirectoryReader {
  readonly #client: LdapClient;
  readonly #settings: DirectorySettings;

  constructor(client: LdapClient, settings: DirectorySettings) {
    this.#client = client;
    this.#settings = settings;
  }

  /**
   * The users of the base DN and filter, a page at a time (the Simple Paged Results control of
   * RFC 2696), so a directory of any size is read in bounded steps.
   * @param pageSize entries per page
   * @yields the page's users
   * @throws AppError `sync.search_failed`, `sync.unreachable`
   */
  async *users(pageSize: number = SYNC_LIMITS.pageSize): AsyncGenerator<DirectoryUser[]> {
    const attributes = this.#settings.attributes;
    const names = [
      attributes.email,
      attributes.firstName,
      attributes.lastName,
      attributes.country,
      attributes.username,
      attributes.externalId,
    ].filter((name): name is string => Boolean(name));
    const options: SearchOptions = {
      scope: 'sub',
      filter: this.#settings.userFilter,
      attributes: names,
      paged: { pageSize },
      explicitBufferAttributes: BINARY_ATTRIBUTES,
    };
    try {
      for await (const page of this.#client.searchPaginated(this.#settings.baseDn, options)) {
        yield page.searchEntries.map((entry) => ({
          dn: entry.dn,
          key: firstText(entry, attributes.externalId) ?? entry.dn.toLowerCase(),
          email: firstText(entry, attributes.email),
          firstName: firstText(entry, attributes.firstName),
          lastName: firstText(entry, attributes.lastName),
          country: firstText(entry, attributes.country),
          username: firstText(entry, attributes.username),
        }));
      }
    } catch (error) {
      throw directoryError(error, this.#settings, 'reading users');
    }
  }

  /**
   * Finds the mapped groups (by DN, or by `cn` when the name has no `=`) and the users in each,
   * following nested groups to any depth (cycles are cut), kept in memory: for a look at a few
   * users (test connection). A run streams them with `groupMembers`.
   * @param names the directory groups of the mapping
   * @returns name → the group, or undefined when the directory has no such group
   * @throws AppError `sync.search_failed`, `sync.unreachable`
   */
  async groups(names: string[]): Promise<Map<string, ResolvedGroup | undefined>> {
    const members = names.map(() => new Set<string>());
    const found = await this.groupMembers(names, async (index, dnKeys) => {
      for (const dnKey of dnKeys) {
        members[index]?.add(dnKey);
      }
    });
    return new Map(
      names.map((name, index) => {
        const dn = found[index];
        return [name, dn === undefined ? undefined : { dn, members: members[index] ?? new Set<string>() }];
      }),
    );
  }

  /**
   * Finds the mapped groups (by DN, or by `cn` when the name has no `=`) and hands the user DNs
   * in each to `onMembers`, a batch at a time, following nested groups to any depth (cycles are
   * cut). Only the groups' names are held for the whole search; members are read one group at a
   * time, from `member` (AD, groupOfNames) and `uniqueMember`, with Active Directory's ranged
   * `member;range=…` values fetched to the end, so memory does not grow with the directory.
   * @param names the directory groups of the mapping
   * @param onMembers receives the mapping's index and a batch of its users' DNs (see normalizeDn);
   *   a DN may come more than once when nested groups overlap
   * @returns for each name, the group's DN, or undefined when the directory has no such group
   * @throws AppError `sync.search_failed`, `sync.unreachable`
   */
  async groupMembers(
    names: string[],
    onMembers: (index: number, dnKeys: string[]) => Promise<void>,
  ): Promise<(string | undefined)[]> {
    const groupDns = new Map<string, string>();
    const byCn = new Map<string, string>();
    const base = this.#settings.groupBaseDn || this.#settings.baseDn;
    try {
      const pages = this.#client.searchPaginated(base, {
        scope: 'sub',
        filter: this.#settings.groupFilter || DEFAULT_GROUP_FILTER,
        attributes: ['cn'],
        paged: { pageSize: 500 },
      });
      for await (const page of pages) {
        for (const entry of page.searchEntries) {
          const key = normalizeDn(entry.dn);
          groupDns.set(key, entry.dn);
          const cn = firstText(entry, 'cn');
          if (cn) {
            byCn.set(cn.toLowerCase(), key);
          }
        }
      }
    } catch (error) {
      throw directoryError(error, this.#settings, 'reading groups');
    }
    const found: (string | undefined)[] = [];
    for (const [index, name] of names.entries()) {
      const key = name.includes('=') ? normalizeDn(name) : byCn.get(name.toLowerCase());
      const dn = key ? groupDns.get(key) : undefined;
      found.push(dn);
      if (!key || dn === undefined) {
        continue;
      }
      const seen = new Set<string>([key]);
      const stack = [key];
      let batch: string[] = [];
      while (stack.length > 0) {
        const group = stack.pop() as string;
        for await (const values of this.#membersOf(groupDns.get(group) ?? group)) {
          for (const member of values) {
            const memberKey = normalizeDn(member);
            if (groupDns.has(memberKey)) {
              if (!seen.has(memberKey)) {
                seen.add(memberKey);
                stack.push(memberKey);
              }
              continue;
            }
            batch.push(memberKey);
            if (batch.length >= 1000) {
              await onMembers(index, batch);
              batch = [];
            }
          }
        }
      }
      if (batch.length > 0) {
        await onMembers(index, batch);
      }
    }
    return found;
  }

  /**
   * One group's member values (`member`, `uniqueMember`), then AD's ranged `member;range=` values
   * one range (1,500 on AD) at a time as the server sends them, so a large AD group is never held
   * whole.
   */
  async *#membersOf(dn: string): AsyncGenerator<string[]> {
    let entry: Entry | undefined;
    try {
      const result = await this.#client.search(dn, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['member', 'uniqueMember'],
      });
      entry = result.searchEntries[0];
    } catch (error) {
      throw directoryError(error, this.#settings, 'reading groups');
    }
    if (!entry) {
      return;
    }
    yield [...valuesOf(entry, 'member'), ...valuesOf(entry, 'uniqueMember')].map(String);
    let ranged = Object.entries(entry).find(([key]) => /^member;range=/i.test(key));
    while (ranged) {
      const [key, value] = ranged;
      yield (Array.isArray(value) ? value : [value]).map(String);
      const end = /range=\d+-(\d+|\*)$/i.exec(key)?.[1];
      if (!end || end === '*') {
        break;
      }
      let next: Entry | undefined;
      try {
        next = (
          await this.#client.search(entry.dn, {
            scope: 'base',
            filter: '(objectClass=*)',
            attributes: [`member;range=${Number(end) + 1}-*`],
          })
        ).searchEntries[0];
      } catch (error) {
        throw directoryError(error, this.#settings, 'reading groups');
      }
      ranged = next ? Object.entries(next).find(([name]) => /^member;range=/i.test(name)) : undefined;
    }
  }
}

/** Lower-case DN with the spaces around commas removed, for comparing DNs. */
export function normalizeDn(dn: string): string {
  return dn.toLowerCase().replace(/\s*,\s*/g, ',');
}
