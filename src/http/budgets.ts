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
  /** Wrong secrets per window per client id; then every call naming it is a 429 until the window ends. */
  limit: number;
  /** Window length in seconds, from a client id's first failure. */
  windowSeconds: number;
  /** What a refused request is told. */
  message: string;
  /** Counts refusals. */
  metrics: Metrics;
  /** Most client ids, and most (client, address) pairs, remembered; the least recently seen goes first. */
  maxEntries?: number;
}

/** How long an address where a client presented its right secret stays its own. */
const KNOWN_FOR_MS = 24 * 60 * 60 * 1000;

/**
 * A budget of wrong client secrets, for a route whose callers authenticate on every request (introspection, asked
 * by a gateway per request it forwards), in this process:
 * - guessing stays bounded: wrong secrets count per client id named, from whatever address (a forged
 *   X-Forwarded-For, a new IPv6 address each time, change nothing); once `limit` are spent, a call naming that id
 *   is 429 until the window ends, so it tells no guess from another;
 * - others' failures never refuse a client with its right secret at an address where it has presented that secret
 *   in the last day: there, the secret is still checked, and a right one goes through. A caller new to the client
 *   (another address) while its budget is spent is 429: nothing tells it from a guesser.
 * Who shares, or forges, a client's very address keeps checking secrets there: README "Budgets" says which
 * TRUST_PROXY values let a caller forge one. Each instance counts its own, so N instances allow N times the
 * failures; an accepted call costs two lookups in memory and no Redis round trip.
 */
export class FailureBudget {
  /** The counts of configured clients, which no flood of other ids can evict. */
  private readonly clients = new Map<string, { count: number; resetAt: number }>();
  /** The counts of ids no client has: each its own, so a count tells no id that exists from one that doesn't. */
  private readonly others: LRUCache<string, { count: number; resetAt: number }>;
  private readonly known: LRUCache<string, true>;

  /** `configured`: the client ids INTROSPECTION_CLIENTS names. */
  constructor(
    private readonly options: FailureBudgetOptions,
    private readonly configured: ReadonlySet<string>,
  ) {
    const max = options.maxEntries ?? 10_000;
    this.others = new LRUCache({ max, ttl: options.windowSeconds * 1000, ttlAutopurge: true });
    this.known = new LRUCache({ max, ttl: KNOWN_FOR_MS });
  }

  /**
   * A right secret of `clientId` from `req`: throws TooManyRequestsError when its budget is spent and the address is
   * new to it; else remembers the address as the client's.
   */
  succeed(clientId: string, req: Request): void {
    const caller = `${clientId} ${req.ip ?? ''}`;
    const spent = this.spent(clientId);
    if (spent && !this.known.has(caller)) this.refuse(spent);
    this.known.set(caller, true);
  }

  /** A wrong secret naming `clientId`: counted; throws TooManyRequestsError once its budget is spent. */
  fail(clientId: string): void {
    const spent = this.spent(clientId);
    if (spent) this.refuse(spent);
    const entry = this.entryOf(clientId);
    if (entry) entry.count += 1;
    else {
      const first = { count: 1, resetAt: Date.now() + this.options.windowSeconds * 1000 };
      if (this.configured.has(clientId)) this.clients.set(clientId, first);
      else this.others.set(clientId, first);
    }
  }

  /** The failures of `clientId` in its window, if any. */
  private entryOf(clientId: string): { count: number; resetAt: number } | undefined {
    if (!this.configured.has(clientId)) return this.others.get(clientId);
    const entry = this.clients.get(clientId);
    if (entry === undefined || entry.resetAt > Date.now()) return entry;
    this.clients.delete(clientId);
    return undefined;
  }

  /** The failures of `clientId` when it has spent its budget; else undefined. */
  private spent(clientId: string): { resetAt: number } | undefined {
    if (this.clients.size === 0 && this.others.size === 0) return undefined;
    const entry = this.entryOf(clientId);
    return entry !== undefined && entry.count >= this.options.limit ? entry : undefined;
  }

  private refuse(spent: { resetAt: number }): never {
    this.options.metrics.budgetSpent(this.options.name);
    throw new TooManyRequestsError(this.options.message, { retryAfterSeconds: (spent.resetAt - Date.now()) / 1000 });
  }
}
