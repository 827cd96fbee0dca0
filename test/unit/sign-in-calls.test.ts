// What the sign-in use cases send to Amazon Cognito, recorded on the wire, and what logout then refuses.
import { randomUUID } from 'node:crypto';
import { Authenticator } from '../../src/bearer/authenticator';
import { CognitoAccessTokenVerifier } from '../../src/bearer/token-verifier';
import { CognitoClient, computeSecretHash } from '../../src/cognito/cognito-client';
import { SdkCognitoSignIn } from '../../src/cognito/sdk-sign-in';
import { MemoryDenylistStore } from '../../src/denylist/memory-denylist-store';
import { InvalidTokenError } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { SignInService } from '../../src/signin/sign-in-service';
import { fakeCognito } from '../support/fake-cognito';
import { awsConfig, CLIENT_ID, CLIENT_SECRET, cognitoAccessClaims, InMemoryJwks, signed } from './support/pool';

/** The alias the user signs in with, and the username Cognito keeps (an email-as-alias pool). */
const ALIAS = 'ada@example.com';
const COGNITO_USERNAME = 'b1c2d3e4-0000-4000-8000-internal';
const SUB = 'a0a0a0a0-0000-4000-8000-ada';

/**
 * A service on a recorded Amazon Cognito: InitiateAuth answers a password login with tokens of one session
 * (origin_jti), and a refresh with a new access token of the same session, as Amazon Cognito does.
 */
function recordedStack() {
  const originJti = randomUUID();
  const accessToken = () =>
    signed(cognitoAccessClaims({ sub: SUB, username: COGNITO_USERNAME, origin_jti: originJti, jti: randomUUID() }));
  const fake = fakeCognito(
    {
      InitiateAuth: (input) => ({
        body: {
          AuthenticationResult: {
            AccessToken: accessToken(),
            IdToken: 'id-token',
            ExpiresIn: 3600,
            TokenType: 'Bearer',
            ...(input.AuthFlow === 'USER_PASSWORD_AUTH' ? { RefreshToken: `refresh-${randomUUID()}` } : {}),
          },
          ChallengeParameters: {},
        },
      }),
      RevokeToken: { body: {} },
      GlobalSignOut: { body: {} },
    },
    { offline: true },
  );
  const config = awsConfig();
  const denylist = new MemoryDenylistStore();
  const signIn = new SignInService(new SdkCognitoSignIn(new CognitoClient(config.cognito, { sdk: fake.client })), denylist, createLogger('silent'), {
    sessionTtlSeconds: 3600,
    sleep: async () => undefined,
  });
  const verifier = new CognitoAccessTokenVerifier(config.cognito, { fetcher: new InMemoryJwks() });
  const authenticator = new Authenticator(verifier, denylist, config.groupScopes);
  const sent = (operation: string) => fake.calls.filter((call) => call.operation === operation).map((call) => call.input);
  return { signIn, authenticator, sent };
}

async function signedIn(stack: ReturnType<typeof recordedStack>) {
  const result = await stack.signIn.login(ALIAS, 'Password-1');
  if (!('tokens' in result) || !result.tokens.refreshToken) throw new Error('expected tokens');
  return { ...result.tokens, refreshToken: result.tokens.refreshToken };
}

it("refreshes with the SECRET_HASH of Cognito's username for the session, not of the alias signed in with", async () => {
  const stack = recordedStack();
  const tokens = await signedIn(stack);
  await stack.signIn.refresh(tokens.refreshToken);

  const [login, refresh] = stack.sent('InitiateAuth');
  expect(login?.AuthParameters).toMatchObject({ USERNAME: ALIAS, SECRET_HASH: computeSecretHash(CLIENT_SECRET, ALIAS, CLIENT_ID) });
  expect(refresh).toEqual({
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: CLIENT_ID,
    AuthParameters: { REFRESH_TOKEN: tokens.refreshToken, SECRET_HASH: computeSecretHash(CLIENT_SECRET, COGNITO_USERNAME, CLIENT_ID) },
  });
});

it('logs out every token of the session (one origin_jti), including those refreshed from it', async () => {
  const stack = recordedStack();
  const tokens = await signedIn(stack);
  const refreshed = await stack.signIn.refresh(tokens.refreshToken);
  const first = await stack.authenticator.authenticate(tokens.accessToken);
  const second = await stack.authenticator.authenticate(refreshed.accessToken);
  expect(second.sessionId).toBe(first.sessionId);
  expect(second.accessToken).not.toBe(first.accessToken);

  await stack.signIn.logout(first);
  await expect(stack.authenticator.authenticate(refreshed.accessToken)).rejects.toThrow(
    new InvalidTokenError('The session of this token has logged out.'),
  );
});

it('revokes the refresh token at Cognito on logout, with the client secret', async () => {
  const stack = recordedStack();
  const tokens = await signedIn(stack);
  await stack.signIn.logout(await stack.authenticator.authenticate(tokens.accessToken), tokens.refreshToken);
  expect(stack.sent('RevokeToken')).toEqual([{ Token: tokens.refreshToken, ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET }]);
});

it("calls GlobalSignOut with the caller's access token on logout-all, and refuses the user's tokens after", async () => {
  const stack = recordedStack();
  const tokens = await signedIn(stack);
  const other = await signedIn(stack);
  await stack.signIn.logoutAll(await stack.authenticator.authenticate(tokens.accessToken));

  expect(stack.sent('GlobalSignOut')).toEqual([{ AccessToken: tokens.accessToken }]);
  await expect(stack.authenticator.authenticate(other.accessToken)).rejects.toThrow(
    new InvalidTokenError('The session of this token has logged out.'),
  );
});
