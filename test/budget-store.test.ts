// The budgets' store on one Redis server (rate-limit-redis' Lua scripts over ioredis `call`), over RESP2 and RESP3,
// whose replies to EVALSHA could differ; the Cluster's runs in redis-cluster.test.ts.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Options, Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { RedisProtocol } from '../src/redis/redis-client';
import { redisBudgetStore } from '../src/redis/budget-store';
import { protocolOf, startRedisServer, type TestRedis } from './support/redis-server';
import { stack, TestFleet } from './support/stack';

/** The RESP versions ioredis speaks: the service chose one (redis-client.ts), and the store must work on either. */
const PROTOCOLS: RedisProtocol[] = [2, 3];
const WINDOW_MS = 60_000;

const fleet = new TestFleet();
afterAll(() => fleet.close());

/** A store of the budget `name` on `redis`, initialised as express-rate-limit does (which passes all its options). */
async function storeOn(redis: Redis, name: string): Promise<Store> {
  const store = redisBudgetStore(redis, fleet.prefix, name);
  // The Redis store reads only windowMs of express-rate-limit's options.
  await store.init?.({ windowMs: WINDOW_MS } as Options);
  return store;
}

describe.each(PROTOCOLS)('the rate-limit store over RESP%i', (protocol) => {
  let redis: Redis;
  let store: Store;
  beforeAll(async () => {
    redis = await fleet.client(stack.redisUrl, protocol);
    store = await storeOn(redis, 'test');
  });

  it(`counts on a connection that speaks RESP${protocol}`, async () => {
    expect(await protocolOf(redis)).toBe(protocol);
  });

  it('counts every hit of a key apart from other keys, and says when its window ends', async () => {
    const key = randomUUID();
    const started = Date.now();
    expect((await store.increment(key)).totalHits).toBe(1);
    const second = await store.increment(key);
    expect(second.totalHits).toBe(2);
    expect(second.resetTime).toBeInstanceOf(Date);
    expect(second.resetTime!.getTime()).toBeGreaterThan(started + WINDOW_MS - 1000);
    expect(second.resetTime!.getTime()).toBeLessThanOrEqual(Date.now() + WINDOW_MS);
    expect((await store.increment(randomUUID())).totalHits).toBe(1);
  });

  it("keeps each count under the budget's prefix, expiring with its window", async () => {
    const key = randomUUID();
    await store.increment(key);
    const ttl = await redis.pttl(`${fleet.prefix}rl:test:${key}`);
    expect(ttl).toBeGreaterThan(WINDOW_MS - 1000);
    expect(ttl).toBeLessThanOrEqual(WINDOW_MS);
  });

  it('reads a count, takes one hit back, and forgets a key', async () => {
    const key = randomUUID();
    await store.increment(key);
    await store.increment(key);
    expect((await store.get!(key))?.totalHits).toBe(2);
    await store.decrement(key);
    expect((await store.get!(key))?.totalHits).toBe(1);
    await store.resetKey(key);
    expect((await store.increment(key)).totalHits).toBe(1);
  });

  describe('when Redis has lost its scripts (a restart without persistence, a failover)', () => {
    // A server of its own: SCRIPT FLUSH on the suite's Redis would pull the scripts from under other runs' stores.
    let server: TestRedis & { process: ChildProcess };
    let own: Redis;
    beforeAll(async () => {
      server = await startRedisServer();
      own = await fleet.client(server.url, protocol);
    });
    afterAll(() => {
      own.disconnect();
      server.process.kill('SIGKILL');
    });

    it('loads them again on NOSCRIPT and keeps counting', async () => {
      const lost = await storeOn(own, 'lost');
      const key = randomUUID();
      expect((await lost.increment(key)).totalHits).toBe(1);
      await own.script('FLUSH');
      expect((await lost.increment(key)).totalHits).toBe(2);
      expect((await lost.get!(key))?.totalHits).toBe(2);
    });
  });
});
