// Login, the OAuth 2.0 token endpoint, refresh and the NEW_PASSWORD_REQUIRED challenge against cognito-local.
import request from 'supertest';
import { claimsOf, login, stack, TestFleet, users, type TestApp } from './support/stack';
import { createUser, signUpUnconfirmed } from './support/users';

const fleet = new TestFleet();
let api: TestApp;

beforeAll(async () => {
  api = await fleet.instance();
});
afterAll(() => fleet.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** POST /auth/token with grant_type=password for `user`, extra form fields, and an optional Authorization header. */
function passwordGrant(user: { username: string; password: string }, extra: Record<string, string> = {}, authorization?: string) {
  const call = request(api.app).post('/auth/token');
  if (authorization) call.set('Authorization', authorization);
  return call.type('form').send(form({ grant_type: 'password', username: user.username, password: user.password, ...extra }));
}

describe('POST /auth/login', () => {
  it('returns Cognito tokens for a right username and password, never cached', async () => {
    const response = await request(api.app).post('/auth/login').send({ username: users.reader.username, password: users.reader.password });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      access_token: expect.any(String),
      id_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
    });
    const claims = claimsOf(response.body.access_token);
    expect(claims).toMatchObject({ token_use: 'access', client_id: stack.clientId, username: 'reader', iss: stack.issuer });
    // cognito-local sends no ExpiresIn: expires_in comes from the token's own exp.
    expect(Math.abs(response.body.expires_in - (Number(claims.exp) - Math.floor(Date.now() / 1000)))).toBeLessThanOrEqual(2);
  });

  it('answers a wrong password and an unknown user with the same 401 invalid_credentials', async () => {
    const wrongPassword = await request(api.app).post('/auth/login').send({ username: users.reader.username, password: 'nope-nope-1' });
    const unknownUser = await request(api.app).post('/auth/login').send({ username: 'nobody-here', password: 'nope-nope-1' });
    for (const response of [wrongPassword, unknownUser]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'invalid_credentials', error_description: 'Incorrect username or password.' });
    }
  });

  it('names each missing field in a 400 invalid_request', async () => {
    const response = await request(api.app).post('/auth/login').send({ username: '', password: '' });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
    expect(response.body.details).toEqual([
      { path: 'username', message: 'required' },
      { path: 'password', message: 'required' },
    ]);
  });

  it('needs the password on an app client without choice-based sign-in: one-time codes are USER_AUTH\'s', async () => {
    const response = await request(api.app).post('/auth/login').send({ username: 'someone-without-a-password' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_request',
      error_description: 'password is required: this app client has no choice-based sign-in (USER_AUTH) for one-time codes.',
      details: [{ path: 'password', message: 'required' }],
    });
  });

  it('answers malformed JSON with 400 invalid_request, not a stack trace', async () => {
    const response = await request(api.app).post('/auth/login').set('Content-Type', 'application/json').send('{"username": ');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_request', error_description: 'The body is not valid JSON.' });
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await request(api.app).post('/auth/login').type('form').send(form({ username: 'a', password: 'b' }));
    expect(response.status).toBe(415);
    expect(response.body.error).toBe('invalid_request');
  });

  it('answers 403 user_not_confirmed for the right password of an unconfirmed account', async () => {
    const user = await signUpUnconfirmed();
    const response = await request(api.app).post('/auth/login').send(user);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'user_not_confirmed', error_description: 'The account is not confirmed yet.' });
  });
});

describe('NEW_PASSWORD_REQUIRED challenge', () => {
  it('turns a FORCE_CHANGE_PASSWORD login into a challenge, answered by /auth/challenge with tokens', async () => {
    const user = await createUser({ mustChangePassword: true });
    const first = await request(api.app).post('/auth/login').send(user);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ challenge: 'NEW_PASSWORD_REQUIRED', session: expect.any(String), username: user.username });

    const answer = await request(api.app)
      .post('/auth/challenge')
      .send({ challenge: 'NEW_PASSWORD_REQUIRED', username: user.username, session: first.body.session, new_password: 'Brand-new-pass-1' });
    expect(answer.status).toBe(200);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });

    const me = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${answer.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe(user.username);

    const again = await request(api.app).post('/auth/login').send({ username: user.username, password: 'Brand-new-pass-1' });
    expect(again.status).toBe(200);
    expect(again.body.access_token).toEqual(expect.any(String));
  });

  it('refuses an unknown challenge name with 400 naming the field', async () => {
    const response = await request(api.app)
      .post('/auth/challenge')
      .send({ challenge: 'CUSTOM_CHALLENGE', username: 'x', session: 's', new_password: 'p' });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([
      {
        path: 'challenge',
        message:
          'must be one of NEW_PASSWORD_REQUIRED, SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SMS_OTP, SELECT_MFA_TYPE, SELECT_CHALLENGE; answer MFA_SETUP with POST /auth/mfa/setup and /auth/mfa/verify',
      },
    ]);
  });

  it('tells a password-grant client to use /auth/login for a user who must change password', async () => {
    const user = await createUser({ mustChangePassword: true });
    const response = await passwordGrant(user);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_grant');
    expect(response.body.error_description).toMatch(/\/auth\/challenge/);
  });
});

describe('POST /auth/token', () => {
  it('issues tokens for grant_type=password (the OpenAPI password flow)', async () => {
    const response = await passwordGrant(users.editor, { scope: 'books/write' });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
  });

  it('names the scopes the token grants (from its groups) when a scope was asked for, RFC 6749 §3.3', async () => {
    const asked = await passwordGrant(users.reader, { scope: 'books/write' });
    expect(asked.status).toBe(200);
    // cognito-local's fixed scope claim, plus what the group readers grants; the requested books/write is not granted.
    expect(asked.body.scope).toBe('aws.cognito.signin.user.admin books/read');
    const me = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${asked.body.access_token}`);
    expect(me.body.scopes).toEqual(asked.body.scope.split(' '));

    const notAsked = await passwordGrant(users.reader, { scope: ' ' });
    expect(notAsked.status).toBe(200);
    expect(notAsked.body).not.toHaveProperty('scope');
  });

  it('accepts this service\'s client id and secret sent as HTTP Basic', async () => {
    const basic = Buffer.from(`${stack.clientId}:${stack.clientSecret}`).toString('base64');
    const response = await passwordGrant(users.reader, {}, `Basic ${basic}`);
    expect(response.status).toBe(200);
  });

  it('accepts what Swagger UI sends with empty client fields: HTTP Basic of ":" and a scope list', async () => {
    const response = await passwordGrant(users.reader, { scope: 'books/read books/write' }, `Basic ${Buffer.from(':').toString('base64')}`);
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('Bearer');
  });

  it('refuses another client id with 401 invalid_client', async () => {
    const response = await passwordGrant(users.reader, { client_id: 'someone-else' });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_client');
    expect(response.headers['www-authenticate']).toBe('Basic realm="api"');
  });

  it('answers bad credentials with 400 invalid_grant', async () => {
    const response = await passwordGrant({ username: users.reader.username, password: 'wrong-wrong-1' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_grant', error_description: 'Incorrect username or password.' });
  });

  it('answers any other grant with 400 unsupported_grant_type', async () => {
    const response = await request(api.app).post('/auth/token').type('form').send(form({ grant_type: 'client_credentials' }));
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('unsupported_grant_type');
  });

  it('refuses a JSON body with 415: the token endpoint takes a form', async () => {
    const response = await request(api.app).post('/auth/token').send({ grant_type: 'password' });
    expect(response.status).toBe(415);
    expect(response.body).toEqual({
      error: 'invalid_request',
      error_description: 'Send the body as application/x-www-form-urlencoded.',
    });
  });

  it('answers a missing grant_type with 400 invalid_request', async () => {
    const response = await request(api.app).post('/auth/token').type('form').send(form({ username: 'a' }));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_request', details: [{ path: 'grant_type', message: 'required' }] });
  });

  it('refreshes with grant_type=refresh_token, without a new refresh token', async () => {
    const tokens = await login(api.app, users.reader);
    const response = await request(api.app)
      .post('/auth/token')
      .type('form')
      .send(form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }));
    expect(response.status).toBe(200);
    // No ID token unless scope asks for openid: its issuer is Cognito's, not this service's RFC 8414 issuer.
    expect(response.body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: expect.any(Number),
    });
  });

  it('returns an ID token only when scope asks for openid, as OpenID Connect does', async () => {
    // A user of its own: the demo users' login budgets are spent by the other cases of this file.
    const user = await createUser({ groups: ['readers'] });
    const withOpenid = await passwordGrant(user, { scope: 'openid books/read' });
    expect(withOpenid.status).toBe(200);
    expect(withOpenid.body.id_token).toEqual(expect.any(String));
    const without = await passwordGrant(user, { scope: 'books/read' });
    expect(without.status).toBe(200);
    expect(without.body).not.toHaveProperty('id_token');
    expect(without.body.refresh_token).toEqual(expect.any(String));
  });
});

describe('POST /auth/refresh', () => {
  it('returns new access and ID tokens that work on protected routes', async () => {
    const tokens = await login(api.app, users.reader);
    const response = await request(api.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body.refresh_token).toBeUndefined();
    const me = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${response.body.access_token}`);
    expect(me.status).toBe(200);
  });

  it('answers an unknown refresh token with 400 invalid_grant', async () => {
    const response = await request(api.app).post('/auth/refresh').send({ refresh_token: 'not-a-refresh-token' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked.' });
  });

  it('answers a missing refresh_token with 400 naming it', async () => {
    const response = await request(api.app).post('/auth/refresh').send({});
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ path: 'refresh_token', message: 'required' }]);
  });
});
