// Cognito's errors, as the SDK parses them off the wire, through the real wrappers to the contract's HTTP answer.
import { CognitoClient } from '../../src/cognito/cognito-client';
import { SdkCognitoAccounts } from '../../src/cognito/sdk-accounts';
import { SdkCognitoSignIn } from '../../src/cognito/sdk-sign-in';
import type { CognitoConfig } from '../../src/config/config';
import { NoCodeSentError, ServiceError } from '../../src/errors';
import { httpAnswerOf } from '../../src/http/error-responses';
import { fakeCognito } from '../support/fake-cognito';
import { awsConfig } from './support/pool';

type Wrappers = { signIn: SdkCognitoSignIn; accounts: SdkCognitoAccounts };
type Call = (w: Wrappers) => Promise<unknown>;

const CALLS: Record<string, [operation: string, call: Call]> = {
  login: ['InitiateAuth', (w) => w.signIn.login('ada', 'pw')],
  refresh: ['InitiateAuth', (w) => w.signIn.refresh('refresh-token', 'ada')],
  'refresh-unrecorded': ['GetTokensFromRefreshToken', (w) => w.signIn.refresh('refresh-token', undefined)],
  challenge: ['RespondToAuthChallenge', (w) => w.signIn.respondToChallenge({ challenge: 'NEW_PASSWORD_REQUIRED', username: 'ada', session: 's', newPassword: 'x' })],
  revoke: ['RevokeToken', (w) => w.signIn.revokeRefreshToken('refresh-token')],
  signout: ['GlobalSignOut', (w) => w.signIn.globalSignOut('access-token')],
  signup: ['SignUp', (w) => w.accounts.signUp({ username: 'ada', password: 'pw', email: 'ada@example.com' })],
  confirm: ['ConfirmSignUp', (w) => w.accounts.confirmSignUp('ada', '123456')],
  resend: ['ResendConfirmationCode', (w) => w.accounts.resendConfirmationCode('ada')],
  forgot: ['ForgotPassword', (w) => w.accounts.forgotPassword('ada')],
  reset: ['ConfirmForgotPassword', (w) => w.accounts.confirmForgotPassword('ada', '123456', 'New-pass-1')],
  'change-password': ['ChangePassword', (w) => w.accounts.changePassword('access-token', 'old', 'New-pass-1')],
  mfa: ['VerifySoftwareToken', (w) => w.accounts.verifySoftwareToken({ accessToken: 'access-token' }, '123456')],
  'mfa-setup-session': ['AssociateSoftwareToken', (w) => w.accounts.associateSoftwareToken({ session: 'setup-session' })],
};

/** The domain error one call throws when Cognito answers `exception` with `status`. */
async function errorOf(
  config: CognitoConfig,
  name: string,
  exception: string,
  status: number,
  message = `${exception} from Cognito`,
): Promise<ServiceError> {
  const [operation, call] = CALLS[name]!;
  const fake = fakeCognito({ [operation]: { status, body: { __type: exception, message } } }, { offline: true });
  const cognito = new CognitoClient(config, { sdk: fake.client });
  const err: unknown = await call({ signIn: new SdkCognitoSignIn(cognito), accounts: new SdkCognitoAccounts(cognito) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(fake.calls.map((c) => c.operation)).toEqual([operation]);
  expect(err).toBeInstanceOf(ServiceError);
  return err as ServiceError;
}

describe('Amazon Cognito errors, per call', () => {
  const amazon = awsConfig().cognito;

  it.each([
    ['login', 'NotAuthorizedException', 400, 401, 'invalid_credentials'],
    ['login', 'UserNotFoundException', 400, 401, 'invalid_credentials'],
    ['login', 'UserNotConfirmedException', 400, 403, 'user_not_confirmed'],
    ['login', 'PasswordResetRequiredException', 400, 403, 'password_reset_required'],
    ['login', 'TooManyRequestsException', 400, 429, 'too_many_requests'],
    ['login', 'InternalErrorException', 500, 503, 'temporarily_unavailable'],
    ['login', 'InvalidParameterException', 400, 500, 'server_error'],
    ['login', 'ResourceNotFoundException', 400, 500, 'server_error'],
    ['refresh', 'NotAuthorizedException', 400, 400, 'invalid_grant'],
    ['refresh-unrecorded', 'NotAuthorizedException', 400, 400, 'invalid_grant'],
    ['refresh-unrecorded', 'RefreshTokenReuseException', 400, 400, 'invalid_grant'],
    ['refresh-unrecorded', 'TooManyRequestsException', 400, 429, 'too_many_requests'],
    ['refresh-unrecorded', 'InternalErrorException', 500, 503, 'temporarily_unavailable'],
    ['challenge', 'InvalidPasswordException', 400, 400, 'invalid_request'],
    ['challenge', 'CodeMismatchException', 400, 400, 'invalid_code'],
    ['challenge', 'NotAuthorizedException', 400, 400, 'invalid_grant'],
    ['revoke', 'UnsupportedTokenTypeException', 400, 501, 'not_implemented'],
    ['revoke', 'NotAuthorizedException', 400, 400, 'invalid_grant'],
    ['signout', 'NotAuthorizedException', 400, 400, 'invalid_grant'],
    ['signup', 'UsernameExistsException', 400, 409, 'user_exists'],
    ['signup', 'InvalidPasswordException', 400, 400, 'invalid_request'],
    ['signup', 'InvalidParameterException', 400, 400, 'invalid_request'],
    ['signup', 'UserLambdaValidationException', 400, 400, 'invalid_request'],
    ['signup', 'CodeDeliveryFailureException', 400, 503, 'temporarily_unavailable'],
    ['confirm', 'UserNotFoundException', 400, 400, 'invalid_code'],
    ['confirm', 'NotAuthorizedException', 400, 400, 'invalid_code'],
    ['reset', 'ExpiredCodeException', 400, 400, 'invalid_code'],
    ['reset', 'UserNotFoundException', 400, 400, 'invalid_code'],
    ['reset', 'InvalidPasswordException', 400, 400, 'invalid_request'],
    ['forgot', 'LimitExceededException', 400, 429, 'too_many_requests'],
    ['change-password', 'NotAuthorizedException', 400, 400, 'invalid_request'],
    ['change-password', 'InvalidPasswordException', 400, 400, 'invalid_request'],
    ['mfa', 'EnableSoftwareTokenMFAException', 400, 400, 'invalid_code'],
    ['mfa', 'NotAuthorizedException', 400, 400, 'invalid_grant'],
    ['mfa-setup-session', 'InvalidParameterException', 400, 400, 'invalid_grant'],
    ['mfa-setup-session', 'NotAuthorizedException', 400, 400, 'invalid_grant'],
  ] as const)('%s: %s (HTTP %s) is answered %s %s', async (call, exception, status, httpStatus, code) => {
    const err = await errorOf(amazon, call, exception, status);
    expect(httpAnswerOf(err)).toMatchObject({ status: httpStatus, code });
  });

  it('names the field of a refused new password by the route that sent it', async () => {
    expect((await errorOf(amazon, 'signup', 'InvalidPasswordException', 400)) as object).toMatchObject({
      details: [{ path: 'password', message: 'InvalidPasswordException from Cognito' }],
    });
    expect((await errorOf(amazon, 'reset', 'InvalidPasswordException', 400)) as object).toMatchObject({
      details: [{ path: 'new_password' }],
    });
    expect((await errorOf(amazon, 'change-password', 'NotAuthorizedException', 400)) as object).toMatchObject({
      message: 'The current password is incorrect.',
      details: [{ path: 'old_password', message: 'is incorrect' }],
    });
  });

  it.each(['UserNotFoundException', 'NotAuthorizedException', 'InvalidParameterException', 'UserNotConfirmedException'])(
    'turns %s at resend and forgot into "no code sent", which the use case keeps to itself',
    async (exception) => {
      expect(await errorOf(amazon, 'resend', exception, 400)).toBeInstanceOf(NoCodeSentError);
      expect(await errorOf(amazon, 'forgot', exception, 400)).toBeInstanceOf(NoCodeSentError);
    },
  );

  it('gives Retry-After with throttling and outages, and the OAuth dialect only changes bad credentials', async () => {
    expect(httpAnswerOf(await errorOf(amazon, 'login', 'TooManyRequestsException', 400)).headers).toEqual({ 'Retry-After': '5' });
    const badPassword = await errorOf(amazon, 'login', 'NotAuthorizedException', 400);
    expect(httpAnswerOf(badPassword, true)).toEqual({ status: 400, code: 'invalid_grant', headers: {} });
    const throttled = await errorOf(amazon, 'login', 'TooManyRequestsException', 400);
    expect(httpAnswerOf(throttled, true)).toMatchObject({ status: 429, code: 'too_many_requests' });
  });
});

describe("cognito-local's quirks, rewritten only for a local endpoint", () => {
  const local = awsConfig({ COGNITO_ENDPOINT: 'http://127.0.0.1:9' }).cognito;
  const amazon = awsConfig().cognito;

  it('reads a wrong password at login (InvalidPasswordException there) as wrong credentials', async () => {
    expect(httpAnswerOf(await errorOf(local, 'login', 'InvalidPasswordException', 400))).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(httpAnswerOf(await errorOf(amazon, 'login', 'InvalidPasswordException', 400))).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('reads its "Invalid password" at change-password as a wrong current password', async () => {
    const err = await errorOf(local, 'change-password', 'InvalidPasswordException', 400, 'Invalid password');
    expect(err.message).toBe('The current password is incorrect.');
    // A policy refusal of the new password (any other message) stays one.
    const policy = await errorOf(local, 'change-password', 'InvalidPasswordException', 400, 'Password must have symbols');
    expect(policy).toMatchObject({ message: 'Password must have symbols', details: [{ path: 'new_password' }] });
  });

  it('reads its 500 "unsupported feature" as a call the endpoint does not implement, not an outage', async () => {
    const unsupported = 'Cognito Local unsupported feature: GlobalSignOut';
    expect(httpAnswerOf(await errorOf(local, 'signout', 'CognitoLocal#Unsupported', 500, unsupported))).toMatchObject({
      status: 501,
      code: 'not_implemented',
    });
    expect(httpAnswerOf(await errorOf(amazon, 'signout', 'CognitoLocal#Unsupported', 500, unsupported))).toMatchObject({
      status: 503,
      code: 'temporarily_unavailable',
    });
  });
});
