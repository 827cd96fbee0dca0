// Cognito's sign-in calls on the AWS SDK: password login, challenges, refresh, revocation and global sign-out.
import {
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  type AuthenticationResultType,
  type ChallengeNameType,
} from '@aws-sdk/client-cognito-identity-provider';
import { InvalidCredentialsError, InvalidGrantError, InvalidRequestError, RetryLaterError, ServerError } from '../errors';
import {
  CHALLENGE_NAMES,
  type Challenge,
  type ChallengeAnswer,
  type ChallengeName,
  type CognitoSignIn,
  type LoginResult,
  type TokenSet,
} from '../signin/model';
import type { CognitoClient } from './cognito-client';
import { passwordPolicy, REFUSED, sameError, type CallErrors } from './cognito-errors';
import { expiresInOf, localRefreshTokenAuthTime } from './cognito-local-quirks';
import { AUTH_FLOW, FlowNotEnabledError, SignInFlows, SrpSignIn, type SignInFlow } from './sign-in-flows';

const grantRefused = (message: string) => (cause: unknown) => new InvalidGrantError(message, { cause });

/** A login's errors: a refused credential is one answer for every cause; a flow the client refuses is named. */
const loginErrors = (flow: SignInFlow): CallErrors => ({
  ...sameError(REFUSED, (cause) => new InvalidCredentialsError({ cause })),
  InvalidParameterException: (cause, message) =>
    /not enabled/i.test(message ?? '')
      ? new FlowNotEnabledError(`The app client does not allow ${AUTH_FLOW[flow]}; allow it, or set COGNITO_SIGN_IN_FLOW to a flow it allows (auto finds one).`, { cause })
      : new ServerError('Cognito refused the request (InvalidParameterException); check the app client settings.', { cause }),
});
const REFRESH_ERRORS: CallErrors = sameError(
  [...REFUSED, 'RefreshTokenReuseException'],
  grantRefused('The refresh token is invalid, expired or revoked.'),
);
const CHALLENGE_ERRORS: CallErrors = {
  ...sameError(REFUSED, grantRefused('The challenge session is invalid or expired.')),
  InvalidPasswordException: passwordPolicy('new_password'),
};
const SIGN_OUT_ERRORS: CallErrors = sameError(REFUSED, grantRefused('Cognito no longer accepts this access token; sign in again.'));

/** The ChallengeResponses entry that carries each answer. */
function challengeResponses(answer: ChallengeAnswer): Record<string, string> {
  switch (answer.challenge) {
    case 'NEW_PASSWORD_REQUIRED':
      return { NEW_PASSWORD: answer.newPassword };
    case 'SOFTWARE_TOKEN_MFA':
      return { SOFTWARE_TOKEN_MFA_CODE: answer.code };
    case 'SMS_MFA':
      return { SMS_MFA_CODE: answer.code };
    case 'EMAIL_OTP':
      return { EMAIL_OTP_CODE: answer.code };
    case 'SMS_OTP':
      return { SMS_OTP_CODE: answer.code };
    case 'SELECT_CHALLENGE':
      return { ANSWER: answer.answer };
    case 'SELECT_MFA_TYPE':
      return { ANSWER: answer.answer };
    case 'MFA_SETUP':
      return {};
  }
}

/** CognitoSignIn on the AWS SDK. */
export class SdkCognitoSignIn implements CognitoSignIn {
  constructor(
    private readonly cognito: CognitoClient,
    /** The flow a password signs in with; default: COGNITO_SIGN_IN_FLOW's, without a log. */
    readonly flows: SignInFlows = new SignInFlows(cognito, cognito.config.signInFlow),
  ) {}

  /**
   * A password sign-in, in the flow the app client allows (tried in turn while `auto` has not found it: a flow the
   * client refuses as disabled is skipped, any other answer settles it); without a password, a passwordless one.
   */
  async login(username: string, password: string | undefined): Promise<LoginResult> {
    if (password === undefined) return this.passwordless(username);
    let refused: unknown;
    for (const flow of await this.flows.candidates()) {
      try {
        const result = await this.loginWith(flow, username, password);
        this.flows.learn(flow);
        return result;
      } catch (err) {
        // Cognito answered the credential (wrong password, unconfirmed user, …): the flow is allowed.
        if (!(err instanceof FlowNotEnabledError || err instanceof RetryLaterError || err instanceof ServerError)) this.flows.learn(flow);
        if (!(err instanceof FlowNotEnabledError)) throw err;
        refused = err;
      }
    }
    throw refused;
  }

  private async loginWith(flow: SignInFlow, username: string, password: string): Promise<LoginResult> {
    const errors = loginErrors(flow);
    if (flow === 'password') {
      const output = await this.cognito.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.cognito.clientId,
          AuthParameters: { USERNAME: username, PASSWORD: password, ...this.secretHashParam(username) },
        }),
        errors,
      );
      return toLoginResult(output, username);
    }
    const srp = new SrpSignIn(this.cognito.config.userPoolId);
    const srpA = await srp.srpA();
    const choice: Record<string, string> = flow === 'choice' ? { PREFERRED_CHALLENGE: 'PASSWORD_SRP' } : {};
    let output: AuthOutput = await this.cognito.send(
      new InitiateAuthCommand({
        AuthFlow: AUTH_FLOW[flow],
        ClientId: this.cognito.clientId,
        AuthParameters: { USERNAME: username, SRP_A: srpA, ...choice, ...this.secretHashParam(username) },
      }),
      errors,
    );
    if (output.ChallengeName === 'SELECT_CHALLENGE') {
      // USER_AUTH did not take the preference: SRP is chosen from what the user may use, or the user has no password.
      if (!(output.AvailableChallenges ?? []).includes('PASSWORD_SRP')) throw new InvalidCredentialsError();
      output = await this.cognito.send(
        new RespondToAuthChallengeCommand({
          ChallengeName: 'SELECT_CHALLENGE',
          ClientId: this.cognito.clientId,
          Session: output.Session,
          ChallengeResponses: { USERNAME: username, ANSWER: 'PASSWORD_SRP', SRP_A: srpA, ...this.secretHashParam(username) },
        }),
        errors,
      );
    }
    if (output.ChallengeName !== 'PASSWORD_VERIFIER') return toLoginResult(output, username);
    const answer = await srp.answer(output.ChallengeParameters ?? {}, password);
    const verified = await this.cognito.send(
      new RespondToAuthChallengeCommand({
        ChallengeName: 'PASSWORD_VERIFIER',
        ClientId: this.cognito.clientId,
        Session: output.Session,
        ChallengeResponses: { ...answer, ...this.secretHashParam(answer.USERNAME) },
      }),
      errors,
    );
    return toLoginResult(verified, answer.USERNAME);
  }

  /** USER_AUTH with the username alone: the methods the user may sign in with, or the one challenge it starts. */
  private async passwordless(username: string): Promise<LoginResult> {
    const passwordRequired = () =>
      new InvalidRequestError('password is required: this app client has no choice-based sign-in (USER_AUTH) for one-time codes.', {
        details: [{ path: 'password', message: 'required' }],
      });
    if (!(await this.flows.passwordless())) throw passwordRequired();
    try {
      const output = await this.cognito.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_AUTH',
          ClientId: this.cognito.clientId,
          AuthParameters: { USERNAME: username, ...this.secretHashParam(username) },
        }),
        loginErrors('choice'),
      );
      return toLoginResult(output, username);
    } catch (err) {
      throw err instanceof FlowNotEnabledError ? passwordRequired() : err;
    }
  }

  async refresh(refreshToken: string, username: string | undefined): Promise<TokenSet> {
    // cognito-local lacks GetTokensFromRefreshToken and checks no SECRET_HASH: there a refresh is always InitiateAuth.
    const viaInitiateAuth = username !== undefined || this.cognito.local;
    const output = viaInitiateAuth
      ? await this.cognito.send(
          new InitiateAuthCommand({
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            ClientId: this.cognito.clientId,
            AuthParameters: { REFRESH_TOKEN: refreshToken, ...(username ? this.secretHashParam(username) : {}) },
          }),
          REFRESH_ERRORS,
        )
      : await this.cognito.send(
          new GetTokensFromRefreshTokenCommand({
            RefreshToken: refreshToken,
            ClientId: this.cognito.clientId,
            ClientSecret: this.cognito.config.clientSecret,
          }),
          REFRESH_ERRORS,
        );
    if (!output.AuthenticationResult) throw new InvalidGrantError('The refresh token was not accepted.');
    const tokens = toTokenSet(output.AuthenticationResult);
    if (!this.cognito.local) return tokens;
    return { ...tokens, sessionAuthTime: localRefreshTokenAuthTime(refreshToken) };
  }

  async respondToChallenge(answer: ChallengeAnswer): Promise<LoginResult> {
    const output = await this.cognito.send(
      new RespondToAuthChallengeCommand({
        ChallengeName: answer.challenge,
        ClientId: this.cognito.clientId,
        Session: answer.session,
        ChallengeResponses: {
          USERNAME: answer.username,
          ...challengeResponses(answer),
          ...this.secretHashParam(answer.username),
        },
      }),
      CHALLENGE_ERRORS,
    );
    return toLoginResult(output, answer.username);
  }

  async revokeRefreshToken(refreshToken: string): Promise<void> {
    await this.cognito.send(
      new RevokeTokenCommand({
        Token: refreshToken,
        ClientId: this.cognito.clientId,
        ClientSecret: this.cognito.config.clientSecret,
      }),
      REFRESH_ERRORS,
    );
  }

  async globalSignOut(accessToken: string): Promise<void> {
    await this.cognito.send(new GlobalSignOutCommand({ AccessToken: accessToken }), SIGN_OUT_ERRORS);
  }

  async accessTokenRevoked(accessToken: string): Promise<boolean> {
    try {
      await this.cognito.send(new GetUserCommand({ AccessToken: accessToken }), SIGN_OUT_ERRORS);
      return false;
    } catch (err) {
      // NotAuthorizedException: revoked (or expired, which the caller rules out). Any other failure proves nothing.
      return err instanceof InvalidGrantError;
    }
  }

  /** The SECRET_HASH auth parameter, when the app client has a secret. */
  private secretHashParam(username: string): { SECRET_HASH?: string } {
    const hash = this.cognito.secretHash(username);
    return hash ? { SECRET_HASH: hash } : {};
  }
}

/** What InitiateAuth and RespondToAuthChallenge answer. */
interface AuthOutput {
  AuthenticationResult?: AuthenticationResultType;
  ChallengeName?: ChallengeNameType | string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
  /** USER_AUTH's SELECT_CHALLENGE: the first factors the user may choose. */
  AvailableChallenges?: string[];
}

/** The methods of SELECT_CHALLENGE a caller picks here: the codes. A password goes to /auth/login with it. */
const SELECTABLE = ['EMAIL_OTP', 'SMS_OTP', 'WEB_AUTHN'];

const isAnswerable = (name: string | undefined): name is ChallengeName =>
  (CHALLENGE_NAMES as readonly string[]).includes(name ?? '');

function toLoginResult(output: AuthOutput, username: string): LoginResult {
  if (output.AuthenticationResult) return { tokens: toTokenSet(output.AuthenticationResult) };
  const name = output.ChallengeName;
  if (name === 'WEB_AUTHN') {
    throw new InvalidRequestError('This sign-in needs a passkey (WEB_AUTHN), which this service does not support; choose a one-time code or a password.');
  }
  if (!isAnswerable(name) || !output.Session) {
    throw new ServerError(`Cognito answered with a challenge this service does not handle (${name ?? 'none'}).`);
  }
  const params = output.ChallengeParameters ?? {};
  const challenge: Challenge = { challenge: name, session: output.Session, username: params.USER_ID_FOR_SRP ?? username };
  if (params.CODE_DELIVERY_DESTINATION) {
    challenge.codeDelivery = {
      medium: params.CODE_DELIVERY_DELIVERY_MEDIUM ?? 'SMS',
      destination: params.CODE_DELIVERY_DESTINATION,
    };
  }
  const options = parseList(params.MFAS_CAN_CHOOSE ?? params.MFAS_CAN_SETUP);
  if (options) challenge.mfaOptions = options;
  if (name === 'SELECT_CHALLENGE') challenge.available = (output.AvailableChallenges ?? []).filter((method) => SELECTABLE.includes(method));
  return { challenge };
}

/** Cognito sends lists of MFA methods as JSON text, e.g. `["SMS_MFA","SOFTWARE_TOKEN_MFA"]`. */
function parseList(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : undefined;
  } catch {
    return undefined;
  }
}

function toTokenSet(result: AuthenticationResultType): TokenSet {
  if (!result.AccessToken) throw new ServerError('Cognito returned no access token.');
  return {
    accessToken: result.AccessToken,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken,
    expiresIn: expiresInOf(result.ExpiresIn, result.AccessToken),
  };
}
