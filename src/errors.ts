// Every error the service raises, under one base class; the error handler turns them into responses.

/** Base of all the service's own errors. Callers branch on the class, never on the message. */
export class ServiceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad configuration value; start-up stops with one line naming the variable. */
export class ConfigError extends ServiceError {}

/** A detail of a validation error: which field and what is wrong with it. */
export interface ValidationDetail {
  /** Dotted path of the field, e.g. `username`. */
  path: string;
  /** What is wrong, for a person. */
  message: string;
}

/** An error that becomes an HTTP response with the contract's body `{error, error_description}`. */
export abstract class HttpError extends ServiceError {
  /** HTTP status code. */
  abstract readonly status: number;
  /** The `error` code of the body. */
  abstract readonly code: string;

  /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers(): Record<string, string> {
    return {};
  }
}

/** 400: malformed body, missing field, malformed Authorization header, token in the query string. */
export class InvalidRequestError extends HttpError {
  readonly status = 400;
  readonly code = 'invalid_request';
  constructor(
    message: string,
    readonly details?: ValidationDetail[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 413: the body is larger than the service accepts. */
export class PayloadTooLargeError extends HttpError {
  readonly status = 413;
  readonly code = 'invalid_request';
}

/** 415: the body is not of the media type the route takes. */
export class UnsupportedMediaTypeError extends HttpError {
  readonly status = 415;
  readonly code = 'invalid_request';
}

/** 400 at the token endpoint: bad credentials, bad or revoked refresh token. */
export class InvalidGrantError extends HttpError {
  readonly status = 400;
  readonly code = 'invalid_grant';
}

/** 400 at the token endpoint: a grant other than `password` or `refresh_token`. */
export class UnsupportedGrantTypeError extends HttpError {
  readonly status = 400;
  readonly code = 'unsupported_grant_type';
}

/** 401 at the token endpoint: client credentials were sent and are not this service's client. */
export class InvalidClientError extends HttpError {
  readonly status = 401;
  readonly code = 'invalid_client';
  override headers(): Record<string, string> {
    return { 'WWW-Authenticate': 'Basic realm="api"' };
  }
}

/** 401 at `/auth/login`: wrong username or password, one message for both. */
export class InvalidCredentialsError extends HttpError {
  readonly status = 401;
  readonly code = 'invalid_credentials';
  constructor(options?: { cause?: unknown }) {
    super('Incorrect username or password.', options);
  }
}

/** 403: the password is right but the account is not confirmed. */
export class UserNotConfirmedError extends HttpError {
  readonly status = 403;
  readonly code = 'user_not_confirmed';
}

/** 403: Cognito requires the user to reset the password before signing in. */
export class PasswordResetRequiredError extends HttpError {
  readonly status = 403;
  readonly code = 'password_reset_required';
}

/** 403: a browser page on another site posted to a route that needs no token (cross-site request forgery). */
export class CrossSiteRequestError extends HttpError {
  readonly status = 403;
  readonly code = 'cross_site_request';
}

/** 400 on the account routes: the confirmation, reset or MFA code is wrong or has expired. */
export class InvalidCodeError extends HttpError {
  readonly status = 400;
  readonly code = 'invalid_code';
}

/** 409 at sign-up: the username is taken (Cognito itself tells, so hiding it here would protect nothing). */
export class UserExistsError extends HttpError {
  readonly status = 409;
  readonly code = 'user_exists';
}

/** 404: no such route or resource. */
export class NotFoundError extends HttpError {
  readonly status = 404;
  readonly code = 'not_found';
}

/** 429: too many login attempts for this client IP and username. */
export class TooManyRequestsError extends HttpError {
  readonly status = 429;
  readonly code = 'too_many_requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  override headers(): Record<string, string> {
    return { 'Retry-After': String(Math.max(1, Math.ceil(this.retryAfterSeconds))) };
  }
}

/** 503: Cognito, Redis or the JWKS can't be reached in time. */
export class TemporarilyUnavailableError extends HttpError {
  readonly status = 503;
  readonly code = 'temporarily_unavailable';
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  override headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}

/** 500: the service or its Cognito app client is set up wrong, or something unexpected failed; always logged. */
export class ServerError extends HttpError {
  readonly status = 500;
  readonly code = 'server_error';
}

/** 501: the Cognito endpoint (cognito-local) does not implement the call; Amazon Cognito does. */
export class UnsupportedByCognitoError extends HttpError {
  readonly status = 501;
  readonly code = 'not_implemented';
}

/** Quotes a value for an auth-param of `WWW-Authenticate` (RFC 9110 quoted-string). */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&').replace(/[\r\n]/g, ' ')}"`;
}

/** Builds a `WWW-Authenticate: Bearer …` challenge from auth-params in order. */
export function bearerChallenge(params: Record<string, string>): string {
  const parts = Object.entries(params).map(([key, value]) => `${key}=${quote(value)}`);
  return `Bearer ${parts.join(', ')}`;
}

/** 401 on a protected route with no token at all: no `error` in the challenge (RFC 6750 §3.1). */
export class UnauthorizedError extends HttpError {
  readonly status = 401;
  readonly code = 'unauthorized';
  /** Set by the adapter: the URL of this API's RFC 9728 metadata. */
  resourceMetadataUrl?: string;
  constructor() {
    super('An access token is required: send it as "Authorization: Bearer <token>".');
  }
  override headers(): Record<string, string> {
    const params: Record<string, string> = { realm: 'api' };
    if (this.resourceMetadataUrl) params.resource_metadata = this.resourceMetadataUrl;
    return { 'WWW-Authenticate': bearerChallenge(params) };
  }
}

/** 401: the token is not one this API accepts (signature, issuer, client, use, time, logged out). */
export class InvalidTokenError extends HttpError {
  readonly status = 401;
  readonly code = 'invalid_token';
  override headers(): Record<string, string> {
    return {
      'WWW-Authenticate': bearerChallenge({ realm: 'api', error: 'invalid_token', error_description: this.message }),
    };
  }
}

/** 403: a valid token without the scopes the route needs. */
export class InsufficientScopeError extends HttpError {
  readonly status = 403;
  readonly code = 'insufficient_scope';
  constructor(readonly requiredScopes: readonly string[]) {
    super(`This call needs the scope(s): ${requiredScopes.join(' ')}.`);
  }
  override headers(): Record<string, string> {
    return {
      'WWW-Authenticate': bearerChallenge({
        realm: 'api',
        error: 'insufficient_scope',
        error_description: this.message,
        scope: this.requiredScopes.join(' '),
      }),
    };
  }
}
