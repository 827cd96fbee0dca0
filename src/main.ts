// Reads the environment, builds the real clients, listens; on SIGTERM finishes in-flight requests and closes Redis.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { CognitoAccessTokenVerifier } from './auth/token-verifier';
import { CachedTokenVerifier } from './auth/verified-token-cache';
import { SdkCognitoAccounts } from './cognito/cognito-accounts';
import { SdkCognitoAuth } from './cognito/cognito-auth';
import { loadConfig } from './config/config';
import { ConfigError } from './errors';
import { createApp } from './http/app';
import { createHttpServer } from './http/server';
import { redisRateLimitStore } from './http/throttles';
import { createLogger } from './logger';
import { MemorySessionStore } from './sessions/memory-session-store';
import { createRedisClient } from './sessions/redis-client';
import { RedisSessionStore } from './sessions/redis-session-store';

const SHUTDOWN_GRACE_MS = 4000;
const JWKS_RETRY_MS = 5000;

function main(): void {
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
  const redis = config.redis ? createRedisClient(config.redis) : undefined;
  redis?.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis connection error'));

  const verifier = new CachedTokenVerifier(new CognitoAccessTokenVerifier(config.cognito), {
    maxEntries: config.tokenCacheSize,
  });
  const app = createApp({
    config,
    logger,
    cognito: new SdkCognitoAuth(config.cognito),
    accounts: new SdkCognitoAccounts(config.cognito),
    verifier,
    sessions: redis ? new RedisSessionStore(redis, { keyPrefix: config.keyPrefix }) : new MemorySessionStore(),
    rateLimitStore: redis ? (name) => redisRateLimitStore(redis, config.keyPrefix, name) : undefined,
  });
  if (!redis) logger.warn('REDIS_URL is not set: logouts are remembered in this process only (one instance)');

  // Load the signing keys now, and keep trying in the background until they load: until then, 503s.
  const loadKeys = (): void => {
    verifier.loadKeys().then(
      () => logger.info('signing keys loaded'),
      (err: unknown) => {
        logger.warn({ err: { message: (err as Error).message } }, 'signing keys not loaded yet; retrying');
        setTimeout(loadKeys, JWKS_RETRY_MS).unref();
      },
    );
  };
  loadKeys();

  if (config.production && !config.server.publicUrl) {
    logger.warn('PUBLIC_URL is not set: the metadata URL in 401 challenges and /.well-known/oauth-protected-resource is taken from each request\'s Host header');
  }

  const server: Server = createHttpServer(app).listen(config.server.port, config.server.host, () => {
    logger.info({ port: config.server.port, host: config.server.host }, 'listening');
  });

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    // Keep-alive connections would hold close() open: drop each as soon as its last response is out.
    const sweep = setInterval(() => server.closeIdleConnections(), 100).unref();
    server.close(() => {
      clearInterval(sweep);
      void (redis ? redis.quit().catch(() => undefined) : Promise.resolve()).then(() => {
        clearTimeout(force);
        process.exit(0);
      });
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main();
