// Builds the ioredis client (server or Cluster) with fail-fast settings: a slow Redis means 503, never a hang.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/config';

/**
 * Chosen on purpose, so that a slow or absent Redis means a quick 503, never a hang and never a pass:
 * - `enableOfflineQueue: false`: a command while disconnected fails at once instead of waiting in a queue
 *   that would grow without bound during an outage;
 * - `maxRetriesPerRequest: 1`: a command caught by a dropped connection is tried once more, then fails;
 * - `commandTimeout: 500`: a hung Redis (SIGSTOP, network black hole) fails the request in half a second, within
 *   the 1 s a caller is promised. It must stay well above event-loop lag under load, or healthy requests time
 *   out: the benchmark measures that lag (README, "Operating it");
 * - `connectTimeout: 1000` and a reconnect back-off of at most 2 s: the service finds Redis again by itself
 *   within seconds of its return;
 * - no auto-pipelining on a single server: the denylist store already sends the reads of one event-loop turn as one
 *   MGET, and ioredis would wrap each such MGET in a pipeline of its own, which costs CPU and batches nothing more
 *   (bench/results). A Cluster keeps it: there the store reads per request, and auto-pipelining batches them per node.
 */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 500,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
};

/** Creates the client for a Redis URL or a list of cluster nodes, with password and TLS when configured. */
export function createRedisClient(config: RedisConfig): Redis | Cluster {
  const auth: RedisOptions = {
    ...(config.password ? { password: config.password } : {}),
    ...(config.tls ? { tls: {} } : {}),
  };
  if (config.clusterNodes) {
    return new Cluster(config.clusterNodes, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      redisOptions: { ...REDIS_CLIENT_OPTIONS, ...auth },
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
      // Managed clusters (ElastiCache, MemoryDB) announce node names that TLS must verify as given.
      ...(config.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    });
  }
  return new Redis(config.url ?? 'redis://127.0.0.1:6379', { ...REDIS_CLIENT_OPTIONS, ...auth });
}
