// Every error the service raises, under one base class. They say what went wrong, not which HTTP status it gets:
// http/error-responses.ts picks status, code and headers for each class, in one table.

/** A detail of a validation error: which field and what is wrong with it. */
export interface ValidationDetail {
  /** Dotted path of the field, e.g. `username`. */
  path: string;
  /** What is wrong, for a person. */
  message: string;
}

/** What an error may carry besides its message. */
export interface ServiceErrorOptions {
  /** The error this one wraps, kept for the log. */
  cause?: unknown;
  /** RetryLaterError: seconds the caller should wait before trying again. */
  retryAfterSeconds?: number;
  /** InvalidRequestError: one entry per wrong field. */
  details?: ValidationDetail[];
}

/** Base of all the service's own errors. Callers branch on the class, never on the message. */
export class ServiceError extends Error {
  constructor(message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** A bad configuration value; start-up stops with one line naming the variable. */
export class ConfigError extends ServiceError {}

// --- The caller's request -------------------------------------------------------------------------------------

/** Malformed body, missing field, a password the pool's policy refuses, a token in the URL. */
export class InvalidRequestError extends ServiceError {
  /** One entry per wrong field, when the fault is in named fields. */
  readonly details?: ValidationDetail[];
  constructor(message: string, options: ServiceErrorOptions = {}) {
    super(message, options);
    this.details = options.details;
  }
}

/** The body is larger than the service accepts. */
export class PayloadTooLargeError extends ServiceError {}

/** The body is not of the media type the route takes. */
export class UnsupportedMediaTypeError extends ServiceError {}

/** No such route or resource. */
export class NotFoundError extends ServiceError {}

/** A browser page on another site posted to a route that needs no token (cross-site request forgery). */
export class CrossSiteRequestError extends ServiceError {}

/** The token endpoint got a grant other than `password` or `refresh_token`. */
export class UnsupportedGrantTypeError extends ServiceError {}

/** Client credentials were sent to the token endpoint and are not this service's client. */
export class InvalidClientError extends ServiceError {}

// --- Signing in and the account lifecycle ----------------------------------------------------------------------

/** Wrong username or password: one message for both, so nobody learns which accounts exist. */
export class InvalidCredentialsError extends ServiceError {
  constructor(options: ServiceErrorOptions = {}) {
    super('Incorrect username or password.', options);
  }
}

/** A refresh token, challenge session or access token that Cognito (or the denylist) no longer accepts. */
export class InvalidGrantError extends ServiceError {}

/** The password is right but the account is not confirmed. */
export class UserNotConfirmedError extends ServiceError {}

/** Cognito requires the user to reset the password before signing in. */
export class PasswordResetRequiredError extends ServiceError {}

/** The confirmation, reset or MFA code is wrong or has expired (or the user is unknown: one answer for all). */
export class InvalidCodeError extends ServiceError {}

/** The username or email is taken (Cognito itself tells, so hiding it here would protect nothing). */
export class UserExistsError extends ServiceError {}

/**
 * ResendConfirmationCode or ForgotPassword sent no code, for a reason that must not be revealed (unknown user,
 * already confirmed, nowhere to send it). It never leaves the sign-in use cases.
 */
export class NoCodeSentError extends ServiceError {}

/** The Cognito endpoint (cognito-local) does not implement the call; Amazon Cognito does. */
export class UnsupportedByCognitoError extends ServiceError {}

/** The service or its Cognito app client is set up wrong, or something unexpected failed; always logged. */
export class ServerError extends ServiceError {}

// --- Try again later -----------------------------------------------------------------------------------------------

/** Base of the errors that end by themselves: the caller may repeat the request after `retryAfterSeconds`. */
export abstract class RetryLaterError extends ServiceError {
  /** Seconds to wait; sent as `Retry-After`. */
  readonly retryAfterSeconds: number;
  constructor(message: string, options: ServiceErrorOptions = {}) {
    super(message, options);
    this.retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds ?? 5));
  }
}

/** A budget is spent: too many attempts for this client, username or user, or Cognito is throttling. */
export class TooManyRequestsError extends RetryLaterError {}

/** Cognito, Redis or the JWKS can't be reached in time. */
export class TemporarilyUnavailableError extends RetryLaterError {}

// --- Bearer tokens (RFC 6750) -----------------------------------------------------------------------------------------

/** A protected route was called with no token at all: the challenge then carries no `error` (RFC 6750 §3.1). */
export class UnauthorizedError extends ServiceError {
  /** Set by the Express adapter: the URL of this API's RFC 9728 metadata. */
  resourceMetadataUrl?: string;
  constructor() {
    super('An access token is required: send it as "Authorization: Bearer <token>".');
  }
}

/** The token is not one this API accepts (signature, issuer, client, use, time, logged out). */
export class InvalidTokenError extends ServiceError {
  /** Why, as one short fixed word (`expired`, `signature`, `logged_out`, …): a metrics label, never shown. */
  readonly reason: string;
  constructor(message: string, options: ServiceErrorOptions & { reason?: string } = {}) {
    super(message, options);
    this.reason = options.reason ?? 'invalid';
  }
}

/** A valid token without the scopes the route needs. */
export class InsufficientScopeError extends ServiceError {
  constructor(readonly requiredScopes: readonly string[]) {
    super(`This call needs the scope(s): ${requiredScopes.join(' ')}.`);
  }
}
