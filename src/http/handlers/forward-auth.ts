// GET /auth/verify: forward auth for proxies (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { InvalidRequestError, InvalidTokenError, InsufficientScopeError, RetryLaterError, UnauthorizedError } from '../../errors';
import type { ForwardAuthVerdict, Metrics } from '../../metrics/metrics';
import { principalOf, type RequireScopes } from '../auth-middleware';

/** A `?scope=` longer than this is refused: no real route needs that many scopes. */
const MAX_SCOPE_PARAM = 1024;

/**
 * A header value as sent: visible ASCII as it is; anything else (a Unicode username or group) percent-encoded as
 * UTF-8, since Node refuses other characters in headers and proxies would mangle them.
 */
function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}

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
  return text.split(' ').filter(Boolean);
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
      'X-Auth-Request-Groups': headerValue(principal.groups.join(',')),
      'X-Auth-Request-Scopes': headerValue(principal.scopes.join(' ')),
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
