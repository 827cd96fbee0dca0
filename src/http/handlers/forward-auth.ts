// GET /auth/verify: forward auth for proxies (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { InvalidRequestError, InvalidTokenError, InsufficientScopeError, RetryLaterError, UnauthorizedError } from '../../errors';
import type { ForwardAuthVerdict, Metrics } from '../../metrics/metrics';
import { principalOf, type RequireScopes } from '../auth-middleware';

/** A `?scope=` longer than this is refused: no real route needs that many scopes. */
const MAX_SCOPE_PARAM = 1024;

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

/** RFC 6749 §3.3 scope-token: visible ASCII but `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The scopes `?scope=` names (space-separated; repeated parameters add up). */
function requiredScopes(query: unknown): string[] {
  const raw = (query as Record<string, unknown> | undefined)?.scope;
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (!values.every((value): value is string => typeof value === 'string')) {
    throw new InvalidRequestError('scope must be text: space-separated scopes.', { details: [{ path: 'scope', message: 'must be text' }] });
  }
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

function verdictOf(err: unknown): ForwardAuthVerdict {
  if (err instanceof UnauthorizedError || err instanceof InvalidTokenError) return 'unauthorized';
  if (err instanceof InsufficientScopeError) return 'forbidden';
  if (err instanceof RetryLaterError) return 'unavailable';
  return 'bad_request';
}

/** What the forward-auth route needs. */
export interface ForwardAuthDeps {
  /** The scope checks of every protected route. */
  requireScopes: RequireScopes;
  /** Counts verdicts. */
  metrics: Metrics;
}

/**
 * The paths of forward auth. Any method and any path below /auth/verify answer alike: a proxy's subrequest is a GET
 * (nginx, Traefik), Envoy's keeps the original method and appends the original path, and the verdict depends on
 * neither.
 */
export const FORWARD_AUTH_PATHS = ['/auth/verify', '/auth/verify/*rest'];

/**
 * The handlers of /auth/verify after the Bearer guard: `?scope=`, the identity headers, and the verdict counted,
 * the guard's refusals included (they reach the error handler at the end).
 */
export function forwardAuth(deps: ForwardAuthDeps): (RequestHandler | ErrorRequestHandler)[] {
  // Most proxies ask without ?scope=: no guard to build for those.
  const checkScopes: RequestHandler = (req, res, next) => {
    const scopes = requiredScopes(req.query);
    if (scopes.length === 0) return next();
    return deps.requireScopes(...scopes)(req, res, next);
  };
  const verify: RequestHandler = (_req, res) => {
    const principal = principalOf(res);
    deps.metrics.forwardAuth('allowed');
    res.set({
      'Cache-Control': 'no-store',
      'X-Auth-Request-User': headerValue(principal.username ?? ''),
      'X-Auth-Request-Sub': headerValue(principal.sub),
      'X-Auth-Request-Groups': headerList(principal.groups, ','),
      'X-Auth-Request-Scopes': headerList(principal.scopes, ' '),
      'X-Auth-Request-Client-Id': headerValue(principal.clientId),
    });
    res.status(200).end();
  };
  const countVerdict: ErrorRequestHandler = (err, _req, _res, next) => {
    deps.metrics.forwardAuth(verdictOf(err));
    next(err);
  };
  return [checkScopes, verify, countVerdict];
}
