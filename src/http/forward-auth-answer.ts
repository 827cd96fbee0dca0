// Forward auth's own rules, shared by its two doors (the Express route and the node:http listener): which scopes a
// proxy asks for, the identity headers of an accepted token, and the verdict of a refusal.
import type { Principal } from '../bearer/principal';
import { InvalidRequestError, InvalidTokenError, InsufficientScopeError, RetryLaterError, UnauthorizedError } from '../errors';
import type { ForwardAuthVerdict } from '../metrics/metrics';

/** A `?scope=` longer than this is refused: no real route needs that many scopes. */
const MAX_SCOPE_PARAM = 1024;

/** RFC 6749 §3.3 scope-token: visible ASCII but `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * A header value that maps one-to-one to what it carries: visible ASCII without `%` (and without `separator`, in a
 * list) as it is; anything else percent-encoded as UTF-8. An encoded value always holds a `%` and a plain one never
 * does, so no two values share a header: `réader` is `r%C3%A9ader`, and a username `r%C3%A9ader` is
 * `r%25C3%25A9ader`. Node refuses other characters in headers, and proxies would mangle them.
 */
function headerValue(value: string, separator?: string): string {
  const plain = /^[\x20-\x24\x26-\x7e]*$/.test(value) && (separator === undefined || !value.includes(separator));
  return plain ? value : encodeURIComponent(value);
}

/** A list as one header: each item one-to-one (a group named `x,editors` is `x%2Ceditors`), joined by `separator`. */
function headerList(items: readonly string[], separator: string): string {
  return items.map((item) => headerValue(item, separator)).join(separator);
}

/** The scopes `?scope=` names: its values (one per repeated parameter), space-separated scopes each. */
export function requiredScopes(values: readonly string[] = []): string[] {
  if (values.length === 0) return [];
  const text = values.join(' ');
  if (text.length > MAX_SCOPE_PARAM) {
    throw new InvalidRequestError('scope is too long.', { details: [{ path: 'scope', message: `at most ${MAX_SCOPE_PARAM} characters` }] });
  }
  const scopes = text.split(' ').filter(Boolean);
  if (!scopes.every((scope) => SCOPE_TOKEN.test(scope))) {
    throw new InvalidRequestError('scope must be space-separated scope tokens (RFC 6749 §3.3).', {
      details: [{ path: 'scope', message: 'must be visible ASCII without " or \\, separated by spaces' }],
    });
  }
  return scopes;
}

/** The headers of an accepted check, which the proxy passes on to the API. */
export function identityHeaders(principal: Principal): Record<string, string> {
  return {
    'Cache-Control': 'no-store',
    'X-Auth-Request-User': headerValue(principal.username ?? ''),
    'X-Auth-Request-Sub': headerValue(principal.sub),
    'X-Auth-Request-Groups': headerList(principal.groups, ','),
    'X-Auth-Request-Scopes': headerList(principal.scopes, ' '),
    'X-Auth-Request-Client-Id': headerValue(principal.clientId),
  };
}

/** What a refusal counts as. */
export function verdictOf(err: unknown): ForwardAuthVerdict {
  if (err instanceof UnauthorizedError || err instanceof InvalidTokenError) return 'unauthorized';
  if (err instanceof InsufficientScopeError) return 'forbidden';
  if (err instanceof RetryLaterError) return 'unavailable';
  return 'bad_request';
}
