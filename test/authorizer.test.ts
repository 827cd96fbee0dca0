// The API Gateway Lambda authorizer as a function: API Gateway's three event shapes, tokens from cognito-local, a
// real Redis shared with a running service, before and after logout, forged, expired, missing scope, Redis down.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { authorizerOf, parseRouteScopes, type AuthorizerHandler, type PolicyResponse, type SimpleResponse } from '../src/lambda/authorizer';
import { closedUrl, invokeColdStart, lambdaEnv, Runtimes } from './support/lambdas';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { foreignKey, mintAccessToken, signJwt, accessClaims, POOL_KID } from './support/tokens';

const fleet = new TestFleet();
const runtimes = new Runtimes();
let api: TestApp;
afterAll(async () => {
  await runtimes.close();
  await fleet.close();
});
beforeAll(async () => {
  api = await fleet.instance();
});

const ROUTE_SCOPES = JSON.stringify({ 'POST /books': ['books/write'], 'DELETE /books/{id}': ['books/write'], 'GET /books': ['books/read'] });
const fixture = (name: string, token: string) =>
  JSON.parse(readFileSync(path.join(__dirname, 'fixtures/api-gateway', `${name}.json`), 'utf8').replaceAll('<token>', token));

/** The authorizer over the suite's pool and the fleet's Redis keys, configured by the service's own variables. */
function authorizer(overrides: Record<string, string | undefined> = {}): AuthorizerHandler {
  const env = lambdaEnv(fleet.prefix, {
    COGNITO_CLIENT_ID: stack.clientId,
    GROUP_SCOPES: JSON.stringify({ readers: ['books/read'], editors: ['books/read', 'books/write'] }),
    AUTHORIZER_ROUTE_SCOPES: ROUTE_SCOPES,
    ...overrides,
  });
  return authorizerOf(runtimes.make(env).runtime, env);
}

const API = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod';

describe('REST API TOKEN authorizer', () => {
  it('answers a valid token with one policy for the whole API, denying the routes its scopes lack', async () => {
    const tokens = await login(api.app, users.reader);
    const answer = (await authorizer()(fixture('rest-token', tokens.access_token))) as PolicyResponse;
    expect(answer.principalId).toEqual(expect.any(String));
    expect(answer.policyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${API}/*` },
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [`${API}/POST/books`, `${API}/DELETE/books/*`] },
      ],
    });
    expect(answer.context).toEqual({
      sub: answer.principalId,
      username: 'reader',
      client_id: stack.clientId,
      scopes: 'aws.cognito.signin.user.admin books/read',
      groups: 'readers',
    });
    for (const value of Object.values(answer.context)) expect(['string', 'number', 'boolean']).toContain(typeof value);
  });

  it('allows the whole API when no route needs scopes', async () => {
    const tokens = await login(api.app, users.reader);
    const answer = (await authorizer({ AUTHORIZER_ROUTE_SCOPES: undefined })(fixture('rest-token', tokens.access_token))) as PolicyResponse;
    expect(answer.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${API}/*` }]);
  });

  it('refuses a token once its session has logged out on the running service, at once', async () => {
    const handle = authorizer();
    const tokens = await login(api.app, users.editor);
    await expect(handle(fixture('rest-token', tokens.access_token))).resolves.toHaveProperty('principalId');
    await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    await expect(handle(fixture('rest-token', tokens.access_token))).rejects.toThrow(/^Unauthorized$/);
  });

  it.each([
    ['no token', ''],
    ['a forged token', signJwt({ alg: 'RS256', typ: 'JWT', kid: POOL_KID }, accessClaims(stack.issuer, stack.clientId), foreignKey())],
    ['an expired token', mintAccessToken(stack.issuer, stack.clientId, { exp: Math.floor(Date.now() / 1000) - 600 })],
    ['a token of another client', mintAccessToken(stack.issuer, 'someotherclient')],
    ['garbage', 'not a token'],
  ])('answers %s with Unauthorized (API Gateway: 401)', async (_what, token) => {
    const event = fixture('rest-token', token);
    if (!token) delete event.authorizationToken;
    await expect(authorizer()(event)).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('the deployed handler', () => {
  it('answers the first invocation after a cold start correctly, configured by the environment alone', async () => {
    const tokens = await login(api.app, users.reader);
    const env = lambdaEnv(fleet.prefix, { COGNITO_CLIENT_ID: stack.clientId, GROUP_SCOPES: '{"readers":["books/read"]}', AUTHORIZER_ROUTE_SCOPES: ROUTE_SCOPES });
    const answer = (await invokeColdStart(require.resolve('../src/lambda/authorizer'), env, fixture('rest-token', tokens.access_token))) as PolicyResponse;
    expect(answer.policyDocument.Statement[0]).toEqual({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${API}/*` });
    expect(answer.context.username).toBe('reader');
  });
});

describe('REST API REQUEST authorizer', () => {
  it('reads the Authorization header and answers the same policy', async () => {
    const tokens = await login(api.app, users.editor);
    const answer = (await authorizer()(fixture('rest-request', tokens.access_token))) as PolicyResponse;
    expect(answer.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${API}/*` }]);
    expect(answer.context.groups).toBe('editors');
  });
});

describe('HTTP API authorizer, payload 2.0', () => {
  it('answers the simple response for the route called: a writer is authorized, a reader is not (403)', async () => {
    const editor = await login(api.app, users.editor);
    const reader = await login(api.app, users.reader);
    const handle = authorizer();
    const allowed = (await handle(fixture('http-v2', editor.access_token))) as SimpleResponse;
    expect(allowed).toEqual({ isAuthorized: true, context: expect.objectContaining({ username: 'editor', groups: 'editors' }) });
    const denied = (await handle(fixture('http-v2', reader.access_token))) as SimpleResponse;
    expect(denied).toEqual({ isAuthorized: false, context: expect.objectContaining({ username: 'reader' }) });
  });

  it('answers a logged-out token with Unauthorized', async () => {
    const tokens = await login(api.app, users.editor);
    await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    await expect(authorizer()(fixture('http-v2', tokens.access_token))).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('when a dependency is down', () => {
  it('fails closed when Redis cannot be reached, within seconds, and logs why', async () => {
    const env = lambdaEnv(fleet.prefix, { COGNITO_CLIENT_ID: stack.clientId, REDIS_URL: await closedUrl('redis') });
    const { runtime, lines } = runtimes.make(env);
    const started = Date.now();
    await expect(authorizerOf(runtime, env)(fixture('rest-token', mintAccessToken(stack.issuer, stack.clientId)))).rejects.toThrow(
      'The authorizer could not check the token (Redis or the signing keys unreachable).',
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(lines.some((line) => line.msg === 'authorizer: failing closed: the token could not be checked')).toBe(true);
  });
});

describe('configuration', () => {
  it('refuses route scopes that are not a JSON map of "<METHOD> /path" to scopes, naming the variable', () => {
    expect(() => parseRouteScopes('{"books": ["x"]}')).toThrow('Invalid configuration: AUTHORIZER_ROUTE_SCOPES: keys must be "<METHOD> /path"');
    expect(() => parseRouteScopes('nope')).toThrow('Invalid configuration: AUTHORIZER_ROUTE_SCOPES: must be JSON');
    expect(parseRouteScopes(undefined)).toEqual([]);
  });

  it('needs COGNITO_CLIENT_ID: the app client whose tokens it accepts', () => {
    const env = lambdaEnv(fleet.prefix);
    expect(() => authorizerOf(runtimes.make(env).runtime, env)).toThrow('Invalid configuration: COGNITO_CLIENT_ID: required by the authorizer');
  });
});
