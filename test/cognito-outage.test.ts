// Cognito failing for real: refusing connections, or accepting them and never answering. Login, refresh and the
// challenge answer 503 in bounded time, protected routes keep working from the cached keys, and a logout still logs
// the session out. (Cognito throttling a login is a 429: test/budgets.test.ts.)
import request from 'supertest';
import { expectLoggedOut, expectRefreshRefused, expectUnavailable } from './support/assertions';
import { CognitoAccessTokenVerifier } from '../src/bearer/token-verifier';
import { loadConfig } from '../src/config/config';
import { freePort } from '../src/dev/local-cognito';
import { startHungServer } from './support/hung-server';
import { cognitoTakesRefreshToken } from './support/cognito-direct';
import { login, stack, testEnv, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
afterAll(() => fleet.close());

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);

describe('Cognito unreachable (connections refused)', () => {
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

    expect((await me(api, mintAccessToken(stack.issuer, stack.clientId))).status).toBe(200);
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
    // Without a refresh token a repeat only writes the logout again (204); the token stays refused everywhere else.
    const bare = await request(healthy.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(bare.status).toBe(204);
    const refused = await request(healthy.app).get('/auth/me').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(refused.status).toBe(401);
    expect(refused.body.error_description).toBe('The session of this token has logged out.');
  }, 15000);
});
