// Pre Token Generation Lambda trigger (event V2_0/V3_0): writes the scopes of the user's groups into the access token.
import { parseGroupScopes, scopesOfGroups, type GroupScopes } from '../config/group-scopes';

/** What Cognito may ask of one token (the fields this trigger writes or keeps). */
interface TokenGeneration {
  claimsToAddOrOverride?: Record<string, unknown>;
  claimsToSuppress?: string[];
  scopesToAdd?: string[];
  scopesToSuppress?: string[];
}

/** The overrides a V2_0/V3_0 response may carry. */
export interface ClaimsAndScopeOverrideDetails {
  /** Changes to the ID token. */
  idTokenGeneration?: TokenGeneration;
  /** Changes to the access token; only V2_0 and V3_0 events apply them. */
  accessTokenGeneration?: TokenGeneration;
  /** Changes to the groups written into the tokens. */
  groupOverrideDetails?: { groupsToOverride?: string[]; iamRolesToOverride?: string[]; preferredRole?: string };
}

/** The Pre Token Generation event, as far as this trigger reads it (Cognito sends more). */
export interface PreTokenGenerationEvent {
  /** `1` (ID token only), `2` (user access tokens too) or `3` (machine-to-machine access tokens too). */
  version: string;
  /** e.g. `TokenGeneration_Authentication`, `TokenGeneration_RefreshTokens`, `TokenGeneration_ClientCredentials`. */
  triggerSource: string;
  /** What Cognito is about to issue. */
  request: {
    /** The groups the tokens will carry (`cognito:groups`); absent for machine-to-machine tokens. */
    groupConfiguration?: { groupsToOverride?: string[] };
    /** The scopes the access token will carry. */
    scopes?: string[];
  };
  /** What the trigger asks Cognito to change; null on the way in. */
  response: { claimsAndScopeOverrideDetails?: ClaimsAndScopeOverrideDetails | null };
}

/** A Lambda handler of the trigger. */
export type PreTokenGenerationHandler = (event: PreTokenGenerationEvent) => Promise<PreTokenGenerationEvent>;

/**
 * Builds the trigger: each access token gets the scopes `groupScopes` maps its user's groups to, besides those
 * it already has. V1_0 events can't change access tokens; they pass through untouched.
 */
export function createPreTokenGenerationHandler(groupScopes: GroupScopes): PreTokenGenerationHandler {
  return async (event) => {
    if (event.version !== '2' && event.version !== '3') return event;
    const granted = scopesOfGroups(event.request.groupConfiguration?.groupsToOverride ?? [], groupScopes);
    const present = new Set(event.request.scopes ?? []);
    const scopesToAdd = granted.filter((scope) => !present.has(scope));
    if (scopesToAdd.length === 0) return event;

    const details = event.response.claimsAndScopeOverrideDetails ?? {};
    const access = details.accessTokenGeneration ?? {};
    event.response.claimsAndScopeOverrideDetails = {
      ...details,
      accessTokenGeneration: { ...access, scopesToAdd: [...new Set([...(access.scopesToAdd ?? []), ...scopesToAdd])] },
    };
    return event;
  };
}

/**
 * The deployed handler. The map comes from the function's GROUP_SCOPES variable, read once per cold start, so a
 * bad value fails the first invocation loudly instead of issuing tokens without scopes.
 */
export const handler: PreTokenGenerationHandler = createPreTokenGenerationHandler(
  parseGroupScopes(process.env.GROUP_SCOPES),
);
