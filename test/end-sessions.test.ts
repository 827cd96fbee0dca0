// Ending a user's sessions from outside a request: raiseCutoff on both stores, and endUserSessions' cut-off second.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type DenylistStore } from '../src/denylist/denylist-store';
import { endUserSessions } from '../src/denylist/end-sessions';
import { MemoryDenylistStore } from '../src/denylist/memory-denylist-store';
import { RedisDenylistStore } from '../src/denylist/redis-denylist-store';
import { TestFleet } from './support/stack';

// The stores here answer what they were told with `onLoss: 'accept'`: what a store that lost its data answers
// (refusing older sessions) is pinned on its own in test/redis-durability.test.ts.
const fleet = new TestFleet();
let redis: Redis;
beforeAll(async () => {
  redis = await fleet.client();
});
afterAll(() => fleet.close());

const stores: [string, () => DenylistStore][] = [
  ['RedisDenylistStore', () => new RedisDenylistStore(redis, { keyPrefix: fleet.prefix, onLoss: 'accept' })],
  ['MemoryDenylistStore', () => new MemoryDenylistStore()],
];

describe.each(stores)('%s.raiseCutoff', (_name, makeStore) => {
  it('sets a cut-off where there is none', async () => {
    const store = makeStore();
    const sub = randomUUID();
    expect(await store.raiseCutoff(sub, 1000, 60)).toBe(true);
    expect(await store.getRevocation(sub, 'any')).toEqual({ sessionRevoked: false, cutoff: 1000 });
  });

  it('raises an earlier cut-off, and the session it spared is spared no longer', async () => {
    const store = makeStore();
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1000, 60, 'spared');
    expect(await store.raiseCutoff(sub, 1001, 60)).toBe(true);
    expect(await store.getRevocation(sub, 'spared')).toEqual({ sessionRevoked: false, cutoff: 1001 });
  });

  it('never lowers a later cut-off, and keeps the session that one spares', async () => {
    const store = makeStore();
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 1005, 60, 'spared');
    expect(await store.raiseCutoff(sub, 1000, 60)).toBe(false);
    expect(await store.getRevocation(sub, 'spared')).toEqual({ sessionRevoked: false, cutoff: null });
    expect(await store.getRevocation(sub, 'other')).toEqual({ sessionRevoked: false, cutoff: 1005 });
  });

  it('at the same second, ends a spared session unless told to keep it (a password change seen again)', async () => {
    const store = makeStore();
    const [ended, kept, plain] = [randomUUID(), randomUUID(), randomUUID()];
    await store.revokeAllUpTo(ended, 1000, 60, 'spared');
    await store.revokeAllUpTo(kept, 1000, 60, 'spared');
    await store.revokeAllUpTo(plain, 1000, 60);

    expect(await store.raiseCutoff(ended, 1000, 60)).toBe(true);
    expect(await store.raiseCutoff(kept, 1000, 60, { keepSparedAtSameSecond: true })).toBe(false);
    expect(await store.raiseCutoff(plain, 1000, 60)).toBe(false);
    expect(await store.getRevocation(ended, 'spared')).toEqual({ sessionRevoked: false, cutoff: 1000 });
    expect(await store.getRevocation(kept, 'spared')).toEqual({ sessionRevoked: false, cutoff: null });
    expect(await store.getRevocation(plain, 'any')).toEqual({ sessionRevoked: false, cutoff: 1000 });
  });

  it('raises a cut-off whose time to live has passed as if there were none', async () => {
    const store = makeStore();
    const sub = randomUUID();
    await store.revokeAllUpTo(sub, 2000, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await store.raiseCutoff(sub, 1000, 60)).toBe(true);
    expect((await store.getRevocation(sub, 'any')).cutoff).toBe(1000);
  });
});

describe('RedisDenylistStore.raiseCutoff keys', () => {
  it('writes the user\'s cut-off key with the TTL it was given, as revokeAllUpTo does', async () => {
    const store = new RedisDenylistStore(redis, { keyPrefix: fleet.prefix, onLoss: 'accept' });
    const sub = randomUUID();
    await store.raiseCutoff(sub, 1234, 900);
    expect(await redis.get(store.keys.user(sub))).toBe('1234');
    const ttl = await redis.ttl(store.keys.user(sub));
    expect(ttl).toBeGreaterThan(890);
    expect(ttl).toBeLessThanOrEqual(900);
  });
});

describe('endUserSessions', () => {
  /** A clock that sleeping moves on, so the waits are checked without waiting. */
  function fakeClock(startMs: number) {
    let now = startMs;
    const sleeps: number[] = [];
    return {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      sleeps,
    };
  }

  it('cuts at the current second and resolves once it is over, so a login right after works', async () => {
    const store = new MemoryDenylistStore();
    const clock = fakeClock(1_700_000_000_250);
    const ended = await endUserSessions(store, 'sub-1', { ttlSeconds: 60, ...clock });
    expect(ended).toEqual({ cutoff: 1_700_000_000, written: true });
    expect(clock.sleeps).toEqual([750]);
    expect(Math.floor(clock.now() / 1000)).toBeGreaterThan(ended.cutoff);
  });

  it('cuts at a past second without waiting (an event seen late), and never later than now', async () => {
    const store = new MemoryDenylistStore();
    const clock = fakeClock(1_700_000_100_000);
    expect(await endUserSessions(store, 'sub-2', { ttlSeconds: 60, at: 1_700_000_000, ...clock })).toEqual({ cutoff: 1_700_000_000, written: true });
    expect(clock.sleeps).toEqual([]);
    expect((await endUserSessions(store, 'sub-3', { ttlSeconds: 60, at: 1_800_000_000, ...clock })).cutoff).toBe(1_700_000_100);
  });

  it('leaves a later cut-off in place, and says so', async () => {
    const store = new MemoryDenylistStore();
    await store.revokeAllUpTo('sub-4', 1_700_000_050, 60);
    const clock = fakeClock(1_700_000_100_000);
    expect(await endUserSessions(store, 'sub-4', { ttlSeconds: 60, at: 1_700_000_000, ...clock })).toEqual({ cutoff: 1_700_000_000, written: false });
    expect((await store.getRevocation('sub-4', 'any')).cutoff).toBe(1_700_000_050);
  });
});
