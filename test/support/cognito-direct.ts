// Asks cognito-local itself, bypassing the service: does Cognito still take this refresh token? And a login made at
// Cognito directly, as the hosted UI or another app makes one.
import { createHmac } from 'node:crypto';
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type AuthFlowType,
  type InitiateAuthCommandOutput,
} from '@aws-sdk/client-cognito-identity-provider';
import { stack } from './stack';

/** InitiateAuth at the suite's cognito-local for the suite's app client, with SECRET_HASH for `username`. */
async function initiateAuth(flow: AuthFlowType, username: string, parameters: Record<string, string>): Promise<InitiateAuthCommandOutput> {
  const client = new CognitoIdentityProviderClient({
    endpoint: stack.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const secretHash = createHmac('sha256', stack.clientSecret).update(username + stack.clientId).digest('base64');
  try {
    return await client.send(
      new InitiateAuthCommand({ AuthFlow: flow, ClientId: stack.clientId, AuthParameters: { ...parameters, SECRET_HASH: secretHash } }),
    );
  } finally {
    client.destroy();
  }
}

/** True when Cognito issues tokens for `refreshToken` (REFRESH_TOKEN_AUTH); false when it refuses it as revoked. */
export async function cognitoTakesRefreshToken(refreshToken: string, username: string): Promise<boolean> {
  try {
    const output = await initiateAuth('REFRESH_TOKEN_AUTH', username, { REFRESH_TOKEN: refreshToken });
    return Boolean(output.AuthenticationResult?.AccessToken);
  } catch (err) {
    if (err instanceof Error && err.name === 'NotAuthorizedException') return false;
    throw err;
  }
}

/** Logs in at cognito-local itself, bypassing the service, as the hosted UI or another app would: Cognito's tokens. */
export async function loginAtCognito(username: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  const result = (await initiateAuth('USER_PASSWORD_AUTH', username, { USERNAME: username, PASSWORD: password })).AuthenticationResult;
  if (!result?.AccessToken || !result.RefreshToken) throw new Error('cognito-local issued no tokens');
  return { accessToken: result.AccessToken, refreshToken: result.RefreshToken };
}
