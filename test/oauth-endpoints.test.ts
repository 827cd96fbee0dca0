// RFC 7009 revocation, RFC 7662 introspection and RFC 8414 metadata: status, body and headers of each answer.
import request from 'supertest';
import { freePort } from '../src/dev/local-cognito';
import { expectLoggedOut, expectRefreshRefused } from './support/assertions';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const GATEWAY = 'gateway:gateway-secret-1';
const M2M_CLIENT = 'machineclient123';
const env = { INTROSPECTION_CLIENTS: GATEWAY, COGNITO_ALLOWED_CLIENT_IDS: M2M_CLIENT };
const fleet = new TestFleet();
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await fleet.instance({ env });
  b = await fleet.instance({ env });
});
afterAll(() => fleet.close());

const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;
const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
const revoke = (fields: Record<string, string>, authorization?: string) => {
  const call = request(a.app).post('/auth/revoke').type('form');
  if (authorization) call.set('Authorization', authorization);
  return call.send(new URLSearchParams(fields).toString());
};
const introspect = (token: string, authorization: string | null = basic(GATEWAY), api = b) => {
  const call = request(api.app).post('/auth/introspect').type('form');
  if (authorization !== null) call.set('Authorization', authorization);
  return call.send(new URLSearchParams({ token }).toString());
};
const expectOk = (response: request.Response) => {
  expect(response.status).toBe(200);
  expect(response.text).toBe('');
  expect(response.headers['cache-control']).toBe('no-store');
};

describe('POST /auth/revoke (RFC 7009)', () => {
  it('ends an access token\'s session on every instance, as /auth/logout does', async () => {
    const tokens = await login(a.app, users.reader);
    expectOk(await revoke({ token: tokens.access_token, token_type_hint: 'access_token' }));
    expectLoggedOut(await me(b, tokens.access_token));
  });

  it('revokes a refresh token at Cognito and ends its session, with this client\'s credentials as HTTP Basic', async () => {
    const tokens = await login(a.app, users.reader);
    expectOk(await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token' }, basic(`${stack.clientId}:${stack.clientSecret}`)));
    expectLoggedOut(await me(b, tokens.access_token));
    // The service's record of it is gone with the revocation; Cognito itself now refuses it.
    expectRefreshRefused(await request(b.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token }), 'cognito');
  });

  it('finds a refresh token sent without a hint, or with the wrong one', async () => {
    const tokens = await login(a.app, users.editor);
    expectOk(await revoke({ token: tokens.refresh_token, token_type_hint: 'access_token' }));
    expectLoggedOut(await me(b, tokens.access_token));
  });

  it('ends an access token\'s session sent with the refresh_token hint: the hint only says what to try first', async () => {
    const tokens = await login(a.app, users.reader);
    expectOk(await revoke({ token: tokens.access_token, token_type_hint: 'refresh_token' }));
    expectLoggedOut(await me(b, tokens.access_token));
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['an expired access token', mintAccessToken(stack.issuer, stack.clientId, { exp: Math.floor(Date.now() / 1000) - 600 })],
    ['a forged refresh token', 'eyJhbGciOiJSUzI1NiJ9.eyJqdGkiOiJ4In0.c2ln'],
  ])('answers 200 for %s, as the RFC says', async (_what, token) => {
    expectOk(await revoke({ token }));
  });

  it('answers an already revoked token with 200 again', async () => {
    const tokens = await login(a.app, users.reader);
    expectOk(await revoke({ token: tokens.access_token }));
    expectOk(await revoke({ token: tokens.access_token }));
  });

  it('refuses wrong client credentials with 401 invalid_client and revokes nothing', async () => {
    const tokens = await login(a.app, users.reader);
    const response = await revoke({ token: tokens.access_token }, basic(`${stack.clientId}:wrong`));
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_client', error_description: 'Invalid client credentials.' });
    expect(response.headers['www-authenticate']).toBe('Basic realm="api"');
    expect((await me(b, tokens.access_token)).status).toBe(200);
  });

  it('leaves a token issued to another client as it is when a client authenticates', async () => {
    const other = mintAccessToken(stack.issuer, M2M_CLIENT, { sub: M2M_CLIENT, username: undefined });
    expectOk(await revoke({ token: other, client_id: stack.clientId, client_secret: stack.clientSecret }));
    expect((await me(b, other)).status).toBe(200);
  });

  it('needs the token: 400 naming the field', async () => {
    const response = await revoke({});
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_request', error_description: 'Invalid request: token: required', details: [{ path: 'token', message: 'required' }] });
  });

  it('refuses a cross-site browser request with 403 before any budget counts it', async () => {
    const response = await request(a.app).post('/auth/revoke').type('form').set('Origin', 'https://evil.example.net').send('token=x');
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('cross_site_request');
  });
});

describe('POST /auth/introspect (RFC 7662)', () => {
  it('describes an active access token, with no token_use member, never cached', async () => {
    const tokens = await login(a.app, users.reader);
    const response = await introspect(tokens.access_token);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      active: true,
      scope: 'aws.cognito.signin.user.admin books/read',
      client_id: stack.clientId,
      username: 'reader',
      sub: expect.any(String),
      token_type: 'Bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
      iss: stack.issuer,
      jti: expect.any(String),
      groups: ['readers'],
    });
  });

  it('describes a machine-to-machine token without username, and a token without jti without one', async () => {
    const machine = mintAccessToken(stack.issuer, M2M_CLIENT, { sub: M2M_CLIENT, username: undefined, jti: undefined, scope: 'auth/introspect' });
    const response = await introspect(machine);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.text));
    expect(response.body).toEqual({
      active: true,
      scope: 'auth/introspect',
      client_id: M2M_CLIENT,
      sub: M2M_CLIENT,
      token_type: 'Bearer',
      exp: expect.any(Number),
      iat: expect.any(Number),
      iss: stack.issuer,
      groups: [],
    });
  });

  it.each([
    ['a logged-out token', async () => {
      const tokens = await login(a.app, users.reader);
      await request(a.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
      return tokens.access_token;
    }],
    ['an expired token', async () => mintAccessToken(stack.issuer, stack.clientId, { exp: Math.floor(Date.now() / 1000) - 600 })],
    // A request still takes it (60 s of clock skew); RFC 7662's active is false once exp has passed.
    ['a token whose exp passed 30 s ago', async () => {
      const token = mintAccessToken(stack.issuer, stack.clientId, { exp: Math.floor(Date.now() / 1000) - 30 });
      expect((await me(a, token)).status).toBe(200);
      return token;
    }],
    ['an ID token', async () => (await login(a.app, users.reader)).id_token as string],
    ['a refresh token', async () => (await login(a.app, users.reader)).refresh_token as string],
    ['garbage', async () => 'garbage'],
  ])('answers exactly {"active": false} for %s', async (_what, tokenOf) => {
    const response = await introspect(await tokenOf());
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({ active: false });
  });

  it.each([
    ['no credentials', null],
    ['a wrong secret', basic('gateway:wrong')],
    ['an unknown client', basic('nobody:gateway-secret-1')],
    ['a Bearer token without the introspection scope', `Bearer ${mintAccessToken(stack.issuer, stack.clientId)}`],
  ])('refuses a caller with %s: 401 invalid_client with a Basic challenge', async (_what, authorization) => {
    const response = await introspect(mintAccessToken(stack.issuer, stack.clientId), authorization);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: 'invalid_client',
      error_description: 'Introspection needs HTTP Basic client credentials or a Bearer token with its scope.',
    });
    expect(response.headers['www-authenticate']).toBe('Basic realm="api"');
  });

  describe('the failure budget (LOGIN_IP_RATE_LIMIT wrong secrets per client id)', () => {
    let budgeted: TestApp;
    beforeEach(async () => {
      // TRUST_PROXY=true believes any X-Forwarded-For: the worst case, where every caller picks its own address.
      // Each case gets an instance of its own: the budget is counted in each instance's memory.
      budgeted = await fleet.instance({ env: { ...env, TRUST_PROXY: 'true', LOGIN_IP_RATE_LIMIT: '3' } });
    });
    const from = (address: string, authorization: string) =>
      request(budgeted.app)
        .post('/auth/introspect')
        .set('X-Forwarded-For', address)
        .set('Authorization', authorization)
        .type('form')
        .send(new URLSearchParams({ token: 'garbage' }).toString());
    const expectSpent = (response: request.Response) => {
      expect(response.status).toBe(429);
      expect(response.body).toEqual({ error: 'too_many_requests', error_description: 'Too many failed authentications as this client; try again later.' });
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(800);
    };

    it('bounds guesses at a client\'s secret from any address, and never refuses the client where it has called from', async () => {
      // The gateway calls from its addresses, as it does on every request it forwards; accepted calls spend nothing.
      for (const address of ['10.88.0.1', '2001:db8:0:2::5', '10.88.0.1', '10.88.0.1', '10.88.0.1']) {
        expect((await from(address, basic(GATEWAY))).body).toEqual({ active: false });
      }
      // Guesses from a new forged address each time: three are answered, then none is, right or wrong.
      for (let i = 0; i < 3; i += 1) expect((await from(`10.99.0.${i}`, basic(`gateway:guess-${i}`))).status).toBe(401);
      expectSpent(await from('10.99.0.9', basic('gateway:guess-9')));
      expectSpent(await from('10.99.0.10', basic(GATEWAY)));
      // Forging the gateway's own address, or one of its IPv6 /56, tells no guess either.
      expectSpent(await from('10.88.0.1', basic('gateway:guess-11')));
      expectSpent(await from('2001:db8:0:2::6', basic(GATEWAY)));
      // The gateway itself, with its right secret, at the addresses it called from: answered.
      for (const address of ['10.88.0.1', '2001:db8:0:2::5']) {
        const response = await from(address, basic(GATEWAY));
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ active: false });
      }
    });

    it('keeps a budget per client id, and answers an unknown id as a known one', async () => {
      for (let i = 0; i < 3; i += 1) expect((await from('10.77.0.1', basic(`nobody:guess-${i}`))).status).toBe(401);
      expectSpent(await from('10.77.0.1', basic('nobody:guess-3')));
      // Another id, unknown or known, is not spent by those.
      expect((await from('10.77.0.1', basic('someone:guess'))).status).toBe(401);
      expect((await from('10.77.0.1', 'Basic not-base64-with-colon')).status).toBe(401);
      expect((await from('10.77.0.2', basic(GATEWAY))).status).toBe(200);
    });
  });

  it('takes one client authentication method only (RFC 6749 §2.3): Basic with another client id or a secret in the form is 400', async () => {
    const token = mintAccessToken(stack.issuer, stack.clientId);
    const withForm = (fields: Record<string, string>, authorization: string) =>
      request(b.app).post('/auth/introspect').set('Authorization', authorization).type('form').send(new URLSearchParams({ token, ...fields }).toString());
    const twoWays: Record<string, string>[] = [{ client_id: 'someone-else' }, { client_secret: 'gateway-secret-1' }, { client_id: 'gateway', client_secret: 'gateway-secret-1' }];
    for (const fields of twoWays) {
      const response = await withForm(fields, basic(GATEWAY));
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: 'Send client credentials one way: HTTP Basic or the form, not both.' });
    }
    // The Basic client's own id repeated in the form, as clients that always send client_id do, is no second method.
    const repeated = await withForm({ client_id: 'gateway' }, basic(GATEWAY));
    expect(repeated.status).toBe(200);
    expect(repeated.body.active).toBe(true);
  });

  it('answers 503 when Redis cannot be read, never active on a guess', async () => {
    const closed = await freePort();
    const down = await fleet.instance({ env, redisUrl: `redis://127.0.0.1:${closed}` });
    const response = await introspect(mintAccessToken(stack.issuer, stack.clientId), basic(GATEWAY), down);
    expect(response.status).toBe(503);
    expect(response.body.error).toBe('temporarily_unavailable');
    expect(response.headers['retry-after']).toEqual(expect.any(String));
  });
});

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  it('names this service as issuer, from the request\'s base URL, with its endpoints', async () => {
    const response = await request(a.app).get('/.well-known/oauth-authorization-server');
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const issuer = response.body.issuer as string;
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(response.body).toEqual({
      issuer,
      token_endpoint: `${issuer}/auth/token`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint: `${issuer}/auth/revoke`,
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint: `${issuer}/auth/introspect`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'bearer'],
      grant_types_supported: ['password', 'refresh_token'],
      scopes_supported: ['books/read', 'books/write', 'admin/users', 'auth/introspect'],
      response_types_supported: [],
      service_documentation: `${issuer}/docs`,
    });
  });

  it('takes PUBLIC_URL as the issuer when set, and advertises no code flow even with a hosted UI (that is Cognito\'s own)', async () => {
    const api = await fleet.instance({ env: { PUBLIC_URL: 'https://api.example.com', COGNITO_DOMAIN: 'https://auth.example.com' } });
    const response = await request(api.app).get('/.well-known/oauth-authorization-server').set('Host', 'evil.example.com');
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=3600');
    expect(response.body).toMatchObject({
      issuer: 'https://api.example.com',
      token_endpoint: 'https://api.example.com/auth/token',
      response_types_supported: [],
      grant_types_supported: ['password', 'refresh_token'],
    });
    expect(response.body).not.toHaveProperty('authorization_endpoint');
    expect(response.body).not.toHaveProperty('code_challenge_methods_supported');
    // Each grant it names, the token endpoint takes: the code grant it does not name is refused.
    const code = await request(api.app).post('/auth/token').type('form').send('grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier=v');
    expect(code.status).toBe(400);
    expect(code.body).toEqual({ error: 'unsupported_grant_type', error_description: 'grant_type must be "password" or "refresh_token".' });
  });
});
