// The Lambdas' shared runtime: the service's configuration names, and a Redis connection the first invocation waits for.
import { randomUUID } from 'node:crypto';
import { ConfigError, TemporarilyUnavailableError } from '../src/errors';
import { LambdaRuntime, loadLambdaConfig, REDIS_READY_TIMEOUT_MS } from '../src/lambda/runtime';
import { closedUrl, lambdaEnv, Runtimes } from './support/lambdas';
import { stack, TestFleet } from './support/stack';

const fleet = new TestFleet();
const runtimes = new Runtimes();
afterAll(async () => {
  await runtimes.close();
  await fleet.close();
});

describe('loadLambdaConfig', () => {
  const base = { AWS_REGION: 'eu-west-1', COGNITO_USER_POOL_ID: 'eu-west-1_AbCdEf123', REDIS_URL: 'rediss://cache.example.com:6379' };

  it('reads the service\'s own variables, and needs no app client id', () => {
    expect(loadLambdaConfig({ ...base, REDIS_KEY_PREFIX: 'api:', SESSION_TTL_SECONDS: '86400' })).toEqual({
      cognito: expect.objectContaining({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', endpoint: undefined }),
      redis: { url: 'rediss://cache.example.com:6379', password: undefined, tls: true },
      keyPrefix: 'api:',
      denylist: { minReplicas: 0, replicaTimeoutMs: 500, onLoss: 'refuse-older' },
      sessionTtlSeconds: 86400,
      logLevel: 'info',
      groupScopes: new Map(),
      tokenCacheSize: 10_000,
    });
  });

  it.each([
    ['no Redis', { REDIS_URL: undefined }, 'Invalid configuration: REDIS_URL: required by the Lambdas (they write the denylist the service reads)'],
    ['a bad pool id', { COGNITO_USER_POOL_ID: 'pool' }, 'Invalid configuration: COGNITO_USER_POOL_ID: must be a user pool id such as eu-west-1_AbCdEf123'],
    ['a bad TTL', { SESSION_TTL_SECONDS: '-1' }, 'Invalid configuration: SESSION_TTL_SECONDS: Too small: expected number to be >0'],
  ])('refuses %s with the service\'s one-line message', (_case, change, message) => {
    expect(() => loadLambdaConfig({ ...base, ...change })).toThrow(new ConfigError(message));
  });
});

describe('LambdaRuntime.denylist', () => {
  it('connects on first use and waits for the connection, so a cold start\'s first write lands; later calls reuse it', async () => {
    const { runtime } = runtimes.make(lambdaEnv(fleet.prefix));
    // The client has no offline queue: without the wait, this first write would fail at once.
    const store = await runtime.denylist();
    const sub = randomUUID();
    await store.raiseCutoff(sub, 1000, 60);
    expect(await runtime.denylist()).toBe(store);
    const other = await (await fleet.instance()).denylist.getRevocation(sub, 'any');
    expect(other.cutoff).toBe(1000);
  });

  it('rejects as temporarily unavailable after the ready timeout when Redis can\'t be reached, and keeps trying', async () => {
    const { runtime } = runtimes.make(lambdaEnv(fleet.prefix, { REDIS_URL: await closedUrl('redis') }));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const started = Date.now();
      await expect(runtime.denylist()).rejects.toBeInstanceOf(TemporarilyUnavailableError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(REDIS_READY_TIMEOUT_MS - 50);
      expect(Date.now() - started).toBeLessThan(REDIS_READY_TIMEOUT_MS + 1000);
    }
  });

  it('reads only the environment it is given, never process.env behind it', () => {
    expect(() => new LambdaRuntime({ REDIS_URL: stack.redisUrl })).toThrow('Invalid configuration: COGNITO_USER_POOL_ID: required');
  });
});
