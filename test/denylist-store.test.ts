// The DenylistStore contract, run against the Redis store on a real Redis (over RESP2 and RESP3) and against the
// in-process store.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_CLIENT_OPTIONS, type RedisProtocol } from '../src/redis/redis-client';
import { TemporarilyUnavailableError } from '../src/errors';
import { MemoryDenylistStore } from '../src/denylist/memory-denylist-store';
import { RedisDenylistStore } from '../src/denylist/redis-denylist-store';
import { isRevoked, refreshTokenId, type DenylistStore } from '../src/denylist/denylist-store';
import { shortDigest } from '../src/redis/keys';
import { protocolOf, startRedisServer, type TestRedis } from './support/redis-server';
import { stack, TestFleet } from './support/stack';

/** The RESP versions ioredis speaks: the service chose one (redis-client.ts), and the store must work on either. */
const PROTOCOLS: RedisProtocol[] = [2, 3];

// The stores here answer what they were told with `onLoss: 'accept'`: what a store that lost its data answers
// (refusing older sessions) is pinned on its own in test/redis-durability.test.ts.
const fleet = new TestFleet();
/** A client as the service makes it. */
let redis: Redis;
/** A client per RESP version. */
const clients = new Map<RedisProtocol, Redis>();
const clientFor = (protocol: RedisProtocol) => clients.get(protocol)!;
beforeAll(async () => {
  redis = await fleet.client();
  for (const protocol of PROTOCOLS) clients.set(protocol, await fleet.client(stack.redisUrl, protocol));
});
afterAll(() => fleet.close());

/** A store under test, and how to let `seconds` pass for it. */
interface StoreUnderTest {
  store: DenylistStore;
  pass: (seconds: number) => Promise<void>;
}

const stores: [string, () => StoreUnderTest][] = [
  // Redis expires keys by its own clock, so these runs wait in real time (1 s TTLs).
  ...PROTOCOLS.map((protocol): [string, () => StoreUnderTest] => [
    `RedisDenylistStore over RESP${protocol}`,
    () => ({
      store: new RedisDenylistStore(clientFor(protocol), { keyPrefix: fleet.prefix, onLoss: 'accept' }),
      pass: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
    }),
  ]),
  // The memory store reads the clock it is given: this run moves a fake one and waits for nothing.
  [
    'MemoryDenylistStore',
    () => {
      let now = Date.now();
      return {
        store: new MemoryDenylistStore(() => now),
        pass: async (seconds) => {
          now += seconds * 1000;
        },
      };
    },
  ],
];

describe.each(stores)('%s', (_name, makeStore) => {
  it('knows nothing of a user who never logged out', async () => {
    const { store, pass } = makeStore();
    expect(await store.getRevocation(randomUUID(), 'session')).toEqual({ sessionRevoked: false, cutoff: null });
  });

  it('remembers a logged-out session, and only that one', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.revokeSession(sub, 's1', 60);
    expect(await store.getRevocation(sub, 's1')).toEqual({ sessionRevoked: true, cutoff: null });
    expect(await store.getRevocation(sub, 's2')).toEqual({ sessionRevoked: false, cutoff: null });
    expect(await store.getRevocation(randomUUID(), 's1')).toEqual({ sessionRevoked: false, cutoff: null });
  });

  it('forgets a logged-out session once its time to live has passed', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.revokeSession(sub, 's1', 1);
    await store.revokeSession(sub, 's2', 60);
    await pass(1.1);
    expect(await store.getRevocation(sub, 's1')).toEqual({ sessionRevoked: false, cutoff: null });
    expect(await store.getRevocation(sub, 's2')).toEqual({ sessionRevoked: true, cutoff: null });
  });

  it('shortens a logged-out session\'s time to live when it is revoked again with a shorter one', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.revokeSession(sub, 's1', 60);
    await store.revokeSession(sub, 's1', 1);
    await pass(1.1);
    expect(await store.getRevocation(sub, 's1')).toEqual({ sessionRevoked: false, cutoff: null });
  });

  it('keeps the logout-all cut-off, refusing tokens authenticated at or before it', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 60);
    const revocation = await store.getRevocation(sub, 'any');
    expect(revocation).toEqual({ sessionRevoked: false, cutoff: 1000 });
    expect(isRevoked(revocation, 999)).toBe(true);
    expect(isRevoked(revocation, 1000)).toBe(true);
    expect(isRevoked(revocation, 1001)).toBe(false);
  });

  it('spares the one session a cut-off names, and a later cut-off replaces it', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 60, 'kept');
    expect(await store.getRevocation(sub, 'kept')).toEqual({ sessionRevoked: false, cutoff: null });
    expect(await store.getRevocation(sub, 'other')).toEqual({ sessionRevoked: false, cutoff: 1000 });

    await store.revokeAllUpTo(sub, 1001, 60);
    expect(await store.getRevocation(sub, 'kept')).toEqual({ sessionRevoked: false, cutoff: 1001 });
  });

  it('still refuses a spared session once it logs out', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 60, 'kept');
    await store.revokeSession(sub, 'kept', 60);
    expect(await store.getRevocation(sub, 'kept')).toEqual({ sessionRevoked: true, cutoff: null });
  });

  it('forgets the cut-off once its time to live has passed', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 1);
    await pass(1.1);
    expect((await store.getRevocation(sub, 'any')).cutoff).toBeNull();
  });

  it('remembers, finds and forgets refresh token records by id', async () => {
    const { store, pass } = makeStore();
    const id = refreshTokenId(`refresh-${randomUUID()}`);
    const record = { username: 'u', sub: randomUUID(), sessionId: 's', authTime: 123 };
    await store.rememberRefreshToken(id, record, 60);
    expect(await store.findRefreshToken(id)).toEqual(record);
    await store.forgetRefreshToken(id);
    expect(await store.findRefreshToken(id)).toBeNull();
  });

  it('follows a refreshed token\'s link to its login\'s session, for as long as the link lives', async () => {
    const { store, pass } = makeStore();
    const sub = randomUUID();
    await store.linkSession(sub, 'refreshed', 'login', 1);
    expect(await store.getSessionRevocation(sub, 'refreshed')).toEqual({ sessionId: 'login', sessionRevoked: false, cutoff: null });
    await store.revokeSession(sub, 'login', 60);
    expect(await store.getSessionRevocation(sub, 'refreshed')).toEqual({ sessionId: 'login', sessionRevoked: true, cutoff: null });
    // A cut-off that spares the login spares the tokens linked to it; others it refuses.
    await store.revokeAllUpTo(sub, 1000, 60, 'login');
    expect(await store.getSessionRevocation(sub, 'refreshed')).toEqual({ sessionId: 'login', sessionRevoked: true, cutoff: null });
    expect(await store.getSessionRevocation(sub, 'unlinked')).toEqual({ sessionId: 'unlinked', sessionRevoked: false, cutoff: 1000 });
    await pass(1.1);
    expect(await store.getSessionRevocation(sub, 'refreshed')).toEqual({ sessionId: 'refreshed', sessionRevoked: false, cutoff: 1000 });
  });

  it('answers a ping', async () => {
    await expect(makeStore().store.ping()).resolves.toBeUndefined();
  });
});

describe.each(PROTOCOLS)('RedisDenylistStore reads over RESP%i', (protocol) => {
  // A server of its own: MGETs are counted server-wide, and the suite's Redis may serve other runs meanwhile.
  let server: TestRedis & { process: ChildProcess };
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    client = await fleet.client(server.url, protocol);
  });
  afterAll(() => {
    client.disconnect();
    server.process.kill('SIGKILL');
  });

  const mgetCalls = async () => Number(/cmdstat_mget:calls=(\d+)/.exec(await client.info('commandstats'))?.[1] ?? 0);

  it(`reads on a connection that speaks RESP${protocol}`, async () => {
    expect(await protocolOf(client)).toBe(protocol);
  });

  it('answers the reads of one turn of the event loop from one MGET, each with what its own keys hold', async () => {
    const store = new RedisDenylistStore(client, { keyPrefix: fleet.prefix, onLoss: 'accept' });
    const users = Array.from({ length: 40 }, (_, i) => ({ sub: randomUUID(), session: `s${i}`, revoked: i % 3 === 0, cutoff: i % 5 === 0 ? 1000 + i : null }));
    for (const user of users) {
      if (user.revoked) await store.revokeSession(user.sub, user.session, 60);
      if (user.cutoff !== null) await store.revokeAllUpTo(user.sub, user.cutoff, 60);
    }
    const before = await mgetCalls();
    const answers = await Promise.all(users.map((user) => store.getRevocation(user.sub, user.session)));
    expect(await mgetCalls()).toBe(before + 1);
    expect(answers).toEqual(users.map((user) => ({ sessionRevoked: user.revoked, cutoff: user.cutoff })));
  });

  it('fails every read of the turn with a 503 error when Redis does not answer', async () => {
    const unready = new Redis(server.url, { ...REDIS_CLIENT_OPTIONS, protocol, lazyConnect: true });
    // The reads start its connection and fail at once; the handshake it began then fails too, on disconnect.
    unready.on('error', () => undefined);
    const store = new RedisDenylistStore(unready, { keyPrefix: fleet.prefix, onLoss: 'accept' });
    const reads = [randomUUID(), randomUUID()].map((sub) => store.getRevocation(sub, 's'));
    for (const read of reads) await expect(read).rejects.toThrow(TemporarilyUnavailableError);
    unready.disconnect();
  });
});

describe("the service's Redis client", () => {
  it('speaks RESP2, as redis-client.ts chose', async () => {
    expect(await protocolOf(redis)).toBe(2);
  });
});

describe('RedisDenylistStore keys', () => {
  it('keeps a logged-out session as one small key of the user\'s hash slot, with the TTL it was given', async () => {
    const store = new RedisDenylistStore(redis, { keyPrefix: fleet.prefix, onLoss: 'accept' });
    const sub = randomUUID();
    const session = randomUUID();
    await store.revokeSession(sub, session, 100);
    const keys = await redis.keys(`${fleet.prefix}{${shortDigest(sub)}}*`);
    expect(keys).toEqual([`${fleet.prefix}{${shortDigest(sub)}}${shortDigest(session)}`]);
    // No sub or session id in clear, and short enough for Redis' 48-byte allocation with this prefix.
    expect(keys[0]).not.toContain(sub);
    expect(keys[0]!.length - fleet.prefix.length).toBe(34);
    expect(await redis.get(keys[0]!)).toBe('1');
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(95);
    expect(ttl).toBeLessThanOrEqual(100);
  });

  it('keeps the cut-off under the user\'s own key, in the same hash slot as the user\'s sessions', async () => {
    const store = new RedisDenylistStore(redis, { keyPrefix: fleet.prefix, onLoss: 'accept' });
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1234, 500, 'kept');
    const userKey = `${fleet.prefix}{${shortDigest(sub)}}`;
    expect(await redis.get(userKey)).toBe(`1234 ${shortDigest('kept')}`);
    expect(await redis.ttl(userKey)).toBeGreaterThan(490);
    expect(store.keys.user(sub)).toBe(userKey);
    expect(store.keys.session(sub, 'x').startsWith(userKey)).toBe(true);
  });

  it('gives each refresh token record a TTL and never stores the token itself', async () => {
    const store = new RedisDenylistStore(redis, { keyPrefix: fleet.prefix, onLoss: 'accept' });
    const token = `refresh-${randomUUID()}`;
    await store.rememberRefreshToken(refreshTokenId(token), { username: 'u', sub: 's', sessionId: 'x', authTime: 1 }, 300);
    const keys = await redis.keys(`${fleet.prefix}r:*`);
    expect(keys).toEqual([`${fleet.prefix}r:${refreshTokenId(token)}`]);
    expect(keys[0]).not.toContain(token);
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(290);
  });
});
