// Fuzzing from openapi.yaml with fast-check (fixed seed, bounded runs): every operation gets malformed paths, query
// strings, headers, bodies, content types and encodings. No answer may be a 5xx, except 503 when a dependency is
// down and 501 for the one call cognito-local lacks (ResendConfirmationCode), and none may show a stack trace. Each
// answer is also checked against openapi.yaml, as every response of a TestFleet app is.
import fc from 'fast-check';
import request from 'supertest';
import { loadOpenApiDocument, operationsOf, type OpenApiDocument } from '../src/http/openapi-document';
import { authorizerOf, type AuthorizerHandler } from '../src/lambda/authorizer';
import { lambdaEnv, Runtimes } from './support/lambdas';
import { TestFleet, stack, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const SEED = 20261122;
const RUNS = 1500;

const fleet = new TestFleet();
let api: TestApp;
beforeAll(async () => {
  // Budgets out of the way, so the fuzzed requests reach the handlers behind them.
  api = await fleet.instance({ env: { LOGIN_RATE_LIMIT: '1000000', LOGIN_IP_RATE_LIMIT: '1000000' } });
});
const runtimes = new Runtimes();
afterAll(async () => {
  await runtimes.close();
  await fleet.close();
});

interface Operation {
  method: 'get' | 'post' | 'delete';
  path: string;
  /** The media type of its body, if it takes one. */
  mediaType?: string;
  /** Property names of its JSON or form body, to build bodies of roughly the right shape. */
  fields: string[];
}

type Schema = { $ref?: string; properties?: Record<string, unknown>; allOf?: Schema[] };
const document = loadOpenApiDocument() as OpenApiDocument & { components: { schemas: Record<string, Schema> } };
const resolveSchema = (schema: Schema | undefined): Schema =>
  schema?.$ref ? (document.components.schemas[schema.$ref.split('/').pop() ?? ''] ?? {}) : (schema ?? {});
const operations: Operation[] = operationsOf(document).map(({ path, method, operation }: { path: string; method: string; operation: any }) => {
  const content = operation.requestBody?.content ?? {};
  const schema = resolveSchema((Object.values(content)[0] as { schema?: Schema } | undefined)?.schema);
  return { method: method as Operation['method'], path, mediaType: Object.keys(content)[0], fields: Object.keys(schema.properties ?? {}) };
});

/** Characters a client can put in a request target; `%` starts escapes that may be malformed. */
const urlChar = fc.constantFrom(...'abcXYZ019-._~!$&\'()*+,;=:@%/'.split(''));
const urlText = fc.string({ unit: urlChar, maxLength: 24 });
const segment = fc.oneof(urlText, fc.constantFrom('%', '%E0%A4%A', '%00', '%2F..%2F', '%ZZ', '%C0%AF', '%FF%FE', '..'));
const query = fc.oneof(fc.constant(''), urlText.map((text) => `?${text}`), fc.constantFrom('?access_token=x', '?a=%', '?a[b]=c&a=d', '?scope=books%2fread%00', '?scope=%E2%80%8B', '?scope=%22%5C%0D%0A', '?scope=a&scope[b]=c'));
/** Printable ASCII: what an HTTP client can send in a header value. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 64 });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 3 });

const authorization = optional(
  fc.oneof(
    fc.constantFrom('Bearer', 'Bearer ', 'Basic', 'Basic Og==', 'Basic %%%', 'Digest x', 'bearer a.b.c'),
    headerText.map((text) => `Bearer ${text}`),
    headerText.map((text) => `Basic ${Buffer.from(text).toString('base64')}`),
    fc.constant('valid'),
  ),
);
/** Mostly the operation's own media type, so bodies reach validation; sometimes anything. */
const contentType = (own: string | undefined) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(own) },
    { weight: 1, arbitrary: contentTypeJunk },
  );
const contentTypeJunk = optional(
  fc.oneof(
    fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'text/plain',
      'multipart/form-data; boundary=x',
      '*/*',
      '',
    ),
    headerText,
  ),
);
const contentEncoding = optional(fc.oneof(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-squeeze', 'gzip, gzip'), headerText));
/** Mostly none, so most requests pass the cross-site guard; sometimes hostile ones. */
const extraHeaders = fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record(
  {
    'X-Request-Id': headerText,
    Origin: fc.oneof(headerText, fc.constantFrom('null', 'https://evil.example.net')),
    'Sec-Fetch-Site': fc.constantFrom('cross-site', 'same-origin', 'none', 'weird'),
    Host: fc.oneof(headerText, fc.constantFrom('evil.example.com', '[::1]', 'a b')),
    Accept: headerText,
  },
  { requiredKeys: [] },
) });

/** A body: nothing, raw bytes, any JSON, or an object with the operation's own field names and any values. */
const body = (fields: string[]) =>
  optional(
    fc.oneof(
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
      fc.json({ maxDepth: 3 }).map((text) => Buffer.from(text)),
      fc
        .dictionary(fields.length > 0 ? fc.constantFrom(...fields) : fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })
        .map((object) => Buffer.from(JSON.stringify(object))),
      // Every field, each a string of the kind a person might type: these get past validation to Cognito.
      fc
        .tuple(...fields.map(() => fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('123456', 'Pw-123456!', 'reader', 'a@b.co'))))
        .map((values) => Buffer.from(JSON.stringify(Object.fromEntries(fields.map((field, i) => [field, values[i]]))))),
      fc
        .dictionary(fields.length > 0 ? fc.constantFrom(...fields) : fc.string(), urlText, { maxKeys: 6 })
        .map((object) => Buffer.from(new URLSearchParams(object).toString())),
    ),
  );

const fuzzedRequest = fc.constantFrom(...operations).chain((operation) =>
  fc.record({
    operation: fc.constant(operation),
    segments: fc.array(segment, { minLength: 1, maxLength: 2 }),
    // Junk after the path of a route without parameters: mostly not, or nearly everything would be a 404.
    appendToPath: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    query,
    authorization,
    contentType: contentType(operation.mediaType),
    contentEncoding: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: contentEncoding }),
    extraHeaders,
    body: body(operation.fields),
  }),
);

describe('fuzzing every operation of openapi.yaml', () => {
  it(`never answers a client's bytes with a 5xx (seed ${SEED}, ${RUNS} requests)`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fuzzedRequest, async (fuzz) => {
        const { operation } = fuzz;
        // Path parameters get malformed text; other routes sometimes get junk appended.
        let path = operation.path.replace(/\{[^}]+\}/g, () => fuzz.segments[0] ?? '%');
        if (!operation.path.includes('{') && fuzz.appendToPath) path += `/${fuzz.segments.join('/')}`;
        const call = request(api.app)[operation.method](`${path}${fuzz.query}`);
        for (const [name, value] of Object.entries(fuzz.extraHeaders)) call.set(name, value);
        if (fuzz.authorization === 'valid') call.set('Authorization', `Bearer ${mintAccessToken(stack.issuer, stack.clientId)}`);
        else if (fuzz.authorization !== undefined) call.set('Authorization', fuzz.authorization);
        if (fuzz.contentType !== undefined) call.set('Content-Type', fuzz.contentType);
        if (fuzz.contentEncoding !== undefined) call.set('Content-Encoding', fuzz.contentEncoding);
        const response = fuzz.body === undefined ? await call : await call.send(fuzz.body);

        const key = `${operation.method.toUpperCase()} ${operation.path} ${response.status}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        const dependencyDown = response.status === 503 && response.body.error === 'temporarily_unavailable';
        const localGap = response.status === 501 && operation.path === '/auth/resend-code';
        if (response.status >= 500 && !dependencyDown && !localGap) {
          throw new Error(`${key}: ${JSON.stringify(response.body)}`);
        }
        expect(response.text).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // Every operation was reached, and not only its 400s: the bodies got past validation somewhere.
    const reached = new Set([...seen.keys()].map((key) => key.split(' ').slice(0, 2).join(' ')));
    expect(reached.size).toBe(operations.length);
    expect([...seen.keys()].some((key) => key.endsWith(' 200') || key.endsWith(' 204'))).toBe(true);
  }, 300_000);
});

/** Claims of the kinds a token may carry that a header or a policy must survive: text that is no ASCII, or no text. */
const hostileClaims = fc.record(
  {
    username: fc.oneof(fc.string(), fc.constantFrom('zo\ud800', 'a\r\nX-Auth: 1', '%C3%A9', 'é,x', '')),
    'cognito:groups': fc.array(fc.oneof(fc.string(), fc.constantFrom('a,b', '\udfff', 'x y')), { maxLength: 3 }),
    scope: fc.oneof(fc.string(), fc.constantFrom('books/read books/write', '\ud800')),
  },
  { requiredKeys: [] },
);
const identityHeaderNames = (headers: Record<string, unknown>) => Object.keys(headers).filter((name) => name.startsWith('x-auth-request-'));

describe('fuzzing the forward-auth port', () => {
  const target = fc.oneof(
    fc.tuple(fc.constantFrom('/auth/verify', '/AUTH/Verify', '/auth/verify/', '/auth/verifyx', '/', '//auth/verify'), fc.array(segment, { maxLength: 2 }), query)
      .map(([path, extra, q]) => `${path}${extra.length > 0 ? `/${extra.join('/')}` : ''}${q}`),
    fc.constantFrom('/auth/verify??scope=books/write', `/auth/verify?${'a&'.repeat(150)}scope=x`, '/auth/verify?scope=books/write&scope=%FF'),
  );
  const door = fc.record({
    target,
    method: fc.constantFrom('get', 'post', 'head', 'delete'),
    authorization,
    claims: fc.option(hostileClaims, { nil: undefined }),
    host: fc.option(fc.oneof(headerText, fc.constantFrom('evil.example/phish?', '', 'a"b', 'a\\b')), { nil: undefined }),
  });

  it(`never answers a client's bytes with a 5xx, nor identity headers on a refusal (seed ${SEED}, 400 requests)`, async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(door, async (fuzz) => {
        const call = (request(api.forwardAuth) as any)[fuzz.method](fuzz.target) as request.Test;
        if (fuzz.claims) call.set('Authorization', `Bearer ${mintAccessToken(stack.issuer, stack.clientId, fuzz.claims)}`);
        else if (fuzz.authorization === 'valid') call.set('Authorization', `Bearer ${mintAccessToken(stack.issuer, stack.clientId)}`);
        else if (fuzz.authorization !== undefined) call.set('Authorization', fuzz.authorization);
        if (fuzz.host !== undefined) call.set('Host', fuzz.host);
        const response = await call;
        statuses.add(response.status);
        if (response.status >= 500) throw new Error(`${fuzz.method.toUpperCase()} ${fuzz.target} → ${response.status}: ${response.text}`);
        if (response.status !== 200) expect(identityHeaderNames(response.headers)).toEqual([]);
        else expect(identityHeaderNames(response.headers)).toHaveLength(5);
        expect(response.text ?? '').not.toMatch(/\n\s+at .+:\d+:\d+/);
      }),
      { seed: SEED, numRuns: 400, endOnFailure: true },
    );
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400, 401, 404]));
  }, 120_000);
});

describe('fuzzing the Lambda authorizer\'s events', () => {
  let handle: AuthorizerHandler;
  beforeAll(() => {
    const env = lambdaEnv(fleet.prefix, {
      COGNITO_CLIENT_ID: stack.clientId,
      AUTHORIZER_ROUTE_SCOPES: JSON.stringify({ 'DELETE /books/{id}': ['books/write'], 'GET /orgs/{org}/repos/{repo}': ['books/read'] }),
    });
    handle = authorizerOf(runtimes.make(env).runtime, env);
  });

  /** Any JSON value, or one of the kind API Gateway sends in that place. */
  const either = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof(arbitrary, fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined));
  const token = fc.oneof(
    fc.constant(undefined),
    fc.constant('valid'),
    hostileClaims.map((claims) => mintAccessToken(stack.issuer, stack.clientId, claims)),
    headerText,
  );
  const path = fc.array(fc.oneof(segment, fc.constantFrom('books', 'Books', 'orgs', 'repos', '', 'prod', '{id}')), { maxLength: 8 }).map((parts) => `/${parts.join('/')}`);
  const event = fc.record({
    type: either(fc.constantFrom('TOKEN', 'REQUEST')),
    version: either(fc.constantFrom('1.0', '2.0')),
    token,
    methodArn: either(path.map((p) => `arn:aws:execute-api:eu-west-1:123456789012:abc/prod/GET${p}`)),
    routeArn: either(fc.constant('arn:aws:execute-api:eu-west-1:123456789012:abc/$default/GET/x')),
    routeKey: either(fc.oneof(fc.constantFrom('$default', 'DELETE /books/{id}', 'ANY /{proxy+}'), headerText)),
    rawPath: either(path),
    method: either(fc.constantFrom('GET', 'DELETE', 'ANY')),
    headers: either(fc.constant({})),
  });

  it(`answers any event with a well-formed answer or a refusal, never a crash (seed ${SEED}, 400 events)`, async () => {
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(event, async (fuzz) => {
        const bearer = fuzz.token === 'valid' ? mintAccessToken(stack.issuer, stack.clientId) : fuzz.token;
        const headers = fuzz.headers !== null && typeof fuzz.headers === 'object' && !Array.isArray(fuzz.headers) && bearer !== undefined ? { ...fuzz.headers, authorization: `Bearer ${bearer}` } : fuzz.headers;
        const sent = {
          type: fuzz.type,
          version: fuzz.version,
          authorizationToken: bearer === undefined ? undefined : `Bearer ${bearer}`,
          methodArn: fuzz.methodArn,
          routeArn: fuzz.routeArn,
          routeKey: fuzz.routeKey,
          rawPath: fuzz.rawPath,
          requestContext: { http: { method: fuzz.method } },
          headers,
        };
        let answer: unknown;
        try {
          answer = await handle(sent as never);
        } catch (err) {
          // API Gateway's 401, or, for an event API Gateway would never send, a refusal that says so (its 500).
          expect(['Unauthorized', 'The event is not an API Gateway authorizer event.']).toContain((err as Error).message);
          outcomes.add((err as Error).message);
          return;
        }
        if (fuzz.version === '2.0') {
          expect(answer).toEqual({ isAuthorized: expect.any(Boolean), context: expect.any(Object) });
          outcomes.add(`isAuthorized ${(answer as { isAuthorized: boolean }).isAuthorized}`);
        } else {
          expect(answer).toEqual({ principalId: expect.any(String), policyDocument: expect.any(Object), context: expect.any(Object) });
          outcomes.add('policy');
        }
        for (const value of Object.values((answer as { context: Record<string, unknown> }).context)) expect(['string', 'number', 'boolean']).toContain(typeof value);
      }),
      { seed: SEED, numRuns: 400, endOnFailure: true },
    );
    expect([...outcomes].sort()).toEqual(['The event is not an API Gateway authorizer event.', 'Unauthorized', 'isAuthorized false', 'isAuthorized true', 'policy']);
  }, 120_000);
});
