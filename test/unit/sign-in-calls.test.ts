// What the sign-in use cases send to Amazon Cognito, recorded on the wire, and what logout then refuses.
import { randomUUID } from 'node:crypto';
import { Authenticator } from '../../src/bearer/authenticator';
import { CognitoAccessTokenVerifier } from '../../src/bearer/token-verifier';
import { CognitoClient, computeSecretHash } from '../../src/cognito/cognito-client';
import { SdkCognitoSignIn } from '../../src/cognito/sdk-sign-in';
import { MemoryDenylistStore } from '../../src/denylist/memory-denylist-store';
import { refreshTokenId } from '../../src/denylist/denylist-store';
import { InvalidGrantError, InvalidTokenError, TemporarilyUnavailableError } from '../../src/errors';
import { createLogger } from '../../src/logger';
import { SignInService } from '../../src/signin/sign-in-service';
import { fakeCognito } from '../support/fake-cognito';
import { awsConfig, CLIENT_ID, CLIENT_SECRET, cognitoAccessClaims, InMemoryJwks, signed } from './support/pool';

/** The alias the user signs in with, and the username Cognito keeps (an email-as-alias pool). */
const ALIAS = 'ada@example.com';
const COGNITO_USERNAME = 'b1c2d3e4-0000-4000-8000-internal';
const SUB = 'a0a0a0a0-0000-4000-8000-ada';

/** Cognito's answers to GetUser with a logged-out access token. */
const GET_USER = {
  revoked: { status: 400, body: { __type: 'NotAuthorizedException', message: 'Access Token has been revoked' } },
  accepted: { body: { Username: COGNITO_USERNAME, UserAttributes: [] } },
  throttled: { status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' } },
};

/**
 * A service on a recorded Amazon Cognito: InitiateAuth answers a password login with tokens of one session
 * (origin_jti), and a refresh with a new access token of the same session, as Amazon Cognito does. `originJti: false`
 * records an app client whose tokens carry none (token revocation off). `getUser` is Cognito's answer to GetUser
 * after the logout's RevokeToken; `rotate` makes refreshes answer a new refresh token too.
 */
function recordedStack({
  originJti = true,
  getUser = 'revoked',
  rotate = false,
}: { originJti?: boolean; getUser?: keyof typeof GET_USER; rotate?: boolean } = {}) {
  const session = randomUUID();
  const accessToken = () => {
    const jti = randomUUID();
    return signed(cognitoAccessClaims({ sub: SUB, username: COGNITO_USERNAME, jti, origin_jti: originJti ? session : undefined }));
  };
  const tokens = (refreshToken?: string) => ({
    body: {
      AuthenticationResult: { AccessToken: accessToken(), IdToken: 'id-token', ExpiresIn: 3600, TokenType: 'Bearer', RefreshToken: refreshToken },
      ChallengeParameters: {},
    },
  });
  const fake = fakeCognito(
    {
      InitiateAuth: (input) => tokens(input.AuthFlow === 'USER_PASSWORD_AUTH' ? `refresh-${randomUUID()}` : undefined),
      GetTokensFromRefreshToken: () => tokens(rotate ? `rotated-${randomUUID()}` : undefined),
      RevokeToken: { body: {} },
      GlobalSignOut: { body: {} },
      GetUser: GET_USER[getUser],
    },
    { offline: true },
  );
  const config = awsConfig();
  let now = Date.now();
  const clock = { now: () => now, advance: (seconds: number) => (now += seconds * 1000) };
  const denylist = new MemoryDenylistStore(clock.now);
  const signIn = new SignInService(new SdkCognitoSignIn(new CognitoClient(config.cognito, { sdk: fake.client })), denylist, createLogger('silent'), {
    sessionTtlSeconds: 2_592_000,
    sleep: async () => undefined,
    now: clock.now,
  });
  const verifier = new CognitoAccessTokenVerifier(config.cognito, { fetcher: new InMemoryJwks() });
  const authenticator = new Authenticator(verifier, denylist, config.groupScopes);
  const sent = (operation: string) => fake.calls.filter((call) => call.operation === operation).map((call) => call.input);
  return { signIn, authenticator, denylist, clock, sent };
}

async function signedIn(stack: ReturnType<typeof recordedStack>) {
  const result = await stack.signIn.login(ALIAS, 'Password-1');
  if (!('tokens' in result) || !result.tokens.refreshToken) throw new Error('expected tokens');
  return { ...result.tokens, refreshToken: result.tokens.refreshToken };
}

it('keeps nothing per login on Amazon Cognito, and refreshes with GetTokensFromRefreshToken and the client secret', async () => {
  const stack = recordedStack();
  const tokens = await signedIn(stack);
  expect(await stack.denylist.findRefreshToken(refreshTokenId(tokens.refreshToken))).toBeNull();
  const refreshed = await stack.signIn.refresh(tokens.refreshToken);

  const [login, ...others] = stack.sent('InitiateAuth');
  expect(login?.AuthParameters).toMatchObject({ USERNAME: ALIAS, SECRET_HASH: computeSecretHash(CLIENT_SECRET, ALIAS, CLIENT_ID) });
  expect(others).toEqual([]);
  expect(stack.sent('GetTokensFromRefreshToken')).toEqual([{ RefreshToken: tokens.refreshToken, ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET }]);
  expect(refreshed.refreshToken).toBeUndefined();
});

it('hands on the new refresh token of an app client that rotates them', async () => {
  const stack = recordedStack({ rotate: true });
  const tokens = await signedIn(stack);
  const refreshed = await stack.signIn.refresh(tokens.refreshToken);
  expect(refreshed.refreshToken).toMatch(/^rotated-/);
});

it("refreshes tokens without origin_jti through InitiateAuth, with the SECRET_HASH of Cognito's username, not the alias", async () => {
  const stack = recordedStack({ originJti: false });
  const tokens = await signedIn(stack);
  expect(await stack.denylist.findRefreshToken(refreshTokenId(tokens.refreshToken))).toMatchObject({ username: COGNITO_USERNAME, sub: SUB });
  await stack.signIn.refresh(tokens.refreshToken);

  expect(stack.sent('InitiateAuth')[1]).toEqual({
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: CLIENT_ID,
    AuthParameters: { REFRESH_TOKEN: tokens.refreshToken, SECRET_HASH: computeSecretHash(CLIENT_SECRET, COGNITO_USERNAME, CLIENT_ID) },
  });
  expect(stack.sent('GetTokensFromRefreshToken')).toEqual([]);
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

it('refuses a refresh of a logged-out session by the origin_jti of the tokens Cognito answers', async () => {
  const stack = recordedStack();
  const tokens = await signedIn(stack);
  await stack.signIn.logout(await stack.authenticator.authenticate(tokens.accessToken));
  await expect(stack.signIn.refresh(tokens.refreshToken)).rejects.toThrow(
    new InvalidGrantError('The session of this refresh token has logged out.'),
  );
});

it('keeps a session whose refresh token Cognito revoked only as long as an access token lives (1 day + 60 s)', async () => {
  const stack = recordedStack({ getUser: 'revoked' });
  const tokens = await signedIn(stack);
  const principal = await stack.authenticator.authenticate(tokens.accessToken);
  await stack.signIn.logout(principal, tokens.refreshToken);
  expect(stack.sent('GetUser')).toEqual([{ AccessToken: tokens.accessToken }]);

  stack.clock.advance(86_400 + 59);
  expect((await stack.denylist.getRevocation(SUB, principal.sessionId)).sessionRevoked).toBe(true);
  stack.clock.advance(2);
  expect((await stack.denylist.getRevocation(SUB, principal.sessionId)).sessionRevoked).toBe(false);
});

it.each([
  ['Cognito still accepts its access token (the refresh token was another session\'s)', 'accepted'],
  ['Cognito\'s answer proves nothing (throttled)', 'throttled'],
] as const)('keeps the session for the refresh token lifetime when %s', async (_case, getUser) => {
  const stack = recordedStack({ getUser });
  const tokens = await signedIn(stack);
  const principal = await stack.authenticator.authenticate(tokens.accessToken);
  await stack.signIn.logout(principal, `refresh-of-another-session-${randomUUID()}`);
  expect(stack.sent('GetUser')).toEqual([{ AccessToken: tokens.accessToken }]);

  stack.clock.advance(29 * 86_400);
  expect((await stack.denylist.getRevocation(SUB, principal.sessionId)).sessionRevoked).toBe(true);
});

it('completes the logout when Redis fails on the write that would shorten the entry (kept for the full lifetime)', async () => {
  const stack = recordedStack({ getUser: 'revoked' });
  const tokens = await signedIn(stack);
  const principal = await stack.authenticator.authenticate(tokens.accessToken);
  // A labelled fake: Redis failing on exactly this write can't be produced with the real store.
  const revokeSession = stack.denylist.revokeSession.bind(stack.denylist);
  let writes = 0;
  stack.denylist.revokeSession = async (...args) => {
    writes += 1;
    if (writes > 1) throw new TemporarilyUnavailableError('The session store (Redis) is not answering.');
    return revokeSession(...args);
  };
  await expect(stack.signIn.logout(principal, tokens.refreshToken)).resolves.toBeUndefined();
  expect(writes).toBe(2);
  stack.clock.advance(29 * 86_400);
  expect((await stack.denylist.getRevocation(SUB, principal.sessionId)).sessionRevoked).toBe(true);
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
