// The thin Express adapter over the Authenticator and scope checks: middleware only calls next(err).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Authenticator } from '../bearer/authenticator';
import { extractBearerToken } from '../bearer/bearer-token';
import type { Refusal } from '../denylist/denylist-store';
import type { Principal } from '../bearer/principal';
import { assertScopes } from '../bearer/scopes';
import { InvalidRequestError, InvalidTokenError, RetryLaterError, UnauthorizedError } from '../errors';
import type { AuthOutcome, Metrics } from '../metrics/metrics';
import { publicBaseUrl } from './public-url';
import { queryOf } from './query';

/** Options of requireAuth. */
export interface RequireAuthOptions {
  /** PUBLIC_URL: a 401 names this API's RFC 9728 metadata under it; undefined: under the URL the request reached. */
  publicUrl?: string;
  /**
   * Admits a token whose session has already logged out when this says so for the request; off unless chosen.
   * Logout uses it so that repeating a logout whose revocation failed can finish revoking the refresh token.
   */
  admitLoggedOut?: (req: Request) => boolean;
  /**
   * A request without an Authorization header goes on without a principal (a route that serves signed-in and
   * signed-out callers). A token that is sent must still be valid.
   */
  optional?: boolean;
  /** Counts each outcome. */
  metrics: Metrics;
}

/** Counts a refused token check by outcome (and reason, for an invalid token). */
export function countRefusal(metrics: Metrics, err: unknown): void {
  let outcome: AuthOutcome = 'unavailable';
  if (err instanceof UnauthorizedError) outcome = 'no_token';
  else if (err instanceof InvalidRequestError) outcome = 'invalid_request';
  else if (err instanceof InvalidTokenError) outcome = err.reason === 'logged_out' ? 'logged_out' : 'invalid_token';
  else if (!(err instanceof RetryLaterError)) return;
  metrics.authOutcome(outcome, outcome === 'invalid_token' ? (err as InvalidTokenError).reason : undefined);
}

/** Requires a valid, not logged-out access token; puts the Principal in `res.locals.principal`. */
export function requireAuth(authenticator: Authenticator, options: RequireAuthOptions): RequestHandler {
  const { metrics } = options;
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const authorization = req.headers.authorization;
      if (options.optional && !authorization) {
        next();
        return;
      }
      const token = extractBearerToken(authorization, queryOf(req.url)?.has('access_token') ?? false);
      if (options.admitLoggedOut?.(req)) {
        const { principal, refusal } = await authenticator.inspect(token);
        res.locals.principal = principal;
        res.locals.refusal = refusal;
      } else {
        res.locals.principal = await authenticator.authenticate(token);
      }
      metrics.authOutcome('accepted');
      next();
    } catch (err) {
      countRefusal(metrics, err);
      if (err instanceof UnauthorizedError) {
        err.resourceMetadataUrl = `${publicBaseUrl(req, options.publicUrl)}/.well-known/oauth-protected-resource`;
      }
      next(err);
    }
  };
}

/** A route guard that requires every one of `scopes`; use after requireAuth. */
export type RequireScopes = (...scopes: string[]) => RequestHandler;

/** Builds requireScopes, counting refusals in `metrics`. */
export function scopeGuard(metrics: Metrics): RequireScopes {
  return (...scopes) =>
    (_req: Request, res: Response, next: NextFunction) => {
      try {
        assertScopes(principalOf(res), scopes);
      } catch (err) {
        metrics.authOutcome('insufficient_scope');
        throw err;
      }
      next();
    };
}

/** Why the session of an admitted token is refused (see RequireAuthOptions.admitLoggedOut); null when it is live. */
export function refusalOf(res: Response): Refusal | null {
  return (res.locals.refusal as Refusal | undefined) ?? null;
}

/** The Principal requireAuth put on the response. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new UnauthorizedError();
  return principal;
}
