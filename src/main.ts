// The one wiring point: builds clients, stores and services from the configuration; main() also listens and shuts down.
import { existsSync } from 'node:fs';
import type { RequestListener, Server } from 'node:http';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Express } from 'express';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Authenticator } from './bearer/authenticator';
import { CognitoAccessTokenVerifier, type AccessTokenVerifier } from './bearer/token-verifier';
import { CachedTokenVerifier } from './bearer/verified-token-cache';
import { BookStore } from './books/book-store';
import { CognitoClient } from './cognito/cognito-client';
import { SdkCognitoAccounts } from './cognito/sdk-accounts';
import { SdkCognitoAdmin } from './cognito/sdk-admin';
import { SdkCognitoSignIn } from './cognito/sdk-sign-in';
import { SignInFlows } from './cognito/sign-in-flows';
import { SdkUserLookup } from './cognito/sdk-user-lookup';
import { loadConfig, type Config } from './config/config';
import type { DenylistStore } from './denylist/denylist-store';
import { MemoryDenylistStore } from './denylist/memory-denylist-store';
import { RedisDenylistStore } from './denylist/redis-denylist-store';
import { ConfigError } from './errors';
import { createApp } from './http/app';
import { forwardAuthDoor } from './http/forward-auth-door';
import { createHttpServer } from './http/server';
import { createLogger } from './logger';
import { noMetrics, type Metrics } from './metrics/metrics';
import { metricsListener, PrometheusMetrics } from './metrics/prometheus';
import { createRedisClient, createWriterClient } from './redis/redis-client';
import { redisBudgetStore } from './redis/budget-store';
import { AccountService } from './signin/account-service';
import { AdminService } from './signin/admin-service';
import { TokenRevocation } from './signin/token-revocation';
import type { CognitoAccounts, CognitoAdmin, CognitoSignIn, UserDirectory } from './signin/model';
import { SignInService } from './signin/sign-in-service';
import { Readiness } from './start-up';

const SHUTDOWN_GRACE_MS = 4000;

/**
 * Parts given instead of the ones built from the configuration. The service itself passes none; tests pass a
 * Redis client they close themselves, and labelled fakes where a real part can't produce a case.
 */
export interface Parts {
  /** A Redis client (server or Cluster); default: one built from `config.redis`, if any. */
  redis?: Redis | Cluster;
  /** The denylist's writer connection when DENYLIST_MIN_REPLICAS > 0 (see createWriterClient); default: one built. */
  redisWriter?: Redis | Cluster;
  /** The AWS SDK client every Cognito call goes through; default: one built from `config.cognito`. */
  cognitoSdk?: CognitoIdentityProviderClient;
  /** Cognito's sign-in calls; default: on the SDK. */
  cognitoSignIn?: CognitoSignIn;
  /** Cognito's account calls; default: on the SDK. */
  cognitoAccounts?: CognitoAccounts;
  /** Finds users by username (AdminGetUser); default: on the SDK. */
  users?: UserDirectory;
  /** Cognito's admin calls; default: on the SDK. */
  cognitoAdmin?: CognitoAdmin;
  /** Access token verification; default: aws-jwt-verify behind the verified-token cache. */
  verifier?: AccessTokenVerifier;
  /** The denylist; default: on Redis when there is one, else in this process. */
  denylist?: DenylistStore;
  /** The OpenAPI document; default: openapi.yaml. */
  openapi?: Record<string, unknown>;
  /** The instruments; default: Prometheus when METRICS_PORT is set, else none. */
  metrics?: Metrics;
}

/** One instance of the service, built but not listening. */
export interface Assembled {
  /** The Express app. */
  app: Express;
  /** The Redis client, when there is one. */
  redis?: Redis | Cluster;
  /** The denylist's writer connection, when its writes wait for replicas. */
  redisWriter?: Redis | Cluster;
  /** The denylist the app reads. */
  denylist: DenylistStore;
  /** The verifier the app uses. */
  verifier: AccessTokenVerifier;
  /** What the instance needs before it serves: `readiness.start()` brings it in, /readyz reports it. */
  readiness: Readiness;
  /** The forward-auth door's listener (FORWARD_AUTH_PORT), over the app's own Authenticator. */
  forwardAuth: RequestListener;
  /** The instruments the parts record into. */
  metrics: Metrics;
  /** The flow a password signs in with (COGNITO_SIGN_IN_FLOW); main() has `auto` find it at start-up. */
  signInFlows: SignInFlows;
}

/** Builds every client, store and service of one instance, and the app over them. */
export function assemble(config: Config, logger: Logger, parts: Parts = {}): Assembled {
  const metrics = parts.metrics ?? (config.server.metricsPort ? new PrometheusMetrics() : noMetrics);
  const redis = parts.redis ?? (config.redis ? createRedisClient(config.redis) : undefined);
  const { minReplicas, replicaTimeoutMs, onLoss } = config.denylist;
  const redisWriter =
    parts.redisWriter ?? (config.redis && minReplicas > 0 && !parts.denylist ? createWriterClient(config.redis, replicaTimeoutMs) : undefined);
  const denylist =
    parts.denylist ??
    (redis
      ? new RedisDenylistStore(redis, { keyPrefix: config.keyPrefix, metrics, minReplicas, replicaTimeoutMs, writer: redisWriter, onLoss, logger })
      : new MemoryDenylistStore());
  const verifier = parts.verifier ?? new CachedTokenVerifier(new CognitoAccessTokenVerifier(config.cognito), { maxEntries: config.tokenCacheSize, metrics });
  const readiness = new Readiness([
    { name: 'redis', check: () => denylist.ping(), start: () => denylist.open() },
    // A Redis that may evict keys would undo logouts under memory pressure: not ready, naming the setting.
    // Start-up waits until it could ask; /readyz leaves an outage to the entry above.
    {
      name: 'redis-eviction',
      check: () => denylist.checkSettings().catch((err: unknown) => {
        if (err instanceof ConfigError) throw err;
      }),
      start: () => denylist.checkSettings(),
    },
    {
      name: 'jwks',
      check: async () => {
        if (!verifier.keysLoaded()) throw new Error('the signing keys are not loaded');
      },
      start: () => verifier.loadKeys(),
    },
  ]);
  const cognito = new CognitoClient(config.cognito, { sdk: parts.cognitoSdk, metrics });
  const signInFlows = new SignInFlows(cognito, config.cognito.signInFlow, logger);
  const signIn = new SignInService(parts.cognitoSignIn ?? new SdkCognitoSignIn(cognito, signInFlows), denylist, logger, {
    sessionTtlSeconds: config.sessionTtlSeconds,
  });
  const users = parts.users ?? new SdkUserLookup(cognito);
  const authenticator = new Authenticator(verifier, denylist, config.groupScopes);
  const app = createApp({
    config,
    logger,
    authenticator,
    revocation: new TokenRevocation(authenticator, signIn),
    signIn,
    accounts: new AccountService(parts.cognitoAccounts ?? new SdkCognitoAccounts(cognito), signIn, logger, users),
    admin: new AdminService(parts.cognitoAdmin ?? new SdkCognitoAdmin(cognito), users, signIn, logger),
    books: new BookStore(),
    readiness,
    budgetStore: redis ? (name) => redisBudgetStore(redis, config.keyPrefix, name) : undefined,
    openapi: parts.openapi,
    metrics,
  });
  const forwardAuth = forwardAuthDoor({
    authenticator,
    metrics,
    logger,
    publicUrl: config.server.publicUrl,
    logAccepted: config.server.forwardAuthLogAccepted,
  });
  return { app, redis, redisWriter, denylist, verifier, readiness, metrics, forwardAuth, signInFlows };
}

/** Reads the environment, listens; on SIGTERM finishes in-flight requests and closes Redis. */
export function main(): void {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const { app, redis, redisWriter, readiness, metrics, forwardAuth, signInFlows } = assemble(config, logger);
  redis?.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  redisWriter?.on('error', () => undefined);
  if (!redis) logger.warn('REDIS_URL is not set: logouts are remembered in this process only (one instance)');
  if (config.production && !config.server.publicUrl) {
    logger.warn('PUBLIC_URL is not set: the metadata URL in 401 challenges and /.well-known/oauth-protected-resource is taken from each request\'s Host header');
  }
  if (config.server.trustProxy === true) {
    logger.warn('TRUST_PROXY=true believes any X-Forwarded-For a client writes: every budget counts the address it picks; set the number of proxies or their addresses');
  }
  void readiness.start(logger);
  // Logs the flow in use once found (COGNITO_SIGN_IN_FLOW=auto: from DescribeUserPoolClient, else the first login).
  if (config.cognito.signInFlow === 'auto') {
    signInFlows.find().catch((err: unknown) => {
      logger.warn({ reason: (err as Error).name }, 'sign-in flow: Cognito did not answer DescribeUserPoolClient; the first login asks again');
    });
  }
  else logger.info({ flow: config.cognito.signInFlow }, 'sign-in flow: COGNITO_SIGN_IN_FLOW');

  const server: Server = createHttpServer(app).listen(config.server.port, config.server.host, () => {
    logger.info({ port: config.server.port, host: config.server.host }, 'listening');
  });
  const { metricsPort } = config.server;
  const metricsServer =
    metrics instanceof PrometheusMetrics && metricsPort
      ? createHttpServer(metricsListener(metrics.registry)).listen(metricsPort, config.server.host, () => {
          logger.info({ port: metricsPort, host: config.server.host }, 'metrics listening');
        })
      : undefined;
  const { forwardAuthPort } = config.server;
  const doorServer = forwardAuthPort
    ? createHttpServer(forwardAuth).listen(forwardAuthPort, config.server.host, () => {
        logger.info({ port: forwardAuthPort, host: config.server.host }, 'forward auth listening');
      })
    : undefined;

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    metricsServer?.close();
    // A proxy's checks are short: idle keep-alive connections go at once, checks in flight finish.
    doorServer?.close();
    doorServer?.closeIdleConnections();
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    // Keep-alive connections would hold close() open: drop each as soon as its last response is out.
    const sweep = setInterval(() => server.closeIdleConnections(), 100).unref();
    server.close(() => {
      clearInterval(sweep);
      const clients = [redis, redisWriter].flatMap((client) => (client ? [client.quit().catch(() => undefined)] : []));
      void Promise.all(clients).then(() => {
        clearTimeout(force);
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) main();
