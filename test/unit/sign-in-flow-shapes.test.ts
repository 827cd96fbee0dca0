// The sign-in flows against Amazon Cognito's own answers where the local stack can't produce them: its error for a
// flow the app client doesn't allow, and SELECT_CHALLENGE's AvailableChallenges (shapes from the InitiateAuth API
// reference; the message as Amazon Cognito words it, "<FLOW> flow not enabled for this client").
import { CognitoClient } from '../../src/cognito/cognito-client';
import { SdkCognitoSignIn } from '../../src/cognito/sdk-sign-in';
import { SignInFlows } from '../../src/cognito/sign-in-flows';
import { InvalidRequestError, ServerError } from '../../src/errors';
import { fakeCognito } from '../support/fake-cognito';
import { awsConfig, cognitoAccessClaims, signed } from './support/pool';

const notEnabled = (flow: string) => ({ status: 400, body: { __type: 'InvalidParameterException', message: `${flow} flow not enabled for this client` } });
const tokens = () => ({ body: { AuthenticationResult: { AccessToken: signed(cognitoAccessClaims({})), IdToken: 'id', RefreshToken: 'refresh', ExpiresIn: 3600, TokenType: 'Bearer' }, ChallengeParameters: {} } });

function signInOn(answers: Parameters<typeof fakeCognito>[0], flow: 'auto' | 'password' | 'choice' = 'auto') {
  const fake = fakeCognito(answers, { offline: true });
  const cognito = new CognitoClient(awsConfig({ COGNITO_SIGN_IN_FLOW: flow }).cognito, { sdk: fake.client });
  return { signIn: new SdkCognitoSignIn(cognito, new SignInFlows(cognito, flow)), calls: fake.calls };
}

describe('a flow the app client does not allow', () => {
  it('is a 500 that names the flow and the setting, when COGNITO_SIGN_IN_FLOW names it', async () => {
    const { signIn, calls } = signInOn({ InitiateAuth: notEnabled('USER_PASSWORD_AUTH') }, 'password');
    const err = await signIn.login('ada', 'Pw-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as Error).message).toBe('The app client does not allow USER_PASSWORD_AUTH; allow it, or set COGNITO_SIGN_IN_FLOW to a flow it allows (auto finds one).');
    expect(calls).toHaveLength(1);
  });

  it('is skipped by auto where DescribeUserPoolClient is denied: SRP, then USER_AUTH, then the password, once', async () => {
    const { signIn, calls } = signInOn({
      DescribeUserPoolClient: { status: 400, body: { __type: 'AccessDeniedException', message: 'not authorized to perform: cognito-idp:DescribeUserPoolClient' } },
      InitiateAuth: (input) => (input.AuthFlow === 'USER_PASSWORD_AUTH' ? tokens() : notEnabled(String(input.AuthFlow))),
    });
    await expect(signIn.login('ada', 'Pw-1')).resolves.toHaveProperty('tokens');
    const sent = calls.map(({ operation, input }) => [operation, input.AuthFlow, (input.AuthParameters as Record<string, string> | undefined)?.PASSWORD]);
    expect(sent).toEqual([
      ['DescribeUserPoolClient', undefined, undefined],
      ['InitiateAuth', 'USER_SRP_AUTH', undefined],
      ['InitiateAuth', 'USER_AUTH', undefined],
      ['InitiateAuth', 'USER_PASSWORD_AUTH', 'Pw-1'],
    ]);
    calls.length = 0;
    await signIn.login('ada', 'Pw-1');
    expect(calls.map(({ input }) => input.AuthFlow)).toEqual(['USER_PASSWORD_AUTH']);
  });

  it('is found by auto in the client\'s flows: the password flow where allowed (one round trip), else SRP', async () => {
    const { signIn, calls } = signInOn({
      DescribeUserPoolClient: { body: { UserPoolClient: { ClientId: 'c', ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH'] } } },
      InitiateAuth: tokens(),
    });
    await signIn.login('ada', 'Pw-1');
    expect(calls.map(({ operation, input }) => input.AuthFlow ?? operation)).toEqual(['DescribeUserPoolClient', 'USER_PASSWORD_AUTH']);
  });
});

describe('choice-based sign-in without a password', () => {
  it('offers the codes of SELECT_CHALLENGE\'s AvailableChallenges (a passkey listed, never a password)', async () => {
    const { signIn, calls } = signInOn(
      {
        InitiateAuth: {
          body: { ChallengeName: 'SELECT_CHALLENGE', Session: 'session-1', AvailableChallenges: ['PASSWORD', 'PASSWORD_SRP', 'EMAIL_OTP', 'SMS_OTP', 'WEB_AUTHN'], ChallengeParameters: {} },
        },
      },
      'choice',
    );
    await expect(signIn.login('ada', undefined)).resolves.toEqual({
      challenge: { challenge: 'SELECT_CHALLENGE', session: 'session-1', username: 'ada', available: ['EMAIL_OTP', 'SMS_OTP', 'WEB_AUTHN'] },
    });
    expect(calls[0]?.input).toMatchObject({ AuthFlow: 'USER_AUTH', AuthParameters: { USERNAME: 'ada', SECRET_HASH: expect.any(String) } });
  });

  it('answers a passkey challenge Cognito starts on its own with a 400 that names it', async () => {
    const { signIn } = signInOn({ InitiateAuth: { body: { ChallengeName: 'WEB_AUTHN', Session: 's', ChallengeParameters: { CREDENTIAL_REQUEST_OPTIONS: '{}' } } } }, 'choice');
    const err = await signIn.login('ada', undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toBe('This sign-in needs a passkey (WEB_AUTHN), which this service does not support; choose a one-time code or a password.');
  });
});
