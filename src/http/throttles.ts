// The budgets of the routes a caller can use without a token, with express-rate-limit; shared through Redis.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { Cluster, type Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { shortDigest } from '../denylist/denylist-store';
import { TemporarilyUnavailableError, TooManyRequestsError } from '../errors';
import { noMetrics, type Metrics } from '../metrics/metrics';
import { principalOf } from './auth-middleware';

/** Options of the budgets. */
export interface ThrottleOptions {
  /** Attempts per window per (client IP, username), and per user for checks made with a token (LOGIN_RATE_LIMIT). */
  limit: number;
  /** Attempts per window per client IP across all usernames (LOGIN_IP_RATE_LIMIT). */
  addressLimit: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /**
   * Where the counts of the budget `name` live (express-rate-limit wants a store per limiter); express-rate-limit's
   * MemoryStore when absent (one instance only).
   */
  store?: (name: string) => Store;
  /** Counts refusals by budget; default: nothing counted. */
  metrics?: Metrics;
}

/** The budgets; each counts every attempt, successful or not, and over its limit answers 429 with Retry-After. */
export interface Throttles {
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
export function createThrottles(options: ThrottleOptions): Throttles {
  const metrics = options.metrics ?? noMetrics;
  const limiter = (name: string, limit: number, key: (req: Request, res: Response) => string, message: string) =>
    rateLimit({
      windowMs: options.windowSeconds * 1000,
      limit,
      standardHeaders: false,
      legacyHeaders: false,
      store: options.store?.(name),
      keyGenerator: key,
      handler: (req, _res, next) => {
        metrics.rateLimited(name);
        const resetTime =
          (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime?.getTime() ??
          Date.now() + options.windowSeconds * 1000;
        next(new TooManyRequestsError(message, { retryAfterSeconds: (resetTime - Date.now()) / 1000 }));
      },
    });
  const address = (req: Request) => ipKeyGenerator(req.ip ?? '');
  const username = (req: Request) => (typeof req.body?.username === 'string' ? req.body.username : '');
  return {
    address: limiter('address', options.addressLimit, address, 'Too many attempts from this address; try again later.'),
    username: limiter(
      'username',
      options.limit,
      (req) => usernameBudgetKey(address(req), username(req)),
      'Too many login attempts; try again later.',
    ),
    user: limiter(
      'user',
      options.limit,
      (_req, res) => shortDigest(principalOf(res).sub),
      'Too many attempts for this account; try again later.',
    ),
  };
}

/** A Redis failure in the limiter is a 503 like any other; NOSCRIPT passes, rate-limit-redis reloads on it. */
function unavailable(err: unknown): unknown {
  if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return err;
  return new TemporarilyUnavailableError('The rate limiter store (Redis) is not answering.', { retryAfterSeconds: 2, cause: err });
}

const isScriptLoad = (command: string[]) => command[0]?.toUpperCase() === 'SCRIPT' && command[1]?.toUpperCase() === 'LOAD';
const sha1 = (script: string) => createHash('sha1').update(script).digest('hex');

/**
 * A rate-limit-redis store on the service's ioredis client (server or Cluster). Adaptations:
 * - a failing Redis becomes TemporarilyUnavailableError (503), like every other Redis failure;
 * - a `SCRIPT LOAD` that fails (Redis not connected yet at start-up) answers the script's SHA1 computed here,
 *   because rate-limit-redis keeps the first answer forever; the later EVALSHA gets NOSCRIPT and it reloads;
 * - on a Cluster, `SCRIPT LOAD` goes to every master (a key's EVALSHA may land on any of them), and every other
 *   command is routed by its key, so each touches one hash slot.
 */
export function redisRateLimitStore(redis: Redis | Cluster, keyPrefix: string, name: string): Store {
  const prefix = `${keyPrefix}rl:${name}:`;
  if (redis instanceof Cluster) {
    return new RedisStore({
      prefix,
      sendCommandCluster: async ({ command }) => {
        try {
          if (isScriptLoad(command)) {
            await Promise.all(redis.nodes('master').map((node) => node.call('SCRIPT', 'LOAD', command[2]!)));
            return sha1(command[2]!);
          }
          return (await redis.call(command[0]!, ...command.slice(1))) as RedisReply;
        } catch (err) {
          if (isScriptLoad(command)) return sha1(command[2]!);
          throw unavailable(err);
        }
      },
    });
  }
  return new RedisStore({
    prefix,
    sendCommand: async (...command: string[]) => {
      try {
        return (await redis.call(command[0]!, ...command.slice(1))) as RedisReply;
      } catch (err) {
        if (isScriptLoad(command)) return sha1(command[2]!);
        throw unavailable(err);
      }
    },
  });
}
