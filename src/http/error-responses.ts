// The one place that decides which status, `error` code and headers each of the service's errors gets.
import * as errors from '../errors';

/** How an error class is answered. */
interface ErrorResponse {
  /** HTTP status. */
  status: number;
  /** The `error` code of the body. */
  code: string;
  /** Extra headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: (err: errors.ServiceError) => Record<string, string>;
}

/** An HTTP answer to one error. */
export interface HttpAnswer {
  status: number;
  code: string;
  headers: Record<string, string>;
}

/**
 * Quotes a value for an auth-param of `WWW-Authenticate` (RFC 9110 quoted-string). Anything but visible ASCII and
 * space is percent-encoded as UTF-8, so that no byte a client sent can make the header invalid (Node would throw,
 * and the caller would get Express's own error page).
 */
function quote(value: string): string {
  const visible = value.replace(/[^\x20-\x7e]+/gu, (run) => encodeURIComponent(run));
  return `"${visible.replace(/[\\"]/g, '\\$&')}"`;
}

/** Builds a `WWW-Authenticate: Bearer …` challenge from auth-params in order. */
function bearerChallenge(params: Record<string, string>): string {
  const parts = Object.entries(params).map(([key, value]) => `${key}=${quote(value)}`);
  return `Bearer ${parts.join(', ')}`;
}

const retryAfter = (err: errors.ServiceError) => ({
  'Retry-After': String((err as errors.RetryLaterError).retryAfterSeconds),
});

/**
 * Looked up by the error's own class, then its parents, so a subclass may get its own answer. Classes missing here
 * (ConfigError, ServerError, NoCodeSentError, anything unexpected) are answered 500.
 */
const RESPONSES = new Map<Function, ErrorResponse>([
  [errors.InvalidRequestError, { status: 400, code: 'invalid_request' }],
  [errors.PayloadTooLargeError, { status: 413, code: 'invalid_request' }],
  [errors.UnsupportedMediaTypeError, { status: 415, code: 'invalid_request' }],
  [errors.NotFoundError, { status: 404, code: 'not_found' }],
  [errors.CrossSiteRequestError, { status: 403, code: 'cross_site_request' }],
  [errors.UnsupportedGrantTypeError, { status: 400, code: 'unsupported_grant_type' }],
  [errors.InvalidClientError, { status: 401, code: 'invalid_client', headers: () => ({ 'WWW-Authenticate': 'Basic realm="api"' }) }],
  [errors.InvalidCredentialsError, { status: 401, code: 'invalid_credentials' }],
  [errors.InvalidGrantError, { status: 400, code: 'invalid_grant' }],
  [errors.UserNotConfirmedError, { status: 403, code: 'user_not_confirmed' }],
  [errors.PasswordResetRequiredError, { status: 403, code: 'password_reset_required' }],
  [errors.InvalidCodeError, { status: 400, code: 'invalid_code' }],
  [errors.UserExistsError, { status: 409, code: 'user_exists' }],
  [errors.UnsupportedByCognitoError, { status: 501, code: 'not_implemented' }],
  [errors.TooManyRequestsError, { status: 429, code: 'too_many_requests', headers: retryAfter }],
  [errors.TemporarilyUnavailableError, { status: 503, code: 'temporarily_unavailable', headers: retryAfter }],
  [
    errors.UnauthorizedError,
    {
      status: 401,
      code: 'unauthorized',
      headers: (err) => {
        const params: Record<string, string> = { realm: 'api' };
        const url = (err as errors.UnauthorizedError).resourceMetadataUrl;
        if (url) params.resource_metadata = url;
        return { 'WWW-Authenticate': bearerChallenge(params) };
      },
    },
  ],
  [
    errors.InvalidTokenError,
    {
      status: 401,
      code: 'invalid_token',
      headers: (err) => ({
        'WWW-Authenticate': bearerChallenge({ realm: 'api', error: 'invalid_token', error_description: err.message }),
      }),
    },
  ],
  [
    errors.InsufficientScopeError,
    {
      status: 403,
      code: 'insufficient_scope',
      headers: (err) => ({
        'WWW-Authenticate': bearerChallenge({
          realm: 'api',
          error: 'insufficient_scope',
          error_description: err.message,
          scope: (err as errors.InsufficientScopeError).requiredScopes.join(' '),
        }),
      }),
    },
  ],
]);

/**
 * The OAuth token endpoint speaks RFC 6749 §5.2: bad resource-owner credentials are `invalid_grant` there, where
 * the JSON login route says `invalid_credentials`.
 */
const OAUTH_RESPONSES = new Map<Function, ErrorResponse>([[errors.InvalidCredentialsError, { status: 400, code: 'invalid_grant' }]]);

const SERVER_ERROR: ErrorResponse = { status: 500, code: 'server_error' };

function lookup(table: Map<Function, ErrorResponse>, err: errors.ServiceError): ErrorResponse | undefined {
  for (let type: Function | null = err.constructor; type && type !== errors.ServiceError; ) {
    const found = table.get(type);
    if (found) return found;
    type = Object.getPrototypeOf(type) as Function | null;
  }
  return undefined;
}

/** Status, code and headers of `err`; `oauth` for the token endpoint's dialect. Unknown errors are 500s. */
export function httpAnswerOf(err: errors.ServiceError, oauth = false): HttpAnswer {
  const response = (oauth && lookup(OAUTH_RESPONSES, err)) || lookup(RESPONSES, err) || SERVER_ERROR;
  return { status: response.status, code: response.code, headers: response.headers?.(err) ?? {} };
}

/** What an error response sends: status, headers, and the contract's body. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { error: string; error_description: string; details?: errors.ValidationDetail[] };
}

/**
 * The whole response for `err`: `{error, error_description[, details]}` with its status and headers. A 500's own
 * message may name Cognito internals: the caller gets a plain one (the log keeps the error).
 */
export function errorResponseOf(err: errors.ServiceError, oauth = false): ErrorAnswer {
  const answer = httpAnswerOf(err, oauth);
  const description = answer.status === 500 ? 'The service failed to handle this request.' : err.message;
  const body: ErrorAnswer['body'] = { error: answer.code, error_description: description };
  if (err instanceof errors.InvalidRequestError && err.details) body.details = err.details;
  return { status: answer.status, headers: answer.headers, body };
}
