// Creates throwaway users in the suite's pool for tests that change a user's state.
import { randomUUID } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { localAdminClient } from '../../src/dev/provision';
import { stack } from './stack';

/** A user made for one test. */
export interface TestUser {
  username: string;
  password: string;
}

/** Creates a confirmed user (or one in FORCE_CHANGE_PASSWORD when `mustChangePassword`), with a verified email if asked. */
export async function createUser(options: { groups?: string[]; mustChangePassword?: boolean; email?: boolean } = {}): Promise<TestUser> {
  const cognito = localAdminClient(stack.endpoint);
  const user = { username: `u-${randomUUID().slice(0, 8)}`, password: `Pw-${randomUUID()}` };
  await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: stack.userPoolId,
      Username: user.username,
      TemporaryPassword: user.password,
      MessageAction: 'SUPPRESS',
      ...(options.email
        ? { UserAttributes: [{ Name: 'email', Value: `${user.username}@example.com` }, { Name: 'email_verified', Value: 'true' }] }
        : {}),
    }),
  );
  if (!options.mustChangePassword) {
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: stack.userPoolId,
        Username: user.username,
        Password: user.password,
        Permanent: true,
      }),
    );
  }
  for (const group of options.groups ?? []) {
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: stack.userPoolId, Username: user.username, GroupName: group }));
  }
  return user;
}

/** Signs a user up through the public SignUp call; the account stays UNCONFIRMED. */
export async function signUpUnconfirmed(): Promise<TestUser> {
  const cognito = localAdminClient(stack.endpoint);
  const user = { username: `s-${randomUUID().slice(0, 8)}`, password: `Pw-${randomUUID()}` };
  await cognito.send(
    new SignUpCommand({
      ClientId: stack.clientId,
      Username: user.username,
      Password: user.password,
      UserAttributes: [{ Name: 'email', Value: `${user.username}@example.com` }],
    }),
  );
  return user;
}
