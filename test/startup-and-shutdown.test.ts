// The service as a process (src/main.ts, spawned): a bad configuration stops it with one line naming the variable,
// SIGTERM lets the request in flight finish and exits within 5 s.
// (Signing keys that load late: test/jwks-outage.test.ts.)
import { spawnService } from './support/service-process';
import { stack, testEnv, TestFleet } from './support/stack';
import { createUser } from './support/users';

const fleet = new TestFleet();
afterAll(() => fleet.close());

describe('the process', () => {
  it('stops on a bad configuration with one line naming the variable', async () => {
    const service = await spawnService({ COGNITO_CLIENT_ID: 'abc', AWS_REGION: 'eu-west-1' }, { waitUntilUp: false });
    expect(await service.exited).toBe(1);
    expect(service.output()).toBe('Invalid configuration: COGNITO_USER_POOL_ID: required\n');
  });

  it('on SIGTERM finishes the request in flight, closes Redis and exits within 5 s', async () => {
    const service = await spawnService({ ...testEnv({ REDIS_URL: stack.redisUrl, REDIS_KEY_PREFIX: fleet.prefix }), LOG_LEVEL: 'info' });
    // A user of its own: the demo users' login budget and sessions are shared with the rest of this file.
    const user = await createUser();
    const loggedIn = await fetch(`${service.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(user),
    });
    const tokens = (await loggedIn.json()) as { access_token: string; error?: string };
    // The status with the error code, so a failed login shows why instead of failing the logout below.
    expect([loggedIn.status, tokens.error]).toEqual([200, undefined]);

    // logout-all holds its response until the current second is over: a request in flight when SIGTERM lands.
    const inFlight = fetch(`${service.url}/auth/logout-all`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const signalled = Date.now();
    service.child.kill('SIGTERM');

    expect((await inFlight).status).toBe(204);
    expect(await service.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(service.output()).toContain('"msg":"shutting down"');
    await expect(fetch(`${service.url}/healthz`)).rejects.toThrow();
  });
});
