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
import { baseUrlOf } from './public-url';
import { queryOf } from './query';

const PATH = '/auth/verify';

/**
 * A request target in origin form: an absolute-form target (`http://host/auth/verify`, which RFC 9112 §3.2.2 says a
 * server must accept) without its scheme and authority, as Express reads it.
 */
function originFormOf(target: string): string {
  if (target.startsWith('/')) return target;
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (!authority) return target;
  const rest = target.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
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

  const check = async (req: IncomingMessage, target: string): Promise<Record<string, string>> => {
    const params = queryOf(target);
    const token = extractBearerToken(req.headers.authorization, params?.has('access_token') ?? false);
    const scopes = requiredScopes(params?.getAll('scope'));
    const principal = await authenticator.authenticate(token);
    if (scopes.length > 0) assertScopes(principal, scopes);
    return identityHeaders(principal);
  };

  /** A 401 names the metadata under PUBLIC_URL, else under the Host sent, which must be a host (else 400). */
  const withMetadataUrl = (err: ServiceError, host: string | undefined): ServiceError => {
    if (!(err instanceof UnauthorizedError)) return err;
    try {
      err.resourceMetadataUrl = `${baseUrlOf('http', host, deps.publicUrl)}/.well-known/oauth-protected-resource`;
      return err;
    } catch (refused) {
      return refused as ServiceError;
    }
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
    const target = originFormOf(req.url ?? '');
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const done = (err?: unknown) => {
      if (metrics.enabled) metrics.request(PATH, req.method ?? 'GET', res.statusCode, (performance.now() - start) / 1000);
      if (err !== undefined || (every > 0 && (accepted += 1) % every === 0)) log(req, res, id, start, err);
    };
    // Express matches routes in any case: so does this port.
    const route = path.toLowerCase();
    if (route !== PATH && !route.startsWith(`${PATH}/`)) {
      const answer = errorResponseOf(new NotFoundError(`No route for ${req.method} ${path}: this port serves ${PATH} only.`));
      res.writeHead(answer.status, { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': id });
      res.end(JSON.stringify(answer.body));
      done(null);
      return;
    }
    check(req, target).then(
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
        const answer = errorResponseOf(withMetadataUrl(err, req.headers.host));
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
