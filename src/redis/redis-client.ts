// Builds the ioredis client (server or Cluster) with fail-fast settings: a slow Redis means 503, never a hang.
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/config';
import { TemporarilyUnavailableError } from '../errors';

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
 *   (bench/results). A Cluster keeps it: there the store reads per request, and auto-pipelining batches them per node;
 * - `protocol: 2`: RESP2, the wire protocol of ioredis 5, although ioredis 6 defaults to RESP3. RESP3 gives this
 *   service nothing: every reply it reads has the same shape under both (ioredis' default "legacy" reply mapping;
 *   the suite runs both stores both ways), and it uses no push message or client-side caching. What RESP3 would add
 *   is a HELLO before every connection is ready, which ioredis gives up on for RESP2 only when the server says it
 *   has no HELLO or no RESP3: a proxy or Redis-compatible service that answers HELLO any other way would fail every
 *   connection, and with it every request. Revisit when a feature needs RESP3 (client-side caching does).
 */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 500,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
  protocol: 2,
};

/** The RESP versions ioredis speaks. */
export type RedisProtocol = NonNullable<RedisOptions['protocol']>;

/** What a caller may choose over REDIS_CLIENT_OPTIONS. */
export interface RedisClientChoices {
  /** The RESP version to speak; default REDIS_CLIENT_OPTIONS' (2). The suite runs the stores under each. */
  protocol?: RedisProtocol;
  /** Per-command timeout in ms; default REDIS_CLIENT_OPTIONS' (500). */
  commandTimeoutMs?: number;
}

/**
 * The client for the denylist's session-ending writes when they wait for replicas (DENYLIST_MIN_REPLICAS): WAIT
 * blocks the connection it is sent on, so these writes get connections of their own, whose timeout outlasts the wait.
 */
export function createWriterClient(config: RedisConfig, replicaTimeoutMs: number, choices: RedisClientChoices = {}): Redis | Cluster {
  return createRedisClient(config, { ...choices, commandTimeoutMs: replicaTimeoutMs + (REDIS_CLIENT_OPTIONS.commandTimeout ?? 500) });
}

/** Creates the client for a Redis URL or a list of cluster nodes, with password and TLS when configured. */
export function createRedisClient(config: RedisConfig, choices: RedisClientChoices = {}): Redis | Cluster {
  const options: RedisOptions = {
    ...REDIS_CLIENT_OPTIONS,
    ...(choices.protocol ? { protocol: choices.protocol } : {}),
    ...(choices.commandTimeoutMs ? { commandTimeout: choices.commandTimeoutMs } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.tls ? { tls: {} } : {}),
  };
  if (config.clusterNodes) {
    return new Cluster(config.clusterNodes, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      redisOptions: options,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
      // A master that hangs (rather than dies) never closes its connection: without a periodic look at the slots,
      // the client would not learn that its replica took over.
      slotsRefreshInterval: 5000,
      // Managed clusters (ElastiCache, MemoryDB) announce node names that TLS must verify as given.
      ...(config.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    });
  }
  return new Redis(config.url ?? 'redis://127.0.0.1:6379', options);
}

/**
 * Resolves once `redis` is connected; rejects with TemporarilyUnavailableError after `timeoutMs`. The client queues
 * nothing while offline, so what must go first on a new connection waits for it here.
 */
export function whenReady(redis: Redis | Cluster, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new TemporarilyUnavailableError('The session store (Redis) is not answering.', { retryAfterSeconds: 2 }));
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}
