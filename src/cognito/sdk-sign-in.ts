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
import { InvalidCredentialsError, InvalidGrantError, ServerError } from '../errors';
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

const grantRefused = (message: string) => (cause: unknown) => new InvalidGrantError(message, { cause });

const LOGIN_ERRORS: CallErrors = sameError(REFUSED, (cause) => new InvalidCredentialsError({ cause }));
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
    case 'SELECT_MFA_TYPE':
      return { ANSWER: answer.answer };
    case 'MFA_SETUP':
      return {};
  }
}

/** CognitoSignIn on the AWS SDK. */
export class SdkCognitoSignIn implements CognitoSignIn {
  constructor(private readonly cognito: CognitoClient) {}

  async login(username: string, password: string): Promise<LoginResult> {
    const output = await this.cognito.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: this.cognito.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password, ...this.secretHashParam(username) },
      }),
      LOGIN_ERRORS,
    );
    return toLoginResult(output, username);
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
}

const isAnswerable = (name: string | undefined): name is ChallengeName =>
  (CHALLENGE_NAMES as readonly string[]).includes(name ?? '');

function toLoginResult(output: AuthOutput, username: string): LoginResult {
  if (output.AuthenticationResult) return { tokens: toTokenSet(output.AuthenticationResult) };
  const name = output.ChallengeName;
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
