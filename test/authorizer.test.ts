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

  let sessions: Promise<{ reader: { access_token: string }; editor: { access_token: string } }> | undefined;
  /** A reader and an editor, signed in once for these cases (logins have a budget). */
  const signedIn = () => (sessions ??= Promise.all([login(api.app, users.reader), login(api.app, users.editor)]).then(([reader, editor]) => ({ reader, editor })));

  /** The fixture's call, as API Gateway sends it for another route key, path or stage. */
  const call = (token: string, routeKey: string, method: string, rawPath: string, stage = '$default') => {
    const event = fixture('http-v2', token);
    return { ...event, routeKey, rawPath, requestContext: { ...event.requestContext, stage, routeKey, http: { ...event.requestContext.http, method, path: rawPath } } };
  };

  it.each([
    ['the route key, on a named stage', 'DELETE /books/{id}', '/prod/books/42', 'prod'],
    ['the route key, under an API mapping', 'DELETE /books/{id}', '/v1/books/42', '$default'],
    ['$default, on a named stage', '$default', '/prod/books/42', 'prod'],
    ['$default, under an API mapping', '$default', '/v1/books/42', '$default'],
    ['$default, with a trailing slash', '$default', '/books/42/', '$default'],
    ['$default, with a doubled slash', '$default', '//books/42', '$default'],
    ['$default, in another case', '$default', '/Books/42', '$default'],
    ['$default, percent-encoded', '$default', '/%62ooks/42', '$default'],
    ['a greedy route', 'ANY /{proxy+}', '/prod/books/42', 'prod'],
    ['ANY with a path parameter', 'ANY /books/{id}', '/books/42', '$default'],
  ])('needs the scopes of DELETE /books/{id} for %s', async (_what, routeKey, rawPath, stage) => {
    const { reader, editor } = await signedIn();
    const handle = authorizer();
    await expect(handle(call(reader.access_token, routeKey, 'DELETE', rawPath, stage))).resolves.toEqual({ isAuthorized: false, context: expect.objectContaining({ username: 'reader' }) });
    await expect(handle(call(editor.access_token, routeKey, 'DELETE', rawPath, stage))).resolves.toEqual({ isAuthorized: true, context: expect.objectContaining({ username: 'editor' }) });
  });

  it.each([
    ['another method', '$default', 'GET', '/prod/books/42'],
    ['another route', '$default', 'DELETE', '/prod/authors/42'],
    ['a route that only ends like one', 'DELETE /authors/{id}', 'DELETE', '/books/authors/42'],
    ['the root', '$default', 'DELETE', '/prod'],
  ])('authorizes a reader for %s', async (_what, routeKey, method, rawPath) => {
    const { reader } = await signedIn();
    await expect(authorizer()(call(reader.access_token, routeKey, method, rawPath, 'prod'))).resolves.toEqual({ isAuthorized: true, context: expect.objectContaining({ username: 'reader' }) });
  });

  it('matches a long path in time linear in its length', async () => {
    const { reader } = await signedIn();
    const handle = authorizer({ AUTHORIZER_ROUTE_SCOPES: JSON.stringify({ 'GET /orgs/{org}/repos/{repo}/issues/{n}/comments': ['books/write'] }) });
    // Every placeholder could end at any of thousands of places: a backtracking match tries them all.
    const path = `/orgs/${'o/repos/r/issues/i/'.repeat(5_000)}x`;
    const started = Date.now();
    await expect(handle(call(reader.access_token, '$default', 'GET', path))).resolves.toEqual({ isAuthorized: true, context: expect.any(Object) });
    const denied = `${path}/comments`;
    await expect(handle(call(reader.access_token, '$default', 'GET', denied))).resolves.toEqual({ isAuthorized: false, context: expect.any(Object) });
    // A regular expression with a repetition per placeholder took 23 s on a 20 KB path; these are 100 KB.
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers a logged-out token with Unauthorized', async () => {
    const tokens = await login(api.app, users.editor);
    await request(api.app).post('/auth/logout').set('Authorization', `Bearer ${tokens.access_token}`).expect(204);
    await expect(authorizer()(fixture('http-v2', tokens.access_token))).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('when a dependency is down', () => {
  it.each(['rest-token', 'rest-request', 'http-v2'])('fails closed on a %s event when Redis cannot be reached, within seconds, and logs why', async (shape) => {
    const env = lambdaEnv(fleet.prefix, { COGNITO_CLIENT_ID: stack.clientId, REDIS_URL: await closedUrl('redis'), AUTHORIZER_ROUTE_SCOPES: ROUTE_SCOPES });
    const { runtime, lines } = runtimes.make(env);
    const started = Date.now();
    await expect(authorizerOf(runtime, env)(fixture(shape, mintAccessToken(stack.issuer, stack.clientId)))).rejects.toThrow(
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
    expect(() => parseRouteScopes('{"GET /files/{name}.json": ["x"]}')).toThrow(
      'Invalid configuration: AUTHORIZER_ROUTE_SCOPES: "GET /files/{name}.json": a path parameter or * must be a whole segment',
    );
    expect(parseRouteScopes(undefined)).toEqual([]);
  });

  it('needs COGNITO_CLIENT_ID: the app client whose tokens it accepts', () => {
    const env = lambdaEnv(fleet.prefix);
    expect(() => authorizerOf(runtimes.make(env).runtime, env)).toThrow('Invalid configuration: COGNITO_CLIENT_ID: required by the authorizer');
  });
});
