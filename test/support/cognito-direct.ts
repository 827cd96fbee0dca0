// Asks cognito-local itself, bypassing the service: does Cognito still take this refresh token?
import { createHmac } from 'node:crypto';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { stack } from './stack';

/** True when Cognito issues tokens for `refreshToken` (REFRESH_TOKEN_AUTH); false when it refuses it as revoked. */
export async function cognitoTakesRefreshToken(refreshToken: string, username: string): Promise<boolean> {
  const client = new CognitoIdentityProviderClient({
    endpoint: stack.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const secretHash = createHmac('sha256', stack.clientSecret).update(username + stack.clientId).digest('base64');
  try {
    const output = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: stack.clientId,
        AuthParameters: { REFRESH_TOKEN: refreshToken, SECRET_HASH: secretHash },
      }),
    );
    return Boolean(output.AuthenticationResult?.AccessToken);
  } catch (err) {
    if (err instanceof Error && err.name === 'NotAuthorizedException') return false;
    throw err;
  } finally {
    client.destroy();
  }
}

/** Logs in at cognito-local itself, bypassing the service, as the hosted UI or another app would: Cognito's tokens. */
export async function loginAtCognito(username: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  const client = new CognitoIdentityProviderClient({
    endpoint: stack.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const secretHash = createHmac('sha256', stack.clientSecret).update(username + stack.clientId).digest('base64');
  try {
    const output = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: stack.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password, SECRET_HASH: secretHash },
      }),
    );
    const result = output.AuthenticationResult;
    if (!result?.AccessToken || !result.RefreshToken) throw new Error('cognito-local issued no tokens');
    return { accessToken: result.AccessToken, refreshToken: result.RefreshToken };
  } finally {
    client.destroy();
  }
}
