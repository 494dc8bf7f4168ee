import { sql } from 'kysely';
import type { IdentityType } from '../../shared/contracts.ts';
import type { Executor } from '../db/database.ts';

/** How an organization stands to an e-mail's domain, and the identity type that follows. */
export interface DomainStanding {
  identityType: IdentityType;
  /** `owned`: claimed by this organization; `trusted`: claimed by another that trusts us; `none`. */
  ownership: 'owned' | 'trusted' | 'none';
  directoryId: string | null;
}

const NONE: DomainStanding = { identityType: 'personal', ownership: 'none', directoryId: null };

/**
 * The domain part of an e-mail, lower-cased.
 * @returns the domain, or '' when there is no `@`
 */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0
    ? ''
    : email
        .slice(at + 1)
        .trim()
        .toLowerCase();
}

/**
 * Resolves, for many domains at once, how the organization stands to each: a domain it claimed
 * gives its directory's identity type (owned); a domain claimed by another organization that
 * granted us trust on its directory gives that type (trusted, read-only users); any other domain
 * gives Personal ID.
 * @param db database or transaction
 * @param organizationId the organization adding or editing users
 * @param domains lower-case domains
 * @returns a standing for every domain asked
 */
export async function resolveDomainStandings(
  db: Executor,
  organizationId: string,
  domains: string[],
): Promise<Map<string, DomainStanding>> {
  const unique = [...new Set(domains.filter(Boolean))];
  const standings = new Map<string, DomainStanding>(unique.map((domain) => [domain, NONE]));
  if (unique.length === 0) {
    return standings;
  }
  for (const row of await domainStandingsQuery(db, organizationId, unique).execute()) {
    standings.set(row.name, standingOf(row));
  }
  return standings;
}

/**
 * The query of {@link resolveDomainStandings}, for a caller that reads it with other lookups in
 * one statement (`changes/resolution.ts`): a row per claimed domain among `domains` that gives
 * the organization an identity type.
 * @param domains lower-case domains, at least one
 */
export function domainStandingsQuery(db: Executor, organizationId: string, domains: string[]) {
  return db
    .selectFrom('domains')
    .innerJoin('directories', (join) =>
      join
        .onRef('directories.id', '=', 'domains.directory_id')
        .onRef('directories.organization_id', '=', 'domains.organization_id'),
    )
    .select([
      'domains.name',
      'domains.directory_id',
      'directories.identity_type',
      sql<boolean>`domains.organization_id = ${organizationId}`.as('owned'),
    ])
    .where('domains.status', '=', 'claimed')
    .where('domains.name', 'in', domains)
    .where((eb) =>
      eb.or([
        eb('domains.organization_id', '=', organizationId),
        eb.exists(
          eb
            .selectFrom('directory_trusts')
            .select('directory_trusts.directory_id')
            .whereRef('directory_trusts.directory_id', '=', 'domains.directory_id')
            .where('directory_trusts.trustee_organization_id', '=', organizationId),
        ),
      ]),
    );
}

/**
 * The standing a row of {@link domainStandingsQuery} gives.
 * @param row the domain's row, or undefined when no row came (Personal ID)
 */
export function standingOf(
  row: { directory_id: string | null; identity_type: IdentityType; owned: boolean } | undefined,
): DomainStanding {
  return row
    ? { identityType: row.identity_type, ownership: row.owned ? 'owned' : 'trusted', directoryId: row.directory_id }
    : NONE;
}

/**
 * Reads an identity type as files and forms write it: `Personal ID` (also `Adobe ID`),
 * `Enterprise ID`, `Federated ID`, or the API's `personal` / `enterprise` / `federated`, any case.
 * @returns the identity type, or undefined when the text is none of these
 */
export function parseIdentityType(text: string): IdentityType | undefined {
  const key = text.trim().toLowerCase().replace(/\s+/g, ' ');
  const known: Record<string, IdentityType> = {
    personal: 'personal',
    'personal id': 'personal',
    'adobe id': 'personal',
    enterprise: 'enterprise',
    'enterprise id': 'enterprise',
    federated: 'federated',
    'federated id': 'federated',
  };
  return known[key];
}
