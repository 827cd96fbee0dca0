// The thin Express adapter over the Authenticator and scope checks: middleware only calls next(err).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Authenticator } from '../auth/authenticator';
import { extractBearerToken } from '../auth/bearer-token';
import type { Principal } from '../auth/principal';
import { assertScopes } from '../auth/scopes';
import { UnauthorizedError } from '../errors';

/** The URL of this API's RFC 9728 metadata, as the caller reached the API. */
export function resourceMetadataUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/.well-known/oauth-protected-resource`;
}

/** Requires a valid, not logged-out access token; puts the Principal in `res.locals.principal`. */
export function requireAuth(authenticator: Authenticator): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const tokenInUrl = typeof req.query === 'object' && req.query !== null && 'access_token' in req.query;
      const token = extractBearerToken(req.get('authorization'), tokenInUrl);
      res.locals.principal = await authenticator.authenticate(token);
      next();
    } catch (err) {
      if (err instanceof UnauthorizedError) err.resourceMetadataUrl = resourceMetadataUrl(req);
      next(err);
    }
  };
}

/** Requires every one of `scopes`; use after requireAuth. */
export function requireScopes(...scopes: string[]): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    assertScopes(principalOf(res), scopes);
    next();
  };
}

/** The Principal requireAuth put on the response. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new UnauthorizedError();
  return principal;
}
