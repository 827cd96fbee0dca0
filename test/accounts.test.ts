// The account lifecycle against cognito-local: sign-up, confirmation, password reset and change, authenticator MFA.
import { randomUUID } from 'node:crypto';
import { totp, wrongTotp } from '../src/dev/totp';
import request from 'supertest';
import { expectLoggedOut, expectRefreshRefused } from './support/assertions';
import { codeFor } from './support/inbox';
import { login, TestFleet, type TestApp } from './support/stack';

const fleet = new TestFleet();
let api: TestApp;
beforeAll(async () => {
  api = await fleet.instance();
});
afterAll(() => fleet.close());

const bearer = (token: string) => `Bearer ${token}`;
const me = (token: string) => request(api.app).get('/auth/me').set('Authorization', bearer(token));
const WRONG_CODE = { error: 'invalid_code', error_description: 'The code is wrong or has expired.' };
const CODE_SENT = { message: 'If an account with this username can receive it, a code is on its way.' };

/** A new account made through POST /auth/signup. */
async function signUp(): Promise<{ username: string; password: string; email: string }> {
  const username = `new-${randomUUID().slice(0, 8)}`;
  const account = { username, password: `Pw-${randomUUID()}`, email: `${username}@example.com` };
  await request(api.app).post('/auth/signup').send(account).expect(201);
  return account;
}

/** A new, confirmed account, confirmed with the code from its email. */
async function confirmedAccount(): Promise<{ username: string; password: string }> {
  const account = await signUp();
  const code = codeFor(account.username);
  await request(api.app).post('/auth/confirm').send({ username: account.username, code }).expect(204);
  return account;
}

describe('POST /auth/signup and /auth/confirm', () => {
  it('creates an unconfirmed account, emails a code, and logs in once confirmed with it', async () => {
    const username = `new-${randomUUID().slice(0, 8)}`;
    const account = { username, password: `Pw-${randomUUID()}`, email: `${username}@example.com` };

    const signup = await request(api.app)
      .post('/auth/signup')
      .send({ ...account, attributes: { name: 'Ada Lovelace' } });
    expect(signup.status).toBe(201);
    expect(signup.headers['cache-control']).toBe('no-store');
    expect(signup.body).toEqual({
      user_sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      user_confirmed: false,
      code_delivery: { medium: 'EMAIL', destination: account.email, attribute: 'email' },
    });

    const early = await request(api.app).post('/auth/login').send(account);
    expect(early.status).toBe(403);
    expect(early.body).toEqual({ error: 'user_not_confirmed', error_description: 'The account is not confirmed yet.' });

    const code = codeFor(username);
    const wrong = await request(api.app).post('/auth/confirm').send({ username, code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(WRONG_CODE);

    const confirm = await request(api.app).post('/auth/confirm').send({ username, code });
    expect(confirm.status).toBe(204);
    expect(confirm.text).toBe('');

    const tokens = await login(api.app, account);
    const who = await me(tokens.access_token);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ sub: signup.body.user_sub, username });
  });

  it('answers a taken username with 409 user_exists', async () => {
    const account = await signUp();
    const again = await request(api.app).post('/auth/signup').send({ ...account, email: 'other@example.com' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: 'user_exists',
      error_description: 'An account with this username or email already exists.',
    });
  });

  it('answers a code for an unknown user exactly like a wrong code, so accounts cannot be probed', async () => {
    const response = await request(api.app).post('/auth/confirm').send({ username: `nobody-${randomUUID()}`, code: '123456' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(WRONG_CODE);
  });

  it('refuses a second confirmation with the used code', async () => {
    const account = await signUp();
    const code = codeFor(account.username);
    await request(api.app).post('/auth/confirm').send({ username: account.username, code }).expect(204);
    const again = await request(api.app).post('/auth/confirm').send({ username: account.username, code });
    expect(again.status).toBe(400);
    expect(again.body).toEqual(WRONG_CODE);
  });

  it.each([
    [{ password: 'Pw-1', email: 'a@example.com' }, [{ path: 'username', message: 'required' }]],
    [{ username: 'has space', password: 'Pw-1', email: 'a@example.com' }, [{ path: 'username', message: 'must not contain spaces' }]],
    [{ username: 'ok', password: 'Pw-1', email: 'not-an-email' }, [{ path: 'email', message: 'must be an email address' }]],
    [{ username: 'ok', password: 'Pw-1', email: 'a@example.com', attributes: { sub: 'x' } }, [{ path: 'attributes', message: 'sub is set by Cognito' }]],
  ])('refuses a malformed sign-up %j with 400 naming the field', async (body, details) => {
    const response = await request(api.app).post('/auth/signup').send(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_request', details });
  });

  it('refuses a confirmation code that cannot be one with 400 naming the field', async () => {
    const response = await request(api.app).post('/auth/confirm').send({ username: 'x', code: '12 34' });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ path: 'code', message: 'must be the code from the message' }]);
  });
});

describe('POST /auth/forgot-password and /auth/reset-password', () => {
  it('emails a reset code; the new password works and the old one no longer does', async () => {
    const account = await confirmedAccount();
    expect(() => codeFor(account.username)).toThrow(/no confirmation code/);
    const forgot = await request(api.app).post('/auth/forgot-password').send({ username: account.username });
    expect(forgot.status).toBe(202);
    expect(forgot.body).toEqual(CODE_SENT);

    const code = codeFor(account.username);
    const newPassword = `New-${randomUUID()}`;
    const wrong = await request(api.app)
      .post('/auth/reset-password')
      .send({ username: account.username, code: code === '000000' ? '111111' : '000000', new_password: newPassword });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(WRONG_CODE);

    const reset = await request(api.app).post('/auth/reset-password').send({ username: account.username, code, new_password: newPassword });
    expect(reset.status).toBe(204);

    const old = await request(api.app).post('/auth/login').send(account);
    expect(old.status).toBe(401);
    expect(old.body.error).toBe('invalid_credentials');
    await login(api.app, { username: account.username, password: newPassword });
  });

  it('ends every earlier session of the user on every instance: tokens refused, refresh tokens mint nothing', async () => {
    const account = await confirmedAccount();
    const before = await login(api.app, account);
    const other = await fleet.instance();
    expect((await me(before.access_token)).status).toBe(200);

    await request(api.app).post('/auth/forgot-password').send({ username: account.username }).expect(202);
    const newPassword = `New-${randomUUID()}`;
    const reset = await request(api.app)
      .post('/auth/reset-password')
      .send({ username: account.username, code: codeFor(account.username), new_password: newPassword });
    expect(reset.status).toBe(204);
    expect(reset.text).toBe('');

    for (const instance of [api, other]) {
      expectLoggedOut(await request(instance.app).get('/auth/me').set('Authorization', bearer(before.access_token)));
    }
    expectRefreshRefused(await request(other.app).post('/auth/refresh').send({ refresh_token: before.refresh_token }), 'logged-out session');
    const token = await request(other.app)
      .post('/auth/token')
      .type('form')
      .send({ grant_type: 'refresh_token', refresh_token: before.refresh_token });
    expect(token.status).toBe(400);
    expect(token.body.error).toBe('invalid_grant');
    // A login with the new password, right after the reset answers, works.
    const after = await login(api.app, { username: account.username, password: newPassword });
    expect((await me(after.access_token)).status).toBe(200);
  });

  it('answers 202 with the same body for an unknown user', async () => {
    const response = await request(api.app).post('/auth/forgot-password').send({ username: `nobody-${randomUUID()}` });
    expect(response.status).toBe(202);
    expect(response.body).toEqual(CODE_SENT);
  });

  it('answers a reset for an unknown user exactly like a wrong code', async () => {
    const response = await request(api.app)
      .post('/auth/reset-password')
      .send({ username: `nobody-${randomUUID()}`, code: '123456', new_password: 'New-pass-1' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(WRONG_CODE);
  });
});

describe('POST /auth/change-password', () => {
  it('changes the password and logs out every other session, on every instance; this one keeps working', async () => {
    const other = await fleet.instance();
    const user = await confirmedAccount();
    const current = await login(api.app, user);
    const elsewhere = await login(other.app, user);

    const newPassword = `New-${randomUUID()}`;
    const change = await request(api.app)
      .post('/auth/change-password')
      .set('Authorization', bearer(current.access_token))
      .send({ old_password: user.password, new_password: newPassword });
    expect(change.status).toBe(204);
    expect(change.text).toBe('');

    expect((await me(current.access_token)).status).toBe(200);
    expectLoggedOut(await request(other.app).get('/auth/me').set('Authorization', bearer(elsewhere.access_token)));
    const refresh = await request(other.app).post('/auth/refresh').send({ refresh_token: elsewhere.refresh_token });
    expectRefreshRefused(refresh, 'logged-out session');
    const currentRefresh = await request(api.app).post('/auth/refresh').send({ refresh_token: current.refresh_token });
    expect(currentRefresh.status).toBe(200);

    expect((await request(api.app).post('/auth/login').send(user)).status).toBe(401);
    const fresh = await login(api.app, { username: user.username, password: newPassword });
    expect((await me(fresh.access_token)).status).toBe(200);
  });

  it('answers a wrong current password with 400 on old_password and logs nothing out', async () => {
    const user = await confirmedAccount();
    const current = await login(api.app, user);
    const elsewhere = await login(api.app, user);
    const response = await request(api.app)
      .post('/auth/change-password')
      .set('Authorization', bearer(current.access_token))
      .send({ old_password: 'Not-the-password-1', new_password: 'New-pass-1' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_request',
      error_description: 'The current password is incorrect.',
      details: [{ path: 'old_password', message: 'is incorrect' }],
    });
    expect((await me(elsewhere.access_token)).status).toBe(200);
    await login(api.app, user);
  });

  it('needs an access token', async () => {
    const response = await request(api.app).post('/auth/change-password').send({ old_password: 'a', new_password: 'b' });
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('unauthorized');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="api"/);
  });
});

describe('authenticator-app (TOTP) MFA', () => {
  it('is tested with a phone stand-in that computes RFC 6238\'s reference code', () => {
    // RFC 6238 Appendix B: SHA-1 secret "12345678901234567890" at T = 59 s gives 94287082; 6 digits keep 287082.
    expect(totp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
  });

  it('sets up the app for a signed-in user; later logins answer SOFTWARE_TOKEN_MFA with its code', async () => {
    const user = await confirmedAccount();
    const tokens = await login(api.app, user);

    const setup = await request(api.app).post('/auth/mfa/setup').set('Authorization', bearer(tokens.access_token)).send({});
    expect(setup.status).toBe(200);
    expect(setup.headers['cache-control']).toBe('no-store');
    expect(setup.body).toEqual({
      secret_code: expect.stringMatching(/^[A-Z2-7]+$/),
      otpauth_uri: `otpauth://totp/${user.username}?secret=${setup.body.secret_code}`,
    });
    const secret: string = setup.body.secret_code;

    const wrong = await request(api.app)
      .post('/auth/mfa/verify')
      .set('Authorization', bearer(tokens.access_token))
      .send({ code: wrongTotp(secret) });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(WRONG_CODE);
    const verify = await request(api.app)
      .post('/auth/mfa/verify')
      .set('Authorization', bearer(tokens.access_token))
      .send({ code: totp(secret), device_name: 'phone' });
    expect(verify.status).toBe(204);

    const first = await request(api.app).post('/auth/login').send(user);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body).toEqual({ challenge: 'SOFTWARE_TOKEN_MFA', session: expect.any(String), username: user.username });

    const answer = { challenge: 'SOFTWARE_TOKEN_MFA', username: user.username, session: first.body.session };
    const bad = await request(api.app).post('/auth/challenge').send({ ...answer, code: '12345' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'code', message: 'must be the 6 to 8 digit code' }]);

    const done = await request(api.app).post('/auth/challenge').send({ ...answer, code: totp(secret) });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    expect((await me(done.body.access_token)).status).toBe(200);

    const tokenGrant = await request(api.app).post('/auth/token').type('form').send({ grant_type: 'password', ...user });
    expect(tokenGrant.status).toBe(400);
    expect(tokenGrant.body).toEqual({
      error: 'invalid_grant',
      error_description: 'This login must answer SOFTWARE_TOKEN_MFA first: use POST /auth/login, then POST /auth/challenge.',
    });
  });

  it('answers a wrong authenticator code at login with 400 invalid_code', async () => {
    const user = await confirmedAccount();
    const tokens = await login(api.app, user);
    const setup = await request(api.app).post('/auth/mfa/setup').set('Authorization', bearer(tokens.access_token)).send({});
    const secret: string = setup.body.secret_code;
    await request(api.app).post('/auth/mfa/verify').set('Authorization', bearer(tokens.access_token)).send({ code: totp(secret) }).expect(204);

    const first = await request(api.app).post('/auth/login').send(user);
    const wrongCode = wrongTotp(secret);
    const response = await request(api.app)
      .post('/auth/challenge')
      .send({ challenge: 'SOFTWARE_TOKEN_MFA', username: user.username, session: first.body.session, code: wrongCode });
    expect(response.status).toBe(400);
    expect(response.body).toEqual(WRONG_CODE);
  });

  it('without an access token, asks for the MFA_SETUP session', async () => {
    const response = await request(api.app).post('/auth/mfa/setup').send({ username: 'someone' });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ path: 'session', message: 'required unless an access token is sent' }]);
  });

  it('refuses a logged-out token for setup like every protected route', async () => {
    const tokens = await login(api.app, await confirmedAccount());
    await request(api.app).post('/auth/logout').set('Authorization', bearer(tokens.access_token)).expect(204);
    const response = await request(api.app).post('/auth/mfa/setup').set('Authorization', bearer(tokens.access_token)).send({});
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_token');
  });
});
