// Dependencies failing and callers pushing: 503 with Retry-After (fail closed, no hang) and 429 for login floods.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { expectUnavailable } from './support/assertions';
import { CognitoAccessTokenVerifier } from '../src/bearer/token-verifier';
import { CognitoClient } from '../src/cognito/cognito-client';
import { SdkCognitoSignIn } from '../src/cognito/sdk-sign-in';
import type { CognitoSignIn } from '../src/signin/model';
import { fakeCognito } from './support/fake-cognito';
import { loadConfig } from '../src/config/config';
import { freePort } from '../src/dev/local-cognito';
import { stack, testEnv, TestFleet, users } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
afterAll(() => fleet.close());

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

describe('Cognito unreachable', () => {
  it('answers login with 503 in bounded time, while protected routes keep working from the cached keys', async () => {
    const closedPort = await freePort();
    const healthy = loadConfig(testEnv());
    const verifier = new CognitoAccessTokenVerifier(healthy.cognito);
    await verifier.loadKeys();
    const api = await fleet.instance({
      env: { COGNITO_ENDPOINT: `http://127.0.0.1:${closedPort}`, COGNITO_ISSUER: stack.issuer, COGNITO_JWKS_URI: healthy.cognito.jwksUri },
      verifier,
    });

    const started = Date.now();
    const response = await request(api.app).post('/auth/login').send(users.reader);
    expectUnavailable(response);
    expect(response.body.error_description).toBe('Cognito is not answering.');
    expect(Date.now() - started).toBeLessThan(5000);

    const token = mintAccessToken(stack.issuer, stack.clientId);
    const me = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
    expect(me.status).toBe(200);
  });

  it('answers Cognito throttling with 429 and Retry-After', async () => {
    // Fake: cognito-local never throttles, so InitiateAuth gets Amazon Cognito's throttling answer on the wire.
    const fake = fakeCognito({
      InitiateAuth: { status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' } },
    });
    const api = await fleet.instance({ cognitoSdk: fake.client });
    const response = await request(api.app).post('/auth/login').send(users.reader);
    expect(response.status).toBe(429);
    expect(response.body.error).toBe('too_many_requests');
    expect(response.headers['retry-after']).toBe('5');
  });
});

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
});

describe('login rate limit', () => {
  // Counts are shared through Redis under the fleet's prefix, so these tests get fleets of their own.
  const limited = new TestFleet();
  afterAll(() => limited.close());
  it('answers the attempt over the limit with 429 and Retry-After, on every instance, per username', async () => {
    const env = { LOGIN_RATE_LIMIT: '3', LOGIN_RATE_WINDOW_SECONDS: '60' };
    const a = await limited.instance({ env });
    const b = await limited.instance({ env });
    const attempt = (app: typeof a, username: string) =>
      request(app.app).post('/auth/login').send({ username, password: 'wrong-password-1' });

    expect((await attempt(a, users.reader.username)).status).toBe(401);
    expect((await attempt(b, users.reader.username)).status).toBe(401);
    expect((await attempt(a, users.reader.username)).status).toBe(401);
    const over = await attempt(b, users.reader.username);
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ error: 'too_many_requests', error_description: 'Too many login attempts; try again later.' });
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const right = await request(a.app).post('/auth/login').send(users.reader);
    expect(right.status).toBe(429);
    const otherUser = await request(a.app).post('/auth/login').send(users.editor);
    expect(otherUser.status).toBe(200);
  });

  it('counts password grants at the token endpoint too', async () => {
    const api = await limited.instance({ env: { LOGIN_RATE_LIMIT: '1' } });
    const username = `grant-${randomUUID()}`;
    const grant = () =>
      request(api.app)
        .post('/auth/token')
        .type('form')
        .send(new URLSearchParams({ grant_type: 'password', username, password: 'x-wrong-1' }).toString());
    expect((await grant()).status).toBe(400);
    const over = await grant();
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toEqual(expect.any(String));
  });
});

describe('unexpected failures', () => {
  it('answers a bug with 500 server_error and a plain message, no stack or internals', async () => {
    // Fake: a real part can't produce an internal bug on demand, so this CognitoSignIn throws a plain Error.
    const real = new SdkCognitoSignIn(new CognitoClient(loadConfig(testEnv()).cognito));
    const cognitoSignIn: CognitoSignIn = Object.assign(Object.create(real) as CognitoSignIn, {
      login: async () => {
        throw new Error('secret internal detail at /srv/app.js:12');
      },
    });
    const api = await fleet.instance({ cognitoSignIn });
    const response = await request(api.app).post('/auth/login').send(users.reader);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'server_error', error_description: 'The service failed to handle this request.' });
    expect(response.text).not.toContain('secret internal detail');
  });
});
