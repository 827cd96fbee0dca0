// Builds the ioredis client (server or Cluster) with fail-fast settings: a slow Redis means 503, never a hang.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/config';

/**
 * Chosen on purpose: no offline queue (a command while disconnected fails at once instead of waiting),
 * one retry per command, and a command timeout well above loopback/LAN round trips but far below a client's
 * patience. Reconnects back off up to 2 s, so the service recovers by itself when Redis returns.
 */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 1000,
  connectTimeout: 2000,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
};

/** Creates the client for a Redis URL or a list of cluster nodes. */
export function createRedisClient(config: RedisConfig): Redis | Cluster {
  if (config.clusterNodes) {
    return new Cluster(config.clusterNodes, {
      enableOfflineQueue: false,
      redisOptions: REDIS_CLIENT_OPTIONS,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    });
  }
  return new Redis(config.url ?? 'redis://127.0.0.1:6379', REDIS_CLIENT_OPTIONS);
}
