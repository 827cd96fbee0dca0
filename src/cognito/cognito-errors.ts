// Turns Cognito's errors into the contract's: the same Cognito error means different things per call.
import {
  HttpError,
  InvalidCodeError,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidRequestError,
  PasswordResetRequiredError,
  ServerError,
  TemporarilyUnavailableError,
  TooManyRequestsError,
  UnsupportedByCognitoError,
  UserExistsError,
  UserNotConfirmedError,
} from '../errors';

/** Which call failed. */
export type Operation =
  | 'login'
  | 'refresh'
  | 'challenge'
  | 'revoke'
  | 'signout'
  | 'signup'
  | 'confirm'
  | 'resend'
  | 'forgot'
  | 'reset'
  | 'change-password'
  /** AssociateSoftwareToken / VerifySoftwareToken / SetUserMFAPreference with the user's access token. */
  | 'mfa'
  /** AssociateSoftwareToken / VerifySoftwareToken with the session of an MFA_SETUP challenge. */
  | 'mfa-setup-session';

interface SdkErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
}

/** The field a new password is sent in, per call. */
const NEW_PASSWORD_FIELD: Partial<Record<Operation, string>> = {
  signup: 'password',
  challenge: 'new_password',
  reset: 'new_password',
  'change-password': 'new_password',
};

/** cognito-local's message when ChangePassword gets a wrong previous password (Cognito says NotAuthorized). */
const COGNITO_LOCAL_WRONG_PASSWORD = 'Invalid password';

const wrongCurrentPassword = (cause: unknown) =>
  new InvalidRequestError('The current password is incorrect.', [{ path: 'old_password', message: 'is incorrect' }], {
    cause,
  });

/** NotAuthorizedException / UserNotFoundException: whose credential was refused depends on the call. */
function notAuthorized(operation: Operation, err: unknown): HttpError {
  switch (operation) {
    case 'login':
      return new InvalidCredentialsError({ cause: err });
    case 'challenge':
      return new InvalidGrantError('The challenge session is invalid or expired.', { cause: err });
    case 'mfa-setup-session':
      return new InvalidGrantError('The MFA setup session is invalid or expired.', { cause: err });
    // Unknown user, already confirmed, wrong code: one answer, so the code routes tell no one which accounts exist.
    case 'confirm':
    case 'reset':
      return new InvalidCodeError('The code is wrong or has expired.', { cause: err });
    case 'change-password':
      return wrongCurrentPassword(err);
    case 'mfa':
      return new InvalidGrantError('Cognito no longer accepts this access token; sign in again.', { cause: err });
    default:
      return new InvalidGrantError('The refresh token is invalid, expired or revoked.', { cause: err });
  }
}

/** InvalidPasswordException: a password-policy violation, except where cognito-local uses it for a wrong password. */
function invalidPassword(operation: Operation, err: unknown, message: string | undefined): HttpError {
  if (operation === 'login') return new InvalidCredentialsError({ cause: err });
  if (operation === 'change-password' && message === COGNITO_LOCAL_WRONG_PASSWORD) return wrongCurrentPassword(err);
  const text = message ?? 'The password does not meet the password policy.';
  return new InvalidRequestError(text, [{ path: NEW_PASSWORD_FIELD[operation] ?? 'password', message: text }], {
    cause: err,
  });
}

/** Turns an SDK error into the contract's error for that operation. */
export function mapCognitoError(operation: Operation, err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;

  switch (name) {
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
      return notAuthorized(operation, err);
    case 'InvalidPasswordException':
      return invalidPassword(operation, err, e.message);
    case 'UsernameExistsException':
    case 'AliasExistsException':
      return new UserExistsError('An account with this username or email already exists.', { cause: err });
    case 'CodeMismatchException':
    case 'ExpiredCodeException':
    case 'EnableSoftwareTokenMFAException':
      return new InvalidCodeError('The code is wrong or has expired.', { cause: err });
    case 'SoftwareTokenMFANotFoundException':
      return new InvalidRequestError('No authenticator app is set up: call POST /auth/mfa/setup first.', undefined, {
        cause: err,
      });
    case 'UserLambdaValidationException':
      // The pool's own trigger (e.g. PreSignUp) refused the request; its message is written for the user.
      return new InvalidRequestError(e.message ?? 'The request was refused by the user pool.', undefined, { cause: err });
    case 'UserNotConfirmedException':
      return new UserNotConfirmedError('The account is not confirmed yet.', { cause: err });
    case 'PasswordResetRequiredException':
      return new PasswordResetRequiredError('The password must be reset before signing in.', { cause: err });
    case 'TooManyRequestsException':
    case 'LimitExceededException':
    case 'TooManyFailedAttemptsException':
      return new TooManyRequestsError('Cognito is throttling these requests; try again shortly.', 5, { cause: err });
    case 'CodeDeliveryFailureException':
      return new TemporarilyUnavailableError('Cognito could not deliver the code now.', 5, { cause: err });
    case 'UnsupportedOperationException':
    case 'UnsupportedTokenTypeException':
      return new UnsupportedByCognitoError(`Cognito does not support this operation: ${name}.`, { cause: err });
    case 'InvalidParameterException':
      if (operation === 'signup') {
        return new InvalidRequestError(e.message ?? 'Cognito refused the sign-up.', undefined, { cause: err });
      }
      if (operation === 'mfa-setup-session') return notAuthorized(operation, err);
      break;
  }
  if (name.startsWith('CognitoLocal') || (e.message ?? '').includes('unsupported feature')) {
    return new UnsupportedByCognitoError('The Cognito endpoint (cognito-local) does not implement this call.', {
      cause: err,
    });
  }
  if (name === 'InvalidParameterException' || name === 'ResourceNotFoundException') {
    return new ServerError(`Cognito refused the request (${name}); check the app client settings.`, { cause: err });
  }
  if (status === undefined || status >= 500) {
    return new TemporarilyUnavailableError('Cognito is not answering.', 5, { cause: err });
  }
  return new ServerError(`Unexpected Cognito error (${name || status}).`, { cause: err });
}
