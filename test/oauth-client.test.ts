// The standard endpoints driven by a client no one here wrote: panva's oauth4webapi discovers the service (RFC 8414),
// gets tokens with the password grant, introspects (RFC 7662), revokes (RFC 7009), and introspects again.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import * as oauth from 'oauth4webapi';
import request from 'supertest';
import { createHttpServer } from '../src/http/server';
import { stack, TestFleet, users, type TestApp } from './support/stack';
import { mintAccessToken } from './support/tokens';

const GATEWAY = { id: 'gateway', secret: 'gateway-secret-1' };
const M2M_CLIENT = 'machineclient123';
const fleet = new TestFleet();
let api: TestApp;
let server: Server;
let issuer: URL;
// Loopback over http: oauth4webapi insists on https unless told.
const insecure = { [oauth.allowInsecureRequests]: true } as const;

beforeAll(async () => {
  api = await fleet.instance({
    env: { INTROSPECTION_CLIENTS: `${GATEWAY.id}:${GATEWAY.secret}`, COGNITO_ALLOWED_CLIENT_IDS: M2M_CLIENT },
  });
  server = createHttpServer(api.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await fleet.close();
});

async function discover(): Promise<oauth.AuthorizationServer> {
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
}

describe('oauth4webapi against the service', () => {
  const appClient = () => ({ client: { client_id: stack.clientId }, auth: oauth.ClientSecretBasic(stack.clientSecret) });
  const gateway = () => ({ client: { client_id: GATEWAY.id }, auth: oauth.ClientSecretBasic(GATEWAY.secret) });
  /** The password grant, as oauth4webapi sends a grant it has no function of its own for, as the app client. */
  const passwordGrant = async (as: oauth.AuthorizationServer, user: { username: string; password: string }, extra: Record<string, string> = {}) => {
    const { client, auth } = appClient();
    const params = new URLSearchParams({ username: user.username, password: user.password, ...extra });
    return oauth.processGenericTokenEndpointResponse(as, client, await oauth.genericTokenEndpointRequest(as, client, auth, 'password', params, insecure));
  };

  it('runs the whole cycle: discovery, password grant, introspection, revocation, introspection again', async () => {
    const as = await discover();
    expect(as.issuer).toBe(issuer.href.replace(/\/$/, ''));
    expect(as.revocation_endpoint).toBe(`${as.issuer}/auth/revoke`);

    const { client, auth } = appClient();
    const tokens = await passwordGrant(as, users.reader, { scope: 'books/read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.id_token).toBeUndefined();

    const introspector = gateway();
    const active = await oauth.processIntrospectionResponse(
      as,
      introspector.client,
      await oauth.introspectionRequest(as, introspector.client, introspector.auth, tokens.access_token, insecure),
    );
    expect(active).toMatchObject({ active: true, username: 'reader', client_id: stack.clientId, token_type: 'Bearer', iss: stack.issuer });
    expect(active.scope).toContain('books/read');
    expect(active).not.toHaveProperty('token_use');

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.access_token, insecure));

    const inactive = await oauth.processIntrospectionResponse(
      as,
      introspector.client,
      await oauth.introspectionRequest(as, introspector.client, introspector.auth, tokens.access_token, insecure),
    );
    expect(inactive).toEqual({ active: false });
    const me = await request(api.app).get('/auth/me').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(me.status).toBe(401);
    expect(me.body).toEqual({ error: 'invalid_token', error_description: 'The session of this token has logged out.' });
  });

  it('takes every grant the metadata advertises, and advertises no code flow the token endpoint would refuse', async () => {
    const as = await discover();
    expect(as.grant_types_supported).toEqual(['password', 'refresh_token']);
    expect(as.authorization_endpoint).toBeUndefined();
    const { client, auth } = appClient();
    const tokens = await passwordGrant(as, users.editor);
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token as string, insecure),
    );
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect((await request(api.app).get('/auth/me').set('Authorization', `Bearer ${refreshed.access_token}`)).body.username).toBe('editor');
  });

  it('introspects for a caller that authenticates with a Bearer token carrying the introspection scope', async () => {
    const as = await discover();
    const caller = mintAccessToken(stack.issuer, M2M_CLIENT, { sub: M2M_CLIENT, username: undefined, scope: 'auth/introspect' });
    const subject = mintAccessToken(stack.issuer, stack.clientId, { 'cognito:groups': ['readers'] });
    const client = { client_id: M2M_CLIENT };
    // oauth4webapi's client authentication is a function of the request: this one presents the Bearer token.
    const bearer: oauth.ClientAuth = (_as, _client, _body, headers) => headers.set('authorization', `Bearer ${caller}`);
    const response = await oauth.introspectionRequest(as, client, bearer, subject, insecure);
    const answer = await oauth.processIntrospectionResponse(as, client, response);
    expect(answer).toMatchObject({ active: true, username: 'minted-user', groups: ['readers'] });
  });
});
