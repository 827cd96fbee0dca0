// Finds a Redis for the tests (REDIS_URL, else 127.0.0.1:6379), or starts a throwaway redis-server on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../src/dev/local-cognito';
import { redisAnswers } from '../../src/dev/local-redis';

/** A Redis the tests may use; `process` is set when the tests started it themselves. */
export interface TestRedis {
  /** Connection URL. */
  url: string;
  /** The server process when the tests started it. */
  process?: ChildProcess;
}

/** Starts `redis-server` on a free loopback port (or `port`), without persistence unless `dir` is given (AOF there). */
export async function startRedisServer(options: { port?: number; dir?: string } = {}): Promise<TestRedis & { process: ChildProcess }> {
  const chosen = options.port ?? (await freePort());
  const persistence = options.dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', options.dir] : ['--appendonly', 'no'];
  const child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', ...persistence], {
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

/** The Redis the suite runs against. */
export async function findOrStartRedis(): Promise<TestRedis> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return { url };
  return startRedisServer();
}
