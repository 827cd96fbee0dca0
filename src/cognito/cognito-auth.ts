// Cognito's sign-in calls: password login, challenges, refresh, revocation and global sign-out.
import {
  CognitoIdentityProviderClient,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  type AuthenticationResultType,
  type ChallengeNameType,
} from '@aws-sdk/client-cognito-identity-provider';
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { CognitoConfig } from '../config/config';
import { InvalidGrantError, ServerError, UnsupportedByCognitoError } from '../errors';
import { CognitoCaller } from './cognito-caller';

/** Tokens Cognito issued. */
export interface TokenSet {
  /** The access token (JWT). */
  accessToken: string;
  /** The ID token (JWT). */
  idToken?: string;
  /** The refresh token; absent from a refresh. */
  refreshToken?: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
}

/** The challenges this service answers. */
export const CHALLENGE_NAMES = [
  'NEW_PASSWORD_REQUIRED',
  'SOFTWARE_TOKEN_MFA',
  'SMS_MFA',
  'EMAIL_OTP',
  'SELECT_MFA_TYPE',
  'MFA_SETUP',
] as const;
/** A challenge this service answers. */
export type ChallengeName = (typeof CHALLENGE_NAMES)[number];
/** The MFA methods a user can pick or set up. */
export type MfaMethod = 'SMS_MFA' | 'SOFTWARE_TOKEN_MFA' | 'EMAIL_OTP';

/** Where Cognito sent a code. */
export interface CodeDelivery {
  /** `EMAIL` or `SMS`. */
  medium: string;
  /** The address or number, as Cognito shows it (masked by Amazon Cognito). */
  destination: string;
  /** The attribute it went to, e.g. `email`; absent for MFA codes. */
  attribute?: string;
}

/** A challenge Cognito asks the user to answer before it issues tokens. */
export interface Challenge {
  /** Challenge name. */
  challenge: ChallengeName;
  /** Cognito's opaque session for the answer. */
  session: string;
  /** The username to answer with (Cognito's internal one). */
  username: string;
  /** SMS_MFA and EMAIL_OTP: where the code went. */
  codeDelivery?: CodeDelivery;
  /** SELECT_MFA_TYPE: the methods to choose from; MFA_SETUP: the methods that can be set up. */
  mfaOptions?: string[];
}

/** What a password login or a challenge answer gives: tokens, or a (further) challenge to answer first. */
export type LoginResult = { tokens: TokenSet } | { challenge: Challenge };

/** An answer to a challenge; MFA_SETUP is answered once the authenticator app is verified with that session. */
export type ChallengeAnswer = { username: string; session: string } & (
  | { challenge: 'NEW_PASSWORD_REQUIRED'; newPassword: string }
  | { challenge: 'SOFTWARE_TOKEN_MFA' | 'SMS_MFA' | 'EMAIL_OTP'; code: string }
  | { challenge: 'SELECT_MFA_TYPE'; answer: MfaMethod }
  | { challenge: 'MFA_SETUP' }
);

/** The Cognito operations the sign-in routes need; replaceable in tests where Cognito can't produce a case. */
export interface CognitoAuth {
  /** InitiateAuth USER_PASSWORD_AUTH. Wrong username and wrong password both throw InvalidCredentialsError. */
  login(username: string, password: string): Promise<LoginResult>;
  /** InitiateAuth REFRESH_TOKEN_AUTH; `username` is Cognito's internal username, needed for SECRET_HASH. */
  refresh(refreshToken: string, username: string | undefined): Promise<TokenSet>;
  /** RespondToAuthChallenge: tokens, or the next challenge (e.g. MFA_SETUP after NEW_PASSWORD_REQUIRED). */
  respondToChallenge(answer: ChallengeAnswer): Promise<LoginResult>;
  /** RevokeToken: the refresh token and the tokens issued from it stop working at Cognito. */
  revokeRefreshToken(refreshToken: string): Promise<void>;
  /** GlobalSignOut with the user's access token; false when this Cognito endpoint doesn't support it. */
  globalSignOut(accessToken: string): Promise<boolean>;
}

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

/** CognitoAuth on the AWS SDK. */
export class SdkCognitoAuth implements CognitoAuth {
  private readonly caller: CognitoCaller;

  constructor(config: CognitoConfig, client?: CognitoIdentityProviderClient) {
    this.caller = new CognitoCaller(config, client);
  }

  private get config(): CognitoConfig {
    return this.caller.config;
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const output = await this.caller.send('login', (options) =>
      this.caller.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'USER_PASSWORD_AUTH',
          ClientId: this.config.clientId,
          AuthParameters: { USERNAME: username, PASSWORD: password, ...this.caller.secretHash(username) },
        }),
        options,
      ),
    );
    return toLoginResult(output, username);
  }

  async refresh(refreshToken: string, username: string | undefined): Promise<TokenSet> {
    const output = await this.caller.send('refresh', (options) =>
      this.caller.client.send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: this.config.clientId,
          AuthParameters: { REFRESH_TOKEN: refreshToken, ...(username ? this.caller.secretHash(username) : {}) },
        }),
        options,
      ),
    );
    if (!output.AuthenticationResult) throw new InvalidGrantError('The refresh token was not accepted.');
    return toTokenSet(output.AuthenticationResult);
  }

  async respondToChallenge(answer: ChallengeAnswer): Promise<LoginResult> {
    const output = await this.caller.send('challenge', (options) =>
      this.caller.client.send(
        new RespondToAuthChallengeCommand({
          ChallengeName: answer.challenge,
          ClientId: this.config.clientId,
          Session: answer.session,
          ChallengeResponses: {
            USERNAME: answer.username,
            ...challengeResponses(answer),
            ...this.caller.secretHash(answer.username),
          },
        }),
        options,
      ),
    );
    return toLoginResult(output, answer.username);
  }

  async revokeRefreshToken(refreshToken: string): Promise<void> {
    await this.caller.send('revoke', (options) =>
      this.caller.client.send(
        new RevokeTokenCommand({
          Token: refreshToken,
          ClientId: this.config.clientId,
          ClientSecret: this.config.clientSecret,
        }),
        options,
      ),
    );
  }

  async globalSignOut(accessToken: string): Promise<boolean> {
    try {
      await this.caller.send('signout', (options) =>
        this.caller.client.send(new GlobalSignOutCommand({ AccessToken: accessToken }), options),
      );
      return true;
    } catch (err) {
      if (err instanceof UnsupportedByCognitoError) return false;
      throw err;
    }
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
    expiresIn: result.ExpiresIn ?? secondsLeft(result.AccessToken),
  };
}

/** Lifetime left of a token Cognito just issued, from its `exp` (cognito-local sends no ExpiresIn). */
function secondsLeft(accessToken: string): number {
  const { exp } = decomposeUnverifiedJwt(accessToken).payload;
  return typeof exp === 'number' ? Math.max(0, exp - Math.floor(Date.now() / 1000)) : 3600;
}
