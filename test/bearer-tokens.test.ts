// What a Bearer token must pass: tokens minted with cognito-local's key (and others) through the real JWKS.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { accessClaims, foreignKey, mintAccessToken, POOL_KID, POOL_PUBLIC_PEM, signJwt } from './support/tokens';
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
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const validParts = () => mintAccessToken(stack.issuer, stack.clientId).split('.');
  const attackerJwks = 'http://127.0.0.1:9/attacker/jwks.json';

  const cases: [string, () => string, string][] = [
    ['expired', () => mintAccessToken(stack.issuer, stack.clientId, { exp: now() - 120 }), 'The token has expired.'],
    ['not yet valid (nbf in the future)', () => mintAccessToken(stack.issuer, stack.clientId, { nbf: now() + 600 }), 'The token is not valid yet.'],
    ['issued in the future (iat)', () => mintAccessToken(stack.issuer, stack.clientId, { iat: now() + 600 }), 'The token was issued in the future.'],
    ['without exp', () => mintAccessToken(stack.issuer, stack.clientId, { exp: undefined }), 'The token has no expiry.'],
    ['with exp as a string', () => mintAccessToken(stack.issuer, stack.clientId, { exp: String(now() + 600) }), 'The token is malformed.'],
    ['of another issuer', () => mintAccessToken(`${stack.endpoint}/local_other`, stack.clientId), 'The token was issued by another issuer.'],
    ['of an issuer with the right one as prefix', () => mintAccessToken(`${stack.issuer}x`, stack.clientId), 'The token was issued by another issuer.'],
    ['of an issuer that is a prefix of the right one', () => mintAccessToken(stack.issuer.slice(0, -1), stack.clientId), 'The token was issued by another issuer.'],
    ['of another client', () => mintAccessToken(stack.issuer, 'someotherclient'), 'The token was issued to a client this API does not accept.'],
    [
      'an ID token',
      () => signJwt(header, { ...claims(), token_use: 'id', aud: stack.clientId, client_id: undefined }),
      'The token is not an access token.',
    ],
    ["signed by a foreign key with the pool's kid", () => signJwt(header, claims(), foreignKey()), 'The token signature is invalid.'],
    ['with alg none and no signature', () => signJwt({ alg: 'none', typ: 'JWT', kid: POOL_KID }, claims()), 'The token is malformed.'],
    ['with alg none and a signature', () => `${signJwt({ alg: 'none', typ: 'JWT', kid: POOL_KID }, claims())}c2ln`, 'The token must be signed with RS256.'],
    ['with alg None', () => `${signJwt({ alg: 'None', typ: 'JWT', kid: POOL_KID }, claims())}c2ln`, 'The token must be signed with RS256.'],
    ['with alg NONE', () => `${signJwt({ alg: 'NONE', typ: 'JWT', kid: POOL_KID }, claims())}c2ln`, 'The token must be signed with RS256.'],
    ["HS256-signed with the pool's public key", () => signJwt({ alg: 'HS256', typ: 'JWT', kid: POOL_KID }, claims(), POOL_PUBLIC_PEM), 'The token must be signed with RS256.'],
    ["HS512-signed with the pool's public key", () => signJwt({ alg: 'HS512', typ: 'JWT', kid: POOL_KID }, claims(), POOL_PUBLIC_PEM), 'The token must be signed with RS256.'],
    ["RS384-signed with the pool's own key", () => signJwt({ alg: 'RS384', typ: 'JWT', kid: POOL_KID }, claims()), 'The token must be signed with RS256.'],
    ['signed by a key the pool no longer has (deleted key set)', () => signJwt({ ...header, kid: 'rotated-away' }, claims(), foreignKey()), 'The token was signed with an unknown key.'],
    ['with a kid of path characters', () => signJwt({ ...header, kid: '../../../../etc/passwd' }, claims()), 'The token was signed with an unknown key.'],
    ["with a kid of SQL characters", () => signJwt({ ...header, kid: "' OR '1'='1' --" }, claims()), 'The token was signed with an unknown key.'],
    ['without a kid', () => signJwt({ alg: 'RS256', typ: 'JWT' }, claims()), 'The token names no signing key.'],
    ['signed by a foreign key, with jku pointing at its JWKS', () => signJwt({ ...header, jku: attackerJwks }, claims(), foreignKey()), 'The token signature is invalid.'],
    ['signed by a foreign key, with x5u pointing at its certificate', () => signJwt({ ...header, x5u: attackerJwks }, claims(), foreignKey()), 'The token signature is invalid.'],
    [
      'signed by a foreign key that it embeds as a jwk header',
      () => signJwt({ ...header, jwk: { kty: 'RSA', e: 'AQAB', n: 'attacker' } }, claims(), foreignKey()),
      'The token signature is invalid.',
    ],
    ['with a crit header (pool-signed)', () => signJwt({ ...header, crit: ['exp'] }, claims()), 'The token has critical header parameters this API does not support.'],
    ['truncated to two segments', () => validParts().slice(0, 2).join('.'), 'The token is malformed.'],
    ['with an extra segment', () => `${validParts().join('.')}.extra`, 'The token is malformed.'],
    ['with a payload of non-base64url bytes', () => { const p = validParts(); return `${p[0]}.ab+/cd.${p[2]}`; }, 'The token is malformed.'],
    ['with a payload that is a JSON array', () => { const p = validParts(); return `${p[0]}.${b64([1, 2])}.${p[2]}`; }, 'The token is malformed.'],
    ['with a tampered payload', () => { const p = validParts(); return `${p[0]}.${b64({ ...claims(), sub: 'admin' })}.${p[2]}`; }, 'The token signature is invalid.'],
    ['that is not a JWT', () => 'abc.def.ghi', 'The token is malformed.'],
  ];

  it('has at least 25 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
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
    const response = await me(token);
    expect(response.status).toBe(431);
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

describe('scopes', () => {
  it('refuses books/write to a reader with 403 insufficient_scope naming the scope', async () => {
    const tokens = await login(api.app, users.reader);
    const response = await request(api.app)
      .post('/books')
      .set('Authorization', `Bearer ${tokens.access_token}`)
      .send({ title: 'Dune', author: 'Frank Herbert' });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'insufficient_scope', error_description: 'This call needs the scope(s): books/write.' });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="This call needs the scope(s): books/write.", scope="books/write"',
    );
  });

  it('lets an editor add, list and delete books', async () => {
    const tokens = await login(api.app, users.editor);
    const auth = `Bearer ${tokens.access_token}`;
    const created = await request(api.app).post('/books').set('Authorization', auth).send({ title: 'Dune', author: 'Frank Herbert' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), title: 'Dune', author: 'Frank Herbert' });
    const list = await request(api.app).get('/books').set('Authorization', auth);
    expect(list.body).toContainEqual(created.body);
    const deleted = await request(api.app).delete(`/books/${created.body.id}`).set('Authorization', auth);
    expect(deleted.status).toBe(204);
    const gone = await request(api.app).delete(`/books/${created.body.id}`).set('Authorization', auth);
    expect(gone.status).toBe(404);
    expect(gone.body.error).toBe('not_found');
  });

  it('names the missing book fields in a 400', async () => {
    const tokens = await login(api.app, users.editor);
    const response = await request(api.app).post('/books').set('Authorization', `Bearer ${tokens.access_token}`).send({ title: ' ' });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([
      { path: 'title', message: 'required' },
      { path: 'author', message: 'required' },
    ]);
  });

  it('gives no scopes for groups GROUP_SCOPES does not map', async () => {
    const token = mintAccessToken(stack.issuer, stack.clientId, { 'cognito:groups': ['strangers'], sub: randomUUID() });
    const response = await request(api.app).get('/books').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('insufficient_scope');
  });
});
