import type { DateValue } from '@adobe/react-spectrum';
import { queryString } from '../api.ts';
import { instantFromUrl, toInstant } from '../components/instants.ts';

/** The audit log filters as the form holds them. */
export interface AuditFilterForm {
  /** An action (`auth.login`) or a prefix (`auth.`). */
  action: string;
  actor: string;
  target: string;
  since: DateValue | null;
  until: DateValue | null;
}

export const EMPTY_FILTERS: AuditFilterForm = { action: '', actor: '', target: '', since: null, until: null };

/** The filters as the API's query parameters (`action`, `actor`, `target`, `since`, `until`). */
export function filterQuery(filters: AuditFilterForm): Record<string, string | undefined> {
  return {
    action: filters.action.trim() || undefined,
    actor: filters.actor.trim() || undefined,
    target: filters.target.trim() || undefined,
    since: filters.since ? toInstant(filters.since) : undefined,
    until: filters.until ? toInstant(filters.until) : undefined,
  };
}

/** The CSV export URL of the events matching the filters. */
export function exportUrl(filters: AuditFilterForm): string {
  return `/api/v1/audit-events.csv${queryString(filterQuery(filters))}`;
}

/** The filters an address describes (the same parameters as the API's). */
export function auditViewFromUrl(params: URLSearchParams): AuditFilterForm {
  return {
    action: params.get('action') ?? '',
    actor: params.get('actor') ?? '',
    target: params.get('target') ?? '',
    since: instantFromUrl(params.get('since')),
    until: instantFromUrl(params.get('until')),
  };
}

/** The address of applied filters: the API's query parameters, nothing for an empty filter. */
export function auditViewToUrl(filters: AuditFilterForm): URLSearchParams {
  return new URLSearchParams(queryString(filterQuery(filters)));
}
