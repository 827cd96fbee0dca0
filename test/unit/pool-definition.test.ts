// The pool definition holds together: its resource servers define exactly the API's scopes, and every scope a group
// grants or a client may ask for is one of them (or a standard OAuth scope).
import { loadConfig } from '../../src/config/config';
import { APP_CLIENTS, callbackUrls, GROUPS, RESOURCE_SERVERS, SCOPES } from '../../src/pool/pool-definition';

const STANDARD_SCOPES = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'];
const defined = RESOURCE_SERVERS.flatMap((server) => server.scopes.map((scope) => `${server.identifier}/${scope.name}`));

describe('the pool definition', () => {
  it('defines each scope of the API in exactly one resource server, and no other', () => {
    expect([...defined].sort()).toEqual(Object.values(SCOPES).sort());
    expect(new Set(defined).size).toBe(defined.length);
  });

  it('names resource servers and scopes as Cognito allows (no "/" in a scope name)', () => {
    for (const server of RESOURCE_SERVERS) {
      expect(server.identifier).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/);
      for (const scope of server.scopes) expect(scope.name).toMatch(/^[\x21\x23-\x2e\x30-\x5b\x5d-\x7e]+$/);
    }
  });

  it('lets groups grant, and clients ask for, only scopes a resource server defines or standard ones', () => {
    for (const scopes of Object.values(GROUPS)) expect(defined).toEqual(expect.arrayContaining([...scopes]));
    for (const client of Object.values(APP_CLIENTS)) {
      expect([...defined, ...STANDARD_SCOPES]).toEqual(expect.arrayContaining([...(client.oauth?.scopes ?? [])]));
    }
  });

  it('gives the login client no custom scope: a code-flow token would carry it whatever the user', () => {
    expect(APP_CLIENTS.login.oauth?.scopes.filter((scope) => !STANDARD_SCOPES.includes(scope))).toEqual([]);
  });

  it("keeps a logged-out session remembered as long as the login client's refresh token lives (SESSION_TTL_SECONDS)", () => {
    const config = loadConfig({ COGNITO_USER_POOL_ID: 'eu-west-1_AbCdEf123', COGNITO_CLIENT_ID: 'client', AWS_REGION: 'eu-west-1' });
    expect(APP_CLIENTS.login.tokenValidity.refreshTokenDays * 86_400).toBeLessThanOrEqual(config.sessionTtlSeconds);
  });

  it('makes callback URLs from base URLs, with or without a trailing slash', () => {
    expect(callbackUrls(APP_CLIENTS.login, ['http://localhost:3000', 'https://api.example.com/'])).toEqual([
      'http://localhost:3000/docs/oauth2-redirect.html',
      'https://api.example.com/docs/oauth2-redirect.html',
    ]);
    expect(callbackUrls(APP_CLIENTS.introspection, ['https://api.example.com'])).toEqual([]);
  });
});
