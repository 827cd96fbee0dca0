// Who the caller is, derived from a verified access token and the group-to-scope map.
import { scopesOfGroups, type GroupScopes } from '../config/group-scopes';
import type { AccessTokenClaims } from './token-verifier';

/** The authenticated caller of a request. */
export interface Principal {
  /** The user's `sub`, or the client id for machine-to-machine tokens. */
  sub: string;
  /** Cognito username; null for machine-to-machine tokens. */
  username: string | null;
  /** App client the token was issued to. */
  clientId: string;
  /** The token's scopes plus the scopes its groups grant. */
  scopes: string[];
  /** Cognito groups. */
  groups: string[];
  /** Always `access`. */
  tokenUse: 'access';
  /** The session the token belongs to: `origin_jti`, else `jti` (or, refreshed, its login's, see the denylist). */
  sessionId: string;
  /** The token's own id (`jti`), when it has one. */
  tokenId?: string;
  /** `iat`, epoch seconds. */
  issuedAt: number;
  /** `exp`, epoch seconds. */
  expiresAt: number;
  /** `auth_time`, else `iat`, epoch seconds: compared with the logout-all cut-off. */
  authTime: number;
  /** The raw access token, for calls to Cognito made on the user's behalf (GlobalSignOut). */
  accessToken: string;
}

/**
 * The claims that name a token's session. Not a statement that they were verified: the Authenticator passes
 * verified claims, the sign-in use cases the checked claims of a token Cognito has just issued to them.
 */
export interface SessionClaims {
  /** Subject. */
  sub: string;
  /** Token id. */
  jti?: string;
  /** Id of the first access token of the session (Amazon Cognito). */
  origin_jti?: string;
  /** Issued at, epoch seconds. */
  iat?: number;
  /** When the user authenticated, epoch seconds. */
  auth_time?: number;
}

/** The session a token belongs to: `origin_jti` (stable across refreshes on Cognito), else `jti`. */
export function sessionIdOf(claims: SessionClaims): string {
  // A token without jti is only mintable by the pool's key; its sub and iat still pin it to one session.
  return claims.origin_jti ?? claims.jti ?? `${claims.sub}:${claims.iat ?? 0}`;
}

/** When the user authenticated: `auth_time`, else `iat`. */
export function authTimeOf(claims: SessionClaims): number {
  return claims.auth_time ?? claims.iat ?? 0;
}

/**
 * The scopes a token grants: its `scope` claim plus the scopes its `cognito:groups` are mapped to. Takes the claims
 * as unknown values and checks their types, so a token Cognito has just issued can be read without verifying it.
 */
export function scopesOf(claims: { scope?: unknown; 'cognito:groups'?: unknown }, groupScopes: GroupScopes): string[] {
  const claimed = claims['cognito:groups'];
  const groups = Array.isArray(claimed) ? claimed.filter((group): group is string => typeof group === 'string') : [];
  const scopes = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []);
  for (const scope of scopesOfGroups(groups, groupScopes)) scopes.add(scope);
  return [...scopes];
}

/** Builds the principal of verified claims; `groupScopes` maps Cognito groups to the scopes they grant. */
export function toPrincipal(
  claims: AccessTokenClaims,
  accessToken: string,
  groupScopes: GroupScopes,
): Principal {
  return {
    sub: claims.sub,
    username: claims.username ?? null,
    clientId: claims.client_id,
    scopes: scopesOf(claims, groupScopes),
    groups: Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'] : [],
    tokenUse: 'access',
    sessionId: sessionIdOf(claims),
    tokenId: claims.jti,
    issuedAt: claims.iat ?? 0,
    expiresAt: claims.exp,
    authTime: authTimeOf(claims),
    accessToken,
  };
}
