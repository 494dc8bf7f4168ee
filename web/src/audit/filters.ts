import type { DateValue } from '@adobe/react-spectrum';
import { AUDIT_SORTS, type AuditSort } from '../../../shared/contracts.ts';
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

/** The audit log's view: its applied filters and its order (by time, newest first by default). */
export interface AuditView {
  filters: AuditFilterForm;
  sort: AuditSort;
}

export const DEFAULT_AUDIT_SORT: AuditSort = '-at';

/** The view an address describes (the same parameters as the API's); unknown values are ignored. */
export function auditViewFromUrl(params: URLSearchParams): AuditView {
  return {
    filters: {
      action: params.get('action') ?? '',
      actor: params.get('actor') ?? '',
      target: params.get('target') ?? '',
      since: instantFromUrl(params.get('since')),
      until: instantFromUrl(params.get('until')),
    },
    sort: AUDIT_SORTS.find((sort) => sort === params.get('sort')) ?? DEFAULT_AUDIT_SORT,
  };
}

/** The view as the API's query parameters: nothing for an empty filter or the default order. */
export function auditQuery(view: AuditView): Record<string, string | undefined> {
  return { ...filterQuery(view.filters), sort: view.sort === DEFAULT_AUDIT_SORT ? undefined : view.sort };
}

/** The address of a view: the API's query parameters. */
export function auditViewToUrl(view: AuditView): URLSearchParams {
  return new URLSearchParams(queryString(auditQuery(view)));
}
