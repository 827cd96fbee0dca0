// RFC 7009 revocation and RFC 7662 introspection over the service's own checks; knows nothing of HTTP.
import type { Authenticator } from '../bearer/authenticator';
import type { Principal } from '../bearer/principal';
import { InvalidRequestError, InvalidTokenError, UnauthorizedError } from '../errors';
import type { SignInService } from './sign-in-service';

/** Revokes and introspects tokens: the standard doors to logout and to the checks of a protected route. */
export class TokenRevocation {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly signIn: SignInService,
  ) {}

  /**
   * Ends the session of `token`: an access token's session is refused from now on, as /auth/logout does; a refresh
   * token is revoked at Cognito and its session refused too. Every token is tried as an access token first, whatever
   * the hint: that check is offline, and RFC 7009 §2.1 makes the hint only a hint (the search must go on past it).
   * `clientId`, when the caller authenticated as a client, must be the access token's: a token of another client is
   * left as it is. Anything that is no token of this pool ends nothing, without an error.
   */
  async revoke(token: string, clientId?: string): Promise<void> {
    const principal = looksLikeJwt(token) ? await this.accessTokenPrincipal(token, true) : undefined;
    if (principal) {
      if (clientId === undefined || principal.clientId === clientId) await this.signIn.logout(principal);
      return;
    }
    // Cognito's refresh tokens are JWTs too (encrypted): what is no access token may be one.
    await this.signIn.revokeRefreshToken(token);
  }

  /**
   * The principal of an access token that passes every check of a protected route and has not expired; undefined for
   * anything else. The verifier's clock-skew allowance is for accepting a token on a request: RFC 7662's `active`
   * is false once `exp` has passed.
   */
  async introspect(token: string): Promise<Principal | undefined> {
    const principal = await this.accessTokenPrincipal(token, false);
    return principal && principal.expiresAt > Date.now() / 1000 ? principal : undefined;
  }

  /**
   * The principal of `token` as an access token, its session logged out or not as `admitLoggedOut` says; undefined
   * when it is none. A store or key outage stays an error (503): never an answer on a guess.
   */
  private async accessTokenPrincipal(token: string, admitLoggedOut: boolean): Promise<Principal | undefined> {
    try {
      if (!admitLoggedOut) return await this.authenticator.authenticate(token);
      return (await this.authenticator.inspect(token)).principal;
    } catch (err) {
      if (err instanceof InvalidTokenError || err instanceof InvalidRequestError || err instanceof UnauthorizedError) return undefined;
      throw err;
    }
  }
}

/** Three base64url segments: the shape of a JWT (Cognito's access, ID and refresh tokens all have it). */
function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]*\.[\w-]*$/.test(token) || /^[\w-]+(\.[\w-]*){4}$/.test(token);
}
