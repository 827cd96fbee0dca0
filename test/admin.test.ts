// The admin routes: an administrator (scope admin/users, granted to the group admins) ends another user's sessions.
import { randomUUID } from 'node:crypto';
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import request from 'supertest';
import { localAdminClient } from '../src/dev/provision';
import { expectLoggedOut, expectRefreshRefused } from './support/assertions';
import { login, stack, TestFleet, users, type TestApp } from './support/stack';
import { createUser } from './support/users';

const fleet = new TestFleet();
let a: TestApp;
let b: TestApp;
let adminToken: string;
beforeAll(async () => {
  a = await fleet.instance();
  b = await fleet.instance();
  adminToken = (await login(a.app, users.admin)).access_token;
});
afterAll(() => fleet.close());

const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
const admin = (action: 'logout-all' | 'disable', username: string, token = adminToken) =>
  request(a.app).post(`/admin/users/${encodeURIComponent(username)}/${action}`).set('Authorization', `Bearer ${token}`);

describe('POST /admin/users/{username}/logout-all', () => {
  it('refuses every earlier token of the user on every instance at once, and a login after works', async () => {
    const user = await createUser({ groups: ['readers'] });
    const [first, second] = [await login(a.app, user), await login(b.app, user)];
    const response = await admin('logout-all', user.username);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    for (const api of [a, b]) for (const tokens of [first, second]) expectLoggedOut(await me(api, tokens.access_token));
    expectRefreshRefused(await request(b.app).post('/auth/refresh').send({ refresh_token: first.refresh_token }), 'logged-out session');
    expect((await me(b, (await login(b.app, user)).access_token)).status).toBe(200);
    // The administrator's own session is untouched.
    expect((await me(a, adminToken)).status).toBe(200);
  });

  it('answers an unknown username exactly as a known one', async () => {
    const known = await admin('logout-all', (await createUser()).username);
    const unknown = await admin('logout-all', `nobody-${randomUUID()}`);
    expect(unknown.status).toBe(known.status);
    expect(unknown.text).toBe(known.text);
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(known.headers).sort());
  });

  it('needs the scope admin/users: a reader gets 403 insufficient_scope, and the user keeps the session', async () => {
    const user = await createUser();
    const tokens = await login(a.app, user);
    const reader = (await login(a.app, users.reader)).access_token;
    const response = await admin('logout-all', user.username, reader);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: 'insufficient_scope', error_description: 'This call needs the scope(s): admin/users.' });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="This call needs the scope(s): admin/users.", scope="admin/users"',
    );
    expect((await me(b, tokens.access_token)).status).toBe(200);
  });

  it('needs a token: 401 with the Bearer challenge', async () => {
    const response = await request(a.app).post('/admin/users/reader/logout-all');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api", resource_metadata="/);
  });

  it('refuses a username that cannot be one with 400 naming the field', async () => {
    const response = await admin('logout-all', 'x'.repeat(129));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_request',
      error_description: 'Invalid request: username: at most 128 characters',
      details: [{ path: 'username', message: 'at most 128 characters' }],
    });
  });
});

describe('POST /admin/users/{username}/disable', () => {
  it('disables the user at Cognito and refuses every earlier token at once', async () => {
    const user = await createUser({ groups: ['readers'] });
    const tokens = await login(b.app, user);
    const response = await admin('disable', user.username);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    for (const api of [a, b]) expectLoggedOut(await me(api, tokens.access_token));
    expectRefreshRefused(await request(a.app).post('/auth/refresh').send({ refresh_token: tokens.refresh_token }), 'logged-out session');
    // Amazon Cognito then refuses the user's logins; cognito-local records the flag but still signs the user in
    // (a gap of the emulator, README "cognito-local's gaps"), so this checks the flag Cognito keeps.
    const found = await localAdminClient(stack.endpoint).send(new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: user.username }));
    expect(found.Enabled).toBe(false);
  });

  it('answers an unknown username exactly as a known one', async () => {
    const known = await admin('disable', (await createUser()).username);
    const unknown = await admin('disable', `nobody-${randomUUID()}`);
    expect(known.status).toBe(204);
    expect(unknown.status).toBe(204);
    expect(unknown.text).toBe(known.text);
  });
});
