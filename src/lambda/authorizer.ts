// API Gateway Lambda authorizer (REST TOKEN and REQUEST, HTTP API 2.0) with the very checks of a protected route.
import { z } from 'zod';
import { Authenticator } from '../bearer/authenticator';
import { extractBearerToken } from '../bearer/bearer-token';
import type { Principal } from '../bearer/principal';
import { CognitoAccessTokenVerifier } from '../bearer/token-verifier';
import { CachedTokenVerifier } from '../bearer/verified-token-cache';
import { ConfigError, InvalidRequestError, InvalidTokenError, UnauthorizedError } from '../errors';
import { deployedHandler, NO_CLIENT_ID, type LambdaRuntime } from './runtime';

/** REST API, `TOKEN` authorizer: the identity source's value and the method called. */
export interface TokenAuthorizerEvent {
  type: 'TOKEN';
  version?: undefined;
  authorizationToken?: string;
  /** `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<resource path>`. */
  methodArn: string;
}

/** REST API, `REQUEST` authorizer (payload 1.0): the request's headers and the method called. */
export interface RequestAuthorizerEvent {
  type: 'REQUEST';
  version?: undefined;
  methodArn: string;
  headers?: Record<string, string | undefined> | null;
}

/** HTTP API, payload format 2.0. */
export interface HttpApiAuthorizerEvent {
  version: '2.0';
  type: 'REQUEST';
  routeArn: string;
  /** `GET /books`, or `$default`. */
  routeKey: string;
  /** The path called, e.g. `/books/42`. */
  rawPath?: string;
  /** The method called. */
  requestContext?: { http?: { method?: string } };
  /** Lower-case header names. */
  headers?: Record<string, string | undefined>;
}

/** What API Gateway accepts in `context`: strings, numbers and booleans only, never arrays or objects. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** A REST authorizer's answer: an IAM policy API Gateway caches per token and applies to every method of the API. */
export interface PolicyResponse {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: { Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string | string[] }[];
  };
  context: AuthorizerContext;
}

/** An HTTP API simple response. */
export interface SimpleResponse {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

/** A route that needs scopes: its method (or `*`) and resource pattern (`/books/{id}`, `/books/*`). */
export interface RouteScope {
  method: string;
  path: string;
  scopes: string[];
  /** `path` as segments to match, compiled once. */
  pattern: PatternToken[];
}

/** A segment of a resource pattern: a literal (lower-case, decoded), or one segment of any value, or zero or more. */
type PatternToken = string | typeof ONE_SEGMENT | typeof ANY_SEGMENTS;
const ONE_SEGMENT = Symbol('one segment');
const ANY_SEGMENTS = Symbol('any segments');

/** A path parameter (`{id}`, `{proxy+}`) or `*`: a whole segment, standing for one segment or more. */
const isPlaceholder = (segment: string) => segment === '*' || /^\{[^{}/]+\}$/.test(segment);

/**
 * A path's segments as the router behind reads them: Express ignores case and a trailing slash, and a doubled
 * slash is read as one here too. Each segment is percent-decoded where it can be, so `%62ooks` is `books`: a
 * spelling can only make a call need more scopes, never fewer.
 */
function segmentsOf(path: string): string[] {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment).toLowerCase();
      } catch {
        return segment.toLowerCase();
      }
    });
}

/** A resource pattern's tokens: each placeholder one segment, then any more. */
const patternOf = (path: string): PatternToken[] =>
  path
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment): PatternToken[] => (isPlaceholder(segment) ? [ONE_SEGMENT, ANY_SEGMENTS] : segmentsOf(segment)));

/**
 * Whether `pattern` matches all of `segments`: the greedy wildcard match, which returns to the last `ANY_SEGMENTS`
 * on a mismatch. Its time is the path's length times the pattern's, so linear in the path: a regular expression
 * with a repetition per placeholder takes seconds on a 10 KB path.
 */
function patternMatches(pattern: PatternToken[], segments: string[]): boolean {
  let p = 0;
  let s = 0;
  let star = -1;
  let resume = 0;
  while (s < segments.length) {
    const token = pattern[p];
    if (token === ANY_SEGMENTS) {
      star = p++;
      resume = s;
    } else if (token !== undefined && (token === ONE_SEGMENT || token === segments[s])) {
      p++;
      s++;
    } else if (star >= 0) {
      p = star + 1;
      s = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === ANY_SEGMENTS) p++;
  return p === pattern.length;
}

/**
 * AUTHORIZER_ROUTE_SCOPES: a JSON object from `"<METHOD> <resource pattern>"` to the scopes it needs, e.g.
 * `{"GET /books": ["books/read"], "POST /books": ["books/write"], "DELETE /books/{id}": ["books/write"]}`. A path
 * parameter or `*` stands for one segment or more. Unset: every route only needs a valid, live token.
 */
const routeScopesText = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text.trim() === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON' });
      return z.NEVER;
    }
    const result = z.record(z.string(), z.array(z.string().min(1)).min(1)).safeParse(parsed);
    if (!result.success) {
      ctx.addIssue({ code: 'custom', message: 'must map "<METHOD> /path" to a list of scopes' });
      return z.NEVER;
    }
    if (!Object.keys(result.data).every((key) => /^(\*|[A-Z]+) \/\S*$/.test(key))) {
      ctx.addIssue({ code: 'custom', message: 'keys must be "<METHOD> /path"' });
      return z.NEVER;
    }
    const partial = Object.keys(result.data).find((key) => key.split('/').some((segment) => /[{}*]/.test(segment) && !isPlaceholder(segment)));
    if (partial !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${partial}": a path parameter or * must be a whole segment` });
      return z.NEVER;
    }
    return Object.entries(result.data).map(([key, scopes]): RouteScope => {
      const [method = '*', path = '/'] = key.split(' ');
      return { method, path, scopes, pattern: patternOf(path) };
    });
  });

/** Parses AUTHORIZER_ROUTE_SCOPES; throws ConfigError naming it. */
export function parseRouteScopes(text: string | undefined): RouteScope[] {
  const result = routeScopesText.safeParse(text);
  if (!result.success) throw new ConfigError(`Invalid configuration: AUTHORIZER_ROUTE_SCOPES: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

/** The API Gateway parts of a method or route ARN. */
function partsOf(arn: string): { apiArn: string; stage: string; method: string; path: string } {
  const [prefix = '', stage = '*', method = '*', ...path] = arn.split('/');
  return { apiArn: prefix, stage, method, path: `/${path.join('/')}` };
}

/** A resource pattern as the tail of an execute-api ARN: each `{param}` one wildcard. */
const arnPath = (path: string) => path.replace(/\{[^}]+\}/g, '*').replace(/^\//, '');

/** An HTTP API call as the routes are matched against it: its method (undefined: any) and path segments. */
interface HttpApiCall {
  method: string | undefined;
  segments: string[];
  /** False when a base path (a stage, an API mapping) may come before the route's own segments. */
  anchored: boolean;
}

/**
 * What an HTTP API call names. A route key with a fixed number of segments (`DELETE /books/{id}`) names the route
 * API Gateway chose: its values are the last segments of `rawPath`, after whatever stage or API mapping came first.
 * On `$default` or a greedy route (`ANY /{proxy+}`) only the path says, and an API mapping's base path can't be
 * told from the route: a configured route then counts under any base path (`/v1/books/42` needs what `/books/{id}`
 * needs), and the stage is one.
 */
function httpApiCallOf(event: HttpApiAuthorizerEvent): HttpApiCall {
  const [keyMethod, template] = String(event.routeKey ?? '$default').split(' ');
  const named = event.requestContext?.http?.method ?? keyMethod;
  const method = named === undefined || named === 'ANY' || named === '$default' ? undefined : named;
  const segments = segmentsOf(String(event.rawPath ?? template ?? ''));
  if (template !== undefined && !template.includes('+}')) {
    const parts = template.split('/').filter((part) => part !== '');
    const called = segments.slice(segments.length - parts.length);
    const aligned = called.length === parts.length && parts.every((part, i) => isPlaceholder(part) || part.toLowerCase() === called[i]);
    if (aligned) return { method, segments: called, anchored: true };
  }
  return { method, segments, anchored: false };
}

/** Whether `route` names the call (`DELETE /books/42` for `DELETE /books/{id}`). */
function routeMatches(route: RouteScope, call: HttpApiCall): boolean {
  if (route.method !== '*' && call.method !== undefined && route.method !== call.method) return false;
  // The root is only the root: under any base path it would be every path.
  const anywhere = !call.anchored && route.pattern.length > 0;
  return patternMatches(anywhere ? [ANY_SEGMENTS, ...route.pattern] : route.pattern, call.segments);
}

/** The context API Gateway hands the integration: plain strings only. */
function contextOf(principal: Principal): AuthorizerContext {
  return {
    sub: principal.sub,
    username: principal.username ?? '',
    client_id: principal.clientId,
    scopes: principal.scopes.join(' '),
    groups: principal.groups.join(','),
  };
}

/** The Bearer token of an event, from whichever place its type keeps it. */
function tokenOf(event: TokenAuthorizerEvent | RequestAuthorizerEvent | HttpApiAuthorizerEvent): string {
  if (event.type === 'TOKEN') return extractBearerToken(event.authorizationToken, false);
  const headers = event.headers ?? {};
  const authorization = Object.entries(headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  return extractBearerToken(authorization, false);
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTextOrAbsent = (value: unknown) => value === undefined || isText(value);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
/** Headers as API Gateway sends them: absent, null, or names to text. */
const isHeaders = (value: unknown) => value === undefined || value === null || (isObject(value) && Object.values(value).every(isTextOrAbsent));

/**
 * Whether `event` is one of the three events API Gateway sends, as far as the authorizer reads it. Checked by hand:
 * it runs on every invocation, and a schema library's union builds the errors of each shape it rules out.
 */
function isAuthorizerEvent(event: unknown): boolean {
  if (!isObject(event)) return false;
  if (event.version === '2.0') {
    const context = event.requestContext;
    const http = isObject(context) ? context.http : undefined;
    return (
      isText(event.routeKey) &&
      isTextOrAbsent(event.rawPath) &&
      isHeaders(event.headers) &&
      (context === undefined || (isObject(context) && (http === undefined || (isObject(http) && isTextOrAbsent(http.method)))))
    );
  }
  if (event.type === 'TOKEN') return isText(event.methodArn) && isTextOrAbsent(event.authorizationToken);
  return event.type === 'REQUEST' && isText(event.methodArn) && isHeaders(event.headers);
}

/** An authorizer's handler. */
export type AuthorizerHandler = (event: TokenAuthorizerEvent | RequestAuthorizerEvent | HttpApiAuthorizerEvent) => Promise<PolicyResponse | SimpleResponse>;

/** What the authorizer is built over. */
export interface AuthorizerDeps {
  /** Resolves to the Authenticator of a protected route (verifier, token cache, denylist, scopes). */
  authenticator: () => Promise<Authenticator>;
  routeScopes: RouteScope[];
  logger: LambdaRuntime['logger'];
}

/**
 * Builds the authorizer. A missing, invalid or logged-out token throws `Error('Unauthorized')`, which API Gateway
 * answers with 401. A valid token gets, on a REST API, one policy for the whole API (API Gateway caches it per
 * token and reuses it on every method): Allow everything, but Deny the configured routes whose scopes the token
 * lacks (403); on an HTTP API, the simple response for the route called. When Redis or the signing keys can't be
 * reached it fails closed: it throws (API Gateway answers 500, never lets the call through) and logs why.
 */
export function createAuthorizer(deps: AuthorizerDeps): AuthorizerHandler {
  const { routeScopes, logger } = deps;
  return async (event) => {
    if (!isAuthorizerEvent(event)) {
      // Not a caller's doing: API Gateway sends none such. Thrown, API Gateway answers 500: closed, never open.
      logger.error('authorizer: the event is none of API Gateway\'s authorizer events (REST TOKEN or REQUEST, HTTP API 2.0)');
      throw new Error('The event is not an API Gateway authorizer event.');
    }
    let principal: Principal;
    try {
      principal = await (await deps.authenticator()).authenticate(tokenOf(event));
    } catch (err) {
      if (err instanceof UnauthorizedError || err instanceof InvalidRequestError || err instanceof InvalidTokenError) {
        logger.info({ reason: err instanceof InvalidTokenError ? err.reason : err.name }, 'authorizer: refused');
        throw new Error('Unauthorized');
      }
      logger.error({ err: { type: (err as Error).name, message: (err as Error).message } }, 'authorizer: failing closed: the token could not be checked');
      throw new Error('The authorizer could not check the token (Redis or the signing keys unreachable).');
    }
    const holds = (route: RouteScope) => route.scopes.every((scope) => principal.scopes.includes(scope));
    const context = contextOf(principal);
    if (event.version === '2.0') {
      const call = httpApiCallOf(event);
      const needed = routeScopes.filter((route) => routeMatches(route, call));
      return { isAuthorized: needed.every(holds), context };
    }
    const { apiArn, stage } = partsOf(event.methodArn);
    const denied = routeScopes.filter((route) => !holds(route)).map((route) => `${apiArn}/${stage}/${route.method}/${arnPath(route.path)}`);
    return {
      principalId: principal.sub,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${apiArn}/${stage}/*` },
          ...(denied.length > 0 ? [{ Action: 'execute-api:Invoke' as const, Effect: 'Deny' as const, Resource: denied }] : []),
        ],
      },
      context,
    };
  };
}

/** The authorizer on a LambdaRuntime: the service's verifier and token cache over its denylist. */
export function authorizerOf(runtime: LambdaRuntime, env: NodeJS.ProcessEnv = process.env): AuthorizerHandler {
  const { config } = runtime;
  if (config.cognito.clientId === NO_CLIENT_ID) {
    throw new ConfigError('Invalid configuration: COGNITO_CLIENT_ID: required by the authorizer (the app client whose tokens it accepts)');
  }
  const verifier = new CachedTokenVerifier(new CognitoAccessTokenVerifier(config.cognito), { maxEntries: config.tokenCacheSize });
  let authenticator: Authenticator | undefined;
  return createAuthorizer({
    authenticator: async () => {
      const denylist = await runtime.denylist();
      authenticator ??= new Authenticator(verifier, denylist, config.groupScopes);
      return authenticator;
    },
    routeScopes: parseRouteScopes(env.AUTHORIZER_ROUTE_SCOPES),
    logger: runtime.logger,
  });
}

/** The deployed handler (`dist/lambda/authorizer.handler`). */
export const handler = deployedHandler((runtime) => authorizerOf(runtime));
