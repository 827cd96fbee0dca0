// The user pool's shape, in one place: the scopes the API knows, the resource servers that define them, the groups
// that grant them, the pool's settings, and its app clients with their flows. The routes and the metadata read it,
// `npm run dev` provisions cognito-local from it (src/dev/provision.ts), and the AWS stack declares it (deploy/aws),
// so local and AWS cannot drift. Plain data with no imports: deploy/aws compiles it with its own toolchain.

/** The scopes of the API's resource servers, as the routes require them. */
export const SCOPES = {
  /** Read the example resource, `GET /books`. */
  booksRead: 'books/read',
  /** Change the example resource, `POST /books`, `DELETE /books/{id}`. */
  booksWrite: 'books/write',
  /** End another user's sessions or disable the user, `POST /admin/users/{username}/…`. */
  adminUsers: 'admin/users',
  /** Call `POST /auth/introspect` with a Bearer token (the default INTROSPECTION_SCOPE). */
  authIntrospect: 'auth/introspect',
} as const;

/** A resource server of the pool: Cognito names each of its scopes `<identifier>/<name>`. */
export interface ResourceServerDefinition {
  /** The prefix of its scopes, e.g. `books`. */
  identifier: string;
  /** The name the console shows. */
  name: string;
  /** Its scopes, each without the prefix, with what it allows. */
  scopes: readonly { name: string; description: string }[];
}

/**
 * The resource servers. A scope's name may not contain `/` (Cognito's pattern for it), so the API's scopes, under
 * three prefixes, take three servers. Together they define exactly the values of SCOPES (a unit test holds them to it).
 */
export const RESOURCE_SERVERS: readonly ResourceServerDefinition[] = [
  {
    identifier: 'books',
    name: 'Books, the example resource',
    scopes: [
      { name: 'read', description: 'Read the books' },
      { name: 'write', description: 'Add and delete books' },
    ],
  },
  { identifier: 'admin', name: 'Administration', scopes: [{ name: 'users', description: "End a user's sessions, disable a user" }] },
  { identifier: 'auth', name: 'This service', scopes: [{ name: 'introspect', description: 'Introspect tokens (RFC 7662)' }] },
];

/** The groups of the pool and the scopes each grants: the value of GROUP_SCOPES where the pool is this one. */
export const GROUPS: Readonly<Record<string, readonly string[]>> = {
  readers: [SCOPES.booksRead],
  editors: [SCOPES.booksRead, SCOPES.booksWrite],
  admins: [SCOPES.adminUsers],
};

/** Settings of the pool itself that the service's routes rely on. */
export const POOL = {
  /** Users may sign themselves up (`POST /auth/signup`). */
  selfSignUp: true,
  /** Sign-up sends its confirmation code to the email, and the email is verified by it. */
  autoVerifiedAttributes: ['email'],
  /** Users may turn on authenticator-app MFA (`/auth/mfa/setup`); no SMS. */
  mfa: 'OPTIONAL',
  /** A forgotten password is reset through the verified email only. */
  accountRecovery: 'verified_email',
} as const;

/** An API flow an app client allows (Cognito's ExplicitAuthFlows). */
export type AuthFlow =
  | 'ALLOW_USER_PASSWORD_AUTH'
  | 'ALLOW_REFRESH_TOKEN_AUTH'
  | 'ALLOW_USER_SRP_AUTH'
  | 'ALLOW_CUSTOM_AUTH'
  /** Choice-based sign-in (password, SRP, one-time codes, passkeys), on pools of the Essentials plan and above. */
  | 'ALLOW_USER_AUTH';

/** An OAuth 2.0 grant at the pool's domain (Cognito's AllowedOAuthFlows). */
export type OAuthFlow = 'code' | 'client_credentials';

/** How long an app client's tokens live. */
export interface TokenValidity {
  /** Access token, minutes (Cognito allows 5 to 1440). */
  accessTokenMinutes: number;
  /** ID token, minutes (5 to 1440). */
  idTokenMinutes: number;
  /** Refresh token, days; SESSION_TTL_SECONDS must be at least this long. */
  refreshTokenDays: number;
}

/** An app client of the pool, as provisioning and the stack create it. */
export interface AppClientDefinition {
  /** ClientName; local provisioning finds the client by it. */
  name: string;
  /** A confidential client: Cognito generates its secret. */
  generateSecret: boolean;
  /** The API flows it allows. */
  authFlows: readonly AuthFlow[];
  /** Grants at the pool's OAuth 2.0 endpoints (hosted UI, `/oauth2/token`); absent: none. */
  oauth?: {
    /** The grants. */
    flows: readonly OAuthFlow[];
    /** The scopes it may ask for. */
    scopes: readonly string[];
    /** Paths, on each base URL of the API, that the authorization code may come back to. */
    callbackPaths: readonly string[];
    /** Paths, on each base URL of the API, the hosted UI's `/logout` may send the browser back to (sign-out URLs). */
    logoutPaths: readonly string[];
  };
  /** Refresh tokens can be revoked (logout revokes them). */
  enableTokenRevocation: boolean;
  /** Cognito answers the same for an unknown user as for a wrong password. */
  preventUserExistenceErrors: boolean;
  /** Token lifetimes. */
  tokenValidity: TokenValidity;
}

/** The lifetimes of the tokens users get: Cognito's defaults, and the 30 days SESSION_TTL_SECONDS defaults to. */
const USER_TOKENS: TokenValidity = { accessTokenMinutes: 60, idTokenMinutes: 60, refreshTokenDays: 30 };

/** The app clients, by the part each plays. */
export const APP_CLIENTS: Readonly<{ login: AppClientDefinition; introspection: AppClientDefinition; srp: AppClientDefinition }> = {
  /**
   * COGNITO_CLIENT_ID: the service logs users in with it (password flow, refresh, SECRET_HASH from its secret), and
   * Swagger UI's hosted-UI button uses it (authorization code with PKCE, back to `/docs/oauth2-redirect.html`). Its
   * OAuth scopes are the standard ones only: a code-flow token carries whatever scope its client may ask for, whoever
   * the user, so custom scopes come from the user's groups (GROUP_SCOPES, the Pre Token Generation trigger) instead.
   */
  login: {
    name: 'api',
    generateSecret: true,
    authFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    oauth: {
      flows: ['code'],
      scopes: ['openid', 'email', 'profile', 'aws.cognito.signin.user.admin'],
      callbackPaths: ['/docs/oauth2-redirect.html'],
      // Swagger UI's Logout ends the hosted UI's session too, and comes back to the page it left.
      logoutPaths: ['/docs/'],
    },
    enableTokenRevocation: true,
    preventUserExistenceErrors: true,
    tokenValidity: USER_TOKENS,
  },
  /**
   * A gateway's machine-to-machine client (in COGNITO_ALLOWED_CLIENT_IDS): client credentials for `auth/introspect`,
   * the Bearer way into `POST /auth/introspect`. cognito-local stores it but issues no client-credentials tokens.
   */
  introspection: {
    name: 'introspection',
    generateSecret: true,
    authFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
    oauth: { flows: ['client_credentials'], scopes: [SCOPES.authIntrospect], callbackPaths: [], logoutPaths: [] },
    enableTokenRevocation: true,
    preventUserExistenceErrors: true,
    tokenValidity: { accessTokenMinutes: 60, idTokenMinutes: 60, refreshTokenDays: 1 },
  },
  /**
   * The local stack's second login client (`npm run dev -- --client srp`): as the SDK and CloudFormation create one
   * without ExplicitAuthFlows (SRP, refresh, custom auth), plus choice-based sign-in, and no USER_PASSWORD_AUTH, as
   * Amplify apps and many security reviews have it. No secret, as Amplify's public clients. Not deployed.
   */
  srp: {
    name: 'srp',
    generateSecret: false,
    authFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH', 'ALLOW_USER_AUTH'],
    enableTokenRevocation: true,
    preventUserExistenceErrors: true,
    tokenValidity: USER_TOKENS,
  },
};

/** The URLs an app client's authorization code may come back to, on each of the API's base URLs. */
export function callbackUrls(client: AppClientDefinition, baseUrls: readonly string[]): string[] {
  return onEach(baseUrls, client.oauth?.callbackPaths ?? []);
}

/** The sign-out URLs of an app client (the hosted UI's `/logout?logout_uri=`), on each of the API's base URLs. */
export function logoutUrls(client: AppClientDefinition, baseUrls: readonly string[]): string[] {
  return onEach(baseUrls, client.oauth?.logoutPaths ?? []);
}

const onEach = (baseUrls: readonly string[], paths: readonly string[]) =>
  baseUrls.flatMap((base) => paths.map((path) => `${base.replace(/\/+$/, '')}${path}`));
