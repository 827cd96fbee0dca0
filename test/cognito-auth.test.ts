// The Cognito wrapper: SECRET_HASH on every call that needs it, and Cognito's errors mapped to the contract's.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SdkCognitoAuth } from '../src/cognito/cognito-auth';
import { computeSecretHash } from '../src/cognito/cognito-caller';
import { mapCognitoError } from '../src/cognito/cognito-errors';
import { loadConfig } from '../src/config/config';
import {
  InvalidCodeError,
  InvalidCredentialsError,
  InvalidGrantError,
  InvalidRequestError,
  ServerError,
  TemporarilyUnavailableError,
  TooManyRequestsError,
  UnsupportedByCognitoError,
  UserExistsError,
  UserNotConfirmedError,
} from '../src/errors';
import { testEnv, users } from './support/stack';
import { createUser } from './support/users';

/** A real SDK client against cognito-local that records each command's input before it is sent. */
function recordingClient(endpoint: string): { client: CognitoIdentityProviderClient; inputs: Record<string, unknown>[] } {
  const inputs: Record<string, unknown>[] = [];
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      inputs.push(args.input as Record<string, unknown>);
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, inputs };
}

describe('SECRET_HASH', () => {
  it('is Base64(HMAC-SHA256(secret, username + client id)), as Cognito documents it', () => {
    // Reference value computed independently with Python's hmac module.
    expect(computeSecretHash('secret123', 'alice', 'client456')).toBe('qBsFMmWqi7DNCzPcSToHBghK7oLGC0+HiHGheaRT0tM=');
  });

  it('goes with login, refresh (by Cognito username) and the challenge; RevokeToken gets the ClientSecret', async () => {
    const config = loadConfig(testEnv()).cognito;
    const { client, inputs } = recordingClient(config.endpoint ?? '');
    const cognito = new SdkCognitoAuth(config, client);
    const secret = config.clientSecret ?? '';

    const login = await cognito.login(users.reader.username, users.reader.password);
    if (!('tokens' in login) || !login.tokens.refreshToken) throw new Error('expected tokens');
    await cognito.refresh(login.tokens.refreshToken, 'reader');
    const user = await createUser({ mustChangePassword: true });
    const challenge = await cognito.login(user.username, user.password);
    if (!('challenge' in challenge)) throw new Error('expected a challenge');
    await cognito.respondToChallenge({
      challenge: 'NEW_PASSWORD_REQUIRED',
      username: challenge.challenge.username,
      session: challenge.challenge.session,
      newPassword: 'Another-pass-1',
    });
    await cognito.revokeRefreshToken(login.tokens.refreshToken);

    const [loginInput, refreshInput, , challengeInput, revokeInput] = inputs;
    expect(loginInput?.AuthParameters).toMatchObject({ SECRET_HASH: computeSecretHash(secret, 'reader', config.clientId) });
    expect(refreshInput?.AuthParameters).toMatchObject({ SECRET_HASH: computeSecretHash(secret, 'reader', config.clientId) });
    expect(challengeInput?.ChallengeResponses).toMatchObject({
      SECRET_HASH: computeSecretHash(secret, user.username, config.clientId),
    });
    expect(revokeInput).toMatchObject({ ClientSecret: secret, ClientId: config.clientId });
  });

  it('is left out when the app client has no secret', async () => {
    const config = loadConfig(testEnv({ COGNITO_CLIENT_SECRET: undefined })).cognito;
    const { client, inputs } = recordingClient(config.endpoint ?? '');
    await new SdkCognitoAuth(config, client).login(users.reader.username, users.reader.password);
    expect(inputs[0]?.AuthParameters).not.toHaveProperty('SECRET_HASH');
  });
});

describe('mapCognitoError', () => {
  // SDK errors as the SDK builds them: a name, and the HTTP status when Cognito answered at all.
  it.each([
    ['login', 'NotAuthorizedException', 400, InvalidCredentialsError],
    ['login', 'UserNotFoundException', 400, InvalidCredentialsError],
    ['login', 'InvalidPasswordException', 400, InvalidCredentialsError],
    ['login', 'UserNotConfirmedException', 400, UserNotConfirmedError],
    ['refresh', 'NotAuthorizedException', 400, InvalidGrantError],
    ['challenge', 'InvalidPasswordException', 400, InvalidRequestError],
    ['challenge', 'CodeMismatchException', 400, InvalidCodeError],
    ['challenge', 'NotAuthorizedException', 400, InvalidGrantError],
    ['signup', 'UsernameExistsException', 400, UserExistsError],
    ['signup', 'InvalidPasswordException', 400, InvalidRequestError],
    ['signup', 'InvalidParameterException', 400, InvalidRequestError],
    ['signup', 'UserLambdaValidationException', 400, InvalidRequestError],
    ['signup', 'CodeDeliveryFailureException', 400, TemporarilyUnavailableError],
    ['confirm', 'UserNotFoundException', 400, InvalidCodeError],
    ['confirm', 'NotAuthorizedException', 400, InvalidCodeError],
    ['reset', 'ExpiredCodeException', 400, InvalidCodeError],
    ['reset', 'UserNotFoundException', 400, InvalidCodeError],
    ['forgot', 'LimitExceededException', 400, TooManyRequestsError],
    ['change-password', 'NotAuthorizedException', 400, InvalidRequestError],
    ['mfa', 'EnableSoftwareTokenMFAException', 400, InvalidCodeError],
    ['mfa-setup-session', 'InvalidParameterException', 400, InvalidGrantError],
    ['resend', 'CognitoLocal#Unsupported', 500, UnsupportedByCognitoError],
    ['login', 'TooManyRequestsException', 400, TooManyRequestsError],
    ['login', 'InternalErrorException', 500, TemporarilyUnavailableError],
    ['login', 'TimeoutError', undefined, TemporarilyUnavailableError],
    ['login', 'InvalidParameterException', 400, ServerError],
  ] as const)('maps %s: %s (HTTP %s) to %p', (operation, name, httpStatusCode, expected) => {
    const err = { name, message: name, $metadata: { httpStatusCode } };
    expect(mapCognitoError(operation, err)).toBeInstanceOf(expected);
  });
});
