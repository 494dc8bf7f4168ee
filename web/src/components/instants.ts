import type { DateValue } from '@adobe/react-spectrum';
import { parseAbsoluteToLocal } from '@internationalized/date';

/** A picked date (and time) in the browser's time zone, as an ISO instant. */
export function toInstant(value: DateValue): string {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return value.toDate(timeZone).toISOString();
}

/** An ISO instant of an address as a date picker's value, null for none or a malformed one. */
export function instantFromUrl(value: string | null): DateValue | null {
  if (!value) {
    return null;
  }
  try {
    return parseAbsoluteToLocal(value);
  } catch {
    return null; // a hand-edited address: the filter is left out rather than the page failing
  }
}
