// What a Bearer token must pass: tokens minted with cognito-local's key (and others) through the real JWKS.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createHttpServer } from '../src/http/server';
import { adversarialTokens } from './support/token-corpus';
import { accessClaims, foreignKey, mintAccessToken, POOL_KID, POOL_PRIVATE_PEM, POOL_PUBLIC_PEM, signJwt } from './support/tokens';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';

const fleet = new TestFleet();
const M2M_CLIENT = 'machineclient123';
let api: TestApp;

beforeAll(async () => {
  api = await fleet.instance({ env: { COGNITO_ALLOWED_CLIENT_IDS: `${M2M_CLIENT},otherallowed` } });
});
afterAll(() => fleet.close());

const now = () => Math.floor(Date.now() / 1000);
const me = (token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
const header = { alg: 'RS256', typ: 'JWT', kid: POOL_KID };

/** Expects 401 invalid_token with the RFC 6750 challenge carrying the same description. */
async function expectInvalidToken(token: string, description: string): Promise<void> {
  const response = await me(token);
  expect(response.status).toBe(401);
  expect(response.body).toEqual({ error: 'invalid_token', error_description: description });
  expect(response.headers['www-authenticate']).toBe(
    `Bearer realm="api", error="invalid_token", error_description="${description}"`,
  );
}

/**
 * The status the service's own HTTP server answers to GET /auth/me with this Authorization header, read from the
 * status line as soon as it arrives: a server refusing headers too large answers 431 and then drops the connection
 * with the rest of them unread, so a client may meet the reset before the response ends (supertest on Node 24 does).
 */
async function statusLineOf(authorization: string): Promise<number> {
  const server = createHttpServer(api.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<number>((resolve, reject) => {
      const call = httpRequest({ host: '127.0.0.1', port, path: '/auth/me', headers: { authorization } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      call.on('error', reject);
      call.end();
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('tokens the pool issued', () => {
  it('accepts a real access token and shows who the caller is', async () => {
    const tokens = await login(api.app, users.editor);
    const response = await me(tokens.access_token);
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      sub: expect.any(String),
      username: 'editor',
      client_id: stack.clientId,
      scopes: ['aws.cognito.signin.user.admin', 'books/read', 'books/write'],
      groups: ['editors'],
      token_use: 'access',
      session_id: expect.any(String),
      issued_at: expect.any(Number),
      expires_at: expect.any(Number),
      auth_time: expect.any(Number),
    });
  });

  it('accepts a machine-to-machine token of an allowed client: no username, custom scopes', async () => {
    const token = mintAccessToken(stack.issuer, M2M_CLIENT, {
      sub: M2M_CLIENT,
      username: undefined,
      scope: 'books/read books/write',
    });
    const response = await me(token);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ sub: M2M_CLIENT, username: null, client_id: M2M_CLIENT, scopes: ['books/read', 'books/write'] });
    const books = await request(api.app).get('/books').set('Authorization', `Bearer ${token}`);
    expect(books.status).toBe(200);
    expect(books.body).toEqual([]);
  });

  it('accepts a token within the 60 s clock skew of its expiry', async () => {
    const response = await me(mintAccessToken(stack.issuer, stack.clientId, { exp: now() - 30 }));
    expect(response.status).toBe(200);
  });
});

describe('adversarial token corpus: each refused with 401 invalid_token and its reason', () => {
  const claims = () => accessClaims(stack.issuer, stack.clientId);
  const cases = adversarialTokens({
    issuer: stack.issuer,
    otherIssuer: `${stack.endpoint}/local_other`,
    clientId: stack.clientId,
    privatePem: POOL_PRIVATE_PEM,
    publicPem: POOL_PUBLIC_PEM,
    kid: POOL_KID,
  });

  it.each(cases)('refuses a token %s', async (_name, token, description) => {
    await expectInvalidToken(token(), description);
  });

  it('never fetches keys from a URL the token names (jku, x5u)', async () => {
    let hits = 0;
    const attacker = createServer((_req, res) => {
      hits += 1;
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    const { port } = attacker.address() as AddressInfo;
    try {
      const url = `http://127.0.0.1:${port}/jwks.json`;
      for (const extra of [{ jku: url }, { x5u: url }]) {
        await expectInvalidToken(signJwt({ ...header, ...extra }, claims(), foreignKey()), 'The token signature is invalid.');
      }
      expect(hits).toBe(0);
    } finally {
      attacker.close();
    }
  });

  it('refuses a token with huge claims before reading it: 431 from the HTTP server', async () => {
    const token = mintAccessToken(stack.issuer, stack.clientId, { padding: 'x'.repeat(100_000) });
    expect(await statusLineOf(`Bearer ${token}`)).toBe(431);
  });

  it('refuses a replayed token after logout and after logout-all', async () => {
    const first = await login(api.app, users.reader);
    await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${first.access_token}`).expect(204);
    await expectInvalidToken(first.access_token, 'The session of this token has logged out.');

    const second = await login(api.app, users.editor);
    const other = await login(api.app, users.editor);
    await request(api.app).post('/auth/logout-all').set('Authorization', `Bearer ${other.access_token}`).expect(204);
    await expectInvalidToken(second.access_token, 'The session of this token has logged out.');
  });
});

describe('how the token must arrive', () => {
  it('answers a call without a token with 401 unauthorized and a challenge without error', async () => {
    const response = await request(api.app).get('/auth/me');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"$/,
    );
  });

  it('answers another auth scheme like no token at all', async () => {
    const response = await request(api.app).get('/auth/me').set('Authorization', 'Basic dXNlcjpwYXNz');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
  });

  it.each([['Bearer'], ['Bearer two tokens'], ['Bearer not!b64'], ['Bearer abc.%%%%.def']])('answers the malformed header "%s" with 400', async (value) => {
    const response = await request(api.app).get('/auth/me').set('Authorization', value);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_request', error_description: 'The Authorization header must be "Bearer <token>".' });
  });

  it('refuses a token in the query string with 400, even a valid one beside the header', async () => {
    const token = mintAccessToken(stack.issuer, stack.clientId);
    const inUrl = await request(api.app).get(`/auth/me?access_token=${token}`);
    const both = await request(api.app).get(`/auth/me?access_token=${token}`).set('Authorization', `Bearer ${token}`);
    for (const response of [inUrl, both]) {
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
      expect(response.body.error_description).toMatch(/only in the Authorization header/);
    }
  });
});
