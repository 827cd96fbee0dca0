// Redis failing for real: refusing connections, hung (SIGSTOP) and back (SIGCONT), stopped and restarted with its AOF.
// Each ends in a quick 503, never a pass for a logged-out token, and the service finds Redis again by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { freePort } from '../src/dev/local-cognito';
import { expectLoggedOut, expectUnavailable } from './support/assertions';
import { eventually } from './support/eventually';
import { startRedisServer } from './support/redis-server';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
afterAll(() => fleet.close());

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);

describe('Redis unreachable', () => {
  it('answers protected routes with 503 at once, and /readyz names Redis', async () => {
    const closedPort = await freePort();
    const api = await fleet.instance({ redisUrl: `redis://127.0.0.1:${closedPort}` });
    const token = mintAccessToken(stack.issuer, stack.clientId);

    const started = Date.now();
    const response = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
    expectUnavailable(response);
    expect(response.body.error_description).toBe('The session store (Redis) is not answering.');
    expect(Date.now() - started).toBeLessThan(1000);

    const ready = await request(api.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'Not ready: redis unavailable.',
      down: ['redis'],
    });
  });
});

describe('Redis hung (SIGSTOP), then back (SIGCONT)', () => {
  it('answers 503 within 1 s while hung, refuses a logged-out token throughout, and recovers by itself', async () => {
    const redis = await startRedisServer();
    try {
      const api = await fleet.instance({ redisUrl: redis.url });
      const loggedOut = await login(api.app, users.reader);
      await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${loggedOut.access_token}`).expect(204);
      const live = await login(api.app, users.editor);

      redis.process.kill('SIGSTOP');
      for (const token of [live.access_token, loggedOut.access_token]) {
        const started = Date.now();
        const response = await me(api, token);
        expectUnavailable(response);
        expect(Date.now() - started).toBeLessThan(1000);
      }
      const ready = await request(api.app).get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.down).toEqual(['redis']);

      redis.process.kill('SIGCONT');
      await eventually(async () => (await me(api, live.access_token)).status === 200, 5000);
      const refused = await me(api, loggedOut.access_token);
      expect(refused.status).toBe(401);
      expect(refused.body.error_description).toBe('The session of this token has logged out.');
    } finally {
      redis.process.kill('SIGCONT');
      redis.process.kill('SIGKILL');
    }
  });
});

describe('Redis stopped, then restarted (with persistence)', () => {
  it('answers 503 while down (login too, fail closed), reconnects by itself, and still refuses sessions revoked before the outage', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redis-aof-'));
    const first = await startRedisServer({ dir });
    const port = Number(new URL(first.url).port);
    let second: Awaited<ReturnType<typeof startRedisServer>> | undefined;
    try {
      const api = await fleet.instance({ redisUrl: first.url });
      const tokens = await login(api.app, users.reader);
      await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);

      first.process.kill('SIGTERM');
      await new Promise((resolve) => first.process.once('exit', resolve));
      expectUnavailable(await me(api, tokens.access_token));
      expectUnavailable(await request(api.app).post('/auth/login').send(users.reader));

      second = await startRedisServer({ port, dir });
      const fresh = mintAccessToken(stack.issuer, stack.clientId);
      // eventually() throws unless the API serves again within 5 s.
      await eventually(async () => (await me(api, fresh)).status === 200, 5000);
      expectLoggedOut(await me(api, tokens.access_token));
    } finally {
      first.process.kill('SIGKILL');
      second?.process.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
