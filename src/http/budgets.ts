// The budgets of the routes a caller can use without a token (and of a stolen token's credential checks), with
// express-rate-limit; their counts live in Redis (src/redis/budget-store.ts), shared by every instance.
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { LRUCache } from 'lru-cache';
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

/** The key of a client's address: its IP, an IPv6 one as its /56, as express-rate-limit keys it. */
const addressOf = (req: Request) => ipKeyGenerator(req.ip ?? '');

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
  const username = (req: Request) => (typeof req.body?.username === 'string' ? req.body.username : '');
  return {
    address: budget('address', options.addressLimit, addressOf, 'Too many attempts from this address; try again later.'),
    username: budget(
      'username',
      options.limit,
      (req) => usernameBudgetKey(addressOf(req), username(req)),
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

/** Options of a FailureBudget. */
export interface FailureBudgetOptions {
  /** Its name in the metrics. */
  name: string;
  /** Failures per window per client address; the next request from there is a 429 until the window ends. */
  limit: number;
  /** Window length in seconds, from an address's first failure. */
  windowSeconds: number;
  /** What a refused request is told. */
  message: string;
  /** Counts refusals. */
  metrics: Metrics;
  /** Most addresses remembered; the least recently failed goes first. */
  maxAddresses?: number;
}

/**
 * A budget only failures spend, per client address, in this process: for a route whose callers authenticate on
 * every request (introspection, asked by a gateway per request it forwards). A shared budget would add a Redis
 * round trip to every accepted call to count the refused ones; this one costs an accepted call nothing while no
 * address has failed, and a lookup once one has. Each instance counts its own, so N instances allow N times the
 * failures: it stops guessing at one instance's pace, where the secrets themselves are beyond guessing.
 */
export class FailureBudget {
  private readonly failures: LRUCache<string, { count: number; resetAt: number }>;

  constructor(private readonly options: FailureBudgetOptions) {
    // Entries leave when their window ends, so an instance whose failures are over is back to no lookup at all.
    this.failures = new LRUCache({ max: options.maxAddresses ?? 10_000, ttl: options.windowSeconds * 1000, ttlAutopurge: true });
  }

  /** Throws TooManyRequestsError (with the seconds left) when `req`'s address has spent its failures. */
  check(req: Request): void {
    if (this.failures.size === 0) return;
    const entry = this.failures.get(addressOf(req));
    if (entry === undefined || entry.count < this.options.limit) return;
    this.options.metrics.budgetSpent(this.options.name);
    throw new TooManyRequestsError(this.options.message, { retryAfterSeconds: (entry.resetAt - Date.now()) / 1000 });
  }

  /** Counts one failure of `req`'s address. */
  fail(req: Request): void {
    const key = addressOf(req);
    const entry = this.failures.get(key);
    if (entry) entry.count += 1;
    else this.failures.set(key, { count: 1, resetAt: Date.now() + this.options.windowSeconds * 1000 });
  }
}
