// GET /auth/verify on the API port, through Express (the door on FORWARD_AUTH_PORT is forward-auth-door.ts).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Metrics } from '../../metrics/metrics';
import { principalOf, type RequireScopes } from '../auth-middleware';
import { identityHeaders, requiredScopes, verdictOf } from '../forward-auth-answer';
import { queryOf } from '../query';

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
    const scopes = requiredScopes(queryOf(req.url)?.getAll('scope'));
    if (scopes.length === 0) return next();
    return deps.requireScopes(...scopes)(req, res, next);
  };
  const verify: RequestHandler = (_req, res) => {
    const principal = principalOf(res);
    deps.metrics.forwardAuth('allowed');
    res.set(identityHeaders(principal));
    res.status(200).end();
  };
  const countVerdict: ErrorRequestHandler = (err, _req, _res, next) => {
    deps.metrics.forwardAuth(verdictOf(err));
    next(err);
  };
  return [checkScopes, verify, countVerdict];
}
