// A real three-master Redis Cluster, over RESP2 and RESP3: the store suite, logout across instances with users on
// every master, TTLs, and one master killed (its users get 503 quickly, the others keep working, nothing is let
// through).
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import request from 'supertest';
import { expectLoggedOut, expectRefreshRefused } from './support/assertions';
import type { RedisProtocol } from '../src/redis/redis-client';
import { RedisDenylistStore } from '../src/denylist/redis-denylist-store';
import { isRevoked, refreshTokenId } from '../src/denylist/denylist-store';
import { shortDigest } from '../src/redis/keys';
import { startRedisCluster, type TestCluster } from './support/redis-cluster';
import { protocolOf } from './support/redis-server';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { createUser } from './support/users';
import { mintAccessToken } from './support/tokens';

/** The RESP versions ioredis speaks: the service chose one (redis-client.ts), and the cluster must work on either. */
const PROTOCOLS: RedisProtocol[] = [2, 3];

// The stores here answer what they were told with `onLoss: 'accept'`: what a store that lost its data answers
// (refusing older sessions) is pinned on its own in test/redis-durability.test.ts.

// A cluster of its own for each version, since the last test kills one of its masters.
describe.each(PROTOCOLS)('Redis Cluster over RESP%i', (protocol) => {
  let cluster: TestCluster;
  const fleet = new TestFleet();
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const env = { REDIS_CLUSTER_NODES: cluster.seeds };
    a = await fleet.instance({ env, protocol });
    b = await fleet.instance({ env, protocol });
  }, 30_000);

  afterAll(async () => {
    await fleet.close();
    cluster?.stop();
  });

  const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);

  /** The key of a user's cut-off, whose hash tag places every key of the user. */
  const userKey = (sub: string) => `${fleet.prefix}{${shortDigest(sub)}}`;

  /** Subs whose denylist keys land on each of the three masters. */
  function subsOnEveryMaster(): string[] {
    const byMaster = new Map<number, string>();
    while (byMaster.size < 3) {
      const sub = randomUUID();
      byMaster.set(cluster.ownerOf(userKey(sub)), sub);
    }
    return [...byMaster.values()];
  }

  it(`speaks RESP${protocol} to every master`, async () => {
    const masters = (a.redis as Cluster).nodes('master');
    expect(masters).toHaveLength(3);
    for (const master of masters) expect(await protocolOf(master)).toBe(protocol);
  });

  describe('the store on Redis Cluster', () => {
    it('keeps sessions, cut-offs and refresh records for users on every master, each key with a TTL', async () => {
      const store = new RedisDenylistStore(a.redis, { keyPrefix: fleet.prefix, onLoss: 'accept' });
      for (const sub of subsOnEveryMaster()) {
        await store.revokeSession(sub, 's1', 600);
        await store.revokeAllUpTo(sub, 1000, 900);
        expect(await store.getRevocation(sub, 's1')).toEqual({ sessionRevoked: true, cutoff: 1000 });
        expect(isRevoked(await store.getRevocation(sub, 'other'), 1001)).toBe(false);
        // Both keys of the user on the one master its hash tag names, each with its own TTL.
        expect(cluster.ownerOf(store.keys.session(sub, 's1'))).toBe(cluster.ownerOf(userKey(sub)));
        expect(await a.redis.ttl(store.keys.session(sub, 's1'))).toBeGreaterThan(590);
        const ttl = await a.redis.ttl(userKey(sub));
        expect(ttl).toBeGreaterThan(890);
        expect(ttl).toBeLessThanOrEqual(900);
      }
      const id = refreshTokenId(`refresh-${randomUUID()}`);
      await store.rememberRefreshToken(id, { username: 'u', sub: 's', sessionId: 'x', authTime: 1 }, 300);
      expect(await store.findRefreshToken(id)).toEqual({ username: 'u', sub: 's', sessionId: 'x', authTime: 1 });
      expect(await a.redis.ttl(store.keys.refreshToken(id))).toBeGreaterThan(290);
    });
  });

  describe('two instances on Redis Cluster', () => {
    it('refuses on instance B, at once, the tokens logged out on instance A, for users on every master', async () => {
      const tokens = subsOnEveryMaster().map((sub) => mintAccessToken(stack.issuer, stack.clientId, { sub }));
      for (const token of tokens) expect((await me(b, token)).status).toBe(200);
      for (const token of tokens) await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
      for (const token of tokens) {
        const response = await me(b, token);
        expect(response.status).toBe(401);
        expect(response.body.error_description).toBe('The session of this token has logged out.');
      }
    });

    it('logs in (rate limiter on the cluster), logs out everywhere, and a new login works', async () => {
      const user = await createUser({ groups: ['readers'] });
      const first = await login(a.app, user);
      await request(b.app).post('/auth/logout-all').set('Authorization', `Bearer ${first.access_token}`).expect(204);
      expectLoggedOut(await me(a, first.access_token));
      const again = await login(b.app, user);
      expect((await me(a, again.access_token)).status).toBe(200);
      const refresh = await request(a.app).post('/auth/refresh').send({ refresh_token: first.refresh_token });
      expectRefreshRefused(refresh, 'logged-out session');
    });

    it('counts login attempts across instances on the cluster', async () => {
      const env = { REDIS_CLUSTER_NODES: cluster.seeds, LOGIN_RATE_LIMIT: '2' };
      const x = await fleet.instance({ env, protocol });
      const y = await fleet.instance({ env, protocol });
      const username = `nobody-${randomUUID()}`;
      const attempt = (api: TestApp) => request(api.app).post('/auth/login').send({ username, password: 'wrong-pass-1' });
      expect((await attempt(x)).status).toBe(401);
      expect((await attempt(y)).status).toBe(401);
      const limited = await attempt(x);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await request(y.app).post('/auth/login').send(users.reader)).status).toBe(200);
    });
  });

  describe('a master dies', () => {
    it('fails closed with 503 quickly for its users, keeps serving the others, and lets nothing through', async () => {
      const [victimSub, ...otherSubs] = subsOnEveryMaster();
      const victimPort = cluster.ownerOf(userKey(victimSub!));
      const victim = mintAccessToken(stack.issuer, stack.clientId, { sub: victimSub });
      const others = otherSubs.map((sub) => mintAccessToken(stack.issuer, stack.clientId, { sub }));
      // One of the others logged out before the failure: it must stay refused.
      await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${others[0]}`).expect(204);

      cluster.nodes.find((node) => node.port === victimPort)!.process.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));

      const started = Date.now();
      const refused = await me(b, victim);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toBe('temporarily_unavailable');
      expect(refused.headers['retry-after']).toEqual(expect.any(String));
      expect(Date.now() - started).toBeLessThan(2000);

      expectLoggedOut(await me(b, others[0]!));
      expect((await me(b, others[1]!)).status).toBe(200);
    });
  });
});
