// A logout survives Redis losing data, on real redis-server processes: restarted empty, flushed, a replica that
// lags (WAIT), a Redis that may evict; the door and the Lambda authorizer refuse what the API refuses.
import type { ChildProcess } from 'node:child_process';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { authorizerOf } from '../src/lambda/authorizer';
import { PrometheusMetrics } from '../src/metrics/prometheus';
import { expectLoggedOut, expectUnavailable } from './support/assertions';
import { eventually } from './support/eventually';
import { capturingLogger, lambdaEnv, Runtimes } from './support/lambdas';
import { startRedisServer, type TestRedis } from './support/redis-server';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';

const fleet = new TestFleet();
const runtimes = new Runtimes();
const servers: ChildProcess[] = [];
afterAll(async () => {
  await runtimes.close();
  await fleet.close();
  for (const server of servers) server.kill('SIGKILL');
});

const LOST = 'The session store lost what it knew of this session; sign in again.';

async function redisServer(options: { port?: number; args?: string[] } = {}): Promise<TestRedis & { process: ChildProcess; port: number }> {
  const server = await startRedisServer(options);
  servers.push(server.process);
  return { ...server, port: Number(new URL(server.url).port) };
}

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
const logout = (api: TestApp, token: string) => request(api.app).post('/auth/logout').set('Authorization', `Bearer ${token}`);

/** A token refused because the store lost what it knew of its session: 401 invalid_token saying to sign in again. */
function expectStoreLost(response: request.Response): void {
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ error: 'invalid_token', error_description: LOST });
  expect(response.headers['www-authenticate']).toBe(`Bearer realm="api", error="invalid_token", error_description="${LOST}"`);
}

/** Resolves at the start of the next wall-clock second: tokens carry seconds, and a loss is judged by them. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));

describe.each(['restart empty', 'FLUSHALL'] as const)('Redis loses everything (%s)', (fault) => {
  it('refuses every session begun before the loss, from the first request on, on the API, the door and the authorizer; later sessions work', async () => {
    const redis = await redisServer();
    const { logger, lines } = capturingLogger();
    const metrics = new PrometheusMetrics();
    const api = await fleet.instance({ redisUrl: redis.url });
    // The instance that reads first after the loss marks it, and reports it.
    const other = await fleet.instance({ redisUrl: redis.url, logger, metrics });
    const loggedOut = await login(api.app, users.reader);
    await logout(api, loggedOut.access_token).expect(204);
    const live = await login(api.app, users.editor);
    expectLoggedOut(await me(other, loggedOut.access_token));
    expect((await me(other, live.access_token)).status).toBe(200);

    if (fault === 'FLUSHALL') {
      await (api.redis as Redis).flushall();
    } else {
      redis.process.kill('SIGKILL');
      await new Promise((resolve) => redis.process.once('exit', resolve));
      servers.push((await redisServer({ port: redis.port })).process);
      await eventually(async () => (api.redis as Redis).status === 'ready' && (other.redis as Redis).status === 'ready', 5000);
    }

    // The first request after the loss is already refused, on the instance that had not read since.
    expectStoreLost(await me(other, loggedOut.access_token));
    expectStoreLost(await me(api, live.access_token));
    const door = await request(api.forwardAuth).get('/auth/verify').set('Authorization', `Bearer ${loggedOut.access_token}`);
    expect(door.status).toBe(401);
    expect(door.headers['www-authenticate']).toContain(`error_description="${LOST}"`);
    const env = lambdaEnv(fleet.prefix, { REDIS_URL: redis.url, COGNITO_CLIENT_ID: stack.clientId });
    const authorize = authorizerOf(runtimes.make(env).runtime, env);
    const event = { type: 'TOKEN', authorizationToken: `Bearer ${live.access_token}`, methodArn: 'arn:aws:execute-api:eu-west-1:1:a/prod/GET/books' };
    await expect(authorize(event as Parameters<typeof authorize>[0])).rejects.toThrow('Unauthorized');

    // Their refresh tokens mint nothing: refused by the service.
    const refresh = await request(api.app).post('/auth/refresh').send({ refresh_token: live.refresh_token });
    expect(refresh.status).toBe(400);
    expect(refresh.body).toEqual({ error: 'invalid_grant', error_description: LOST });

    // Logged once, at error level, naming what was lost, and counted.
    await eventually(async () => lines.some((line) => line.level === 50), 2000);
    const losses = lines.filter((line) => line.level === 50 && String(line.msg).startsWith('denylist: Redis lost its data'));
    expect(losses).toHaveLength(1);
    expect(losses[0]).toMatchObject({ lost: [{ node: 'redis', slots: 'all' }] });
    expect(await metrics.registry.getSingleMetricAsString('denylist_store_losses_total')).toMatch(/denylist_store_losses_total 1$/m);

    // A session begun after the loss was noticed works, and logs out as ever.
    await nextSecond();
    const fresh = await login(api.app, users.editor);
    expect((await me(other, fresh.access_token)).status).toBe(200);
    await logout(other, fresh.access_token).expect(204);
    expectLoggedOut(await me(api, fresh.access_token));
    expect(lines.filter((line) => line.level === 50)).toHaveLength(1);
  });
});

describe('DENYLIST_ON_LOSS=accept', () => {
  it('keeps the sessions begun before a loss, logged-out ones included: the cost of choosing availability', async () => {
    const redis = await redisServer();
    const api = await fleet.instance({ redisUrl: redis.url, env: { DENYLIST_ON_LOSS: 'accept' } });
    const loggedOut = await login(api.app, users.reader);
    await logout(api, loggedOut.access_token).expect(204);
    expectLoggedOut(await me(api, loggedOut.access_token));
    await (api.redis as Redis).flushall();
    expect((await me(api, loggedOut.access_token)).status).toBe(200);
  });
});

describe('a new store', () => {
  it('refuses sessions begun before the first instance opened it: an empty store may be one that lost everything', async () => {
    const redis = await redisServer();
    const before = await login((await fleet.instance()).app, users.reader);
    await nextSecond();
    await nextSecond();
    const api = await fleet.instance({ redisUrl: redis.url });
    expectStoreLost(await me(api, before.access_token));
    expect((await me(api, (await login(api.app, users.reader)).access_token)).status).toBe(200);
  });
});

describe('eviction', () => {
  it.each(['volatile-lru', 'allkeys-lru'])('is not ready on a Redis with maxmemory-policy %s, naming the setting and the value to use', async (policy) => {
    const redis = await redisServer({ args: ['--maxmemory-policy', policy] });
    const { logger, lines } = capturingLogger();
    const api = await fleet.instance({ redisUrl: redis.url, logger });
    const problem = `Redis at 127.0.0.1:${redis.port} has maxmemory-policy ${policy}: it may evict denylist keys, and a key evicted is a logout undone; set maxmemory-policy to noeviction`;

    // Start-up says so in an error line, and /readyz with the same words.
    await api.readiness.start(logger, 60_000);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, step: 'redis-eviction', err: expect.objectContaining({ message: problem }) }));
    const ready = await request(api.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.headers['retry-after']).toBe('5');
    expect(ready.body).toEqual({ error: 'temporarily_unavailable', error_description: `Not ready: ${problem}.`, down: ['redis-eviction'] });

    await (api.redis as Redis).config('SET', 'maxmemory-policy', 'noeviction');
    const fixed = await request(api.app).get('/readyz');
    expect(fixed.status).toBe(200);
    expect(fixed.body).toEqual({ status: 'ready' });
  });
});

describe('DENYLIST_MIN_REPLICAS=1 on a primary with a replica', () => {
  it('answers a logout once the replica has it; 503 with Retry-After within the timeout while it lags; the repeat is 204', async () => {
    const primary = await redisServer();
    const replica = await redisServer({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const env = { DENYLIST_MIN_REPLICAS: '1', DENYLIST_REPLICA_TIMEOUT_MS: '300' };
    const api = await fleet.instance({ redisUrl: primary.url, env });
    const replicaClient = await fleet.client(replica.url);
    await eventually(async () => /master_link_status:up/.test(await replicaClient.info('replication')), 5000);

    const first = await login(api.app, users.reader);
    await logout(api, first.access_token).expect(204);
    expectLoggedOut(await me(api, first.access_token));

    const second = await login(api.app, users.editor);
    replica.process.kill('SIGSTOP');
    try {
      const started = Date.now();
      const lagging = await logout(api, second.access_token);
      const took = Date.now() - started;
      expectUnavailable(lagging);
      expect(lagging.body.error_description).toBe('The session store (Redis) did not copy this to 1 replica(s) within 300 ms; repeat the call.');
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(1500);
      // Reads do not wait behind the writer's WAIT.
      const read = Date.now();
      expectLoggedOut(await me(api, first.access_token));
      expect(Date.now() - read).toBeLessThan(200);
    } finally {
      replica.process.kill('SIGCONT');
    }
    await logout(api, second.access_token).expect(204);
    expectLoggedOut(await me(api, second.access_token));
  });
});
