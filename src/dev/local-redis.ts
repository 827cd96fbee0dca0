// Finds or starts a Redis, for `npm run dev`, the test setup and the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { freePort } from './local-cognito';

/** Resolves true when a Redis answers PING at `url` within half a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** A Redis to use; `process` is set when it was started here. */
export interface TestRedis {
  /** Connection URL. */
  url: string;
  /** The server process when the tests started it. */
  process?: ChildProcess;
}

/**
 * Starts `redis-server` on a free loopback port (or `port`), without persistence unless `dir` is given (AOF there),
 * with any further `args` (`--replicaof`, `--maxmemory-policy`, …).
 */
export async function startRedisServer(options: { port?: number; dir?: string; args?: string[] } = {}): Promise<TestRedis & { process: ChildProcess }> {
  const chosen = options.port ?? (await freePort());
  // Without a dir of its own the server still writes an RDB file for a replica's full sync: into the temp dir then.
  const persistence = options.dir
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.dir]
    : ['--appendonly', 'no', '--dir', tmpdir(), '--dbfilename', `redis-${chosen}.rdb`];
  const child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', ...persistence, ...(options.args ?? [])], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${chosen}`;
  for (let i = 0; i < 50; i += 1) {
    if (await redisAnswers(url)) return { url, process: child };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start (is it installed? .ci/run installs it on a fresh machine)');
}

/** REDIS_URL, else 127.0.0.1:6379 when it answers, else a throwaway redis-server of our own. */
export async function findOrStartRedis(): Promise<TestRedis> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return { url };
  return startRedisServer();
}
