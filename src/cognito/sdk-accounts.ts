// Cognito's account calls on the AWS SDK: sign-up and its confirmation, password reset and change, authenticator-app MFA.
import {
  AssociateSoftwareTokenCommand,
  ChangePasswordCommand,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  ForgotPasswordCommand,
  ResendConfirmationCodeCommand,
  SetUserMFAPreferenceCommand,
  SignUpCommand,
  VerifySoftwareTokenCommand,
  type CodeDeliveryDetailsType,
} from '@aws-sdk/client-cognito-identity-provider';
import { InvalidCodeError, InvalidGrantError, InvalidRequestError, NoCodeSentError, ServerError } from '../errors';
import type { CodeDelivery, CognitoAccounts, MfaSubject, SignUpInput, SignUpResult } from '../signin/model';
import type { CognitoClient } from './cognito-client';
import { passwordPolicy, REFUSED, sameError, type CallErrors } from './cognito-errors';

const wrongCode = (cause: unknown) => new InvalidCodeError('The code is wrong or has expired.', { cause });
const SIGN_UP_ERRORS: CallErrors = {
  InvalidParameterException: (cause, message) => new InvalidRequestError(message ?? 'Cognito refused the sign-up.', { cause }),
};
// Unknown user, already confirmed, wrong code: one answer, so the code routes tell no one which accounts exist.
const CONFIRM_ERRORS: CallErrors = sameError(REFUSED, wrongCode);
const RESET_ERRORS: CallErrors = { ...CONFIRM_ERRORS, InvalidPasswordException: passwordPolicy('new_password') };
/** Cognito's answers to ResendConfirmationCode / ForgotPassword that mean "no code sent" without saying why. */
const NO_CODE_SENT_ERRORS: CallErrors = sameError(
  [...REFUSED, 'InvalidParameterException', 'UserNotConfirmedException'],
  (cause) => new NoCodeSentError('No code was sent.', { cause }),
);
const CHANGE_PASSWORD_ERRORS: CallErrors = {
  NotAuthorizedException: (cause) =>
    new InvalidRequestError('The current password is incorrect.', {
      details: [{ path: 'old_password', message: 'is incorrect' }],
      cause,
    }),
  InvalidPasswordException: passwordPolicy('new_password'),
};
const ACCESS_TOKEN_ERRORS: CallErrors = sameError(
  REFUSED,
  (cause) => new InvalidGrantError('Cognito no longer accepts this access token; sign in again.', { cause }),
);
const SETUP_SESSION_ERRORS: CallErrors = sameError(
  [...REFUSED, 'InvalidParameterException'],
  (cause) => new InvalidGrantError('The MFA setup session is invalid or expired.', { cause }),
);

/** CognitoAccounts on the AWS SDK. */
export class SdkCognitoAccounts implements CognitoAccounts {
  constructor(private readonly cognito: CognitoClient) {}

  async signUp(input: SignUpInput): Promise<SignUpResult> {
    const attributes = { ...input.attributes, email: input.email };
    const output = await this.cognito.send(
      new SignUpCommand({
        ClientId: this.cognito.clientId,
        Username: input.username,
        Password: input.password,
        UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
        SecretHash: this.cognito.secretHash(input.username),
      }),
      SIGN_UP_ERRORS,
    );
    if (!output.UserSub) throw new ServerError('Cognito returned no user sub for the sign-up.');
    return {
      userSub: output.UserSub,
      userConfirmed: output.UserConfirmed ?? false,
      codeDelivery: toCodeDelivery(output.CodeDeliveryDetails),
    };
  }

  async confirmSignUp(username: string, code: string): Promise<void> {
    await this.cognito.send(
      new ConfirmSignUpCommand({
        ClientId: this.cognito.clientId,
        Username: username,
        ConfirmationCode: code,
        SecretHash: this.cognito.secretHash(username),
      }),
      CONFIRM_ERRORS,
    );
  }

  async resendConfirmationCode(username: string): Promise<CodeDelivery | undefined> {
    const output = await this.cognito.send(
      new ResendConfirmationCodeCommand({ ClientId: this.cognito.clientId, Username: username, SecretHash: this.cognito.secretHash(username) }),
      NO_CODE_SENT_ERRORS,
    );
    return toCodeDelivery(output.CodeDeliveryDetails);
  }

  async forgotPassword(username: string): Promise<CodeDelivery | undefined> {
    const output = await this.cognito.send(
      new ForgotPasswordCommand({ ClientId: this.cognito.clientId, Username: username, SecretHash: this.cognito.secretHash(username) }),
      NO_CODE_SENT_ERRORS,
    );
    return toCodeDelivery(output.CodeDeliveryDetails);
  }

  async confirmForgotPassword(username: string, code: string, newPassword: string): Promise<void> {
    await this.cognito.send(
      new ConfirmForgotPasswordCommand({
        ClientId: this.cognito.clientId,
        Username: username,
        ConfirmationCode: code,
        Password: newPassword,
        SecretHash: this.cognito.secretHash(username),
      }),
      RESET_ERRORS,
    );
  }

  async changePassword(accessToken: string, oldPassword: string, newPassword: string): Promise<void> {
    await this.cognito.send(
      new ChangePasswordCommand({ AccessToken: accessToken, PreviousPassword: oldPassword, ProposedPassword: newPassword }),
      CHANGE_PASSWORD_ERRORS,
    );
  }

  async associateSoftwareToken(subject: MfaSubject): Promise<{ secretCode: string; session?: string }> {
    const output = await this.cognito.send(new AssociateSoftwareTokenCommand(mfaSubjectInput(subject)), mfaErrors(subject));
    if (!output.SecretCode) throw new ServerError('Cognito returned no authenticator secret.');
    return { secretCode: output.SecretCode, session: output.Session };
  }

  async verifySoftwareToken(subject: MfaSubject, code: string, deviceName?: string): Promise<{ session?: string }> {
    const output = await this.cognito.send(
      new VerifySoftwareTokenCommand({ ...mfaSubjectInput(subject), UserCode: code, FriendlyDeviceName: deviceName }),
      mfaErrors(subject),
    );
    // Cognito answers a wrong code with an error; a status other than SUCCESS would be a new, unknown outcome.
    if (output.Status !== 'SUCCESS') throw new ServerError(`Cognito did not verify the code (${output.Status}).`);
    return { session: output.Session };
  }

  async preferSoftwareToken(accessToken: string): Promise<void> {
    await this.cognito.send(
      new SetUserMFAPreferenceCommand({
        AccessToken: accessToken,
        SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
      ACCESS_TOKEN_ERRORS,
    );
  }
}

const mfaErrors = (subject: MfaSubject) => ('session' in subject ? SETUP_SESSION_ERRORS : ACCESS_TOKEN_ERRORS);

function mfaSubjectInput(subject: MfaSubject): { AccessToken?: string; Session?: string } {
  return 'session' in subject ? { Session: subject.session } : { AccessToken: subject.accessToken };
}

function toCodeDelivery(details: CodeDeliveryDetailsType | undefined): CodeDelivery | undefined {
  if (!details?.Destination) return undefined;
  return {
    medium: details.DeliveryMedium ?? 'EMAIL',
    destination: details.Destination,
    ...(details.AttributeName ? { attribute: details.AttributeName } : {}),
  };
}
