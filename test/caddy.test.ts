// deploy/caddy/Caddyfile for real: Debian's caddy asks this service (GET /auth/verify) before each request reaches an API.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { freePort } from '../src/dev/local-cognito';
import { createHttpServer } from '../src/http/server';
import { expectLoggedOut, expectUnavailable } from './support/assertions';
import { startCaddy, type RunningCaddy } from './support/caddy';
import { login, stack, TestFleet, users } from './support/stack';
import { accessClaims, foreignKey, mintAccessToken, POOL_KID, signJwt } from './support/tokens';

/** A request as it arrived: at the upstream API, or at /auth/verify. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const MACHINE_CLIENT = 'machineclient123';
const fleet = new TestFleet();
const received: Received[] = [];
const checks: Received[] = [];
const servers: Server[] = [];
let proxy: RunningCaddy;
let redisDown: RunningCaddy;
let serviceDown: RunningCaddy;
let apiDown: RunningCaddy;

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Calls `record` with each request, its body read to the end. */
function recording(req: IncomingMessage, record: (received: Received) => void): void {
  let body = '';
  req.on('data', (chunk) => (body += String(chunk)));
  req.on('end', () => record({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }));
}

/** This service, listening, with every forward-auth check it gets recorded in `checks`. */
async function listenService(app: Parameters<typeof createHttpServer>[0]): Promise<number> {
  const server = createHttpServer(app);
  server.on('request', (req: IncomingMessage) => {
    if (req.url?.startsWith('/auth/verify')) recording(req, (check) => checks.push(check));
  });
  return listen(server);
}

beforeAll(async () => {
  // A small API that shows what reached it.
  const apiPort = await listen(
    createServer((req, res) =>
      recording(req, (got) => {
        received.push(got);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ reached: 'api' }));
      }),
    ),
  );
  const service = await fleet.instance({ env: { COGNITO_ALLOWED_CLIENT_IDS: MACHINE_CLIENT } });
  const [authPort, doorPort] = [await listenService(service.app), await listenService(service.forwardAuth)];
  proxy = await startCaddy(authPort, doorPort, apiPort);
  // The same set-up with an auth service whose Redis is down; with no auth service at all; with no API.
  const down = await fleet.instance({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
  redisDown = await startCaddy(await listenService(down.app), await listenService(down.forwardAuth), apiPort);
  serviceDown = await startCaddy(await freePort(), await freePort(), apiPort);
  apiDown = await startCaddy(authPort, doorPort, await freePort());
});

afterAll(async () => {
  for (const caddy of [proxy, redisDown, serviceDown, apiDown]) await caddy?.stop();
  for (const server of servers) server.close();
  await fleet.close();
});

beforeEach(() => {
  received.length = 0;
  checks.length = 0;
});

const forged = {
  'X-Auth-Request-User': 'admin',
  'X-Auth-Request-Sub': 'forged-sub',
  'X-Auth-Request-Groups': 'admins',
  'X-Auth-Request-Scopes': 'admin/users books/write',
  'X-Auth-Request-Client-Id': 'forged-client',
  'X-Auth-Request-Email': 'admin@example.com',
};

it('lets a valid token through to the API with the identity headers, replacing every one the client forged', async () => {
  const tokens = await login(proxy.url, users.editor);
  const response = await request(proxy.url).get('/api/orders?page=2').set('Authorization', `Bearer ${tokens.access_token}`).set(forged);
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ reached: 'api' });
  expect(received).toHaveLength(1);
  expect(received[0]).toMatchObject({ method: 'GET', url: '/api/orders?page=2' });
  expect(received[0]?.headers).toMatchObject({
    'x-auth-request-user': 'editor',
    'x-auth-request-sub': expect.stringMatching(/^[0-9a-f-]{36}$/),
    'x-auth-request-groups': 'editors',
    'x-auth-request-scopes': 'aws.cognito.signin.user.admin books/read books/write',
    'x-auth-request-client-id': stack.clientId,
    authorization: `Bearer ${tokens.access_token}`,
  });
  expect(received[0]?.headers['x-auth-request-email']).toBeUndefined();
  // The check saw none of the forged headers either.
  expect(checks).toHaveLength(1);
  expect(Object.keys(checks[0]?.headers ?? {}).filter((name) => name.startsWith('x-auth-request-'))).toEqual([]);
});

it('sends no header for an empty identity value (a machine token has no user, no groups), forged or not', async () => {
  const token = mintAccessToken(stack.issuer, MACHINE_CLIENT, { sub: MACHINE_CLIENT, username: undefined, scope: 'books/read' });
  const response = await request(proxy.url).get('/api/orders').set('Authorization', `Bearer ${token}`).set(forged);
  expect(response.status).toBe(200);
  expect(received).toHaveLength(1);
  const identity = Object.entries(received[0]?.headers ?? {}).filter(([name]) => name.startsWith('x-auth-request-'));
  expect(Object.fromEntries(identity)).toEqual({
    'x-auth-request-sub': MACHINE_CLIENT,
    'x-auth-request-scopes': 'books/read',
    'x-auth-request-client-id': MACHINE_CLIENT,
  });
});

it('authorizes a POST with a body like a GET: the check gets a GET without the body, the API gets the body', async () => {
  const tokens = await login(proxy.url, users.reader);
  const response = await request(proxy.url)
    .post('/api/orders?scope=admin/users')
    .set('Authorization', `Bearer ${tokens.access_token}`)
    .send({ item: 'book' });
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ reached: 'api' });
  expect(received).toEqual([expect.objectContaining({ method: 'POST', url: '/api/orders?scope=admin/users', body: '{"item":"book"}' })]);
  expect(received[0]?.headers['x-auth-request-user']).toBe('reader');
  // The client's query string is the API's: a ?scope= in it asks the check for nothing.
  expect(checks).toEqual([expect.objectContaining({ method: 'GET', url: '/auth/verify', body: '' })]);
  expect(checks[0]?.headers).toMatchObject({ 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/api/orders?scope=admin/users' });
  expect(checks[0]?.headers['content-length']).toBeUndefined();
  expect(checks[0]?.headers['transfer-encoding']).toBeUndefined();
});

it('answers 401 at Caddy, with the Bearer challenge, for no token, a forged token and a logged-out token', async () => {
  const tokens = await login(proxy.url, users.reader);
  const logout = await request(proxy.url).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`);
  expect(logout.status).toBe(204);
  const forgedToken = signJwt({ alg: 'RS256', typ: 'JWT', kid: POOL_KID }, accessClaims(stack.issuer, stack.clientId), foreignKey());
  received.length = 0;

  const none = await request(proxy.url).get('/api/orders');
  expect(none.status).toBe(401);
  expect(none.body).toEqual({ error: 'unauthorized', error_description: expect.any(String) });
  expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="api", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"$/);
  const bad = await request(proxy.url).get('/api/orders').set('Authorization', `Bearer ${forgedToken}`);
  expect(bad.status).toBe(401);
  expect(bad.body).toEqual({ error: 'invalid_token', error_description: 'The token signature is invalid.' });
  expect(bad.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="The token signature is invalid."');
  const loggedOut = await request(proxy.url).post('/api/orders').set('Authorization', `Bearer ${tokens.access_token}`).send('x');
  expectLoggedOut(loggedOut);
  expect(received).toEqual([]);
});

it('answers 403 where the location needs a scope the caller lacks, however the path is spelled, and lets one who has it through', async () => {
  const reader = await login(proxy.url, users.reader);
  const editor = await login(proxy.url, users.editor);
  received.length = 0;
  for (const path of ['/api/admin/users', '/api//admin/users', '/API/admin/users']) {
    const refused = await request(proxy.url).get(path).set('Authorization', `Bearer ${reader.access_token}`);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: 'insufficient_scope', error_description: 'This call needs the scope(s): books/write.' });
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="This call needs the scope(s): books/write.", scope="books/write"',
    );
  }
  expect(received).toEqual([]);
  const allowed = await request(proxy.url).get('/api/admin/users').set('Authorization', `Bearer ${editor.access_token}`);
  expect(allowed.status).toBe(200);
  expect(received).toEqual([expect.objectContaining({ url: '/api/admin/users' })]);
  expect(received[0]?.headers['x-auth-request-user']).toBe('editor');
});

it("passes the service's 503 on as it is when the service cannot read the denylist", async () => {
  const response = await request(redisDown.url).post('/api/orders').set('Authorization', `Bearer ${mintAccessToken(stack.issuer, stack.clientId)}`).send({});
  expectUnavailable(response);
  expect(received).toEqual([]);
});

it('answers 503 with Retry-After when the service cannot be reached, and 502 when only the API cannot', async () => {
  const token = mintAccessToken(stack.issuer, stack.clientId);
  const unreachable = await request(serviceDown.url).get('/api/orders').set('Authorization', `Bearer ${token}`);
  expect(unreachable.status).toBe(503);
  expect(unreachable.headers['retry-after']).toBe('5');
  expect(unreachable.text).toBe('');
  const noApi = await request(apiDown.url).get('/api/orders').set('Authorization', `Bearer ${token}`);
  expect(noApi.status).toBe(502);
  expect(noApi.headers['retry-after']).toBeUndefined();
  expect(received).toEqual([]);
});
