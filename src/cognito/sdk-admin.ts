// Cognito's admin calls on the AWS SDK (IAM-authorized): sign a user out everywhere, disable a user.
import { AdminDisableUserCommand, AdminUserGlobalSignOutCommand } from '@aws-sdk/client-cognito-identity-provider';
import { NotFoundError } from '../errors';
import type { CognitoAdmin } from '../signin/model';
import type { CognitoClient } from './cognito-client';
import type { CallErrors } from './cognito-errors';

/** A user who is gone by the time the call lands answers like one who is there: nothing left to end. */
const ADMIN_ERRORS: CallErrors = {
  UserNotFoundException: (cause) => new NotFoundError('The user pool has no such user.', { cause }),
};

/** CognitoAdmin on the SDK; the service's role needs `cognito-idp:AdminUserGlobalSignOut` and `AdminDisableUser`. */
export class SdkCognitoAdmin implements CognitoAdmin {
  constructor(private readonly cognito: CognitoClient) {}

  async globalSignOut(username: string): Promise<void> {
    await this.quietly(new AdminUserGlobalSignOutCommand({ UserPoolId: this.cognito.config.userPoolId, Username: username }));
  }

  async disable(username: string): Promise<void> {
    await this.quietly(new AdminDisableUserCommand({ UserPoolId: this.cognito.config.userPoolId, Username: username }));
  }

  private async quietly(command: AdminUserGlobalSignOutCommand | AdminDisableUserCommand): Promise<void> {
    try {
      await this.cognito.send(command, ADMIN_ERRORS);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
}
