// Cognito's account calls: sign-up and its confirmation, password reset and change, authenticator-app (TOTP) MFA.
import {
  AssociateSoftwareTokenCommand,
  ChangePasswordCommand,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  ResendConfirmationCodeCommand,
  SetUserMFAPreferenceCommand,
  SignUpCommand,
  VerifySoftwareTokenCommand,
  type CodeDeliveryDetailsType,
} from '@aws-sdk/client-cognito-identity-provider';
import type { CognitoConfig } from '../config/config';
import { ServerError } from '../errors';
import type { CodeDelivery } from './cognito-auth';
import { CognitoCaller } from './cognito-caller';

/** A new account. */
export interface SignUpInput {
  /** Username. */
  username: string;
  /** Password; Cognito checks it against the pool's policy. */
  password: string;
  /** Email address, where the confirmation code goes. */
  email: string;
  /** Further attributes, e.g. `{ "name": "Ada" }` or `{ "custom:team": "blue" }`. */
  attributes?: Record<string, string>;
}

/** What Cognito answers a sign-up with. */
export interface SignUpResult {
  /** The new user's `sub`. */
  userSub: string;
  /** True when the pool confirmed the account at once (e.g. a PreSignUp trigger). */
  userConfirmed: boolean;
  /** Where the confirmation code went; absent when none was sent. */
  codeDelivery?: CodeDelivery;
}

/** Who sets up an authenticator app: a signed-in user (access token) or a login in the MFA_SETUP challenge. */
export type MfaSubject = { accessToken: string } | { session: string };

/** The Cognito account operations; replaceable in tests where Cognito can't produce a case. */
export interface CognitoAccounts {
  /** SignUp. Throws UserExistsError for a taken username, InvalidRequestError for a password-policy violation. */
  signUp(input: SignUpInput): Promise<SignUpResult>;
  /** ConfirmSignUp. A wrong, expired or unknown code or user throws InvalidCodeError. */
  confirmSignUp(username: string, code: string): Promise<void>;
  /**
   * ResendConfirmationCode. Null when no code was sent: unknown user, or already confirmed. Callers must not tell
   * the two apart, so that the route says nothing about which accounts exist.
   */
  resendConfirmationCode(username: string): Promise<CodeDelivery | null>;
  /** ForgotPassword. Null when no code was sent (unknown user, no verified email or phone); see above. */
  forgotPassword(username: string): Promise<CodeDelivery | null>;
  /** ConfirmForgotPassword. A wrong, expired or unknown code or user throws InvalidCodeError. */
  confirmForgotPassword(username: string, code: string, newPassword: string): Promise<void>;
  /** ChangePassword with the user's access token. A wrong current password throws InvalidRequestError. */
  changePassword(accessToken: string, oldPassword: string, newPassword: string): Promise<void>;
  /** AssociateSoftwareToken: a new TOTP secret; with a challenge session, also the session to verify with. */
  associateSoftwareToken(subject: MfaSubject): Promise<{ secretCode: string; session?: string }>;
  /** VerifySoftwareToken: checks a first code from the app; with a challenge session, returns the next session. */
  verifySoftwareToken(subject: MfaSubject, code: string, deviceName?: string): Promise<{ session?: string }>;
  /** SetUserMFAPreference: the authenticator app becomes the user's enabled, preferred MFA method. */
  preferSoftwareToken(accessToken: string): Promise<void>;
}

/** Cognito's answers to ResendConfirmationCode / ForgotPassword that mean "no code sent" without saying why. */
const NO_CODE_SENT = new Set([
  'UserNotFoundException',
  'InvalidParameterException',
  'NotAuthorizedException',
  'UserNotConfirmedException',
]);

/** CognitoAccounts on the AWS SDK. */
export class SdkCognitoAccounts implements CognitoAccounts {
  private readonly caller: CognitoCaller;

  constructor(config: CognitoConfig, client?: CognitoIdentityProviderClient) {
    this.caller = new CognitoCaller(config, client);
  }

  private get clientId(): string {
    return this.caller.config.clientId;
  }

  async signUp(input: SignUpInput): Promise<SignUpResult> {
    const attributes = { ...input.attributes, email: input.email };
    const output = await this.caller.send('signup', (options) =>
      this.caller.client.send(
        new SignUpCommand({
          ClientId: this.clientId,
          Username: input.username,
          Password: input.password,
          UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
          SecretHash: this.caller.secretHashValue(input.username),
        }),
        options,
      ),
    );
    if (!output.UserSub) throw new ServerError('Cognito returned no user sub for the sign-up.');
    return {
      userSub: output.UserSub,
      userConfirmed: output.UserConfirmed ?? false,
      codeDelivery: toCodeDelivery(output.CodeDeliveryDetails),
    };
  }

  async confirmSignUp(username: string, code: string): Promise<void> {
    await this.caller.send('confirm', (options) =>
      this.caller.client.send(
        new ConfirmSignUpCommand({
          ClientId: this.clientId,
          Username: username,
          ConfirmationCode: code,
          SecretHash: this.caller.secretHashValue(username),
        }),
        options,
      ),
    );
  }

  async resendConfirmationCode(username: string): Promise<CodeDelivery | null> {
    const output = await this.caller.send('resend', (options) =>
      noCodeSentAsNull(
        this.caller.client.send(
          new ResendConfirmationCodeCommand({ ClientId: this.clientId, Username: username, SecretHash: this.caller.secretHashValue(username) }),
          options,
        ),
      ),
    );
    return toCodeDelivery(output?.CodeDeliveryDetails) ?? null;
  }

  async forgotPassword(username: string): Promise<CodeDelivery | null> {
    const output = await this.caller.send('forgot', (options) =>
      noCodeSentAsNull(
        this.caller.client.send(
          new ForgotPasswordCommand({ ClientId: this.clientId, Username: username, SecretHash: this.caller.secretHashValue(username) }),
          options,
        ),
      ),
    );
    return toCodeDelivery(output?.CodeDeliveryDetails) ?? null;
  }

  async confirmForgotPassword(username: string, code: string, newPassword: string): Promise<void> {
    await this.caller.send('reset', (options) =>
      this.caller.client.send(
        new ConfirmForgotPasswordCommand({
          ClientId: this.clientId,
          Username: username,
          ConfirmationCode: code,
          Password: newPassword,
          SecretHash: this.caller.secretHashValue(username),
        }),
        options,
      ),
    );
  }

  async changePassword(accessToken: string, oldPassword: string, newPassword: string): Promise<void> {
    await this.caller.send('change-password', (options) =>
      this.caller.client.send(
        new ChangePasswordCommand({ AccessToken: accessToken, PreviousPassword: oldPassword, ProposedPassword: newPassword }),
        options,
      ),
    );
  }

  async associateSoftwareToken(subject: MfaSubject): Promise<{ secretCode: string; session?: string }> {
    const output = await this.caller.send(mfaOperation(subject), (options) =>
      this.caller.client.send(new AssociateSoftwareTokenCommand(mfaSubjectInput(subject)), options),
    );
    if (!output.SecretCode) throw new ServerError('Cognito returned no authenticator secret.');
    return { secretCode: output.SecretCode, session: output.Session };
  }

  async verifySoftwareToken(subject: MfaSubject, code: string, deviceName?: string): Promise<{ session?: string }> {
    const output = await this.caller.send(mfaOperation(subject), (options) =>
      this.caller.client.send(
        new VerifySoftwareTokenCommand({ ...mfaSubjectInput(subject), UserCode: code, FriendlyDeviceName: deviceName }),
        options,
      ),
    );
    // Cognito answers a wrong code with an error; a status other than SUCCESS would be a new, unknown outcome.
    if (output.Status !== 'SUCCESS') throw new ServerError(`Cognito did not verify the code (${output.Status}).`);
    return { session: output.Session };
  }

  async preferSoftwareToken(accessToken: string): Promise<void> {
    await this.caller.send('mfa', (options) =>
      this.caller.client.send(
        new SetUserMFAPreferenceCommand({
          AccessToken: accessToken,
          SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
        }),
        options,
      ),
    );
  }
}

const mfaOperation = (subject: MfaSubject) => ('session' in subject ? 'mfa-setup-session' : 'mfa');

function mfaSubjectInput(subject: MfaSubject): { AccessToken?: string; Session?: string } {
  return 'session' in subject ? { Session: subject.session } : { AccessToken: subject.accessToken };
}

/** Resolves to null when Cognito answers "no code sent" for a reason the caller must not reveal. */
async function noCodeSentAsNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if (NO_CODE_SENT.has((err as { name?: string }).name ?? '')) return null;
    throw err;
  }
}

function toCodeDelivery(details: CodeDeliveryDetailsType | undefined): CodeDelivery | undefined {
  if (!details?.Destination) return undefined;
  return {
    medium: details.DeliveryMedium ?? 'EMAIL',
    destination: details.Destination,
    ...(details.AttributeName ? { attribute: details.AttributeName } : {}),
  };
}
