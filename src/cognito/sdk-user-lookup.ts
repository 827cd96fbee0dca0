// Finds a user's sub from a username with AdminGetUser, for records of Cognito that name a user but carry no sub.
import { AdminGetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { NotFoundError } from '../errors';
import type { CognitoClient } from './cognito-client';
import type { CallErrors } from './cognito-errors';

/** Looks users of the pool up by username. */
export interface UserLookup {
  /**
   * The `sub` of the user `username` names (a username or an alias); null when the pool has no such user. Rejects
   * with RetryLaterError when Cognito can't answer now, with ServerError when it refuses the call (IAM).
   */
  subOf(username: string): Promise<string | null>;
}

const LOOKUP_ERRORS: CallErrors = {
  UserNotFoundException: (cause) => new NotFoundError('The user pool has no such user.', { cause }),
};

/** UserLookup on AdminGetUser, an IAM-authorized call: the caller's role needs `cognito-idp:AdminGetUser`. */
export class SdkUserLookup implements UserLookup {
  constructor(private readonly cognito: CognitoClient) {}

  async subOf(username: string): Promise<string | null> {
    try {
      const output = await this.cognito.send(
        new AdminGetUserCommand({ UserPoolId: this.cognito.config.userPoolId, Username: username }),
        LOOKUP_ERRORS,
      );
      return output.UserAttributes?.find((attribute) => attribute.Name === 'sub')?.Value ?? null;
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }
}
