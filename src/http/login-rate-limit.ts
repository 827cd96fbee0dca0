// Login throttling per (client IP, username) with express-rate-limit; shared by all instances through Redis.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import type { Cluster, Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { TemporarilyUnavailableError, TooManyRequestsError } from '../errors';

/** Options of the login limiter. */
export interface LoginRateLimitOptions {
  /** Attempts allowed per window. */
  limit: number;
  /** Window length in seconds. */
  windowSeconds: number;
  /** Where counts live; express-rate-limit's MemoryStore when absent (one instance only). */
  store?: Store;
}

/** Counts every login attempt, successful or not; over the limit it passes TooManyRequestsError to next. */
export function loginRateLimiter(options: LoginRateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowSeconds * 1000,
    limit: options.limit,
    standardHeaders: false,
    legacyHeaders: false,
    store: options.store,
    keyGenerator: (req) => {
      const username = typeof req.body?.username === 'string' ? req.body.username.toLowerCase() : '';
      return `${ipKeyGenerator(req.ip ?? '')}:${createHash('sha256').update(username).digest('base64url')}`;
    },
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime?.getTime() ?? Date.now() + options.windowSeconds * 1000;
      next(new TooManyRequestsError('Too many login attempts; try again later.', (resetTime - Date.now()) / 1000));
    },
  });
}

/**
 * A rate-limit-redis store on the service's ioredis client. Two adaptations:
 * - a failing Redis becomes TemporarilyUnavailableError (503), like every other Redis failure;
 * - a `SCRIPT LOAD` that fails (Redis not connected yet at start-up) answers the script's SHA1 computed here,
 *   because rate-limit-redis keeps the first answer forever; the later EVALSHA gets NOSCRIPT and it reloads.
 */
export function redisRateLimitStore(redis: Redis | Cluster, keyPrefix: string): Store {
  return new RedisStore({
    prefix: `${keyPrefix}ratelimit:`,
    sendCommand: async (command: string, ...args: string[]) => {
      try {
        return (await redis.call(command, ...args)) as RedisReply;
      } catch (err) {
        if (command.toUpperCase() === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD' && args[1] !== undefined) {
          return createHash('sha1').update(args[1]).digest('hex');
        }
        // rate-limit-redis recognises NOSCRIPT by its message and loads the script again.
        if (err instanceof Error && err.message.startsWith('NOSCRIPT')) throw err;
        throw new TemporarilyUnavailableError('The rate limiter store (Redis) is not answering.', 2, { cause: err });
      }
    },
  });
}
