// GET /auth/verify: the verdict a proxy asks for on every request, with the identity headers it passes on; every case
// runs against both doors: the API port's route (Express) and the forward-auth port's listener (node:http).
import { createServer, type RequestListener } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import request from 'supertest';
import type { AccessTokenVerifier } from '../src/bearer/token-verifier';
import { freePort } from '../src/dev/local-cognito';
import { MAX_QUERY_PARAMETERS } from '../src/http/query';
import { capturingLogger } from './support/lambdas';
import { expectLoggedOut, expectUnavailable } from './support/assertions';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { foreignKey, mintAccessToken, POOL_KID, accessClaims, signJwt } from './support/tokens';

const fleet = new TestFleet();
let api: TestApp;

beforeAll(async () => {
  // Every case runs twice (two doors): the demo users' login budget is raised to match.
  api = await fleet.instance({ env: { COGNITO_ALLOWED_CLIENT_IDS: 'machineclient123', LOGIN_RATE_LIMIT: '100' } });
});
afterAll(() => fleet.close());

/** The two doors of forward auth, each over the same instance's Authenticator. */
const DOORS: [string, (instance: TestApp) => TestApp['forwardAuth'] | TestApp['app']][] = [
  ['the API port (Express route)', (instance) => instance.app],
  ['the forward-auth port (node:http door)', (instance) => instance.forwardAuth],
];

/**
 * A GET with a request target and headers sent byte for byte, over a socket of its own: supertest would resolve an
 * absolute-form target as where to connect, and Node's client fills in an empty Host. Resolves with the status and
 * the headers (lower-case names).
 */
async function rawGet(listener: RequestListener, target: string, headers: Record<string, string>) {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const head = Object.entries({ Host: `127.0.0.1:${port}`, ...headers, Connection: 'close' }).map(([name, value]) => `${name}: ${value}\r\n`);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\n${head.join('')}\r\n`));
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', reject);
    });
    const [statusLine = '', ...lines] = answer.slice(0, answer.indexOf('\r\n\r\n')).split('\r\n');
    const fields = lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]);
    return { status: Number(statusLine.split(' ')[1]), headers: Object.fromEntries(fields) as Record<string, string> };
  } finally {
    server.close();
  }
}

describe.each(DOORS)('%s', (_door, door) => {
const verify = (token?: string, path = '/auth/verify') => {
  const req = request(door(api)).get(path);
  return token ? req.set('Authorization', `Bearer ${token}`) : req;
};

describe('a valid token', () => {
  it('gets 200, no body, and the identity headers', async () => {
    const tokens = await login(api.app, users.editor);
    const response = await verify(tokens.access_token);
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect(response.headers['content-length']).toBe('0');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers).toMatchObject({
      'x-auth-request-user': 'editor',
      'x-auth-request-sub': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'x-auth-request-groups': 'editors',
      'x-auth-request-scopes': 'aws.cognito.signin.user.admin books/read books/write',
      'x-auth-request-client-id': stack.clientId,
    });
  });

  it('gets the same verdict whatever the method and whatever path follows (Envoy appends the original path)', async () => {
    const tokens = await login(api.app, users.reader);
    for (const method of ['post', 'put', 'delete', 'patch', 'head'] as const) {
      const response = await request(door(api))[method]('/auth/verify/api/orders/7?x=1')
        .set('Authorization', `Bearer ${tokens.access_token}`)
        .set('Content-Type', 'application/json')
        .send(method === 'head' ? undefined : '{"a":1}');
      expect(response.status).toBe(200);
      expect(response.headers['x-auth-request-user']).toBe('reader');
    }
  });

  it('answers a machine-to-machine token with an empty user and its client id', async () => {
    const token = mintAccessToken(stack.issuer, 'machineclient123', { sub: 'machineclient123', username: undefined, scope: 'books/read' });
    const response = await verify(token);
    expect(response.status).toBe(200);
    expect(response.headers['x-auth-request-user']).toBe('');
    expect(response.headers['x-auth-request-sub']).toBe('machineclient123');
    expect(response.headers['x-auth-request-groups']).toBe('');
    expect(response.headers['x-auth-request-scopes']).toBe('books/read');
    expect(response.headers['x-auth-request-client-id']).toBe('machineclient123');
  });

  it('percent-encodes a name that is not ASCII, rather than failing the request', async () => {
    const token = mintAccessToken(stack.issuer, stack.clientId, { username: 'zoë', 'cognito:groups': ['équipe', 'readers'] });
    const response = await verify(token);
    expect(response.status).toBe(200);
    expect(response.headers['x-auth-request-user']).toBe('zo%C3%AB');
    expect(decodeURIComponent(response.headers['x-auth-request-groups'] ?? '')).toBe('équipe,readers');
  });

  it('gives two users whose names differ two different headers, even when one name looks percent-encoded', async () => {
    const plain = await verify(mintAccessToken(stack.issuer, stack.clientId, { username: 'réader' }));
    const lookalike = await verify(mintAccessToken(stack.issuer, stack.clientId, { username: 'r%C3%A9ader' }));
    expect(plain.status).toBe(200);
    expect(lookalike.status).toBe(200);
    expect(plain.headers['x-auth-request-user']).toBe('r%C3%A9ader');
    expect(lookalike.headers['x-auth-request-user']).toBe('r%25C3%25A9ader');
    expect(decodeURIComponent(lookalike.headers['x-auth-request-user'] ?? '')).toBe('r%C3%A9ader');
  });

  it('encodes a comma inside a group name, so one group never reads as two', async () => {
    const response = await verify(mintAccessToken(stack.issuer, stack.clientId, { 'cognito:groups': ['x,editors', 'readers'] }));
    expect(response.status).toBe(200);
    expect(response.headers['x-auth-request-groups']).toBe('x%2Ceditors,readers');
    expect((response.headers['x-auth-request-groups'] ?? '').split(',').map(decodeURIComponent)).toEqual(['x,editors', 'readers']);
  });
});

describe('scopes', () => {
  it('admits a caller holding every scope ?scope= names', async () => {
    const tokens = await login(api.app, users.editor);
    const response = await verify(tokens.access_token, '/auth/verify?scope=books/read%20books/write');
    expect(response.status).toBe(200);
  });

  it('answers 403 insufficient_scope, with the scope in the challenge, when one is missing', async () => {
    const tokens = await login(api.app, users.reader);
    const response = await verify(tokens.access_token, '/auth/verify?scope=books/read+books/write');
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'insufficient_scope', error_description: 'This call needs the scope(s): books/read books/write.' });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="This call needs the scope(s): books/read books/write.", scope="books/read books/write"',
    );
    expect(response.headers['x-auth-request-user']).toBeUndefined();
  });

  it.each([
    ['a NUL byte', '/auth/verify?scope=books%2fread%00'],
    ['a zero-width space', '/auth/verify?scope=books%2fread%E2%80%8B'],
    ['a quote', '/auth/verify?scope=books%22read'],
  ])('refuses a ?scope= with %s with 400 in JSON, never a bad header or an HTML page', async (_what, path) => {
    const tokens = await login(api.app, users.reader);
    const response = await verify(tokens.access_token, path);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({
      error: 'invalid_request',
      error_description: 'scope must be space-separated scope tokens (RFC 6749 §3.3).',
      details: [{ path: 'scope', message: 'must be visible ASCII without " or \\, separated by spaces' }],
    });
  });

  it('adds up a repeated ?scope=, and refuses one that is too long with 400', async () => {
    const tokens = await login(api.app, users.reader);
    const repeated = await verify(tokens.access_token, '/auth/verify?scope=books/read&scope=books/write');
    expect(repeated.status).toBe(403);
    expect(repeated.headers['www-authenticate']).toMatch(/scope="books\/read books\/write"$/);
    const long = await verify(tokens.access_token, `/auth/verify?scope=${'a'.repeat(1025)}`);
    expect(long.status).toBe(400);
    expect(long.body.details).toEqual([{ path: 'scope', message: 'at most 1024 characters' }]);
  });
});

describe('the request as both doors read it', () => {
  const filler = (count: number) => Array.from({ length: count }, (_, i) => `a${i}`).join('&');

  it('reads every parameter up to the limit, and refuses a query over it with 400 rather than reading part of it', async () => {
    const tokens = await login(api.app, users.reader);
    const atLimit = await verify(tokens.access_token, `/auth/verify?${filler(MAX_QUERY_PARAMETERS - 1)}&scope=books/write`);
    expect(atLimit.status).toBe(403);
    expect(atLimit.headers['x-auth-request-user']).toBeUndefined();
    for (const tail of ['scope=books/write', `access_token=${tokens.access_token}`]) {
      const over = await verify(tokens.access_token, `/auth/verify?${filler(MAX_QUERY_PARAMETERS)}&${tail}`);
      expect(over.status).toBe(400);
      expect(over.body).toEqual({ error: 'invalid_request', error_description: `The query has more than ${MAX_QUERY_PARAMETERS} parameters.` });
      expect(over.headers['x-auth-request-user']).toBeUndefined();
    }
  });

  it('refuses a query that begins with a second "?" with 400: one reading would take it for scope, another not', async () => {
    const tokens = await login(api.app, users.reader);
    const response = await verify(tokens.access_token, '/auth/verify??scope=books/write');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_request', error_description: 'The query must not begin with "?".' });
    expect(response.headers['x-auth-request-user']).toBeUndefined();
  });

  it.each([
    ['a path and query', 'evil.example/phish?'],
    ['a quote', 'evil.example"'],
    ['a backslash', 'evil.example\\x'],
    ['nothing', ''],
    ['a letter that is not ASCII', 'évil.example'],
  ])('refuses a Host with %s with 400 instead of writing it into the challenge', async (_what, host) => {
    const response = await rawGet(door(api), '/auth/verify', { Host: host });
    expect(response.status).toBe(400);
    expect(response.headers['www-authenticate']).toBeUndefined();
  });

  it('answers the path in any case, and an absolute-form request target, as the same route', async () => {
    const tokens = await login(api.app, users.reader);
    for (const target of ['/AUTH/VERIFY', '/Auth/Verify/api/x', 'http://127.0.0.1/auth/verify', 'http://127.0.0.1/auth/verify?scope=books/read']) {
      const response = await rawGet(door(api), target, { Authorization: `Bearer ${tokens.access_token}` });
      expect({ target, status: response.status, user: response.headers['x-auth-request-user'] }).toEqual({ target, status: 200, user: 'reader' });
    }
    const forbidden = await rawGet(door(api), 'http://127.0.0.1/AUTH/verify?scope=books/write', { Authorization: `Bearer ${tokens.access_token}` });
    expect(forbidden.status).toBe(403);
  });

  it('refuses a username with a lone surrogate as invalid_token (it has no UTF-8 to send on)', async () => {
    const response = await verify(mintAccessToken(stack.issuer, stack.clientId, { username: 'zo\ud800' }));
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_token', error_description: "The token's username claim is not of its type." });
    expect(response.headers['x-auth-request-user']).toBeUndefined();
  });
});

describe('refusals', () => {
  it('answers no token with 401 and the Bearer challenge naming the metadata', async () => {
    const response = await verify();
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"$/);
  });

  it('answers a forged token with 401 invalid_token', async () => {
    const forged = signJwt({ alg: 'RS256', typ: 'JWT', kid: POOL_KID }, accessClaims(stack.issuer, stack.clientId), foreignKey());
    const response = await verify(forged);
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'invalid_token', error_description: 'The token signature is invalid.' });
  });

  it('answers a logged-out token with 401, at once', async () => {
    const tokens = await login(api.app, users.reader);
    await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    expectLoggedOut(await verify(tokens.access_token));
  });

  it('reads the token from the Authorization header only', async () => {
    const tokens = await login(api.app, users.reader);
    const response = await request(door(api)).get(`/auth/verify?access_token=${tokens.access_token}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
  });

  it('answers 500, no identity headers and an error line when the check fails in a way it does not expect', async () => {
    // A labelled fake: a verifier with a bug (a real one can't be made to throw a TypeError on cue).
    const broken: AccessTokenVerifier = {
      verify: async () => {
        throw new TypeError("Cannot read properties of undefined (reading 'sub')");
      },
      loadKeys: async () => undefined,
      keysLoaded: () => true,
    };
    const { logger, lines } = capturingLogger();
    const buggy = await fleet.instance({ verifier: broken, logger });
    const response = await request(door(buggy)).get('/auth/verify').set('Authorization', `Bearer ${mintAccessToken(stack.issuer, stack.clientId)}`);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'server_error', error_description: 'The service failed to handle this request.' });
    expect(Object.keys(response.headers).filter((name) => name.startsWith('x-auth-request-'))).toEqual([]);
    const line = lines.find((entry) => entry.msg === 'request errored');
    expect(line).toMatchObject({ level: 50, res: { statusCode: 500 } });
    expect(JSON.stringify(line)).toContain('Cannot read properties of undefined');
  });

  it('answers 503 when the denylist cannot be read (fail closed)', async () => {
    const down = await fleet.instance({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
    const response = await request(door(down)).get('/auth/verify').set('Authorization', `Bearer ${mintAccessToken(stack.issuer, stack.clientId)}`);
    expectUnavailable(response);
  });
});
});
