import type { DateValue } from '@adobe/react-spectrum';
import { queryString } from '../api.ts';

/** The audit log filters as the form holds them. */
export interface AuditFilterForm {
  action: string;
  actor: string;
  target: string;
  since: DateValue | null;
  until: DateValue | null;
}

export const EMPTY_FILTERS: AuditFilterForm = { action: '', actor: '', target: '', since: null, until: null };

/** A picked date (and time) in the browser's time zone, as an ISO instant. */
export function toInstant(value: DateValue): string {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return value.toDate(timeZone).toISOString();
}

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
