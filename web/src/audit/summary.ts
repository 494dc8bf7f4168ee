/** A compact, one-line "before → after" of an audit event's changed fields. */

const MAX_VALUE = 60;

function show(value: unknown): string {
  if (value === null || value === undefined) {
    return '∅';
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/**
 * Summarises the changed fields of an event, e.g. `locale: en → pl; name: Acme`.
 * @returns the summary, or an empty string when the event carries no fields
 */
export function summarizeChange(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  return keys
    .map((key) => {
      const hasBefore = before !== null && key in before;
      const hasAfter = after !== null && key in after;
      if (hasBefore && hasAfter) {
        return `${key}: ${show(before[key])} → ${show(after[key])}`;
      }
      if (hasAfter) {
        return `${key}: ${show(after?.[key])}`;
      }
      return `${key}: ${show(before?.[key])} → ∅`;
    })
    .join('; ');
}
