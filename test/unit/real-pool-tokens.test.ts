// Amazon Cognito's token shapes through the exact path a real pool uses: aws-jwt-verify's CognitoJwtVerifier.
import { randomUUID } from 'node:crypto';
import { Authenticator } from '../../src/bearer/authenticator';
import { CognitoAccessTokenVerifier } from '../../src/bearer/token-verifier';
import { MemoryDenylistStore } from '../../src/denylist/memory-denylist-store';
import { InvalidTokenError } from '../../src/errors';
import { httpAnswerOf } from '../../src/http/error-responses';
import { adversarialTokens } from '../support/token-corpus';
import {
  awsConfig,
  CLIENT_ID,
  cognitoAccessClaims,
  InMemoryJwks,
  ISSUER,
  KID,
  M2M_CLIENT_ID,
  POOL_ID,
  PRIVATE_PEM,
  PUBLIC_PEM,
  REGION,
  signed,
} from './support/pool';

const config = awsConfig({ GROUP_SCOPES: JSON.stringify({ editors: ['books/write'] }) });
const jwks = new InMemoryJwks();
const verifier = new CognitoAccessTokenVerifier(config.cognito, { fetcher: jwks });
const authenticator = new Authenticator(verifier, new MemoryDenylistStore(), config.groupScopes);

/** Expects the token refused with `description`, as the API would answer it: 401 invalid_token. */
async function expectRefused(token: string, description: string): Promise<void> {
  const err: unknown = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidTokenError);
  expect((err as Error).message).toBe(description);
  expect(httpAnswerOf(err as InvalidTokenError)).toMatchObject({ status: 401, code: 'invalid_token' });
}

beforeAll(() => verifier.loadKeys());

it('takes the Cognito verifier (issuer and JWKS derived from the pool id) and loads the keys from the pool', () => {
  expect(config.cognito.awsIssuer).toBe(true);
  expect(config.cognito.issuer).toBe(ISSUER);
  // aws-jwt-verify 5 knows both of Cognito's issuer formats for a pool: the regional one and the global one.
  expect(jwks.requested).toEqual([
    `https://cognito-idp.${REGION}.amazonaws.com/${POOL_ID}/.well-known/jwks.json`,
    `https://issuer-cognito-idp.${REGION}.amazonaws.com/${POOL_ID}/.well-known/jwks.json`,
  ]);
});

describe('tokens Amazon Cognito issues', () => {
  it('accepts a user access token and keys its session by origin_jti', async () => {
    const claims = cognitoAccessClaims({ 'cognito:groups': ['editors'] });
    const principal = await authenticator.authenticate(signed(claims));
    expect(principal).toMatchObject({
      sub: claims.sub,
      username: claims.username,
      clientId: CLIENT_ID,
      groups: ['editors'],
      scopes: ['aws.cognito.signin.user.admin', 'books/write'],
      sessionId: 'origin-jti-of-the-session',
      authTime: claims.auth_time,
    });
  });

  it("accepts the pool's tokens in Cognito's global issuer format too", async () => {
    const iss = `https://issuer-cognito-idp.${REGION}.amazonaws.com/${POOL_ID}`;
    await expect(authenticator.authenticate(signed(cognitoAccessClaims({ iss })))).resolves.toMatchObject({ clientId: CLIENT_ID });
  });

  it('grants the custom scopes a resource server put in the token', async () => {
    const principal = await authenticator.authenticate(signed(cognitoAccessClaims({ scope: 'openid books/read books/write' })));
    expect(principal.scopes).toEqual(['openid', 'books/read', 'books/write']);
  });

  it('accepts a client-credentials token of an allowed client: no username, sub is the client id', async () => {
    const claims = cognitoAccessClaims({
      sub: M2M_CLIENT_ID,
      client_id: M2M_CLIENT_ID,
      username: undefined,
      origin_jti: undefined,
      auth_time: undefined,
      scope: 'books/read',
    });
    const principal = await authenticator.authenticate(signed(claims));
    expect(principal).toMatchObject({ sub: M2M_CLIENT_ID, username: null, clientId: M2M_CLIENT_ID, scopes: ['books/read'] });
    expect(principal.sessionId).toBe(claims.jti);
  });

  it('refuses an ID token of the same pool and client', async () => {
    const claims = cognitoAccessClaims({ token_use: 'id', aud: CLIENT_ID, client_id: undefined });
    await expectRefused(signed(claims), 'The token is not an access token.');
  });

  it("refuses another pool's token, even one signed with this pool's key", async () => {
    const other = `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_OtherPool9`;
    await expectRefused(signed(cognitoAccessClaims({ iss: other })), 'The token was issued by another issuer.');
  });

  it('refuses a token of a client that is not allowed', async () => {
    await expectRefused(signed(cognitoAccessClaims({ client_id: 'notallowedclient' })), 'The token was issued to a client this API does not accept.');
  });
});

describe('the adversarial corpus, through the real-pool verifier', () => {
  const cases = adversarialTokens({
    issuer: ISSUER,
    otherIssuer: `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_OtherPool9`,
    clientId: CLIENT_ID,
    privatePem: PRIVATE_PEM,
    publicPem: PUBLIC_PEM,
    kid: KID,
  });

  it.each(cases)('refuses a token %s', async (_name, token, description) => {
    await expectRefused(token(), description);
  });

  it('never asks for keys again for a kid the pool does not have, within the penalty time', async () => {
    const before = jwks.requested.length;
    for (let i = 0; i < 20; i += 1) {
      const token = signed({ ...cognitoAccessClaims(), jti: randomUUID() }).replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'RS256', kid: `x${i}` })).toString('base64url'));
      await expectRefused(token, 'The token was signed with an unknown key.');
    }
    expect(jwks.requested.length - before).toBeLessThanOrEqual(1);
  });
});
