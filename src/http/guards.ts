// The checks a route runs before its handler, built once for the whole app: who may call, which scopes, which budgets.
import { Router, type Request, type RequestHandler } from 'express';
import type { Authenticator } from '../bearer/authenticator';
import type { Metrics } from '../metrics/metrics';
import { requireAuth, scopeGuard, type RequireScopes } from './auth-middleware';
import type { Budgets } from './budgets';
import { sameSiteOnly } from './same-site';

/**
 * Who may call a route:
 * - `open`: anyone, nothing checked (health, metadata, the docs; none of them calls Cognito or changes anything);
 * - `no-token`: anyone, but browsers only from this API's own site or CORS_ORIGINS, then the route's budgets;
 * - `bearer`: a valid access token whose session is live;
 * - `bearer-if-sent`: `bearer` when an Authorization header is sent, else `no-token`;
 * - `bearer-admitting-logged-out`: `bearer`, but a session that has already logged out passes when the route's
 *   `admitLoggedOut` says so for the request.
 */
export type Access = 'open' | 'no-token' | 'bearer' | 'bearer-if-sent' | 'bearer-admitting-logged-out';

/**
 * A budget a route counts against. `address` and `username` count callers without a token; `user` counts signed-in
 * callers (a stolen token's credential checks). `username-if` counts against `username` when the route's
 * `countsAsLogin` says the request is a login attempt.
 */
export type Budget = 'address' | 'username' | 'username-if' | 'user';

/** What the guards of one route are made of. */
export interface GuardSpec {
  access: Access;
  scopes?: readonly string[];
  budgets?: readonly Budget[];
  /** With `bearer-admitting-logged-out`: whether this request may go on for a logged-out session. */
  admitLoggedOut?: (req: Request) => boolean;
  /** With the `username-if` budget: whether this request is a login attempt. */
  countsAsLogin?: (body: unknown) => boolean;
}

/** What the guards are built over. */
export interface GuardDeps {
  authenticator: Authenticator;
  budgets: Budgets;
  metrics: Metrics;
  /** CORS_ORIGINS: sites whose browsers may call the no-token routes. */
  corsOrigins: string[];
  /** PUBLIC_URL, the API's own origin and the base of the 401 challenge's metadata URL; undefined: from the request. */
  publicUrl?: string;
}

/** The handlers run one after the other, as one; Express's own Router does the chaining. */
function chain(handlers: RequestHandler[]): RequestHandler {
  if (handlers.length === 0) return (_req, _res, next) => next();
  return Router().use(...handlers);
}

/** The guards of every route, each made once. */
export class Guards {
  /** Refuses cross-site browser requests, before any budget counts them. */
  readonly sameSite: RequestHandler;
  /** A valid, live access token. */
  readonly bearer: RequestHandler;
  /** A valid, live access token when an Authorization header is sent; none is fine. */
  readonly bearerIfSent: RequestHandler;
  /** Every one of the given scopes, after a Bearer guard. */
  readonly scopes: RequireScopes;
  private readonly deps: GuardDeps;

  constructor(deps: GuardDeps) {
    this.deps = deps;
    const { authenticator, metrics, publicUrl } = deps;
    this.sameSite = sameSiteOnly({ corsOrigins: deps.corsOrigins, publicUrl });
    this.bearer = requireAuth(authenticator, { publicUrl, metrics });
    this.bearerIfSent = requireAuth(authenticator, { publicUrl, metrics, optional: true });
    this.scopes = scopeGuard(metrics);
  }

  /**
   * The guards of a route, in this order: who may call (same-site, or the Bearer token), its scopes, the route's own
   * `checks` of the request (its media type), then its budgets, so that a refused request counts against no budget.
   */
  of(spec: GuardSpec, checks: RequestHandler[] = []): RequestHandler[] {
    const budgets = spec.budgets ?? [];
    const anonymous = [this.sameSite, ...checks, ...this.budgetsOf(budgets.filter((budget) => budget !== 'user'), spec)];
    const signedIn = [...checks, ...this.budgetsOf(budgets.filter((budget) => budget === 'user'), spec)];
    const scopes = spec.scopes?.length ? [this.scopes(...spec.scopes)] : [];
    switch (spec.access) {
      case 'open':
        return checks;
      case 'no-token':
        return anonymous;
      case 'bearer':
        return [this.bearer, ...scopes, ...signedIn];
      case 'bearer-admitting-logged-out': {
        const { authenticator, metrics, publicUrl } = this.deps;
        const bearer = requireAuth(authenticator, { publicUrl, metrics, admitLoggedOut: spec.admitLoggedOut });
        return [bearer, ...scopes, ...signedIn];
      }
      case 'bearer-if-sent': {
        const ifSignedIn = chain([...scopes, ...signedIn]);
        const ifNot = chain(anonymous);
        return [this.bearerIfSent, (req, res, next) => (res.locals.principal ? ifSignedIn : ifNot)(req, res, next)];
      }
    }
  }

  private budgetsOf(budgets: readonly Budget[], spec: GuardSpec): RequestHandler[] {
    const { budgets: all } = this.deps;
    return budgets.map((budget) => {
      if (budget !== 'username-if') return all[budget];
      const countsAsLogin = spec.countsAsLogin ?? (() => true);
      return (req, res, next) => (countsAsLogin(req.body) ? all.username(req, res, next) : next());
    });
  }
}
