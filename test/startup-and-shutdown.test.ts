// Faults produced for real: a stopped, hung and restarted Redis, a hung Cognito, a JWKS that is down or flooded,
// and the process's own start-up and shutdown. Each must end in a quick 503 or a clean exit, never a pass or a hang.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { expectLoggedOut, expectRefreshRefused, expectUnavailable } from './support/assertions';
import { TimeoutFetcher } from '../src/bearer/jwks-fetcher';
import { CognitoAccessTokenVerifier } from '../src/bearer/token-verifier';
import { loadConfig } from '../src/config/config';
import { startHungServer } from './support/hung-server';
import { cognitoTakesRefreshToken } from './support/cognito-direct';
import { startRedisServer } from './support/redis-server';
import { spawnService } from './support/service-process';
import { login, stack, testEnv, TestFleet, users, type TestApp } from './support/stack';
import { accessClaims, mintAccessToken, signJwt } from './support/tokens';
import { createUser } from './support/users';

const fleet = new TestFleet();
afterAll(() => fleet.close());

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

/** A JWKS endpoint that answers 503 until `up()`, then serves the pool's real key set. */
async function switchableJwks(): Promise<{ uri: string; up(): Promise<void>; close(): void }> {
  let body: string | undefined;
  const server = createServer((_req, res) => {
    if (body === undefined) res.writeHead(503).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/jwks.json`,
    up: async () => {
      body = await (await fetch(`${stack.issuer}/.well-known/jwks.json`)).text();
    },
    close: () => server.close(),
  };
}

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

describe('Cognito hung (accepts connections, never answers)', () => {
  let hung: Awaited<ReturnType<typeof startHungServer>>;
  let api: TestApp;
  let healthy: TestApp;

  beforeAll(async () => {
    hung = await startHungServer();
    healthy = await fleet.instance();
    const verifier = new CognitoAccessTokenVerifier(loadConfig(testEnv()).cognito);
    await verifier.loadKeys();
    api = await fleet.instance({
      env: { COGNITO_ENDPOINT: hung.url, COGNITO_ISSUER: stack.issuer, COGNITO_JWKS_URI: `${stack.issuer}/.well-known/jwks.json` },
      verifier,
    });
  });
  afterAll(() => hung.close());

  it.each([
    ['POST /auth/login', () => request(api.app).post('/auth/login').send(users.reader)],
    ['POST /auth/refresh', () => request(api.app).post('/auth/refresh').send({ refresh_token: 'some-refresh-token' })],
    [
      'POST /auth/challenge',
      () => request(api.app).post('/auth/challenge').send({ challenge: 'NEW_PASSWORD_REQUIRED', username: 'x', session: 's', new_password: 'Pw-123456' }),
    ],
  ])('%s answers 503 within 6 s', async (_name, call) => {
    const started = Date.now();
    const response = await call();
    expectUnavailable(response);
    expect(response.body.error_description).toBe('Cognito is not answering.');
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('a logout whose revocation fails still logs the session out, and says so with 503', async () => {
    const tokens = await login(healthy.app, users.reader);
    const started = Date.now();
    const response = await request(api.app)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${tokens.access_token}`)
      .send({ refresh_token: tokens.refresh_token });
    expect(Date.now() - started).toBeLessThan(6000);
    expectUnavailable(response);
    expect(response.body.error_description).toBe(
      'This session is logged out, but Cognito could not revoke the refresh token now; repeat the logout to revoke it.',
    );
    expectLoggedOut(await me(healthy, tokens.access_token));
    const refresh = await request(healthy.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token });
    expectRefreshRefused(refresh, 'logged-out session');

    // Cognito itself still takes the refresh token: only the service's own record refuses it so far.
    await expect(cognitoTakesRefreshToken(tokens.refresh_token, users.reader.username)).resolves.toBe(true);

    // Repeated with the same tokens once Cognito answers, the logout completes, and Cognito refuses it too.
    const again = await request(healthy.app)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${tokens.access_token}`)
      .send({ refresh_token: tokens.refresh_token });
    expect(again.status).toBe(204);
    expect(again.text).toBe('');
    await expect(cognitoTakesRefreshToken(tokens.refresh_token, users.reader.username)).resolves.toBe(false);
    // Without a refresh token there is nothing left to complete: the logged-out token is refused as anywhere else.
    const bare = await request(healthy.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(bare.status).toBe(401);
    expect(bare.body.error_description).toBe('The session of this token has logged out.');
  }, 15000);

  it('keeps protected routes working from the cached signing keys', async () => {
    const response = await me(api, mintAccessToken(stack.issuer, stack.clientId));
    expect(response.status).toBe(200);
  });
});

describe('JWKS', () => {
  it('fetches the JWKS at most once per 10 s for a flood of unknown kids', async () => {
    const config = loadConfig(testEnv()).cognito;
    const fetcher = new TimeoutFetcher();
    const verifier = new CognitoAccessTokenVerifier(config, { fetcher });
    const api = await fleet.instance({ verifier });
    await verifier.loadKeys();
    expect(fetcher.fetches).toBe(1);

    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        me(api, signJwt({ alg: 'RS256', typ: 'JWT', kid: `unknown-${i}` }, accessClaims(stack.issuer, stack.clientId))),
      ),
    );
    for (const response of responses) {
      expect(response.status).toBe(401);
      expect(response.body.error_description).toBe('The token was signed with an unknown key.');
    }
    expect(fetcher.fetches).toBe(2);
    expect((await me(api, mintAccessToken(stack.issuer, stack.clientId))).status).toBe(200);
  });

  it('answers 503 while the JWKS is unreachable at start-up, fails fast, and serves once it comes up', async () => {
    const jwks = await switchableJwks();
    try {
      const api = await fleet.instance({ env: { COGNITO_JWKS_URI: jwks.uri } });
      const token = mintAccessToken(stack.issuer, stack.clientId);

      expectUnavailable(await me(api, token));
      const started = Date.now();
      expectUnavailable(await me(api, token));
      expect(Date.now() - started).toBeLessThan(200);
      expect((await request(api.app).get('/readyz')).body.down).toEqual(['jwks']);

      await jwks.up();
      await eventually(async () => (await me(api, token)).status === 200, 5000);
      expect((await request(api.app).get('/readyz')).status).toBe(200);
    } finally {
      jwks.close();
    }
  });
});

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

  it('refuses after an upgrade a session the earlier version logged out, having copied its layout at start-up', async () => {
    const prefix = `${fleet.prefix}upgrade:`;
    const [sub, jti] = [randomUUID(), randomUUID()];
    const now = Math.floor(Date.now() / 1000);
    const redis = await fleet.client();
    // As the version before wrote it: one hash per user, the session's field holding its expiry.
    await redis.hset(`${prefix}denylist:${sub}`, `s:${jti}`, String(now + 600));
    await redis.expireat(`${prefix}denylist:${sub}`, now + 600);
    const service = await spawnService(testEnv({ REDIS_URL: stack.redisUrl, REDIS_KEY_PREFIX: prefix }));
    try {
      const token = mintAccessToken(stack.issuer, stack.clientId, { sub, jti });
      const other = mintAccessToken(stack.issuer, stack.clientId, { sub });
      const me = (bearer: string) => fetch(`${service.url}/auth/me`, { headers: { authorization: `Bearer ${bearer}` } });
      let response = await me(token);
      // Until the move is done the answer is 503, never a pass.
      for (let i = 0; i < 50 && response.status === 503; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await me(token);
      }
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'The session of this token has logged out.' });
      expect((await me(other)).status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
      await redis.del(`${prefix}layout`);
    }
  });

  it('answers 503 until the signing keys load, retrying them in the background', async () => {
    const jwks = await switchableJwks();
    const service = await spawnService({
      ...testEnv({ REDIS_URL: stack.redisUrl, REDIS_KEY_PREFIX: fleet.prefix }),
      COGNITO_JWKS_URI: jwks.uri,
      LOG_LEVEL: 'info',
    });
    try {
      expect((await fetch(`${service.url}/readyz`)).status).toBe(503);
      await jwks.up();
      // The background loader retries every 5 s; the keys load without any request asking for them.
      await eventually(async () => service.output().includes('signing keys loaded'), 8000).catch((err: Error) => {
        throw new Error(`${err.message}; service output:\n${service.output()}`);
      });
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    } finally {
      service.child.kill('SIGKILL');
      jwks.close();
    }
  }, 15000);
});
