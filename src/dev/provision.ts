// Provisions, idempotently, the demo pool on a local Cognito from the pool definition (settings, app clients, groups),
// and the demo users, which stay local.
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
  type UpdateUserPoolClientCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import { APP_CLIENTS, callbackUrls, GROUPS, logoutUrls, POOL, type AppClientDefinition } from '../pool/pool-definition';

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
  /** The machine-to-machine client for introspection (cognito-local issues it no tokens). */
  introspectionClientId: string;
  /** The SRP and choice-based sign-in client, without USER_PASSWORD_AUTH and without a secret. */
  srpClientId: string;
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

/** The base URLs of `npm run dev`'s API and its replica, as a browser may open them. */
export function devBaseUrls(port: string, replicaPort: string): string[] {
  return [port, replicaPort].flatMap((p) => [`http://localhost:${p}`, `http://127.0.0.1:${p}`]);
}

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
 * Finds or creates pool `poolName`, and brings it to the pool definition: its settings, its app clients (found by
 * name, else created; the login client's callback URLs on `callbackBaseUrls`) and its groups; then the demo users. Users are put back into their demo state on each run (the
 * one who must change password gets that challenge again). cognito-local has no resource servers: the scopes live in
 * the clients' allowed scopes and in GROUP_SCOPES only.
 */
export async function provisionLocalPool(
  endpoint: string,
  options: {
    poolName?: string;
    users?: DemoUser[];
    /** The API's base URLs (`http://localhost:3000`): the login client's callback paths on them are registered. */
    callbackBaseUrls?: string[];
  } = {},
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
  await cognito.send(
    new UpdateUserPoolCommand({
      UserPoolId: userPoolId,
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: !POOL.selfSignUp },
      AutoVerifiedAttributes: [...POOL.autoVerifiedAttributes],
      MfaConfiguration: POOL.mfa,
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: POOL.accountRecovery, Priority: 1 }] },
    }),
  );

  const clients = await cognito.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  const provisionClient = async (definition: AppClientDefinition): Promise<{ clientId: string; clientSecret?: string }> => {
    let clientId = clients.UserPoolClients?.find((client) => client.ClientName === definition.name)?.ClientId;
    if (!clientId) {
      const created = await cognito.send(
        new CreateUserPoolClientCommand({ UserPoolId: userPoolId, GenerateSecret: definition.generateSecret, ...clientSettings(definition) }),
      );
      clientId = created.UserPoolClient?.ClientId;
    } else {
      // An existing client is brought to the definition; the callback URLs registered on it stay.
      await cognito.send(new UpdateUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId, ...clientSettings(definition) }));
    }
    if (!clientId) throw new Error(`cognito-local created no app client ${definition.name}`);
    const described = await cognito.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }));
    return { clientId, clientSecret: described.UserPoolClient?.ClientSecret };
  };
  const { clientId, clientSecret } = await provisionClient(APP_CLIENTS.login);
  if (!clientSecret) throw new Error('the app client has no secret');
  const { clientId: introspectionClientId } = await provisionClient(APP_CLIENTS.introspection);
  const { clientId: srpClientId } = await provisionClient(APP_CLIENTS.srp);
  if (options.callbackBaseUrls) {
    await registerCallbackUrls(endpoint, { userPoolId, clientId }, callbackUrls(APP_CLIENTS.login, options.callbackBaseUrls), logoutUrls(APP_CLIENTS.login, options.callbackBaseUrls));
  }

  for (const group of Object.keys(GROUPS)) {
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
  return { userPoolId, clientId, clientSecret, introspectionClientId, srpClientId, users };
}

/**
 * An app client's settings from its definition, as CreateUserPoolClient and UpdateUserPoolClient take them (the
 * secret is chosen at creation only, the callback URLs by the API's base URLs: registerCallbackUrls).
 */
export function clientSettings(
  definition: AppClientDefinition,
): Omit<UpdateUserPoolClientCommandInput, 'UserPoolId' | 'ClientId' | 'CallbackURLs'> & { ClientName: string } {
  const { oauth, tokenValidity } = definition;
  return {
    ClientName: definition.name,
    ExplicitAuthFlows: [...definition.authFlows],
    EnableTokenRevocation: definition.enableTokenRevocation,
    PreventUserExistenceErrors: definition.preventUserExistenceErrors ? 'ENABLED' : 'LEGACY',
    AccessTokenValidity: tokenValidity.accessTokenMinutes,
    IdTokenValidity: tokenValidity.idTokenMinutes,
    RefreshTokenValidity: tokenValidity.refreshTokenDays,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
    AllowedOAuthFlowsUserPoolClient: oauth !== undefined,
    ...(oauth ? { AllowedOAuthFlows: [...oauth.flows], AllowedOAuthScopes: [...oauth.scopes], SupportedIdentityProviders: ['COGNITO'] } : {}),
  };
}

/**
 * Adds `urls` to the login client's callback URLs, and `signOutUrls` to its sign-out URLs, its OAuth settings as the
 * definition has them, so Swagger UI's `oauth2-redirect.html` can receive the code from the hosted UI and its Logout
 * come back from the hosted UI's `/logout` (`callbackUrls`, `logoutUrls` make them from the API's base URLs). Keeps
 * the URLs already registered.
 */
export async function registerCallbackUrls(
  endpoint: string,
  pool: Pick<LocalPool, 'userPoolId' | 'clientId'>,
  urls: string[],
  signOutUrls: string[] = [],
): Promise<void> {
  const cognito = localAdminClient(endpoint);
  const described = await cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: pool.clientId }),
  );
  const registered = described.UserPoolClient?.CallbackURLs ?? [];
  const registeredLogout = described.UserPoolClient?.LogoutURLs ?? [];
  await cognito.send(
    new UpdateUserPoolClientCommand({
      UserPoolId: pool.userPoolId,
      ClientId: pool.clientId,
      ...clientSettings(APP_CLIENTS.login),
      CallbackURLs: [...new Set([...registered, ...urls])],
      LogoutURLs: [...new Set([...registeredLogout, ...signOutUrls])],
    }),
  );
}
