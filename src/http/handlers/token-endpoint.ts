// /auth/token: the OAuth 2.0 token endpoint (password and refresh_token grants) that Swagger UI's Authorize uses.
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { scopesOf } from '../../bearer/principal';
import type { GroupScopes } from '../../config/group-scopes';
import { InvalidGrantError, UnsupportedGrantTypeError } from '../../errors';
import type { TokenSet } from '../../signin/model';
import type { SignInService } from '../../signin/sign-in-service';
import { checkClient, type TokenClient } from '../client-auth';
import { sendTokens } from '../token-response';
import { parseInput } from '../validate';
import { password, refreshToken, username } from './fields';

const tokenForm = z.object({
  grant_type: z.string({ message: 'required' }).min(1, 'required'),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  scope: z.string().optional(),
});
const passwordGrant = z.object({ username, password });
const refreshGrant = z.object({ refresh_token: refreshToken });

/** What the token endpoint needs. */
export interface TokenEndpointDeps {
  /** Login and refresh. */
  signIn: SignInService;
  /** The app client, to check client credentials sent to the endpoint. */
  client: TokenClient;
  /** Scopes each Cognito group grants, for the `scope` answer. */
  groupScopes: GroupScopes;
}

/**
 * The scopes of a token Cognito has just issued, as RFC 6749 §3.3 asks the token endpoint to say when they differ
 * from the requested ones. The token comes straight from Cognito: it is read here, not trusted as a credential.
 */
function grantedScope(accessToken: string, groupScopes: GroupScopes): string {
  return scopesOf(decomposeUnverifiedJwt(accessToken).payload, groupScopes).join(' ');
}

/** Whether a token request is a login attempt, counted by the username budget: only the password grant is. */
export function isPasswordGrant(body: unknown): boolean {
  return (body as { grant_type?: unknown } | undefined)?.grant_type === 'password';
}

/** POST /auth/token's handler; its guards are in the route table (src/http/routes.ts). */
export function tokenEndpoint(deps: TokenEndpointDeps): RequestHandler {
  return async (req, res) => {
    const params = parseInput(tokenForm, req.body);
    checkClient(req, params, deps.client);
    // Scopes come from the user's groups, not from the request: a client that asked for some hears what it got.
    // An ID token only when `scope` asks for openid, as OpenID Connect does: its issuer is Cognito's, not this
    // service's RFC 8414 issuer, and an OAuth client that discovered this service checks any ID token against it.
    const openid = (params.scope ?? '').split(' ').includes('openid');
    const send = ({ idToken, ...tokens }: TokenSet) =>
      sendTokens(
        res,
        openid ? { ...tokens, idToken } : tokens,
        params.scope?.trim() ? grantedScope(tokens.accessToken, deps.groupScopes) : undefined,
      );
    if (params.grant_type === 'refresh_token') {
      send(await deps.signIn.refresh(parseInput(refreshGrant, req.body).refresh_token));
      return;
    }
    if (params.grant_type !== 'password') {
      throw new UnsupportedGrantTypeError('grant_type must be "password" or "refresh_token".');
    }
    const grant = parseInput(passwordGrant, req.body);
    const result = await deps.signIn.login(grant.username, grant.password);
    if ('challenge' in result) {
      throw new InvalidGrantError(
        `This login must answer ${result.challenge.challenge} first: use POST /auth/login, then POST /auth/challenge.`,
      );
    }
    send(result.tokens);
  };
}
