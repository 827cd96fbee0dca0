// What an administrator may do to another user's sessions: end them all, or disable the user; knows nothing of HTTP.
import type { Logger } from 'pino';
import { UnsupportedByCognitoError } from '../errors';
import type { CognitoAdmin, UserDirectory } from './model';
import type { SignInService } from './sign-in-service';

/** Options of the AdminService. */
export interface AdminServiceOptions {
  /** Clock in epoch ms. */
  now?: () => number;
  /** Waits `ms`; replaceable so tests need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The admin routes' use cases. Each ends every session of the user in the denylist first, so a failing Cognito call
 * never leaves a session open (the caller hears 503 and may repeat: each step is idempotent), then tells Cognito.
 * A username the pool doesn't have gets the same answer after the same wait and the same Cognito call (which finds
 * nobody), so the routes tell no one which users exist.
 */
export class AdminService {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly cognito: CognitoAdmin,
    private readonly users: UserDirectory,
    private readonly signIn: SignInService,
    private readonly logger: Logger,
    options: AdminServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Refuses every earlier token of `username` at once; AdminUserGlobalSignOut where the pool supports it. */
  async logoutAll(username: string): Promise<void> {
    await this.endSessions(username);
    try {
      await this.cognito.globalSignOut(username);
    } catch (err) {
      if (!(err instanceof UnsupportedByCognitoError)) throw err;
      this.logger.info('admin logout-all: this Cognito endpoint has no AdminUserGlobalSignOut; denylist only');
    }
  }

  /** Disables `username` at Cognito and refuses every earlier token of the user at once. */
  async disable(username: string): Promise<void> {
    await this.endSessions(username);
    await this.cognito.disable(username);
  }

  /** Ends the sessions of the user `username` names; for a user the pool doesn't have, only waits as long. */
  private async endSessions(username: string): Promise<void> {
    const sub = await this.users.subOf(username);
    if (sub) {
      await this.signIn.endAllSessions(sub);
      return;
    }
    // endAllSessions waits until the current second is over: an unknown user waits as long.
    await this.sleep(1000 - (this.now() % 1000));
  }
}
