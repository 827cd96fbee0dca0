// The budgets of the routes a caller can use without a token (and of a stolen token's credential checks), with
// express-rate-limit; their counts live in Redis (src/redis/budget-store.ts), shared by every instance.
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { TooManyRequestsError } from '../errors';
import type { Metrics } from '../metrics/metrics';
import { shortDigest } from '../redis/keys';
import { principalOf } from './auth-middleware';

/** Options of the budgets. */
export interface BudgetOptions {
  /** Attempts per window per (client IP, username), and per user for checks made with a token (LOGIN_RATE_LIMIT). */
  limit: number;
  /** Attempts per window per client IP across all usernames (LOGIN_IP_RATE_LIMIT). */
  addressLimit: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /**
   * Where the counts of the budget `name` live (express-rate-limit wants a store per budget); express-rate-limit's
   * MemoryStore when absent (one instance only).
   */
  store?: (name: string) => Store;
  /** Counts refusals by budget. */
  metrics: Metrics;
}

/** The budgets; each counts every attempt, successful or not, and once spent answers 429 with Retry-After. */
export interface Budgets {
  /** Per client IP across usernames: every route that calls Cognito without a token (password spraying). */
  address: RequestHandler;
  /** Per (client IP, username): logins, sign-ups, and every code or password check made without a token. */
  username: RequestHandler;
  /** Per user (`sub`): the current-password and MFA-code checks made with a token (a stolen token's oracle). */
  user: RequestHandler;
}

/** The key of the (client IP, username) budget: the username only as a digest, so no key names an account. */
export function usernameBudgetKey(address: string, username: string): string {
  return `${address}:${shortDigest(username.toLowerCase())}`;
}

/** Builds the three budgets. */
export function createBudgets(options: BudgetOptions): Budgets {
  const { metrics } = options;
  const budget = (name: string, limit: number, key: (req: Request, res: Response) => string, message: string) =>
    rateLimit({
      windowMs: options.windowSeconds * 1000,
      limit,
      standardHeaders: false,
      legacyHeaders: false,
      store: options.store?.(name),
      keyGenerator: key,
      handler: (req, _res, next) => {
        metrics.budgetSpent(name);
        const resetTime =
          (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime?.getTime() ??
          Date.now() + options.windowSeconds * 1000;
        next(new TooManyRequestsError(message, { retryAfterSeconds: (resetTime - Date.now()) / 1000 }));
      },
    });
  const address = (req: Request) => ipKeyGenerator(req.ip ?? '');
  const username = (req: Request) => (typeof req.body?.username === 'string' ? req.body.username : '');
  return {
    address: budget('address', options.addressLimit, address, 'Too many attempts from this address; try again later.'),
    username: budget(
      'username',
      options.limit,
      (req) => usernameBudgetKey(address(req), username(req)),
      'Too many login attempts; try again later.',
    ),
    user: budget(
      'user',
      options.limit,
      (_req, res) => shortDigest(principalOf(res).sub),
      'Too many attempts for this account; try again later.',
    ),
  };
}
