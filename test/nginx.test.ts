// deploy/nginx/ for real: Debian's nginx asks this service (GET /auth/verify) before each request reaches an API.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../src/dev/local-cognito';
import { createHttpServer } from '../src/http/server';
import { startNginx, type RunningNginx } from './support/nginx';
import { login, stack, TestFleet, users } from './support/stack';
import { accessClaims, foreignKey, mintAccessToken, POOL_KID, signJwt } from './support/tokens';

/** What the upstream API received. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const fleet = new TestFleet();
const received: Received[] = [];
const servers: Server[] = [];
let proxy: RunningNginx;
let downProxy: RunningNginx;

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  // A small API that shows what reached it.
  const apiPort = await listen(
    createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += String(chunk)));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ reached: 'api' }));
      });
    }),
  );
  const auth = await fleet.instance();
  proxy = await startNginx(await listen(createHttpServer(auth.app)), await listen(createHttpServer(auth.forwardAuth)), apiPort);
  // The same set-up with an auth service whose Redis is down.
  const down = await fleet.instance({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
  downProxy = await startNginx(await listen(createHttpServer(down.app)), await listen(createHttpServer(down.forwardAuth)), apiPort);
});

afterAll(async () => {
  await proxy?.stop();
  await downProxy?.stop();
  for (const server of servers) server.close();
  await fleet.close();
});

const call = (path: string, init: RequestInit & { token?: string } = {}, via = () => proxy) =>
  fetch(`${via().url}${path}`, {
    ...init,
    headers: { ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}), ...(init.headers as Record<string, string>) },
  });

it('lets a valid token through to the API with the identity headers, replacing any the client forged', async () => {
  const tokens = await login(proxyApp(), users.editor);
  received.length = 0;
  const response = await call('/api/orders?page=2', { token: tokens.access_token, headers: { 'X-Auth-Request-User': 'admin' } });
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ reached: 'api' });
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
});

it('authorizes a POST with a body like a GET, and the body still reaches the API', async () => {
  const tokens = await login(proxyApp(), users.reader);
  received.length = 0;
  const response = await call('/api/orders', {
    method: 'POST',
    token: tokens.access_token,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ item: 'book' }),
  });
  expect(response.status).toBe(200);
  expect(received).toEqual([expect.objectContaining({ method: 'POST', url: '/api/orders', body: '{"item":"book"}' })]);
  expect(received[0]?.headers['x-auth-request-user']).toBe('reader');
});

it('answers 401 at nginx, with the Bearer challenge, for no token, a forged token and a logged-out token', async () => {
  const tokens = await login(proxyApp(), users.reader);
  const logout = await call('/auth/logout', { method: 'POST', token: tokens.access_token });
  expect(logout.status).toBe(204);
  const forged = signJwt({ alg: 'RS256', typ: 'JWT', kid: POOL_KID }, accessClaims(stack.issuer, stack.clientId), foreignKey());

  received.length = 0;
  const none = await call('/api/orders');
  expect(none.status).toBe(401);
  expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource"$/);
  const bad = await call('/api/orders', { token: forged });
  expect(bad.status).toBe(401);
  expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token", error_description="The token signature is invalid."');
  const loggedOut = await call('/api/orders', { method: 'POST', token: tokens.access_token, body: 'x' });
  expect(loggedOut.status).toBe(401);
  expect(loggedOut.headers.get('www-authenticate')).toBe(
    'Bearer realm="api", error="invalid_token", error_description="The session of this token has logged out."',
  );
  expect(received).toEqual([]);
});

it('answers 403 where the location needs a scope the caller lacks, and lets one who has it through', async () => {
  const reader = await login(proxyApp(), users.reader);
  const editor = await login(proxyApp(), users.editor);
  received.length = 0;
  const refused = await call('/api/admin/users', { token: reader.access_token });
  expect(refused.status).toBe(403);
  expect(received).toEqual([]);
  const allowed = await call('/api/admin/users', { token: editor.access_token });
  expect(allowed.status).toBe(200);
  expect(received).toHaveLength(1);
});

it('answers 503 with Retry-After, not 500, when the service cannot read the denylist', async () => {
  received.length = 0;
  const response = await call('/api/orders', { token: mintAccessToken(stack.issuer, stack.clientId) }, () => downProxy);
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('5');
  expect(received).toEqual([]);
});

/** Logs in through nginx's pass-through of /auth/ (supertest needs an app or a URL). */
function proxyApp(): string {
  return proxy.url;
}
