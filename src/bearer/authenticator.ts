// Verifies a Bearer token and checks it against the session denylist; one Redis round trip per request.
import type { GroupScopes } from '../config/group-scopes';
import { refusalOf, type DenylistStore, type Refusal } from '../denylist/denylist-store';
import { InvalidTokenError } from '../errors';
import { toPrincipal, type Principal } from './principal';
import type { AccessTokenClaims, AccessTokenVerifier } from './token-verifier';

/** Turns a Bearer token into a Principal, or throws the contract's error. */
export class Authenticator {
  /**
   * The principal of each claims object, less its token: the token cache hands back the same claims object for a
   * warm token, so scopes and groups are worked out once per token, not per request. Weak, so it lives exactly as
   * long as the cache keeps the claims, and it never holds the token itself.
   */
  private readonly principals = new WeakMap<AccessTokenClaims, Omit<Principal, 'accessToken'>>();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly denylist: DenylistStore,
    private readonly groupScopes: GroupScopes,
  ) {}

  /**
   * Verifies the token, then refuses it when its session logged out, the user logged out everywhere after, or the
   * store lost what it knew of the session (it began before the loss was noticed).
   */
  async authenticate(token: string): Promise<Principal> {
    const { principal, refusal } = await this.inspect(token);
    if (refusal === 'logged_out') throw new InvalidTokenError('The session of this token has logged out.', { reason: 'logged_out' });
    if (refusal === 'store_lost') {
      throw new InvalidTokenError('The session store lost what it knew of this session; sign in again.', { reason: 'store_lost' });
    }
    return principal;
  }

  /** Verifies the token and reads the denylist, but leaves the verdict on a refused session to the caller. */
  async inspect(token: string): Promise<{ principal: Principal; refusal: Refusal | null }> {
    const claims = await this.verifier.verify(token);
    let known = this.principals.get(claims);
    if (!known) {
      const { accessToken: _token, ...rest } = toPrincipal(claims, token, this.groupScopes);
      known = Object.freeze(rest);
      this.principals.set(claims, known);
    }
    if (claims.origin_jti !== undefined) {
      const principal: Principal = { ...known, accessToken: token };
      const revocation = await this.denylist.getRevocation(principal.sub, principal.sessionId);
      return { principal, refusal: refusalOf(revocation, principal.authTime) };
    }
    // Without origin_jti a refresh gives a new jti: the link the refresh left makes the token one with its login.
    const revocation = await this.denylist.getSessionRevocation(known.sub, known.sessionId);
    const principal: Principal = { ...known, sessionId: revocation.sessionId, accessToken: token };
    return { principal, refusal: refusalOf(revocation, principal.authTime) };
  }
}
