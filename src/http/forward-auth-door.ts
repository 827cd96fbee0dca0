// Forward auth on node:http's own request and response, for a port the proxy alone reaches (FORWARD_AUTH_PORT):
// the checks of /auth/verify without Express's per-request machinery, which costs more than the check itself.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Authenticator } from '../bearer/authenticator';
import { extractBearerToken } from '../bearer/bearer-token';
import { assertScopes } from '../bearer/scopes';
import { InsufficientScopeError, NotFoundError, ServerError, ServiceError, UnauthorizedError } from '../errors';
import type { Metrics } from '../metrics/metrics';
import { countRefusal } from './auth-middleware';
import { errorResponseOf } from './error-responses';
import { identityHeaders, requiredScopes, verdictOf } from './forward-auth-answer';

const PATH = '/auth/verify';
const REQUEST_ID = /^[\w.-]{1,64}$/;

/** What the door needs. */
export interface ForwardAuthDoorDeps {
  /** The Authenticator of every protected route. */
  authenticator: Authenticator;
  metrics: Metrics;
  logger: Logger;
  /** PUBLIC_URL: the base of the 401 challenge's metadata URL; undefined: the Host the proxy sent. */
  publicUrl?: string;
  /**
   * The share of accepted checks that get a log line (FORWARD_AUTH_LOG_ACCEPTED): 0 none, 1 every one, 0.01 one in a
   * hundred. Refusals and failures are always logged.
   */
  logAccepted: number;
}

/**
 * The listener of the door: `/auth/verify` and any path below it, any method, answer exactly as the API port's
 * route does (statuses, identity headers, WWW-Authenticate, `?scope=`, fail-closed 503, the contract's error body);
 * anything else is 404. One line per refusal or failure, as the request log writes them; accepted checks are counted
 * in the metrics and logged at the share `logAccepted` says.
 */
export function forwardAuthDoor(deps: ForwardAuthDoorDeps): RequestListener {
  const { authenticator, metrics, logger } = deps;
  const plain = logger.child({}, { redact: [] });
  const every = deps.logAccepted > 0 ? Math.max(1, Math.round(1 / deps.logAccepted)) : 0;
  let accepted = 0;

  const check = async (req: IncomingMessage, query: string): Promise<Record<string, string>> => {
    const params = query ? new URLSearchParams(query) : undefined;
    const token = extractBearerToken(req.headers.authorization, params?.has('access_token') ?? false);
    const scopes = params?.has('scope') ? requiredScopes(params.getAll('scope')) : [];
    const principal = await authenticator.authenticate(token);
    if (scopes.length > 0) assertScopes(principal, scopes);
    return identityHeaders(principal);
  };

  const log = (req: IncomingMessage, res: ServerResponse, id: string, start: number, err?: unknown) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const line = {
      req: { id, method: req.method, path: query === -1 ? url : url.slice(0, query) },
      res: { statusCode: res.statusCode },
      responseTime: Math.round(performance.now() - start),
    };
    if (res.statusCode >= 500) logger[res.statusCode === 503 ? 'warn' : 'error']({ ...line, err }, 'request errored');
    else plain.info(line, 'request completed');
  };

  return (req, res) => {
    const start = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const done = (err?: unknown) => {
      if (metrics.enabled) metrics.request(PATH, req.method ?? 'GET', res.statusCode, (performance.now() - start) / 1000);
      if (err !== undefined || (every > 0 && (accepted += 1) % every === 0)) log(req, res, id, start, err);
    };
    if (path !== PATH && !path.startsWith(`${PATH}/`)) {
      const answer = errorResponseOf(new NotFoundError(`No route for ${req.method} ${path}: this port serves ${PATH} only.`));
      res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': id });
      res.end(JSON.stringify(answer.body));
      done(null);
      return;
    }
    check(req, q === -1 ? '' : url.slice(q + 1)).then(
      (headers) => {
        metrics.authOutcome('accepted');
        metrics.forwardAuth('allowed');
        res.writeHead(200, { ...headers, 'X-Request-Id': id, 'Content-Length': '0' });
        res.end();
        done();
      },
      (thrown: unknown) => {
        const err = thrown instanceof ServiceError ? thrown : new ServerError('Unexpected error.', { cause: thrown });
        if (err instanceof InsufficientScopeError) metrics.authOutcome('insufficient_scope');
        else countRefusal(metrics, err);
        metrics.forwardAuth(verdictOf(err));
        if (err instanceof UnauthorizedError) {
          err.resourceMetadataUrl = `${deps.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`}/.well-known/oauth-protected-resource`;
        }
        const answer = errorResponseOf(err);
        const body = JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          ...answer.headers,
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': String(Buffer.byteLength(body)),
          'X-Request-Id': id,
        });
        res.end(body);
        done(answer.status >= 500 ? thrown : null);
      },
    );
  };
}
