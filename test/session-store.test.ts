// The DenylistStore contract, run against the Redis store on a real Redis and against the in-process store.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { MemoryDenylistStore } from '../src/denylist/memory-denylist-store';
import { RedisDenylistStore } from '../src/denylist/redis-denylist-store';
import { isRevoked, refreshTokenId, type DenylistStore } from '../src/denylist/denylist-store';
import { TestFleet } from './support/stack';

const fleet = new TestFleet();
let redis: Redis;
beforeAll(async () => {
  redis = await fleet.client();
});
afterAll(() => fleet.close());

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (seconds: number) => void } {
  let t = Date.now();
  return { now: () => t, advance: (seconds) => (t += seconds * 1000) };
}

const stores: [string, (now: () => number) => DenylistStore][] = [
  ['RedisDenylistStore', (now) => new RedisDenylistStore(redis, { keyPrefix: fleet.prefix, now })],
  ['MemoryDenylistStore', (now) => new MemoryDenylistStore(now)],
];

describe.each(stores)('%s', (_name, makeStore) => {
  it('knows nothing of a user who never logged out', async () => {
    const store = makeStore(Date.now);
    expect(await store.getRevocation(randomUUID(), 'session')).toEqual({ sessionRevoked: false, cutoff: null });
  });

  it('remembers a logged-out session, and only that one', async () => {
    const store = makeStore(Date.now);
    const sub = randomUUID();
    await store.revokeSession(sub, 's1', 60);
    expect(await store.getRevocation(sub, 's1')).toEqual({ sessionRevoked: true, cutoff: null });
    expect(await store.getRevocation(sub, 's2')).toEqual({ sessionRevoked: false, cutoff: null });
    expect(await store.getRevocation(randomUUID(), 's1')).toEqual({ sessionRevoked: false, cutoff: null });
  });

  it('forgets a logged-out session once its time to live has passed', async () => {
    const clock = manualClock();
    const store = makeStore(clock.now);
    const sub = randomUUID();
    await store.revokeSession(sub, 's1', 60);
    clock.advance(61);
    expect(await store.getRevocation(sub, 's1')).toEqual({ sessionRevoked: false, cutoff: null });
  });

  it('keeps the logout-all cut-off, refusing tokens authenticated at or before it', async () => {
    const store = makeStore(Date.now);
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 60);
    const revocation = await store.getRevocation(sub, 'any');
    expect(revocation).toEqual({ sessionRevoked: false, cutoff: 1000 });
    expect(isRevoked(revocation, 999)).toBe(true);
    expect(isRevoked(revocation, 1000)).toBe(true);
    expect(isRevoked(revocation, 1001)).toBe(false);
  });

  it('spares the one session a cut-off names, and a later cut-off replaces it', async () => {
    const store = makeStore(Date.now);
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 60, 'kept');
    expect(await store.getRevocation(sub, 'kept')).toEqual({ sessionRevoked: false, cutoff: null });
    expect(await store.getRevocation(sub, 'other')).toEqual({ sessionRevoked: false, cutoff: 1000 });

    await store.revokeAllUpTo(sub, 1001, 60);
    expect(await store.getRevocation(sub, 'kept')).toEqual({ sessionRevoked: false, cutoff: 1001 });
  });

  it('still refuses a spared session once it logs out', async () => {
    const store = makeStore(Date.now);
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 60, 'kept');
    await store.revokeSession(sub, 'kept', 60);
    expect(await store.getRevocation(sub, 'kept')).toEqual({ sessionRevoked: true, cutoff: null });
  });

  it('forgets the cut-off once its time to live has passed', async () => {
    const clock = manualClock();
    const store = makeStore(clock.now);
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 30);
    clock.advance(31);
    expect((await store.getRevocation(sub, 'any')).cutoff).toBeNull();
  });

  it('remembers, finds and forgets refresh token records by id', async () => {
    const store = makeStore(Date.now);
    const id = refreshTokenId(`refresh-${randomUUID()}`);
    const record = { username: 'u', sub: randomUUID(), sessionId: 's', authTime: 123 };
    await store.rememberRefreshToken(id, record, 60);
    expect(await store.findRefreshToken(id)).toEqual(record);
    await store.forgetRefreshToken(id);
    expect(await store.findRefreshToken(id)).toBeNull();
  });

  it('answers a ping', async () => {
    await expect(makeStore(Date.now).ping()).resolves.toBeUndefined();
  });
});

describe('RedisDenylistStore keys', () => {
  it('keeps one hash per user whose TTL follows its longest-living entry', async () => {
    const store = new RedisDenylistStore(redis, { keyPrefix: fleet.prefix });
    const sub = randomUUID();
    await store.revokeSession(sub, 'short', 100);
    await store.revokeAllUpTo(sub, 5, 500);
    await store.revokeSession(sub, 'shorter', 50);
    const key = `${fleet.prefix}denylist:${sub}`;
    expect(await redis.hkeys(key)).toEqual(expect.arrayContaining(['s:short', 'cutoff', 's:shorter']));
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(490);
    expect(ttl).toBeLessThanOrEqual(500);
  });

  it('drops expired fields when it writes, so a user\'s hash does not grow without bound', async () => {
    const clock = manualClock();
    const store = new RedisDenylistStore(redis, { keyPrefix: fleet.prefix, now: clock.now });
    const sub = randomUUID();
    for (let i = 0; i < 20; i += 1) await store.revokeSession(sub, `old-${i}`, 10);
    clock.advance(11);
    await store.revokeSession(sub, 'new', 10);
    expect(await redis.hkeys(`${fleet.prefix}denylist:${sub}`)).toEqual(['s:new']);
  });

  it('gives each refresh token record a TTL and never stores the token itself', async () => {
    const store = new RedisDenylistStore(redis, { keyPrefix: fleet.prefix });
    const token = `refresh-${randomUUID()}`;
    await store.rememberRefreshToken(refreshTokenId(token), { username: 'u', sub: 's', sessionId: 'x', authTime: 1 }, 300);
    const keys = await redis.keys(`${fleet.prefix}refresh:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(token);
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(290);
  });
});
