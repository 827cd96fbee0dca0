// Turns Amazon Cognito's errors into the service's domain errors: per call where the meaning depends on the call.
import {
  InvalidCodeError,
  InvalidGrantError,
  InvalidRequestError,
  PasswordResetRequiredError,
  ServerError,
  ServiceError,
  TemporarilyUnavailableError,
  TooManyRequestsError,
  UnsupportedByCognitoError,
  UserExistsError,
  UserNotConfirmedError,
} from '../errors';

/** What the service reads of an SDK error. */
export interface CognitoErrorShape {
  /** The exception name, e.g. `NotAuthorizedException`. */
  name?: string;
  /** Cognito's message. */
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** The domain error a call makes of one Cognito exception. */
export type ToDomainError = (err: unknown, message: string | undefined) => ServiceError;

/** What a call makes of the exceptions whose meaning depends on the call, by exception name. */
export type CallErrors = Partial<Record<string, ToDomainError>>;

/** Maps the same exception names to one domain error. */
export function sameError(names: readonly string[], toError: ToDomainError): CallErrors {
  return Object.fromEntries(names.map((name) => [name, toError]));
}

/** A refused credential of the call: NotAuthorized, and UserNotFound (the pool may be set to reveal it). */
export const REFUSED = ['NotAuthorizedException', 'UserNotFoundException'] as const;

/** InvalidPasswordException: the password policy refused the new password sent in `field`. */
export function passwordPolicy(field: string): ToDomainError {
  return (err, message) => {
    const text = message ?? 'The password does not meet the password policy.';
    return new InvalidRequestError(text, { details: [{ path: field, message: text }], cause: err });
  };
}

const retryLater = { retryAfterSeconds: 5 };

/** What an exception means whatever the call. */
function commonError(name: string, message: string | undefined, status: number | undefined, cause: unknown): ServiceError {
  switch (name) {
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return new UserExistsError('An account with this username or email already exists.', { cause });
    case 'CodeMismatchException':
    case 'ExpiredCodeException':
    case 'EnableSoftwareTokenMFAException':
      return new InvalidCodeError('The code is wrong or has expired.', { cause });
    case 'SoftwareTokenMFANotFoundException':
      return new InvalidRequestError('No authenticator app is set up: call POST /auth/mfa/setup first.', { cause });
    case 'UserLambdaValidationException':
      // The pool's own trigger (e.g. PreSignUp) refused the request; its message is written for the user.
      return new InvalidRequestError(message ?? 'The request was refused by the user pool.', { cause });
    case 'UserNotConfirmedException':
      return new UserNotConfirmedError('The account is not confirmed yet.', { cause });
    case 'PasswordResetRequiredException':
      return new PasswordResetRequiredError('The password must be reset before signing in.', { cause });
    case 'InvalidPasswordException':
      return passwordPolicy('password')(cause, message);
    case 'TooManyRequestsException':
    case 'LimitExceededException':
    case 'TooManyFailedAttemptsException':
      return new TooManyRequestsError('Cognito is throttling these requests; try again shortly.', { ...retryLater, cause });
    case 'CodeDeliveryFailureException':
      return new TemporarilyUnavailableError('Cognito could not deliver the code now.', { ...retryLater, cause });
    case 'UnsupportedOperationException':
    case 'UnsupportedTokenTypeException':
      return new UnsupportedByCognitoError(`Cognito does not support this operation: ${name}.`, { cause });
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
      return new InvalidGrantError('Cognito did not accept the credential of this request.', { cause });
    case 'InvalidParameterException':
    case 'ResourceNotFoundException':
      return new ServerError(`Cognito refused the request (${name}); check the app client settings.`, { cause });
  }
  if (status === undefined || status >= 500) {
    return new TemporarilyUnavailableError('Cognito is not answering.', { ...retryLater, cause });
  }
  return new ServerError(`Unexpected Cognito error (${name || status}).`, { cause });
}

/** The domain error of a failed call: the call's own meaning first, else the common one. */
export function toServiceError(err: unknown, callErrors: CallErrors): ServiceError {
  if (err instanceof ServiceError) return err;
  const e = (err ?? {}) as CognitoErrorShape;
  const name = e.name ?? '';
  return (
    callErrors[name]?.(err, e.message) ??
    commonError(name, e.message, e.$metadata?.httpStatusCode ?? e.$response?.statusCode, err)
  );
}
