// The account lifecycle: sign-up, confirmation, password reset and change, authenticator-app MFA.
import type { Logger } from 'pino';
import type { CognitoAccounts, MfaSubject, SignUpInput, SignUpResult } from '../cognito/cognito-accounts';
import type { LoginResult } from '../cognito/cognito-auth';
import { TemporarilyUnavailableError } from '../errors';
import type { Principal } from './principal';
import type { SessionService } from './session-service';

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
    private readonly accounts: CognitoAccounts,
    private readonly sessions: SessionService,
    private readonly logger: Logger,
  ) {}

  /** Creates an unconfirmed account (unless the pool confirms it at once); Cognito sends the code. */
  signUp(input: SignUpInput): Promise<SignUpResult> {
    return this.accounts.signUp(input);
  }

  /** Confirms an account with the code Cognito sent. */
  confirmSignUp(username: string, code: string): Promise<void> {
    return this.accounts.confirmSignUp(username, code);
  }

  /** Sends the confirmation code again, if there is an unconfirmed account of that name; says nothing either way. */
  async resendConfirmationCode(username: string): Promise<void> {
    const delivery = await this.accounts.resendConfirmationCode(username);
    this.logger.debug({ sent: delivery !== null }, 'resend-code');
  }

  /** Sends a password reset code, if the account exists and has somewhere to send it; says nothing either way. */
  async forgotPassword(username: string): Promise<void> {
    const delivery = await this.accounts.forgotPassword(username);
    this.logger.debug({ sent: delivery !== null }, 'forgot-password');
  }

  /** Sets a new password with the reset code. */
  resetPassword(username: string, code: string, newPassword: string): Promise<void> {
    return this.accounts.confirmForgotPassword(username, code, newPassword);
  }

  /**
   * Changes the signed-in user's password, then logs out every other session of the user. Cognito goes first, so a
   * wrong current password logs nothing out; if the store then fails, the caller is told what to do.
   */
  async changePassword(principal: Principal, oldPassword: string, newPassword: string): Promise<void> {
    await this.accounts.changePassword(principal.accessToken, oldPassword, newPassword);
    try {
      await this.sessions.logoutOtherSessions(principal);
    } catch (err) {
      if (!(err instanceof TemporarilyUnavailableError)) throw err;
      throw new TemporarilyUnavailableError(
        'The password was changed, but the other sessions could not be logged out now; call POST /auth/logout-all to end them.',
        err.retryAfterSeconds,
        { cause: err },
      );
    }
  }

  /** Starts authenticator-app setup for a signed-in user or for a login in the MFA_SETUP challenge. */
  async setUpTotp(subject: MfaSubject, username: string): Promise<TotpSetup> {
    const { secretCode, session } = await this.accounts.associateSoftwareToken(subject);
    return { secretCode, otpauthUri: otpauthUri(username, secretCode), ...(session ? { session } : {}) };
  }

  /** A signed-in user's first code: the app is verified and becomes the preferred MFA method. */
  async verifyTotp(principal: Principal, code: string, deviceName?: string): Promise<void> {
    await this.accounts.verifySoftwareToken({ accessToken: principal.accessToken }, code, deviceName);
    await this.accounts.preferSoftwareToken(principal.accessToken);
  }

  /** MFA_SETUP challenge: verifies the app's first code, then completes the login with the session Cognito gives. */
  async verifyTotpSetupChallenge(username: string, session: string, code: string, deviceName?: string): Promise<LoginResult> {
    const verified = await this.accounts.verifySoftwareToken({ session }, code, deviceName);
    return this.sessions.respondToChallenge({ challenge: 'MFA_SETUP', username, session: verified.session ?? session });
  }
}

/** The Key URI format authenticator apps read from QR codes (30 s period, 6 digits, SHA-1: their defaults). */
function otpauthUri(username: string, secret: string): string {
  return `otpauth://totp/${encodeURIComponent(username)}?secret=${encodeURIComponent(secret)}`;
}
