// What the standard OAuth routes do: RFC 7009 revocation, RFC 7662 introspection, RFC 8414 metadata.
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../bearer/authenticator';
import { extractBearerToken } from '../../bearer/bearer-token';
import { assertScopes } from '../../bearer/scopes';
import type { CognitoConfig } from '../../config/config';
import { InsufficientScopeError, InvalidClientError, InvalidRequestError, InvalidTokenError, UnauthorizedError } from '../../errors';
import type { TokenRevocation } from '../../signin/token-revocation';
import type { FailureBudget } from '../budgets';
import { assertOneMethod, basicCredentials, checkClient, isBasic, safeEqual, type ClientCredentials } from '../client-auth';
import { publicBaseUrl } from '../public-url';
import { parseInput } from '../validate';

const tokenForm = z.object({
  token: z.string({ message: 'required' }).min(1, 'required').max(8192, 'at most 8192 characters'),
  // RFC 7009 §2.1: a hint is read, never obeyed: every token is tried as an access token first, the check offline.
  token_type_hint: z.string().max(64, 'at most 64 characters').optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

/**
 * An introspection answer, as JSON in one write. Not res.json: a gateway asks on every request it forwards, and
 * res.send's steps for GET answers (its charset rewrite, its freshness check) cost more than the claims'
 * serialization. Not end(body) either: that corks the socket and sends the body and an empty last chunk through
 * writev, which cost more here than one write; write() then end() sends head and body as one string.
 */
function sendIntrospection(res: Response, answer: Record<string, unknown>): void {
  const body = JSON.stringify(answer);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.write(body);
  res.end();
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** What the OAuth routes need. */
export interface OAuthDeps {
  revocation: TokenRevocation;
  authenticator: Authenticator;
  /** The app client whose credentials revocation checks. */
  cognito: CognitoConfig;
  /** Who may introspect, and the budget their failed authentications spend. */
  introspection: { clients: Map<string, string>; scope: string; failures: FailureBudget };
  /** The token issuer, as the active answer's `iss`. */
  issuer: string;
  /** Every scope the API knows, for the metadata. */
  scopes: string[];
  /** PUBLIC_URL, the metadata's issuer and endpoints' base; undefined: the request's base URL. */
  publicUrl?: string;
}

/** The handlers of /auth/revoke, /auth/introspect and the RFC 8414 metadata. */
export function oauthHandlers(deps: OAuthDeps) {
  /**
   * The introspection caller: HTTP Basic of an INTROSPECTION_CLIENTS pair, or a Bearer access token with the
   * INTROSPECTION_SCOPE. Anything else is invalid_client (401, with a Basic challenge). Resolves with the caller's
   * client id: the Basic client's, or that of the client the Bearer token was issued to. Wrong secrets spend the
   * failure budget of the client id they name (429 once spent); a token can't be guessed, so Bearer failures don't.
   */
  const authenticateCaller = async (req: Request): Promise<string> => {
    const authorization = req.get('authorization');
    // Built only when refused: an error's stack trace costs as much as the rest of an accepted call's check.
    const refused = () => new InvalidClientError('Introspection needs HTTP Basic client credentials or a Bearer token with its scope.');
    if (isBasic(authorization)) {
      let credentials: ClientCredentials;
      try {
        credentials = basicCredentials(authorization);
      } catch (err) {
        deps.introspection.failures.fail('');
        throw err;
      }
      const { client_id: id = '', client_secret: secret = '' } = credentials;
      const known = deps.introspection.clients.get(id);
      // The secret is compared even for an unknown id, so both take the same time.
      const matches = safeEqual(secret, known ?? secret.replace(/./g, '\u0000'));
      if (known === undefined || !matches) {
        deps.introspection.failures.fail(id);
        throw refused();
      }
      deps.introspection.failures.succeed(id, req);
      return id;
    }
    try {
      const principal = await deps.authenticator.authenticate(extractBearerToken(authorization, false));
      assertScopes(principal, [deps.introspection.scope]);
      return principal.clientId;
    } catch (err) {
      const callersFault = [UnauthorizedError, InvalidRequestError, InvalidTokenError, InsufficientScopeError, InvalidClientError];
      if (callersFault.some((type) => err instanceof type)) throw refused();
      throw err;
    }
  };

  return {
    /** RFC 7009: 200 for every token, revoked or not; 401 only for wrong client credentials. */
    revoke: (async (req, res) => {
      const form = parseInput(tokenForm, req.body);
      const clientId = checkClient(req, form, deps.cognito);
      await deps.revocation.revoke(form.token, clientId);
      res.status(200).set(NO_STORE).end();
    }) satisfies RequestHandler,

    /** RFC 7662: the active answer for a token that passes every check of a protected route, else `active: false`. */
    introspect: (async (req, res) => {
      const caller = await authenticateCaller(req);
      const form = parseInput(tokenForm, req.body);
      assertOneMethod(caller, form);
      const principal = await deps.revocation.introspect(form.token);
      res.set(NO_STORE);
      if (!principal) {
        sendIntrospection(res, { active: false });
        return;
      }
      sendIntrospection(res, {
        active: true,
        scope: principal.scopes.join(' '),
        client_id: principal.clientId,
        // JSON.stringify leaves out a member whose value is undefined: no username for a machine, no jti without one.
        username: principal.username ?? undefined,
        sub: principal.sub,
        token_type: 'Bearer',
        exp: principal.expiresAt,
        iat: principal.issuedAt,
        iss: deps.issuer,
        jti: principal.tokenId,
        groups: principal.groups,
      });
    }) satisfies RequestHandler,

    /**
     * RFC 8414: this service as an authorization server; the issuer is its own base URL. Only the grants its token
     * endpoint takes: the hosted UI's code flow is Cognito's own, exchanged at Cognito's token endpoint and
     * described by Cognito's metadata, so none of it is advertised here.
     */
    authorizationServer: ((req, res) => {
      const issuer = publicBaseUrl(req, deps.publicUrl);
      const clientAuth = ['client_secret_basic', 'client_secret_post', 'none'];
      // Derived from request headers, the answer differs per caller: no shared cache may keep it.
      res.set('Cache-Control', deps.publicUrl ? 'public, max-age=3600' : 'no-store');
      res.json({
        issuer,
        token_endpoint: `${issuer}/auth/token`,
        token_endpoint_auth_methods_supported: clientAuth,
        revocation_endpoint: `${issuer}/auth/revoke`,
        revocation_endpoint_auth_methods_supported: clientAuth,
        introspection_endpoint: `${issuer}/auth/introspect`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'bearer'],
        grant_types_supported: ['password', 'refresh_token'],
        scopes_supported: deps.scopes,
        // No authorization endpoint here: RFC 8414 §2 has the member, empty.
        response_types_supported: [],
        service_documentation: `${issuer}/docs`,
      });
    }) satisfies RequestHandler,
  };
}
