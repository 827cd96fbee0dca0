// Builds in-process apps against the suite's cognito-local and Redis, and cleans up only this run's keys.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import request from 'supertest';
import type { AccessTokenVerifier } from '../../src/bearer/token-verifier';
import { loadConfig, type Config, type RedisConfig } from '../../src/config/config';
import type { DenylistStore } from '../../src/denylist/denylist-store';
import { DenylistKeys } from '../../src/redis/keys';
import { createRedisClient, createWriterClient, type RedisProtocol } from '../../src/redis/redis-client';
import { DEMO_GROUP_SCOPES, DEMO_USERS } from '../../src/dev/provision';
import { createLogger } from '../../src/logger';
import { assemble, type Parts } from '../../src/main';
import type { Readiness } from '../../src/start-up';
import { observeResponses } from './observe-responses';
import { documentContract, responseMismatches, type ResponseContract } from './openapi-responses';

/** The suite's local stack, as global setup left it in the environment. */
export const stack = {
  endpoint: process.env.TEST_COGNITO_ENDPOINT ?? '',
  userPoolId: process.env.TEST_USER_POOL_ID ?? '',
  clientId: process.env.TEST_CLIENT_ID ?? '',
  clientSecret: process.env.TEST_CLIENT_SECRET ?? '',
  /** The app client without USER_PASSWORD_AUTH (SRP and choice-based sign-in) and without a secret. */
  srpClientId: process.env.TEST_SRP_CLIENT_ID ?? '',
  redisUrl: process.env.TEST_REDIS_URL ?? '',
  get issuer(): string {
    return `${this.endpoint}/${this.userPoolId}`;
  },
};

/** The demo users, by role. */
export const users = {
  reader: DEMO_USERS[0]!,
  editor: DEMO_USERS[1]!,
  newbie: DEMO_USERS[2]!,
  admin: DEMO_USERS[3]!,
};

/** The environment of a service instance on the local stack; override any variable. */
export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    COGNITO_ENDPOINT: stack.endpoint,
    COGNITO_USER_POOL_ID: stack.userPoolId,
    COGNITO_CLIENT_ID: stack.clientId,
    COGNITO_CLIENT_SECRET: stack.clientSecret,
    GROUP_SCOPES: JSON.stringify(DEMO_GROUP_SCOPES),
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/** One service instance built by createApp, with the parts a test may poke. */
export interface TestApp {
  app: Express;
  config: Config;
  redis: Redis | Cluster;
  denylist: DenylistStore;
  verifier: AccessTokenVerifier;
  /** What main() starts before the instance serves; tests that need the keys loaded up front start it. */
  readiness: Readiness;
  /** The forward-auth door's listener (FORWARD_AUTH_PORT), over this instance's Authenticator. */
  forwardAuth: RequestListener;
}

/** Options of an instance: environment overrides and parts to replace (labelled fakes). */
export interface TestAppOptions extends Omit<Parts, 'redis' | 'openapi'> {
  env?: Record<string, string | undefined>;
  redisUrl?: string;
  /** The RESP version its Redis client speaks; default the service's own. */
  protocol?: RedisProtocol;
  logger?: Logger;
}

/** Options of a fleet. */
export interface TestFleetOptions {
  /** What every response of the fleet's apps is checked against; default openapi.yaml. */
  contract?: () => ResponseContract;
}

/**
 * Creates instances that share one key prefix (so they share a denylist) and removes their keys afterwards. Every
 * response of their apps is checked against openapi.yaml; a mismatch fails the test that saw it
 * (test/support/check-responses.ts).
 */
export class TestFleet {
  readonly prefix = `test:${randomUUID()}:`;
  private readonly clients: (Redis | Cluster)[] = [];
  private readonly contract: () => ResponseContract;

  constructor(options: TestFleetOptions = {}) {
    this.contract = options.contract ?? documentContract;
  }

  /**
   * A new instance, wired by the service's own assemble(); every instance of the fleet shares the Redis key space
   * under `prefix`. Redis is the suite's server unless `redisUrl` or REDIS_CLUSTER_NODES (in `env`) says otherwise;
   * the client comes from the service's own factory.
   */
  async instance(options: TestAppOptions = {}): Promise<TestApp> {
    const config = loadConfig(testEnv({ REDIS_URL: options.redisUrl ?? stack.redisUrl, REDIS_KEY_PREFIX: this.prefix, ...options.env }));
    const redisConfig = config.redis ?? { url: stack.redisUrl, tls: false };
    const redis = await this.connect(redisConfig, options.protocol);
    const { minReplicas, replicaTimeoutMs } = config.denylist;
    const redisWriter = minReplicas > 0 ? await this.connect(redisConfig, options.protocol, replicaTimeoutMs) : undefined;
    const { env: _env, redisUrl: _url, protocol: _protocol, logger = createLogger('silent'), ...parts } = options;
    const { app, denylist, verifier, readiness, forwardAuth } = assemble(config, logger, { ...parts, redis, redisWriter });
    // As main()'s start-up does before the instance serves: the store's loss markers are in place (a new prefix is a
    // new store), so sessions begun from now on are not taken for ones a loss may have ended.
    await denylist.open().catch(() => undefined);
    observeResponses(app, (response) => responseMismatches.add(response, this.contract().check(response)));
    return { app, config, redis, denylist, verifier, readiness, forwardAuth };
  }

  /** A client for one Redis server, closed with the fleet; it speaks `protocol` (default: the service's). */
  async client(url = stack.redisUrl, protocol?: RedisProtocol): Promise<Redis> {
    return (await this.connect({ url, tls: false }, protocol)) as Redis;
  }

  /**
   * A client from the service's factory (the denylist's writer when `replicaTimeoutMs` is given); waits up to 2 s
   * for it to be ready (a dead server never is).
   */
  async connect(config: RedisConfig, protocol?: RedisProtocol, replicaTimeoutMs?: number): Promise<Redis | Cluster> {
    const redis = replicaTimeoutMs === undefined ? createRedisClient(config, { protocol }) : createWriterClient(config, replicaTimeoutMs, { protocol });
    redis.on('error', () => undefined);
    this.clients.push(redis);
    await new Promise((resolve) => {
      redis.once('ready', resolve);
      setTimeout(resolve, 2000).unref();
    });
    return redis;
  }

  /**
   * Makes the fleet's store on the suite's Redis look as if it had kept everything since `seconds` ago (its loss
   * marker, README "When Redis loses data"), for a test that emulates a session older than the test itself.
   */
  async backdateStore(seconds: number): Promise<void> {
    const admin = await this.client();
    await admin.set(new DenylistKeys(this.prefix).marker(), Math.floor(Date.now() / 1000) - seconds);
  }

  /** Deletes this fleet's keys on the suite's Redis (and only them) and closes its clients. */
  async close(): Promise<void> {
    const admin = await this.client();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    for (const client of this.clients) client.disconnect();
  }
}

/** Logs a demo user in through /auth/login of an app (or a URL) and returns the token response body. */
export async function login(
  app: Express | string,
  user: { username: string; password: string } = users.reader,
): Promise<{ access_token: string; id_token: string; refresh_token: string; expires_in: number }> {
  const response = await request(app).post('/auth/login').send({ username: user.username, password: user.password });
  if (response.status !== 200 || !response.body.access_token) {
    throw new Error(`login of ${user.username} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/** Parses a JWT's payload without verifying it. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
