// Where cognito-local answers unlike Amazon Cognito, rewritten into what Amazon Cognito would say; used on a local endpoint only.
// (It also lacks GetTokensFromRefreshToken: on a local endpoint a refresh always goes through InitiateAuth, see
// SdkCognitoSignIn.refresh.)
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import { UnsupportedByCognitoError } from '../errors';
import type { CognitoErrorShape } from './cognito-errors';

/** The same error under Amazon Cognito's exception name; the one cognito-local used stays in `localName`. */
function renamed(err: CognitoErrorShape, name: string): CognitoErrorShape {
  return Object.assign(err, { localName: err.name, name });
}

/**
 * What cognito-local threw on `command`, as Amazon Cognito would have said it:
 * - a call it does not implement (GlobalSignOut, …) is a 500 `CognitoLocal#Unsupported`, which would read as an
 *   outage: it becomes UnsupportedByCognitoError (501) at once;
 * - a wrong password at InitiateAuth is InvalidPasswordException, and a wrong current password at ChangePassword is
 *   InvalidPasswordException "Invalid password": Amazon Cognito says NotAuthorizedException for both.
 */
export function asAmazonCognitoError(command: object, err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as CognitoErrorShape;
  const call = command.constructor.name;
  if ((e.name ?? '').startsWith('CognitoLocal') || (e.message ?? '').includes('unsupported feature')) {
    return new UnsupportedByCognitoError('The Cognito endpoint (cognito-local) does not implement this call.', { cause: err });
  }
  if (e.name === 'InvalidPasswordException') {
    if (call === 'InitiateAuthCommand') return renamed(e, 'NotAuthorizedException');
    if (call === 'ChangePasswordCommand' && e.message === 'Invalid password') return renamed(e, 'NotAuthorizedException');
  }
  return err;
}

/**
 * The lifetime of an access token Cognito just issued: Amazon Cognito sends `ExpiresIn`, cognito-local does not,
 * so it is read from the token's `exp` then. The token is read here, not trusted as a credential.
 */
export function expiresInOf(expiresIn: number | undefined, accessToken: string): number {
  if (expiresIn !== undefined) return expiresIn;
  const { exp } = decomposeUnverifiedJwt(accessToken).payload;
  return typeof exp === 'number' ? Math.max(0, exp - Math.floor(Date.now() / 1000)) : 3600;
}

/**
 * When the session of a cognito-local refresh token began: cognito-local's refresh tokens are JWTs whose `iat` is
 * the login's time (its token generator), and its refreshed access tokens carry the refresh's time as `auth_time`,
 * where Amazon Cognito keeps the login's. Undefined when the token says nothing usable. Read, not trusted: only an
 * earlier time than the access token's own can come of it, which refuses more, never less.
 */
export function localRefreshTokenAuthTime(refreshToken: string): number | undefined {
  try {
    const { iat } = decomposeUnverifiedJwt(refreshToken).payload;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined;
  } catch {
    return undefined;
  }
}
