// The JWKS failing for real: unreachable, down at start-up and then back, flooded with unknown kids. Protected routes
// answer 503 (not 401) until the signing keys load, the service retries them in the background, and a flood costs at
// most one fetch per 10 s.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { expectUnavailable } from './support/assertions';
import { TimeoutFetcher } from '../src/bearer/jwks-fetcher';
import { CognitoAccessTokenVerifier } from '../src/bearer/token-verifier';
import { loadConfig } from '../src/config/config';
import { freePort } from '../src/dev/local-cognito';
import { eventually } from './support/eventually';
import { spawnService } from './support/service-process';
import { stack, testEnv, TestFleet, type TestApp } from './support/stack';
import { accessClaims, mintAccessToken, signJwt } from './support/tokens';

const fleet = new TestFleet();
afterAll(() => fleet.close());

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);

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

describe('JWKS unreachable', () => {
  it('answers protected routes with 503, not 401, and /readyz names the keys', async () => {
    const closedPort = await freePort();
    const api = await fleet.instance({
      env: { COGNITO_JWKS_URI: `http://127.0.0.1:${closedPort}/.well-known/jwks.json` },
    });
    const token = mintAccessToken(stack.issuer, stack.clientId);
    const response = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
    expectUnavailable(response);
    expect(response.body.error_description).toBe('The signing keys (JWKS) could not be loaded.');

    const ready = await request(api.app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.down).toEqual(['jwks']);
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

describe('a flood of unknown kids', () => {
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
});

describe('the service process', () => {
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
      await eventually(async () => service.output().includes('start-up: jwks ready'), 8000).catch((err: Error) => {
        throw new Error(`${err.message}; service output:\n${service.output()}`);
      });
      expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
    } finally {
      service.child.kill('SIGKILL');
      jwks.close();
    }
  }, 15000);
});
