// Public routes: health, readiness, RFC 9728 metadata, the OpenAPI document and Swagger UI; the public URL that the
// metadata and the 401 challenge name.
import request from 'supertest';
import { operationsOf, type OpenApiDocument } from '../src/http/openapi-document';
import { createLogger } from '../src/logger';
import { SCOPES } from '../src/pool/pool-definition';
import { spawnService } from './support/service-process';
import { stack, testEnv, TestFleet, type TestApp } from './support/stack';

const fleet = new TestFleet();
let api: TestApp;
beforeAll(async () => {
  api = await fleet.instance();
});
afterAll(() => fleet.close());

describe('meta routes', () => {
  it('GET /healthz answers 200 while the process runs', async () => {
    const response = await request(api.app).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('GET /readyz answers 503 naming the keys until start-up has loaded them, then 200', async () => {
    const before = await request(api.app).get('/readyz');
    expect(before.status).toBe(503);
    expect(before.headers['retry-after']).toBe('5');
    expect(before.body).toEqual({ error: 'temporarily_unavailable', error_description: 'Not ready: jwks unavailable.', down: ['jwks'] });

    await api.readiness.start(createLogger('silent'));
    const response = await request(api.app).get('/readyz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ready' });
    expect(api.verifier.keysLoaded()).toBe(true);
  });

  it('serves RFC 9728 metadata naming the issuer as authorization server', async () => {
    const response = await request(api.app).get('/.well-known/oauth-protected-resource');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      resource: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      authorization_servers: [stack.issuer],
      // The pool definition's scopes; the groups of the local stack grant no others.
      scopes_supported: Object.values(SCOPES),
      bearer_methods_supported: ['header'],
      resource_documentation: expect.stringMatching(/\/docs$/),
    });
  });

  it('serves openapi.yaml as JSON with the password flow pointing at /auth/token', async () => {
    const response = await request(api.app).get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.components.securitySchemes.password.flows.password.tokenUrl).toBe('/auth/token');
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining([
        '/auth/login', '/auth/token', '/auth/refresh', '/auth/challenge', '/auth/logout', '/auth/logout-all', '/auth/me',
        '/auth/signup', '/auth/confirm', '/auth/resend-code', '/auth/forgot-password', '/auth/reset-password',
        '/auth/change-password', '/auth/mfa/setup', '/auth/mfa/verify', '/books', '/books/{id}',
        '/auth/revoke', '/auth/introspect', '/.well-known/oauth-authorization-server',
        '/admin/users/{username}/logout-all', '/admin/users/{username}/disable',
      ]),
    );
  });

  it('documents only operations the app serves: each one answers something other than 404', async () => {
    const document = (await request(api.app).get('/openapi.json')).body as OpenApiDocument;
    const operations = operationsOf(document).map(({ method, path }) => [method, path.replace('{id}', 'some-id').replace('{username}', 'some-user')] as const);
    expect(operations.length).toBeGreaterThan(20);
    for (const [method, path] of operations) {
      const response = await request(api.app)[method as 'get' | 'post' | 'delete'](path).set('Content-Type', 'application/json');
      expect([method, path, response.status]).not.toEqual([method, path, 404]);
    }
  });

  it('drops the hosted-UI scheme when COGNITO_DOMAIN is unset, so Swagger UI offers no flow that cannot work', async () => {
    const response = await request(api.app).get('/openapi.json');
    expect(Object.keys(response.body.components.securitySchemes)).toEqual(['password', 'bearer', 'introspectionClient']);
    expect(response.body.paths['/auth/me'].get.security).toEqual([{ password: [] }, { bearer: [] }]);
  });

  it('points the code + PKCE flow at COGNITO_DOMAIN when it is set', async () => {
    const withDomain = await fleet.instance({ env: { COGNITO_DOMAIN: 'https://auth.example.com/' } });
    const response = await request(withDomain.app).get('/openapi.json');
    expect(response.body.components.securitySchemes.hostedUi.flows.authorizationCode).toMatchObject({
      authorizationUrl: 'https://auth.example.com/oauth2/authorize',
      tokenUrl: 'https://auth.example.com/oauth2/token',
    });
    expect(response.body.paths['/auth/me'].get.security).toEqual([{ password: [] }, { hostedUi: [] }, { bearer: [] }]);
    const docs = await request(withDomain.app).get('/docs/');
    expect(docs.headers['content-security-policy']).toContain("connect-src 'self' https://auth.example.com");
  });

  it('serves Swagger UI at /docs/', async () => {
    const response = await request(api.app).get('/docs/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.text).toContain('swagger-ui');
  });

  it('answers an unknown route with 404 in the error format', async () => {
    const response = await request(api.app).get('/nowhere');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'not_found', error_description: 'No route for GET /nowhere.' });
  });

  it('never sends X-Powered-By', async () => {
    const response = await request(api.app).get('/healthz');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});

describe('the API\'s public URL', () => {
  it('never reflects a forged Host when PUBLIC_URL is set, and lets the metadata be cached', async () => {
    const api = await fleet.instance({ env: { PUBLIC_URL: 'https://api.example.com/' } });
    const metadata = await request(api.app).get('/.well-known/oauth-protected-resource').set('Host', 'evil.example.com');
    expect(metadata.status).toBe(200);
    expect(metadata.body.resource).toBe('https://api.example.com');
    expect(metadata.body.resource_documentation).toBe('https://api.example.com/docs');
    expect(metadata.headers['cache-control']).toBe('public, max-age=3600');
    const challenge = await request(api.app).get('/auth/me').set('Host', 'evil.example.com');
    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe(
      'Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    );
  });

  it('derives it from the request when PUBLIC_URL is unset, and then forbids shared caches', async () => {
    const api = await fleet.instance();
    const metadata = await request(api.app).get('/.well-known/oauth-protected-resource').set('Host', 'api.internal:8080');
    expect(metadata.body.resource).toBe('http://api.internal:8080');
    expect(metadata.headers['cache-control']).toBe('no-store');
  });

  it('refuses a Host that is no valid host with 400 rather than build a URL on it, when PUBLIC_URL is unset', async () => {
    const api = await fleet.instance();
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-authorization-server', '/auth/me']) {
      const response = await request(api.app).get(path).set('Host', 'a b');
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'invalid_request', error_description: 'The Host header is not a valid host.' });
    }
    const literal = await request(api.app).get('/.well-known/oauth-authorization-server').set('Host', '[::1]:3000');
    expect(literal.body.issuer).toBe('http://[::1]:3000');
  });

  it('warns at start-up in production when PUBLIC_URL is unset, naming the variable', async () => {
    const service = await spawnService({ ...testEnv({ REDIS_URL: stack.redisUrl, REDIS_KEY_PREFIX: fleet.prefix }), NODE_ENV: 'production', LOG_LEVEL: 'info' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const warning = service.output().split('\n').find((line) => line.includes('PUBLIC_URL'));
      expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 40, msg: expect.stringContaining('PUBLIC_URL is not set') });
    } finally {
      service.child.kill('SIGKILL');
    }
  }, 20_000);
});
