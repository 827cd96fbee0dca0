// A logout survives a Redis Cluster losing data, on real clusters: one master back empty (only its users pay), and a
// master killed while its replica lagged (the logout was answered 503, repeated after the takeover, then refused).
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { shortDigest } from '../src/redis/keys';
import { expectLoggedOut, expectUnavailable } from './support/assertions';
import { eventually } from './support/eventually';
import { startRedisCluster, type TestCluster } from './support/redis-cluster';
import { stack, TestFleet, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const LOST = 'The session store lost what it knew of this session; sign in again.';

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
const logout = (api: TestApp, token: string) => request(api.app).post('/auth/logout').set('Authorization', `Bearer ${token}`);
/** Resolves at the start of the next wall-clock second: tokens carry seconds, and a loss is judged by them. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

/** The key whose hash tag places every key of `sub`. */
const userKeyOf = (fleet: TestFleet, sub: string) => `${fleet.prefix}{${shortDigest(sub)}}`;

/** Subs whose keys land on `port`'s slots, `count` of them. */
function subsOn(cluster: TestCluster, fleet: TestFleet, port: number, count: number): string[] {
  const subs: string[] = [];
  while (subs.length < count) {
    const sub = randomUUID();
    if (cluster.ownerOf(userKeyOf(fleet, sub)) === port) subs.push(sub);
  }
  return subs;
}

describe('one master of a Cluster comes back empty', () => {
  let cluster: TestCluster;
  const fleet = new TestFleet();
  afterAll(async () => {
    await fleet.close();
    cluster?.stop();
  });

  it('refuses the older sessions of the users on that master only; the other masters\' users keep theirs', async () => {
    cluster = await startRedisCluster();
    const env = { REDIS_CLUSTER_NODES: cluster.seeds };
    const a = await fleet.instance({ env });
    const b = await fleet.instance({ env });
    const [victimPort, otherPort] = cluster.nodes.map((node) => node.port);
    const [victimLive, victimOut] = subsOn(cluster, fleet, victimPort!, 2).map((sub) => mintAccessToken(stack.issuer, stack.clientId, { sub }));
    const [otherLive, otherOut] = subsOn(cluster, fleet, otherPort!, 2).map((sub) => mintAccessToken(stack.issuer, stack.clientId, { sub }));
    await logout(a, victimOut!).expect(204);
    await logout(a, otherOut!).expect(204);
    await nextSecond();

    await cluster.kill(victimPort!);
    await cluster.restart(victimPort!);
    await eventually(async () => (await me(b, victimLive!)).status !== 503, 10_000);

    for (const token of [victimLive!, victimOut!]) {
      const response = await me(b, token);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'invalid_token', error_description: LOST });
    }
    expect((await me(b, otherLive!)).status).toBe(200);
    expectLoggedOut(await me(b, otherOut!));

    // A session of a victim's user begun after the loss was noticed works there again.
    await nextSecond();
    const [sub] = subsOn(cluster, fleet, victimPort!, 1);
    expect((await me(a, mintAccessToken(stack.issuer, stack.clientId, { sub }))).status).toBe(200);
  }, 60_000);
});

describe('a master killed while its replica lags (DENYLIST_MIN_REPLICAS=1)', () => {
  let cluster: TestCluster;
  const fleet = new TestFleet();
  afterAll(async () => {
    await fleet.close();
    cluster?.stop();
  });

  it('answers the logout 503 within the timeout; repeated after the replica took over it is 204 and the token refused; no other session ends', async () => {
    cluster = await startRedisCluster({ replicas: 1 });
    const api = await fleet.instance({ env: { REDIS_CLUSTER_NODES: cluster.seeds, DENYLIST_MIN_REPLICAS: '1', DENYLIST_REPLICA_TIMEOUT_MS: '300' } });
    const masterPort = cluster.nodes[0]!.port;
    const replicaPort = cluster.replicaOf(masterPort).port;
    const subs = subsOn(cluster, fleet, masterPort, 2);
    const [leaving, staying] = subs.map((sub) => mintAccessToken(stack.issuer, stack.clientId, { sub }));
    expect((await me(api, staying!)).status).toBe(200);

    cluster.pause(replicaPort);
    const started = Date.now();
    const lagging = await logout(api, leaving!);
    expectUnavailable(lagging);
    expect(lagging.body.error_description).toBe('The session store (Redis) did not copy this to 1 replica(s) within 300 ms; repeat the call.');
    expect(Date.now() - started).toBeLessThan(1500);

    // The master dies with the write its replica never had; the replica takes over, and the old master comes back
    // as its replica.
    await cluster.kill(masterPort);
    cluster.resume(replicaPort);
    await cluster.takeover(replicaPort);
    await cluster.restart(masterPort);
    expect(cluster.ownerOf(userKeyOf(fleet, subs[0]!))).toBe(replicaPort);

    // The client repeats its logout: 204 once the new master and its replica have it, and the token is refused.
    await eventually(async () => (await logout(api, leaving!)).status === 204, 15_000);
    expectLoggedOut(await me(api, leaving!));
    // The failover lost only what no replica had acknowledged: the store's markers were there, no session ends.
    expect((await me(api, staying!)).status).toBe(200);
  }, 90_000);
});
