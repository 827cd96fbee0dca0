// Signing in on the pool as teams made it: an app client without USER_PASSWORD_AUTH (SRP, as the SDK creates one),
// choice-based sign-in (USER_AUTH) with a password or an email code, and COGNITO_SIGN_IN_FLOW. The local stack's
// SRP and USER_AUTH are src/dev/auth-flows.ts beside cognito-local; AWS's own client (amazon-cognito-identity-js)
// proves its SRP math first, so the service is not tested against a server made to agree with it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AdminDisableUserCommand, CreateUserPoolClientCommand, DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import request from 'supertest';
import { SIGN_IN_CODES_FILE, type SignInCode } from '../src/dev/auth-flows';
import { totp } from '../src/dev/totp';
import { localAdminClient } from '../src/dev/provision';
import { capturingLogger } from './support/lambdas';
import { stack, TestFleet, users, type TestApp } from './support/stack';
import { createUser } from './support/users';

const fleet = new TestFleet();
afterAll(() => fleet.close());

/** An instance signing in with the SRP client (no secret, no USER_PASSWORD_AUTH); its tokens are the only ones. */
const srpInstance = (env: Record<string, string | undefined> = {}, options: Parameters<TestFleet['instance']>[0] = {}) =>
  fleet.instance({ ...options, env: { COGNITO_CLIENT_ID: stack.srpClientId, COGNITO_CLIENT_SECRET: undefined, LOGIN_RATE_LIMIT: '1000', ...env } });
const login = (api: TestApp, body: Record<string, unknown>) => request(api.app).post('/auth/login').send(body);
const challenge = (api: TestApp, body: Record<string, unknown>) => request(api.app).post('/auth/challenge').send(body);
const me = (api: TestApp, token: string) => request(api.app).get('/auth/me').set('Authorization', `Bearer ${token}`);
const REFUSED = { error: 'invalid_credentials', error_description: 'Incorrect username or password.' };

/** The code the local stack "emailed" `username` last (it writes them beside cognito-local's store). */
function lastCode(username: string): string {
  const codes = JSON.parse(readFileSync(path.join(process.env.TEST_COGNITO_DB ?? '', SIGN_IN_CODES_FILE), 'utf8')) as SignInCode[];
  const code = codes.filter((entry) => entry.username === username).pop()?.code;
  if (!code) throw new Error(`no sign-in code for ${username}`);
  return code;
}

describe('the local stack\'s SRP, proven by AWS\'s client (amazon-cognito-identity-js)', () => {
  const authenticate = (username: string, password: string) =>
    new Promise<{ ok: true; accessToken: string } | { ok: false; code: string }>((resolve) => {
      const pool = new CognitoUserPool({ UserPoolId: stack.userPoolId, ClientId: stack.srpClientId, endpoint: stack.endpoint });
      new CognitoUser({ Username: username, Pool: pool }).authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
        onSuccess: (session) => resolve({ ok: true, accessToken: session.getAccessToken().getJwtToken() }),
        onFailure: (err: { code?: string; name?: string }) => resolve({ ok: false, code: err.code ?? err.name ?? 'unknown' }),
      });
    });

  it('signs a user in with CognitoUser.authenticateUser (SRP), and the service takes its token', async () => {
    // The instance first: its store's start (a new key prefix) refuses sessions begun before it.
    const api = await srpInstance();
    const answer = await authenticate(users.reader.username, users.reader.password);
    if (!answer.ok) throw new Error(`SRP sign-in failed: ${answer.code}`);
    const response = await me(api, answer.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ username: 'reader', client_id: stack.srpClientId });
  });

  it('refuses a wrong password and an unknown user alike: NotAuthorizedException', async () => {
    expect(await authenticate(users.reader.username, 'Wrong-pass-1')).toEqual({ ok: false, code: 'NotAuthorizedException' });
    expect(await authenticate('nobody-here', 'Wrong-pass-1')).toEqual({ ok: false, code: 'NotAuthorizedException' });
  });
});

describe('COGNITO_SIGN_IN_FLOW on a client without USER_PASSWORD_AUTH', () => {
  it('auto finds SRP in the client\'s flows and signs in: tokens that work, the same refusals as the password flow', async () => {
    const { logger, lines } = capturingLogger();
    const api = await srpInstance({}, { logger });
    const ok = await login(api, { username: users.editor.username, password: users.editor.password });
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toEqual({ access_token: expect.any(String), id_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    expect((await me(api, ok.body.access_token)).body.username).toBe('editor');
    expect(lines.find((line) => line.msg.startsWith('sign-in flow'))).toMatchObject({ flow: 'srp', authFlow: 'USER_SRP_AUTH' });

    const disabled = await createUser();
    await localAdminClient(stack.endpoint).send(new AdminDisableUserCommand({ UserPoolId: stack.userPoolId, Username: disabled.username }));
    for (const [username, password] of [[users.editor.username, 'Wrong-pass-1'], ['nobody-here', 'Wrong-pass-1'], [disabled.username, disabled.password]]) {
      const refused = await login(api, { username, password });
      expect({ username, status: refused.status, body: refused.body }).toEqual({ username, status: 401, body: REFUSED });
    }
  });

  it('auto learns the flow from Cognito\'s answers where DescribeUserPoolClient is denied, never sending the password to a refused flow', async () => {
    const { logger, lines } = capturingLogger();
    // A labelled fake: a role without cognito-idp:DescribeUserPoolClient (cognito-local checks no IAM). The rest is real.
    const sdk = localAdminClient(stack.endpoint);
    const sent: string[] = [];
    const send = sdk.send.bind(sdk);
    sdk.send = ((command: { constructor: { name: string }; input?: { AuthFlow?: string } }, ...rest: unknown[]) => {
      sent.push(command.input?.AuthFlow ?? command.constructor.name);
      if (command instanceof DescribeUserPoolClientCommand) return Promise.reject(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
      return (send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof sdk.send;
    const api = await srpInstance({}, { logger, cognitoSdk: sdk });
    const first = await login(api, { username: users.reader.username, password: users.reader.password });
    expect(first.status).toBe(200);
    expect(sent.filter((name) => name !== 'RespondToAuthChallengeCommand')).toEqual(['DescribeUserPoolClientCommand', 'USER_SRP_AUTH']);
    expect(lines.find((line) => line.msg.startsWith('sign-in flow learnt'))).toMatchObject({ flow: 'srp' });
    sent.length = 0;
    expect((await login(api, { username: users.reader.username, password: users.reader.password })).status).toBe(200);
    expect(sent.filter((name) => name !== 'RespondToAuthChallengeCommand')).toEqual(['USER_SRP_AUTH']);
  });

  it('says which flow the client refuses when COGNITO_SIGN_IN_FLOW names one it doesn\'t allow: 500, never a password sent on', async () => {
    const api = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'password' });
    const response = await login(api, { username: users.reader.username, password: users.reader.password });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: 'server_error', error_description: 'The service failed to handle this request.' });
  });

  it('goes on into NEW_PASSWORD_REQUIRED after SRP, as the password flow does', async () => {
    const api = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'srp' });
    const user = await createUser({ mustChangePassword: true });
    const started = await login(api, { username: user.username, password: user.password });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ challenge: 'NEW_PASSWORD_REQUIRED', session: expect.any(String), username: user.username });
    const done = await challenge(api, { challenge: 'NEW_PASSWORD_REQUIRED', username: started.body.username, session: started.body.session, new_password: 'New-pass-123!' });
    expect(done.status).toBe(200);
    expect((await me(api, done.body.access_token)).body.username).toBe(user.username);
  });

  it('goes on into SOFTWARE_TOKEN_MFA after SRP and after choice-based sign-in, as the password flow does', async () => {
    const srpApi = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'srp' });
    const choiceApi = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'choice' });
    const user = await createUser();
    const first = await login(srpApi, { ...user });
    const bearer = `Bearer ${first.body.access_token}`;
    const setup = await request(srpApi.app).post('/auth/mfa/setup').set('Authorization', bearer).send({});
    await request(srpApi.app).post('/auth/mfa/verify').set('Authorization', bearer).send({ code: totp(setup.body.secret_code) }).expect(204);
    for (const api of [srpApi, choiceApi]) {
      const started = await login(api, { ...user });
      expect(started.body).toEqual({ challenge: 'SOFTWARE_TOKEN_MFA', session: expect.any(String), username: user.username });
      const done = await challenge(api, { challenge: 'SOFTWARE_TOKEN_MFA', username: user.username, session: started.body.session, code: totp(setup.body.secret_code) });
      expect(done.status).toBe(200);
      expect((await me(api, done.body.access_token)).body.username).toBe(user.username);
    }
  });

  it('sends SECRET_HASH at every SRP step for a client with a secret, and is refused without the right one', async () => {
    const created = await localAdminClient(stack.endpoint).send(
      new CreateUserPoolClientCommand({ UserPoolId: stack.userPoolId, ClientName: 'srp-secret', GenerateSecret: true, ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    );
    const clientId = created.UserPoolClient?.ClientId ?? '';
    const secret = created.UserPoolClient?.ClientSecret ?? '';
    const right = await fleet.instance({ env: { COGNITO_CLIENT_ID: clientId, COGNITO_CLIENT_SECRET: secret } });
    const ok = await login(right, { username: users.reader.username, password: users.reader.password });
    expect(ok.status).toBe(200);
    expect((await me(right, ok.body.access_token)).body.client_id).toBe(clientId);
    const wrong = await fleet.instance({ env: { COGNITO_CLIENT_ID: clientId, COGNITO_CLIENT_SECRET: 'not-the-secret' } });
    const refused = await login(wrong, { username: users.reader.username, password: users.reader.password });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(REFUSED);
  });
});

describe('choice-based sign-in (USER_AUTH)', () => {
  it('signs in with a password (through SRP: the password never leaves the service)', async () => {
    const api = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'choice' });
    const ok = await login(api, { username: users.reader.username, password: users.reader.password });
    expect(ok.status).toBe(200);
    expect((await me(api, ok.body.access_token)).body.username).toBe('reader');
    const refused = await login(api, { username: users.reader.username, password: 'Wrong-pass-1' });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(REFUSED);
  });

  it('signs in without a password: the methods, the choice, the email code, the tokens', async () => {
    const api = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'choice' });
    const user = await createUser({ email: true });
    const started = await login(api, { username: user.username });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ challenge: 'SELECT_CHALLENGE', session: expect.any(String), username: user.username, available: ['EMAIL_OTP'] });
    const chosen = await challenge(api, { challenge: 'SELECT_CHALLENGE', username: user.username, session: started.body.session, answer: 'EMAIL_OTP' });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toEqual({
      challenge: 'EMAIL_OTP',
      session: expect.any(String),
      username: user.username,
      code_delivery: { medium: 'EMAIL', destination: `${user.username[0]}***@example.com` },
    });
    const wrong = await challenge(api, { challenge: 'EMAIL_OTP', username: user.username, session: chosen.body.session, code: '00000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_code');
    const done = await challenge(api, { challenge: 'EMAIL_OTP', username: user.username, session: chosen.body.session, code: lastCode(user.username) });
    expect(done.status).toBe(200);
    expect((await me(api, done.body.access_token)).body.username).toBe(user.username);
  });

  it('answers an unknown user as a known one until the code, which never comes (auto: the client allows USER_AUTH)', async () => {
    const api = await srpInstance();
    const started = await login(api, { username: 'nobody-here' });
    expect(started.body).toEqual({ challenge: 'SELECT_CHALLENGE', session: expect.any(String), username: 'nobody-here', available: ['EMAIL_OTP'] });
    const chosen = await challenge(api, { challenge: 'SELECT_CHALLENGE', username: 'nobody-here', session: started.body.session, answer: 'EMAIL_OTP' });
    expect(chosen.body).toMatchObject({ challenge: 'EMAIL_OTP', code_delivery: { medium: 'EMAIL', destination: 'n***@example.com' } });
  });

  it('refuses a passkey with a 400 that names it, never a 500', async () => {
    const api = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'choice' });
    const started = await login(api, { username: users.reader.username });
    const response = await challenge(api, { challenge: 'SELECT_CHALLENGE', username: 'reader', session: started.body.session, answer: 'WEB_AUTHN' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_request',
      error_description: 'Invalid request: answer: passkeys (WEB_AUTHN) are not supported by this service; choose EMAIL_OTP or SMS_OTP',
      details: [{ path: 'answer', message: 'passkeys (WEB_AUTHN) are not supported by this service; choose EMAIL_OTP or SMS_OTP' }],
    });
  });

  it('keeps the token endpoint\'s password grant password-only', async () => {
    const api = await srpInstance({ COGNITO_SIGN_IN_FLOW: 'choice' });
    const response = await request(api.app).post('/auth/token').type('form').send(`grant_type=password&username=${users.reader.username}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_request');
  });
});
