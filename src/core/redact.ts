/**
 * Takes secrets out of URLs before they reach a log line: the personal device link
 * (`/connect/<token>`) and every query parameter that carries a token, code, key or password
 * (`/setup?token=…`, OAuth `client_secret`, …).
 */

/** Path prefixes whose next segment is a secret. */
const SECRET_SEGMENT_AFTER = ['/connect/'];
/** Query parameter names that carry a secret (compared case-insensitively, `-` and `_` ignored). */
const SECRET_PARAMETER = /^(token|.*token|.*secret|.*password|passwd|code|key|apikey|signature|sig|otp|ticket)$/i;

export const REDACTED = '[redacted]';

/**
 * A URL (path and query, as in a request line) with its secrets replaced by `[redacted]`.
 * @param url e.g. `/setup?token=abc` or `/connect/abc?x=1`
 * @returns e.g. `/setup?token=[redacted]`, `/connect/[redacted]?x=1`
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  let path = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = queryAt < 0 ? undefined : url.slice(queryAt + 1);
  for (const prefix of SECRET_SEGMENT_AFTER) {
    const at = path.toLowerCase().indexOf(prefix);
    if (at >= 0) {
      const rest = path.slice(at + prefix.length);
      const end = rest.indexOf('/');
      path = `${path.slice(0, at + prefix.length)}${REDACTED}${end < 0 ? '' : rest.slice(end)}`;
    }
  }
  if (query === undefined) {
    return path;
  }
  const parts = query.split('&').map((part) => {
    const equals = part.indexOf('=');
    let name = equals < 0 ? part : part.slice(0, equals);
    try {
      name = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      // a malformed escape: judge the raw name
    }
    return equals >= 0 && SECRET_PARAMETER.test(name.replace(/[-_]/g, ''))
      ? `${part.slice(0, equals)}=${REDACTED}`
      : part;
  });
  return `${path}?${parts.join('&')}`;
}
