// What the Lambda entry points share: the service's own configuration, logger and Redis denylist, built once per cold start.
import type { Cluster, Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { loadConfig, type CognitoConfig, type DenylistConfig, type RedisConfig } from '../config/config';
import type { GroupScopes } from '../config/group-scopes';
import type { DenylistStore } from '../denylist/denylist-store';
import { createRedisClient, createWriterClient, whenReady } from '../redis/redis-client';
import { RedisDenylistStore } from '../denylist/redis-denylist-store';
import { ConfigError } from '../errors';
import { createLogger } from '../logger';

/** The part of the service's configuration the Lambdas use, read from the same variables. */
export interface LambdaConfig {
  /**
   * The user pool: `userPoolId`, `region` and `endpoint` are what the Lambdas use. `clientId` is COGNITO_CLIENT_ID
   * when set, else a placeholder: no call a Lambda makes names an app client.
   */
  cognito: CognitoConfig;
  /** The service's Redis: the Lambdas write the keys its instances read. */
  redis: RedisConfig;
  /** REDIS_KEY_PREFIX, the service's own. */
  keyPrefix: string;
  /** DENYLIST_MIN_REPLICAS, DENYLIST_REPLICA_TIMEOUT_MS and DENYLIST_ON_LOSS, as the service reads them. */
  denylist: DenylistConfig;
  /** SESSION_TTL_SECONDS: how long a cut-off is remembered. */
  sessionTtlSeconds: number;
  /** LOG_LEVEL. */
  logLevel: string;
  /** GROUP_SCOPES: the scopes each Cognito group grants (the authorizer's scope checks). */
  groupScopes: GroupScopes;
  /** TOKEN_CACHE_SIZE: verified tokens kept per execution environment (the authorizer). */
  tokenCacheSize: number;
}

/**
 * Stands in for COGNITO_CLIENT_ID when it is unset. The service requires it (it logs users in with that client);
 * the Lambdas never use it, and demanding it would only make one more thing to copy into their environment.
 */
export const NO_CLIENT_ID = 'none';

/**
 * Parses the environment with the service's own loadConfig, so every name means the same and a bad value stops the
 * Lambda with the same one-line message. Redis is required: without it there is no denylist the service could read.
 */
export function loadLambdaConfig(env: NodeJS.ProcessEnv): LambdaConfig {
  const config = loadConfig({ ...env, COGNITO_CLIENT_ID: env.COGNITO_CLIENT_ID ?? NO_CLIENT_ID });
  if (!config.redis) {
    throw new ConfigError('Invalid configuration: REDIS_URL: required by the Lambdas (they write the denylist the service reads)');
  }
  return {
    cognito: config.cognito,
    redis: config.redis,
    keyPrefix: config.keyPrefix,
    denylist: config.denylist,
    sessionTtlSeconds: config.sessionTtlSeconds,
    logLevel: config.logLevel,
    groupScopes: config.groupScopes,
    tokenCacheSize: config.tokenCacheSize,
  };
}

/**
 * How long a call to `denylist()` waits for the Redis connection. The client has no offline queue (redis-client.ts),
 * so a command sent before the connection is ready fails at once: the first invocation after a cold start must
 * wait for it. Cognito gives a trigger 5 s in all; this leaves room for the cold start, one write and the
 * wait past the cut-off second (at most 1 s).
 */
export const REDIS_READY_TIMEOUT_MS = 1000;

/** Options of a LambdaRuntime. */
export interface LambdaRuntimeOptions {
  /** Default: the service's logger at LOG_LEVEL, writing stdout (CloudWatch Logs) synchronously. */
  logger?: Logger;
  /** Default: REDIS_READY_TIMEOUT_MS. */
  redisReadyTimeoutMs?: number;
}

/** The configuration and clients of one execution environment. The Redis client is made on first use and kept. */
export class LambdaRuntime {
  /** The parsed configuration. */
  readonly config: LambdaConfig;
  /** Where the entry points log. */
  readonly logger: Logger;
  private readonly readyTimeoutMs: number;
  private redis: Redis | Cluster | undefined;
  private writer: Redis | Cluster | undefined;
  private store: RedisDenylistStore | undefined;

  /** Parses `env`; throws ConfigError naming the variable when a value is bad. */
  constructor(env: NodeJS.ProcessEnv, options: LambdaRuntimeOptions = {}) {
    this.config = loadLambdaConfig(env);
    // Synchronous: Lambda freezes the environment once the handler returns, and a buffered line would wait for the
    // next invocation, or be lost with the environment.
    this.logger = options.logger ?? createLogger(this.config.logLevel, pino.destination({ dest: 1, sync: true }));
    this.readyTimeoutMs = options.redisReadyTimeoutMs ?? REDIS_READY_TIMEOUT_MS;
  }

  /**
   * The service's denylist on its Redis, under its key prefix. The client comes from the service's own factory on the
   * first call; each call resolves once it is connected, or rejects with TemporarilyUnavailableError after the ready
   * timeout (the client keeps reconnecting in the background, so a later invocation finds Redis again).
   */
  async denylist(): Promise<DenylistStore> {
    if (!this.redis) {
      const { redis, keyPrefix, denylist } = this.config;
      this.redis = createRedisClient(redis);
      this.reportConnectionErrors(this.redis);
      if (denylist.minReplicas > 0) {
        this.writer = createWriterClient(redis, denylist.replicaTimeoutMs);
        this.writer.on('error', () => undefined);
      }
      this.store = new RedisDenylistStore(this.redis, { keyPrefix, ...denylist, writer: this.writer, logger: this.logger });
    }
    await whenReady(this.redis, this.readyTimeoutMs);
    if (this.writer) await whenReady(this.writer, this.readyTimeoutMs);
    return this.store!;
  }

  /** Closes the Redis connections (tests; in Lambda the environment is frozen and reused instead). */
  async close(): Promise<void> {
    this.redis?.disconnect();
    this.writer?.disconnect();
    this.redis = undefined;
    this.writer = undefined;
    this.store = undefined;
  }

  /** One warning per outage, not one per reconnect attempt; nothing of the URL (it may hold a password). */
  private reportConnectionErrors(redis: Redis | Cluster): void {
    let reported = false;
    redis.on('error', (err: Error) => {
      if (reported) return;
      reported = true;
      this.logger.warn({ err: { message: err.message } }, 'redis: connection failed; retrying');
    });
    redis.on('ready', () => {
      reported = false;
    });
  }
}

/** A deployed handler, with a way to close what its cold start opened (for tests). */
export type DeployedHandler<E, R> = ((event: E) => Promise<R>) & {
  /** Closes the runtime's clients; the next invocation starts cold again. */
  close(): Promise<void>;
};

/**
 * The `handler` an entry point exports. On the first invocation it reads the environment, builds the LambdaRuntime
 * and, from it, the handler; later invocations of the same execution environment reuse both. Nothing happens at
 * import: loading the module (tests, `node -e "require(…)"`) needs no configuration. A bad configuration fails
 * that first invocation loudly, and every one after it, until it is fixed.
 */
export function deployedHandler<E, R>(
  build: (runtime: LambdaRuntime) => (event: E) => Promise<R>,
  env: NodeJS.ProcessEnv = process.env,
): DeployedHandler<E, R> {
  let built: { runtime: LambdaRuntime; handle: (event: E) => Promise<R> } | undefined;
  const handler = async (event: E): Promise<R> => {
    if (!built) {
      const runtime = new LambdaRuntime(env);
      built = { runtime, handle: build(runtime) };
    }
    return built.handle(event);
  };
  return Object.assign(handler, {
    close: async () => {
      await built?.runtime.close();
      built = undefined;
    },
  });
}
