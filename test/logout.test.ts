// Logout that really logs out: two instances share one Redis; a logged-out token is refused on both at once.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { shortDigest } from '../src/redis/keys';
import { expectLoggedOut, expectRefreshRefused } from './support/assertions';
import { cognitoTakesRefreshToken, loginAtCognito } from './support/cognito-direct';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';
import { createUser } from './support/users';

const fleet = new TestFleet();
let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await fleet.instance();
  b = await fleet.instance();
});
afterAll(() => fleet.close());

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
const LOGGED_OUT = { error: 'invalid_token', error_description: 'The session of this token has logged out.' };

describe('POST /auth/logout', () => {
  it('refuses the session\'s token on the other instance on the very next request', async () => {
    const tokens = await login(a.app, users.reader);
    expect((await me(b, tokens.access_token)).status).toBe(200);

    const logout = await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');

    for (const api of [a, b]) {
      const response = await me(api, tokens.access_token);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(LOGGED_OUT);
      expect(response.headers['www-authenticate']).toBe(
        'Bearer realm="api", error="invalid_token", error_description="The session of this token has logged out."',
      );
    }
  });

  it('leaves the user\'s other sessions working', async () => {
    const first = await login(a.app, users.reader);
    const second = await login(a.app, users.reader);
    await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${first.access_token}`).expect(204);
    expectLoggedOut(await me(b, first.access_token));
    expect((await me(b, second.access_token)).status).toBe(200);
  });

  it('revokes a given refresh token at Cognito, so refreshing with it fails', async () => {
    const tokens = await login(a.app, users.reader);
    await request(a.app)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${tokens.access_token}`)
      .send({ refresh_token: tokens.refresh_token })
      .expect(204);
    // Cognito's own refusal, not the service's record: the record is dropped once Cognito has revoked the token.
    const refresh = await request(b.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token });
    expectRefreshRefused(refresh, 'cognito');
    await expect(cognitoTakesRefreshToken(tokens.refresh_token, users.reader.username)).resolves.toBe(false);
  });

  it('refuses a refresh of a logged-out session even when the refresh token was not sent to logout', async () => {
    const tokens = await login(a.app, users.reader);
    await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    const refresh = await request(b.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token });
    expect(refresh.status).toBe(400);
    expect(refresh.body).toEqual({ error: 'invalid_grant', error_description: 'The session of this refresh token has logged out.' });
  });

  it('logs out the refresh token\'s session too when called with a refreshed access token', async () => {
    const tokens = await login(a.app, users.reader);
    const refreshed = await request(a.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token }).expect(200);
    await request(a.app)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${refreshed.body.access_token}`)
      .send({ refresh_token: tokens.refresh_token })
      .expect(204);
    expectLoggedOut(await me(b, refreshed.body.access_token));
    expectLoggedOut(await me(b, tokens.access_token));
  });

  it('answers a repeated logout 204 and writes the same again: a client whose first try got 503 repeats it', async () => {
    const tokens = await login(a.app, users.reader);
    await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    const again = await request(b.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(again.status).toBe(204);
    expect(again.text).toBe('');
    const withBody = await request(b.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).send({});
    expect(withBody.status).toBe(204);
    expectLoggedOut(await me(a, tokens.access_token));
  });

  it('answers a repeated logout-all 204 without ending the sessions begun since: a logged-out token ends nothing new', async () => {
    const user = await createUser();
    const stolen = await login(a.app, user);
    await request(a.app).post('/auth/logout-all').set('Authorization', `Bearer ${stolen.access_token}`).expect(204);
    const later = await login(a.app, user);
    const again = await request(b.app).post('/auth/logout-all').set('Authorization', `Bearer ${stolen.access_token}`);
    expect(again.status).toBe(204);
    expectLoggedOut(await me(b, stolen.access_token));
    expect((await me(b, later.access_token)).status).toBe(200);
  });

  it('answers a logout without a token with 401 unauthorized', async () => {
    const response = await request(a.app).post('/auth/logout');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", resource_metadata="/);
  });

  it('answers a logout with a malformed body with 400', async () => {
    const tokens = await login(a.app, users.reader);
    const response = await request(a.app)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${tokens.access_token}`)
      .send({ refresh_token: 42 });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ path: 'refresh_token', message: expect.any(String) }]);
  });

  it('stores the logged-out session under a key of its own, for the refresh token lifetime', async () => {
    const tokens = await login(a.app, users.editor);
    const meBody = (await me(a, tokens.access_token)).body;
    await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    const key = `${fleet.prefix}{${shortDigest(meBody.sub)}}${shortDigest(meBody.session_id)}`;
    expect(await a.redis.get(key)).toBe('1');
    const ttl = await a.redis.ttl(key);
    expect(ttl).toBeGreaterThan(a.config.sessionTtlSeconds - 10);
    expect(ttl).toBeLessThanOrEqual(a.config.sessionTtlSeconds);
  });

  it('keeps a session only as long as its access tokens live once its refresh token is revoked', async () => {
    const tokens = await login(a.app, users.editor);
    const meBody = (await me(a, tokens.access_token)).body;
    await request(a.app)
      .post('/auth/logout')
      .set('Authorization', `Bearer ${tokens.access_token}`)
      .send({ refresh_token: tokens.refresh_token })
      .expect(204);
    // The service's record ties this refresh token to the session (cognito-local's tokens carry no origin_jti).
    const key = `${fleet.prefix}{${shortDigest(meBody.sub)}}${shortDigest(meBody.session_id)}`;
    expect(await a.redis.get(key)).toBe('1');
    const ttl = await a.redis.ttl(key);
    expect(ttl).toBeGreaterThan(86_400 + 60 - 10);
    expect(ttl).toBeLessThanOrEqual(86_400 + 60);
    expect((await me(b, tokens.access_token)).body).toEqual(LOGGED_OUT);
  });
});

describe('one session is one session', () => {
  const refreshed = async (api: TestApp, refreshToken: string) => {
    const response = await request(api.app).post('/auth/refresh').send({ refresh_token: refreshToken });
    expect(response.status).toBe(200);
    return response.body.access_token as string;
  };

  it('ends the login, every token refreshed from it and its refresh token when a refreshed token logs out (no origin_jti)', async () => {
    const user = await createUser();
    const login1 = await login(a.app, user);
    const a2 = await refreshed(b, login1.refresh_token);
    const a3 = await refreshed(a, login1.refresh_token);
    const other = await login(a.app, user);

    await request(b.app).post('/auth/logout').set('Authorization', `Bearer ${a2}`).expect(204);

    for (const token of [login1.access_token, a2, a3]) for (const api of [a, b]) expectLoggedOut(await me(api, token));
    expectRefreshRefused(await request(a.app).post('/auth/refresh').send({ refresh_token: login1.refresh_token }), 'logged-out session');
    // Another login of the same user is another session.
    expect((await me(b, other.access_token)).status).toBe(200);
  });

  it('ends the tokens refreshed from a login when the login\'s own token logs out', async () => {
    const user = await createUser();
    const login1 = await login(a.app, user);
    const a2 = await refreshed(a, login1.refresh_token);
    await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${login1.access_token}`).expect(204);
    expectLoggedOut(await me(b, a2));
  });

  it('spares the caller\'s whole session on a password change made with a refreshed token', async () => {
    const user = await createUser();
    const login1 = await login(a.app, user);
    const a2 = await refreshed(a, login1.refresh_token);
    const other = await login(b.app, user);
    const newPassword = `New-${user.password}`;
    await request(a.app)
      .post('/auth/change-password')
      .set('Authorization', `Bearer ${a2}`)
      .send({ old_password: user.password, new_password: newPassword })
      .expect(204);

    for (const token of [login1.access_token, a2]) expect((await me(b, token)).status).toBe(200);
    const again = await refreshed(b, login1.refresh_token);
    expect((await me(a, again)).status).toBe(200);
    expectLoggedOut(await me(a, other.access_token));
  });

  it('ends every token of a session that carries origin_jti (Amazon Cognito\'s tokens), whichever logs out', async () => {
    const sub = randomUUID();
    const session = randomUUID();
    const first = mintAccessToken(stack.issuer, stack.clientId, { sub, jti: session, origin_jti: session });
    const later = mintAccessToken(stack.issuer, stack.clientId, { sub, origin_jti: session });
    const another = mintAccessToken(stack.issuer, stack.clientId, { sub, origin_jti: randomUUID() });
    await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${later}`).expect(204);
    expectLoggedOut(await me(b, first));
    expectLoggedOut(await me(b, later));
    expect((await me(b, another)).status).toBe(200);
  });
});

describe('POST /auth/logout-all', () => {
  it('refuses every earlier session of the user on every instance, and a login right after works', async () => {
    const user = await createUser({ groups: ['readers'] });
    const first = await login(a.app, user);
    const second = await login(b.app, user);
    const other = await login(a.app, users.editor);

    const started = Date.now();
    const response = await request(b.app).post('/auth/logout-all').set('Authorization', `Bearer ${first.access_token}`);
    expect(response.status).toBe(204);
    expect(Date.now() - started).toBeLessThan(2500);

    for (const api of [a, b]) {
      for (const token of [first.access_token, second.access_token]) {
        const refused = await me(api, token);
        expect(refused.status).toBe(401);
        expect(refused.body).toEqual(LOGGED_OUT);
      }
    }
    expect((await me(a, other.access_token)).status).toBe(200);

    const fresh = await login(a.app, user);
    expect((await me(b, fresh.access_token)).status).toBe(200);
  });

  it('judges a refreshed token by when its user authenticated (auth_time), not by when it was issued (iat)', async () => {
    // Real pools keep auth_time across refreshes: a token refreshed after the cut-off from a login before it has
    // iat after the cut-off and auth_time before it. It belongs to an ended session and is refused.
    const tokens = await login(a.app, users.editor);
    const sub = (await me(a, tokens.access_token)).body.sub as string;
    const now = Math.floor(Date.now() / 1000);
    await request(a.app).post('/auth/logout-all').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    const refreshedAfter = mintAccessToken(stack.issuer, stack.clientId, { sub, auth_time: now - 600, iat: now + 2 });
    const refused = await me(b, refreshedAfter);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(LOGGED_OUT);
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The session of this token has logged out."',
    );
    // A later login, refreshed long ago by its iat's standard, passes: auth_time after the cut-off decides.
    const loginAfter = mintAccessToken(stack.issuer, stack.clientId, { sub, auth_time: now + 2, iat: now + 2 });
    expect((await me(b, loginAfter)).status).toBe(200);
  });

  it('refuses refreshing a session that logout-all ended', async () => {
    const user = await createUser();
    const tokens = await login(a.app, user);
    await request(a.app).post('/auth/logout-all').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    // cognito-local has no GlobalSignOut: the service's own record of the refresh token refuses it.
    const refresh = await request(b.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token });
    expectRefreshRefused(refresh, 'logged-out session');
  });

  it('refuses a refresh token the service never saw once logout-all has ended its session, on both endpoints', async () => {
    const user = await createUser();
    // Tokens taken straight from Cognito, as the hosted UI or another app gets them: the service holds no record.
    const elsewhere = await loginAtCognito(user.username, user.password);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const here = await login(a.app, user);
    await request(a.app).post('/auth/logout-all').set('Authorization', `Bearer ${here.access_token}`).expect(204);
    expectLoggedOut(await me(b, elsewhere.accessToken));

    expectRefreshRefused(await request(b.app).post('/auth/refresh').send({ refresh_token: elsewhere.refreshToken }), 'logged-out session');
    const token = await request(b.app).post('/auth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: elsewhere.refreshToken });
    expect(token.status).toBe(400);
    expect(token.body).toEqual({ error: 'invalid_grant', error_description: 'The session of this refresh token has logged out.' });
    // A session that began after logout-all refreshes as before.
    const later = await loginAtCognito(user.username, user.password);
    expect((await request(b.app).post('/auth/refresh').send({ refresh_token: later.refreshToken })).status).toBe(200);
  });

  it('answers logout-all without a token with 401', async () => {
    const response = await request(a.app).post('/auth/logout-all');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", resource_metadata="/);
  });
});
