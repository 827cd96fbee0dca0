// Account cases only Amazon Cognito produces (cognito-local can't): each answered by a labelled fake on the wire.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { computeSecretHash } from '../src/cognito/cognito-client';
import { fakeCognito, type CannedAnswer } from './support/fake-cognito';
import { stack, TestFleet } from './support/stack';
import { mintAccessToken } from './support/tokens';

const fleet = new TestFleet();
afterAll(() => fleet.close());

const CODE_SENT = { message: 'If an account with this username can receive it, a code is on its way.' };
const cognitoError = (type: string, message: string, status = 400): CannedAnswer => ({ status, body: { __type: type, message } });

/** An instance whose Cognito calls named in `answers` get the fake's answers; the rest reach cognito-local. */
async function instanceWith(answers: Parameters<typeof fakeCognito>[0]) {
  const fake = fakeCognito(answers);
  // The password flow as set: auto would ask DescribeUserPoolClient first, which this recording does not expect.
  const api = await fleet.instance({ cognitoSdk: fake.client, env: { COGNITO_SIGN_IN_FLOW: 'password' } });
  return { ...api, calls: fake.calls };
}

/** Tokens as Cognito would issue them at the end of a login, signed with the pool's key. */
function issuedTokens(username: string) {
  return {
    AuthenticationResult: {
      AccessToken: mintAccessToken(stack.issuer, stack.clientId, { username }),
      IdToken: 'id-token',
      RefreshToken: `refresh-${randomUUID()}`,
      ExpiresIn: 3600,
      TokenType: 'Bearer',
    },
    ChallengeParameters: {},
  };
}

describe('POST /auth/resend-code', () => {
  it('asks Cognito to resend, with SECRET_HASH, and answers 202 (fake: cognito-local has no ResendConfirmationCode)', async () => {
    const api = await instanceWith({
      ResendConfirmationCode: { body: { CodeDeliveryDetails: { Destination: 'a***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' } } },
    });
    const response = await request(api.app).post('/auth/resend-code').send({ username: 'pending-user' });
    expect(response.status).toBe(202);
    expect(response.body).toEqual(CODE_SENT);
    expect(api.calls.find((c) => c.operation === 'ResendConfirmationCode')?.input).toEqual({
      ClientId: stack.clientId,
      Username: 'pending-user',
      SecretHash: computeSecretHash(stack.clientSecret, 'pending-user', stack.clientId),
    });
  });

  it.each([
    ['an unknown user', 'UserNotFoundException', 'Username/client id combination not found.'],
    ['a confirmed user', 'InvalidParameterException', 'User is already confirmed.'],
  ])('answers %s with the same 202 (fake: Cognito\'s answer)', async (_case, type, message) => {
    const api = await instanceWith({ ResendConfirmationCode: cognitoError(type, message) });
    const response = await request(api.app).post('/auth/resend-code').send({ username: 'someone' });
    expect(response.status).toBe(202);
    expect(response.body).toEqual(CODE_SENT);
  });

  it('against cognito-local itself answers 501 not_implemented, not a 500', async () => {
    const api = await fleet.instance();
    const response = await request(api.app).post('/auth/resend-code').send({ username: 'someone' });
    expect(response.status).toBe(501);
    expect(response.body).toEqual({
      error: 'not_implemented',
      error_description: 'The Cognito endpoint (cognito-local) does not implement this call.',
    });
  });
});

describe('Cognito refusals cognito-local never gives', () => {
  it('passes a password-policy violation on as 400 with Cognito\'s message (fake: cognito-local checks no policy)', async () => {
    const message = 'Password did not conform with policy: Password must have uppercase characters';
    const api = await instanceWith({ SignUp: cognitoError('InvalidPasswordException', message) });
    const response = await request(api.app)
      .post('/auth/signup')
      .send({ username: 'weak', password: 'weak-pass-1', email: 'weak@example.com' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_request', error_description: message, details: [{ path: 'password', message }] });
  });

  it('answers Cognito throttling a reset with 429 and Retry-After (fake: cognito-local never throttles)', async () => {
    const api = await instanceWith({ ForgotPassword: cognitoError('LimitExceededException', 'Attempt limit exceeded, please try after some time.') });
    const response = await request(api.app).post('/auth/forgot-password').send({ username: 'busy' });
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body).toEqual({ error: 'too_many_requests', error_description: 'Cognito is throttling these requests; try again shortly.' });
  });

  it('sends SECRET_HASH with sign-up, confirmation, forgot and reset', async () => {
    const api = await instanceWith({
      SignUp: { body: { UserSub: randomUUID(), UserConfirmed: false } },
      ConfirmSignUp: { body: {} },
      ForgotPassword: { body: { CodeDeliveryDetails: { Destination: 'x***@e***', DeliveryMedium: 'EMAIL' } } },
      ConfirmForgotPassword: { body: {} },
    });
    await request(api.app).post('/auth/signup').send({ username: 'hash-user', password: 'Pw-1', email: 'h@example.com' }).expect(201);
    await request(api.app).post('/auth/confirm').send({ username: 'hash-user', code: '123456' }).expect(204);
    await request(api.app).post('/auth/forgot-password').send({ username: 'hash-user' }).expect(202);
    await request(api.app).post('/auth/reset-password').send({ username: 'hash-user', code: '123456', new_password: 'Pw-2' }).expect(204);
    const hash = computeSecretHash(stack.clientSecret, 'hash-user', stack.clientId);
    expect(api.calls.map((c) => [c.operation, c.input.SecretHash])).toEqual([
      ['SignUp', hash],
      ['ConfirmSignUp', hash],
      ['ForgotPassword', hash],
      ['ConfirmForgotPassword', hash],
      // Then the reset's user is looked up to end its sessions: an IAM-authorized call, with no SECRET_HASH.
      ['AdminGetUser', undefined],
    ]);
  });
});

describe('SMS_MFA (fake: cognito-local texts only users with legacy MFAOptions, which its API cannot set)', () => {
  it('turns the login into an SMS_MFA challenge showing where the code went, and answers it with tokens', async () => {
    const username = `sms-${randomUUID().slice(0, 8)}`;
    const api = await instanceWith({
      InitiateAuth: {
        body: {
          ChallengeName: 'SMS_MFA',
          Session: 'sms-session',
          ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'SMS', CODE_DELIVERY_DESTINATION: '+*******1234', USER_ID_FOR_SRP: username },
        },
      },
      RespondToAuthChallenge: { body: issuedTokens(username) },
    });
    const first = await request(api.app).post('/auth/login').send({ username, password: 'Pw-1' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      challenge: 'SMS_MFA',
      session: 'sms-session',
      username,
      code_delivery: { medium: 'SMS', destination: '+*******1234' },
    });

    const done = await request(api.app).post('/auth/challenge').send({ challenge: 'SMS_MFA', username, session: 'sms-session', code: '123456' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, refresh_token: expect.any(String) });
    expect(api.calls.find((c) => c.operation === 'RespondToAuthChallenge')?.input).toEqual({
      ChallengeName: 'SMS_MFA',
      ClientId: stack.clientId,
      Session: 'sms-session',
      ChallengeResponses: {
        USERNAME: username,
        SMS_MFA_CODE: '123456',
        SECRET_HASH: computeSecretHash(stack.clientSecret, username, stack.clientId),
      },
    });
  });
});

describe('SELECT_MFA_TYPE and EMAIL_OTP (fake: cognito-local offers a choice only with SMS, and has no email codes)', () => {
  it('offers the choice, passes the answer on, and answers the chosen method\'s challenge with its code', async () => {
    const username = `choose-${randomUUID().slice(0, 8)}`;
    const api = await instanceWith({
      InitiateAuth: {
        body: { ChallengeName: 'SELECT_MFA_TYPE', Session: 'c1', ChallengeParameters: { MFAS_CAN_CHOOSE: '["SMS_MFA","EMAIL_OTP"]', USER_ID_FOR_SRP: username } },
      },
      RespondToAuthChallenge: (input) =>
        input.ChallengeName === 'SELECT_MFA_TYPE'
          ? {
              body: {
                ChallengeName: 'EMAIL_OTP',
                Session: 'c2',
                ChallengeParameters: { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 'c***@e***', USER_ID_FOR_SRP: username },
              },
            }
          : { body: issuedTokens(username) },
    });

    const first = await request(api.app).post('/auth/login').send({ username, password: 'Pw-1' });
    expect(first.body).toEqual({ challenge: 'SELECT_MFA_TYPE', session: 'c1', username, mfa_options: ['SMS_MFA', 'EMAIL_OTP'] });
    const chosen = await request(api.app).post('/auth/challenge').send({ challenge: 'SELECT_MFA_TYPE', username, session: 'c1', answer: 'EMAIL_OTP' });
    expect(chosen.status).toBe(200);
    expect(chosen.body).toEqual({ challenge: 'EMAIL_OTP', session: 'c2', username, code_delivery: { medium: 'EMAIL', destination: 'c***@e***' } });
    const done = await request(api.app).post('/auth/challenge').send({ challenge: 'EMAIL_OTP', username, session: 'c2', code: '12345678' });
    expect(done.status).toBe(200);
    expect(done.body.token_type).toBe('Bearer');

    const answers = api.calls.filter((c) => c.operation === 'RespondToAuthChallenge').map((c) => c.input.ChallengeResponses);
    const hash = computeSecretHash(stack.clientSecret, username, stack.clientId);
    expect(answers).toEqual([
      { USERNAME: username, ANSWER: 'EMAIL_OTP', SECRET_HASH: hash },
      { USERNAME: username, EMAIL_OTP_CODE: '12345678', SECRET_HASH: hash },
    ]);
  });

  it('refuses an answer that is no MFA method with 400 naming the field', async () => {
    const api = await fleet.instance();
    const response = await request(api.app).post('/auth/challenge').send({ challenge: 'SELECT_MFA_TYPE', username: 'u', session: 's', answer: 'PIGEON' });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual([{ path: 'answer', message: 'must be SOFTWARE_TOKEN_MFA, SMS_MFA or EMAIL_OTP' }]);
  });
});

describe('MFA_SETUP (fake: cognito-local never asks a login to set up MFA, nor takes a session for it)', () => {
  it('sets up the authenticator app with the challenge session and finishes the login with tokens', async () => {
    const username = `setup-${randomUUID().slice(0, 8)}`;
    const api = await instanceWith({
      InitiateAuth: {
        body: { ChallengeName: 'MFA_SETUP', Session: 's1', ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]', USER_ID_FOR_SRP: username } },
      },
      AssociateSoftwareToken: { body: { SecretCode: 'JBSWY3DPEHPK3PXP', Session: 's2' } },
      VerifySoftwareToken: { body: { Status: 'SUCCESS', Session: 's3' } },
      RespondToAuthChallenge: (input) =>
        input.Session === 's3' ? { body: issuedTokens(username) } : cognitoError('NotAuthorizedException', 'Invalid session for the user.'),
    });

    const first = await request(api.app).post('/auth/login').send({ username, password: 'Pw-1' });
    expect(first.body).toEqual({ challenge: 'MFA_SETUP', session: 's1', username, mfa_options: ['SOFTWARE_TOKEN_MFA'] });

    const setup = await request(api.app).post('/auth/mfa/setup').send({ username, session: 's1' });
    expect(setup.status).toBe(200);
    expect(setup.body).toEqual({
      secret_code: 'JBSWY3DPEHPK3PXP',
      otpauth_uri: `otpauth://totp/${username}?secret=JBSWY3DPEHPK3PXP`,
      session: 's2',
    });

    const verify = await request(api.app).post('/auth/mfa/verify').send({ username, session: 's2', code: '123456', device_name: 'phone' });
    expect(verify.status).toBe(200);
    expect(verify.headers['cache-control']).toBe('no-store');
    expect(verify.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    expect(api.calls.filter((c) => c.operation !== 'InitiateAuth').map((c) => [c.operation, c.input])).toEqual([
      ['AssociateSoftwareToken', { Session: 's1' }],
      ['VerifySoftwareToken', { Session: 's2', UserCode: '123456', FriendlyDeviceName: 'phone' }],
      [
        'RespondToAuthChallenge',
        {
          ChallengeName: 'MFA_SETUP',
          ClientId: stack.clientId,
          Session: 's3',
          ChallengeResponses: { USERNAME: username, SECRET_HASH: computeSecretHash(stack.clientSecret, username, stack.clientId) },
        },
      ],
    ]);
  });

  it('answers an expired setup session with 400 invalid_grant', async () => {
    const api = await instanceWith({ AssociateSoftwareToken: cognitoError('NotAuthorizedException', 'Invalid session for the user, session is expired.') });
    const response = await request(api.app).post('/auth/mfa/setup').send({ username: 'u', session: 'old' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_grant', error_description: 'The MFA setup session is invalid or expired.' });
  });
});
