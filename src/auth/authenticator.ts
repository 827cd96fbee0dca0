// Verifies a Bearer token and checks it against the session denylist; one Redis round trip per request.
import { InvalidTokenError } from '../errors';
import { isRevoked, type SessionStore } from '../sessions/session-store';
import { toPrincipal, type Principal } from './principal';
import type { AccessTokenVerifier } from './token-verifier';

/** Turns a Bearer token into a Principal, or throws the contract's error. */
export class Authenticator {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly sessions: SessionStore,
    private readonly groupScopes: Record<string, string[]>,
  ) {}

  /** Verifies the token, then refuses it when its session logged out or the user logged out everywhere after. */
  async authenticate(token: string): Promise<Principal> {
    const claims = await this.verifier.verify(token);
    const principal = toPrincipal(claims, token, this.groupScopes);
    const revocation = await this.sessions.getRevocation(principal.sub, principal.sessionId);
    if (isRevoked(revocation, principal.authTime)) {
      throw new InvalidTokenError('The session of this token has logged out.');
    }
    return principal;
  }
}
