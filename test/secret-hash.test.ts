// The Cognito wrapper against cognito-local: SECRET_HASH on every call that needs it (error mapping: test/unit).
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { CognitoClient, computeSecretHash } from '../src/cognito/cognito-client';
import { SdkCognitoSignIn } from '../src/cognito/sdk-sign-in';
import { loadConfig } from '../src/config/config';
import { stack, testEnv, users } from './support/stack';
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
    const config = loadConfig(testEnv({ COGNITO_SIGN_IN_FLOW: 'password' })).cognito;
    const { client, inputs } = recordingClient(config.endpoint ?? '');
    const cognito = new SdkCognitoSignIn(new CognitoClient(config, { sdk: client }));
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

  it('is left out when the app client has no secret, at each step of SRP', async () => {
    const config = loadConfig(testEnv({ COGNITO_CLIENT_ID: stack.srpClientId, COGNITO_CLIENT_SECRET: undefined, COGNITO_SIGN_IN_FLOW: 'srp' })).cognito;
    const { client, inputs } = recordingClient(config.endpoint ?? '');
    await expect(new SdkCognitoSignIn(new CognitoClient(config, { sdk: client })).login(users.reader.username, users.reader.password)).resolves.toHaveProperty('tokens');
    expect(inputs).toHaveLength(2);
    expect(inputs[0]?.AuthParameters).not.toHaveProperty('SECRET_HASH');
    expect(inputs[1]?.ChallengeResponses).not.toHaveProperty('SECRET_HASH');
  });
});
