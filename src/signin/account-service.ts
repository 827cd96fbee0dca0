// The account lifecycle: sign-up, confirmation, password reset and change, authenticator-app MFA.
import type { Logger } from 'pino';
import type { Principal } from '../bearer/principal';
import { NoCodeSentError, RetryLaterError, TemporarilyUnavailableError } from '../errors';
import type { CodeDelivery, CognitoAccounts, LoginResult, MfaSubject, SignUpInput, SignUpResult, UserDirectory } from './model';
import type { SignInService } from './sign-in-service';

/** A new authenticator-app secret, and what a challenge login verifies it with. */
export interface TotpSetup {
  /** The base32 secret to type into the app. */
  secretCode: string;
  /** The same secret as an `otpauth://` URI, for a QR code. */
  otpauthUri: string;
  /** MFA_SETUP challenge only: the session to send to /auth/mfa/verify. */
  session?: string;
}

/** What the account routes call; knows nothing of HTTP. */
export class AccountService {
  constructor(
    private readonly cognito: CognitoAccounts,
    private readonly signIn: SignInService,
    private readonly logger: Logger,
    private readonly users: UserDirectory,
  ) {}

  /** Creates an unconfirmed account (unless the pool confirms it at once); Cognito sends the code. */
  signUp(input: SignUpInput): Promise<SignUpResult> {
    return this.cognito.signUp(input);
  }

  /** Confirms an account with the code Cognito sent. */
  confirmSignUp(username: string, code: string): Promise<void> {
    return this.cognito.confirmSignUp(username, code);
  }

  /** Sends the confirmation code again, if there is an unconfirmed account of that name; says nothing either way. */
  async resendConfirmationCode(username: string): Promise<void> {
    const sent = await codeSent(this.cognito.resendConfirmationCode(username));
    this.logger.debug({ sent }, 'resend-code');
  }

  /** Sends a password reset code, if the account exists and has somewhere to send it; says nothing either way. */
  async forgotPassword(username: string): Promise<void> {
    const sent = await codeSent(this.cognito.forgotPassword(username));
    this.logger.debug({ sent }, 'forgot-password');
  }

  /**
   * Sets a new password with the reset code, then ends every session of the user: a reset is what a person does who
   * fears the account was taken, so the tokens and refresh tokens of before are refused from then on. Cognito goes
   * first, so a wrong code ends nothing (nor can anyone end a user's sessions by naming them); if the store then
   * fails, the caller is told what to do.
   */
  async resetPassword(username: string, code: string, newPassword: string): Promise<void> {
    await this.cognito.confirmForgotPassword(username, code, newPassword);
    try {
      const sub = await this.users.subOf(username);
      if (sub) await this.signIn.endAllSessions(sub);
    } catch (err) {
      if (!(err instanceof RetryLaterError)) throw err;
      throw new TemporarilyUnavailableError(
        'The password was reset, but the earlier sessions could not be ended now; sign in and call POST /auth/logout-all to end them.',
        { retryAfterSeconds: err.retryAfterSeconds, cause: err },
      );
    }
  }

  /**
   * Changes the signed-in user's password, then logs out every other session of the user. Cognito goes first, so a
   * wrong current password logs nothing out; if the store then fails, the caller is told what to do.
   */
  async changePassword(principal: Principal, oldPassword: string, newPassword: string): Promise<void> {
    await this.cognito.changePassword(principal.accessToken, oldPassword, newPassword);
    try {
      await this.signIn.logoutOtherSessions(principal);
    } catch (err) {
      if (!(err instanceof RetryLaterError)) throw err;
      throw new TemporarilyUnavailableError(
        'The password was changed, but the other sessions could not be logged out now; call POST /auth/logout-all to end them.',
        { retryAfterSeconds: err.retryAfterSeconds, cause: err },
      );
    }
  }

  /** Starts authenticator-app setup for a signed-in user or for a login in the MFA_SETUP challenge. */
  async setUpTotp(subject: MfaSubject, username: string): Promise<TotpSetup> {
    const { secretCode, session } = await this.cognito.associateSoftwareToken(subject);
    return { secretCode, otpauthUri: otpauthUri(username, secretCode), ...(session ? { session } : {}) };
  }

  /** A signed-in user's first code: the app is verified and becomes the preferred MFA method. */
  async verifyTotp(principal: Principal, code: string, deviceName?: string): Promise<void> {
    await this.cognito.verifySoftwareToken({ accessToken: principal.accessToken }, code, deviceName);
    await this.cognito.preferSoftwareToken(principal.accessToken);
  }

  /** MFA_SETUP challenge: verifies the app's first code, then completes the login with the session Cognito gives. */
  async verifyTotpSetupChallenge(username: string, session: string, code: string, deviceName?: string): Promise<LoginResult> {
    const verified = await this.cognito.verifySoftwareToken({ session }, code, deviceName);
    return this.signIn.respondToChallenge({ challenge: 'MFA_SETUP', username, session: verified.session ?? session });
  }
}

/** Whether a code went out; "no code sent" is an answer the caller must not be able to tell apart, not a failure. */
async function codeSent(delivery: Promise<CodeDelivery | undefined>): Promise<boolean> {
  try {
    await delivery;
    return true;
  } catch (err) {
    if (err instanceof NoCodeSentError) return false;
    throw err;
  }
}

/** The Key URI format authenticator apps read from QR codes (30 s period, 6 digits, SHA-1: their defaults). */
function otpauthUri(username: string, secret: string): string {
  return `otpauth://totp/${encodeURIComponent(username)}?secret=${encodeURIComponent(secret)}`;
}
