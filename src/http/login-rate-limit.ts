// Login throttling per (client IP, username) with express-rate-limit; shared by all instances through Redis.
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { Cluster, type Redis } from 'ioredis';
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

/** A Redis failure in the limiter is a 503 like any other; NOSCRIPT passes, rate-limit-redis reloads on it. */
function unavailable(err: unknown): unknown {
  if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return err;
  return new TemporarilyUnavailableError('The rate limiter store (Redis) is not answering.', 2, { cause: err });
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
export function redisRateLimitStore(redis: Redis | Cluster, keyPrefix: string): Store {
  const prefix = `${keyPrefix}ratelimit:`;
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
