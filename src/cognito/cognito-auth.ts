// Wraps Cognito's user-facing auth calls; turns Cognito's errors into the contract's errors.
import { createHmac } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  type AuthenticationResultType,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { CognitoConfig } from '../config/config';
import {
  HttpError,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidRequestError,
  PasswordResetRequiredError,
  ServerError,
  TemporarilyUnavailableError,
  TooManyRequestsError,
  UserNotConfirmedError,
} from '../errors';

/** Tokens Cognito issued. */
export interface TokenSet {
  /** The access token (JWT). */
  accessToken: string;
  /** The ID token (JWT). */
  idToken?: string;
  /** The refresh token; absent from a refresh. */
  refreshToken?: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
}

/** A challenge Cognito asks the user to answer before it issues tokens. */
export interface Challenge {
  /** Challenge name; this service answers NEW_PASSWORD_REQUIRED. */
  challenge: 'NEW_PASSWORD_REQUIRED';
  /** Cognito's opaque session for the answer. */
  session: string;
  /** The username to answer with. */
  username: string;
}

/** What a password login gives: tokens, or a challenge to answer first. */
export type LoginResult = { tokens: TokenSet } | { challenge: Challenge };

/** The Cognito operations the routes need; replaceable in tests where Cognito can't produce a case. */
export interface CognitoAuth {
  /** InitiateAuth USER_PASSWORD_AUTH. Wrong username and wrong password both throw InvalidCredentialsError. */
  login(username: string, password: string): Promise<LoginResult>;
  /** InitiateAuth REFRESH_TOKEN_AUTH; `username` is Cognito's internal username, needed for SECRET_HASH. */
  refresh(refreshToken: string, username: string | undefined): Promise<TokenSet>;
  /** RespondToAuthChallenge NEW_PASSWORD_REQUIRED. */
  completeNewPassword(username: string, session: string, newPassword: string): Promise<TokenSet>;
  /** RevokeToken: the refresh token and the tokens issued from it stop working at Cognito. */
  revokeRefreshToken(refreshToken: string): Promise<void>;
  /** GlobalSignOut with the user's access token; false when this Cognito endpoint doesn't support it. */
  globalSignOut(accessToken: string): Promise<boolean>;
}

/**
 * Timeouts and retries of the SDK, chosen so a dead or hung Cognito answers 503 within 5 s, never hangs:
 * a connection must open in 1 s and an answer come in 2 s, one retry, and the whole call is cut at 5 s.
 * Cognito's own p99 is well under a second, so these bounds only bite when something is wrong.
 */
const SDK_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true } as const;
const SDK_MAX_ATTEMPTS = 2;
/** Upper bound of one Cognito call, retries included. */
export const COGNITO_CALL_DEADLINE_MS = 5000;

/** Where a Cognito error happened, because the same Cognito error means different things per call. */
type Operation = 'login' | 'refresh' | 'challenge' | 'revoke' | 'signout';

/** CognitoAuth on the AWS SDK. */
export class SdkCognitoAuth implements CognitoAuth {
  private readonly client: CognitoIdentityProviderClient;

  constructor(
    private readonly config: CognitoConfig,
    client?: CognitoIdentityProviderClient,
  ) {
    this.client =
      client ??
      new CognitoIdentityProviderClient({
        region: config.region,
        endpoint: config.endpoint,
        maxAttempts: SDK_MAX_ATTEMPTS,
        requestHandler: SDK_TIMEOUTS,
        // These operations are unsigned; a local endpoint gets placeholder credentials so the SDK never looks.
        ...(config.endpoint ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      });
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const output = await this.send('login', (options) =>
      this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.config.clientId,
          AuthParameters: { USERNAME: username, PASSWORD: password, ...this.secretHash(username) },
        }),
        options,
      ),
    );
    return this.toLoginResult(output, username);
  }

  async refresh(refreshToken: string, username: string | undefined): Promise<TokenSet> {
    const output = await this.send('refresh', (options) =>
      this.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: this.config.clientId,
          AuthParameters: { REFRESH_TOKEN: refreshToken, ...(username ? this.secretHash(username) : {}) },
        }),
        options,
      ),
    );
    if (!output.AuthenticationResult) throw new InvalidGrantError('The refresh token was not accepted.');
    return toTokenSet(output.AuthenticationResult);
  }

  async completeNewPassword(username: string, session: string, newPassword: string): Promise<TokenSet> {
    const output = await this.send('challenge', (options) =>
      this.client.send(
        new RespondToAuthChallengeCommand({
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          ClientId: this.config.clientId,
          Session: session,
          ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword, ...this.secretHash(username) },
        }),
        options,
      ),
    );
    if (!output.AuthenticationResult) {
      throw new ServerError(`Cognito asked for a further challenge (${output.ChallengeName ?? 'unknown'}).`);
    }
    return toTokenSet(output.AuthenticationResult);
  }

  async revokeRefreshToken(refreshToken: string): Promise<void> {
    await this.send('revoke', (options) =>
      this.client.send(
        new RevokeTokenCommand({
          Token: refreshToken,
          ClientId: this.config.clientId,
          ClientSecret: this.config.clientSecret,
        }),
        options,
      ),
    );
  }

  async globalSignOut(accessToken: string): Promise<boolean> {
    try {
      await this.send('signout', (options) =>
        this.client.send(new GlobalSignOutCommand({ AccessToken: accessToken }), options),
      );
      return true;
    } catch (err) {
      if (err instanceof UnsupportedByEndpointError) return false;
      throw err;
    }
  }

  private toLoginResult(output: InitiateAuthCommandOutput, username: string): LoginResult {
    if (output.AuthenticationResult) return { tokens: toTokenSet(output.AuthenticationResult) };
    if (output.ChallengeName === 'NEW_PASSWORD_REQUIRED' && output.Session) {
      const cognitoUsername = output.ChallengeParameters?.USER_ID_FOR_SRP ?? username;
      return { challenge: { challenge: 'NEW_PASSWORD_REQUIRED', session: output.Session, username: cognitoUsername } };
    }
    throw new ServerError(
      `Cognito answered with a challenge this service does not handle (${output.ChallengeName ?? 'none'}).`,
    );
  }

  /** The SECRET_HASH parameter, when the client has a secret. */
  private secretHash(username: string): { SECRET_HASH?: string } {
    if (!this.config.clientSecret) return {};
    return { SECRET_HASH: computeSecretHash(this.config.clientSecret, username, this.config.clientId) };
  }

  private async send<T>(operation: Operation, call: (options: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    try {
      return await call({ abortSignal: AbortSignal.timeout(COGNITO_CALL_DEADLINE_MS) });
    } catch (err) {
      throw mapCognitoError(operation, err);
    }
  }
}

/** SECRET_HASH = Base64(HMAC-SHA256(key = client secret, message = username + client id)). */
export function computeSecretHash(clientSecret: string, username: string, clientId: string): string {
  return createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}

/** Cognito (or cognito-local) does not implement the operation. */
export class UnsupportedByEndpointError extends ServerError {}

function toTokenSet(result: AuthenticationResultType): TokenSet {
  if (!result.AccessToken) throw new ServerError('Cognito returned no access token.');
  return {
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    expiresIn: result.ExpiresIn ?? secondsLeft(result.AccessToken),
  };
}

/** Lifetime left of a token Cognito just issued, from its `exp` (cognito-local sends no ExpiresIn). */
function secondsLeft(accessToken: string): number {
  const { exp } = decomposeUnverifiedJwt(accessToken).payload;
  return typeof exp === 'number' ? Math.max(0, exp - Math.floor(Date.now() / 1000)) : 3600;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  $response?: { statusCode?: number };
}

/** Turns an SDK error into the contract's error for that operation. */
export function mapCognitoError(operation: Operation, err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  const credentialsFailure = operation === 'login';

  switch (name) {
    case 'NotAuthorizedException':
    case 'UserNotFoundException':
      if (credentialsFailure) return new InvalidCredentialsError({ cause: err });
      if (operation === 'challenge') return new InvalidGrantError('The challenge session is invalid or expired.');
      return new InvalidGrantError('The refresh token is invalid, expired or revoked.');
    case 'InvalidPasswordException':
      // cognito-local answers a wrong password with this; real Cognito uses it for a password-policy violation.
      if (credentialsFailure) return new InvalidCredentialsError({ cause: err });
      return new InvalidRequestError(e.message ?? 'The new password does not meet the password policy.', [
        { path: 'new_password', message: e.message ?? 'does not meet the password policy' },
      ]);
    case 'UserNotConfirmedException':
      return new UserNotConfirmedError('The account is not confirmed yet.');
    case 'PasswordResetRequiredException':
      return new PasswordResetRequiredError('The password must be reset before signing in.');
    case 'CodeMismatchException':
    case 'ExpiredCodeException':
      return new InvalidGrantError('The challenge session is invalid or expired.');
    case 'TooManyRequestsException':
    case 'LimitExceededException':
    case 'TooManyFailedAttemptsException':
      return new TooManyRequestsError('Cognito is throttling these requests; try again shortly.', 5, { cause: err });
    case 'UnsupportedOperationException':
    case 'UnsupportedTokenTypeException':
      return new UnsupportedByEndpointError(`Cognito does not support this operation: ${name}.`, { cause: err });
  }
  if (name.startsWith('CognitoLocal') || (e.message ?? '').includes('unsupported feature')) {
    return new UnsupportedByEndpointError('The Cognito endpoint does not support this operation.', { cause: err });
  }
  if (name === 'InvalidParameterException' || name === 'ResourceNotFoundException') {
    return new ServerError(`Cognito refused the request (${name}); check the app client settings.`, {
      cause: err,
    });
  }
  if (status === undefined || status >= 500) {
    return new TemporarilyUnavailableError('Cognito is not answering.', 5, { cause: err });
  }
  return new ServerError(`Unexpected Cognito error (${name || status}).`, { cause: err });
}
