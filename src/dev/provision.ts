// Provisions, idempotently, the demo pool on a local Cognito: email codes, optional MFA, app client, groups, users.
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolClientCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GROUPS } from '../pool/pool-definition';

/** A demo user and what it shows. */
export interface DemoUser {
  /** Username. */
  username: string;
  /** Password (the temporary one, for a user who must change it). */
  password: string;
  /** Groups. */
  groups: string[];
  /** True when the user is in FORCE_CHANGE_PASSWORD. */
  mustChangePassword: boolean;
}

/** What provisioning created or found. */
export interface LocalPool {
  /** User pool id. */
  userPoolId: string;
  /** The login app client (has a secret). */
  clientId: string;
  /** Its secret. */
  clientSecret: string;
  /** Demo users. */
  users: DemoUser[];
}

/** Scopes the demo groups grant; the value of GROUP_SCOPES in local development. */
export const DEMO_GROUP_SCOPES = GROUPS;

/** Demo users for a local emulator only; these passwords mean nothing outside it. */
export const DEMO_USERS: DemoUser[] = [
  { username: 'reader', password: 'Reader-pass-1', groups: ['readers'], mustChangePassword: false },
  { username: 'editor', password: 'Editor-pass-1', groups: ['editors'], mustChangePassword: false },
  { username: 'newbie', password: 'Temp-pass-1', groups: ['readers'], mustChangePassword: true },
  { username: 'admin', password: 'Admin-pass-1', groups: ['admins'], mustChangePassword: false },
];

/** A client for cognito-local's admin API; it checks no credentials, the SDK still wants some. */
export function localAdminClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function ignoreExists(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (!/Exists/.test(name)) throw err;
  }
}

/**
 * Finds or creates pool `poolName`, its app client, the groups and the users. Users are put back into their demo
 * state on each run (the one who must change password gets that challenge again).
 */
export async function provisionLocalPool(
  endpoint: string,
  options: { poolName?: string; users?: DemoUser[] } = {},
): Promise<LocalPool> {
  const cognito = localAdminClient(endpoint);
  const poolName = options.poolName ?? 'cognito-jwt-api-dev';
  const users = options.users ?? DEMO_USERS;

  const pools = await cognito.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((pool) => pool.Name === poolName)?.Id;
  if (!userPoolId) {
    const created = await cognito.send(new CreateUserPoolCommand({ PoolName: poolName }));
    userPoolId = created.UserPool?.Id;
  }
  if (!userPoolId) throw new Error('cognito-local created no user pool');
  // Sign-up sends its code to the email, and users may turn on authenticator-app MFA (Cognito's "optional" MFA).
  await cognito.send(
    new UpdateUserPoolCommand({ UserPoolId: userPoolId, AutoVerifiedAttributes: ['email'], MfaConfiguration: 'OPTIONAL' }),
  );

  const clientName = 'api';
  const clients = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((client) => client.ClientName === clientName)?.ClientId;
  if (!clientId) {
    const created = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: clientName,
        GenerateSecret: true,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        EnableTokenRevocation: true,
      }),
    );
    clientId = created.UserPoolClient?.ClientId;
  }
  if (!clientId) throw new Error('cognito-local created no app client');
  const described = await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }));
  const clientSecret = described.UserPoolClient?.ClientSecret;
  if (!clientSecret) throw new Error('the app client has no secret');

  for (const group of Object.keys(DEMO_GROUP_SCOPES)) {
    await ignoreExists(cognito.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: group })));
  }

  for (const user of users) {
    const exists = await cognito
      .send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.username }))
      .then(() => true)
      .catch(() => false);
    if (!exists) {
      await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId: userPoolId,
          Username: user.username,
          TemporaryPassword: user.password,
          MessageAction: 'SUPPRESS',
          UserAttributes: [
            { Name: 'email', Value: `${user.username}@example.com` },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      );
    }
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: userPoolId,
        Username: user.username,
        Password: user.password,
        Permanent: !user.mustChangePassword,
      }),
    );
    for (const group of user.groups) {
      await cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: user.username, GroupName: group }),
      );
    }
  }
  return { userPoolId, clientId, clientSecret, users };
}

/**
 * Adds `urls` to the app client's callback URLs and enables the authorization code flow on it, so Swagger UI's
 * `oauth2-redirect.html` can receive the code from the hosted UI. Keeps the URLs already registered.
 */
export async function registerCallbackUrls(
  endpoint: string,
  pool: Pick<LocalPool, 'userPoolId' | 'clientId'>,
  urls: string[],
): Promise<void> {
  const cognito = localAdminClient(endpoint);
  const described = await cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: pool.clientId }),
  );
  const client = described.UserPoolClient;
  const callbackUrls = [...new Set([...(client?.CallbackURLs ?? []), ...urls])];
  await cognito.send(
    new UpdateUserPoolClientCommand({
      UserPoolId: pool.userPoolId,
      ClientId: pool.clientId,
      ExplicitAuthFlows: client?.ExplicitAuthFlows,
      EnableTokenRevocation: client?.EnableTokenRevocation,
      CallbackURLs: callbackUrls,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
      SupportedIdentityProviders: ['COGNITO'],
    }),
  );
}
