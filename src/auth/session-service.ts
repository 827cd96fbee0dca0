// Login, refresh, challenge and logout: Cognito calls plus the session state that makes logout real.
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { Logger } from 'pino';
import type { ChallengeAnswer, CognitoAuth, LoginResult, TokenSet } from '../cognito/cognito-auth';
import { InvalidGrantError, TemporarilyUnavailableError, TooManyRequestsError } from '../errors';
import { isRevoked, refreshTokenId, type SessionStore } from '../sessions/session-store';
import { authTimeOf, sessionIdOf, type Principal } from './principal';
import type { AccessTokenClaims } from './token-verifier';

/** Options of the SessionService. */
export interface SessionServiceOptions {
  /** How long logged-out sessions, cut-offs and refresh token records are remembered, in seconds. */
  sessionTtlSeconds: number;
  /** Clock in epoch ms. */
  now?: () => number;
  /** Waits `ms`; replaceable so tests of logout-all need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the routes call; knows nothing of HTTP. */
export class SessionService {
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly cognito: CognitoAuth,
    private readonly sessions: SessionStore,
    private readonly logger: Logger,
    options: SessionServiceOptions,
  ) {
    this.ttl = options.sessionTtlSeconds;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Password login; remembers the refresh token's session so refresh and logout can find it. */
  async login(username: string, password: string): Promise<LoginResult> {
    const result = await this.cognito.login(username, password);
    if ('tokens' in result) await this.remember(result.tokens);
    return result;
  }

  /** Answers a challenge; gives tokens or the next challenge. */
  async respondToChallenge(answer: ChallengeAnswer): Promise<LoginResult> {
    const result = await this.cognito.respondToChallenge(answer);
    if ('tokens' in result) await this.remember(result.tokens);
    return result;
  }

  /** New access and ID tokens for a refresh token, refused when its session has logged out. */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const record = await this.sessions.findRefreshToken(refreshTokenId(refreshToken));
    if (record) {
      const revocation = await this.sessions.getRevocation(record.sub, record.sessionId);
      if (isRevoked(revocation, record.authTime)) {
        throw new InvalidGrantError('The session of this refresh token has logged out.');
      }
    }
    const tokens = await this.cognito.refresh(refreshToken, record?.username);
    return { ...tokens, refreshToken: undefined };
  }

  /**
   * Logs the presented token's session out on every instance; with a refresh token, also that token's session,
   * and revokes it at Cognito. The denylist is written first, so a failing Cognito never leaves the session open;
   * when Cognito can't revoke now, the caller hears so (503) and may repeat the logout, which is idempotent.
   */
  async logout(principal: Principal, refreshToken?: string): Promise<void> {
    await this.sessions.revokeSession(principal.sub, principal.sessionId, this.ttl);
    if (!refreshToken) return;

    const tokenId = refreshTokenId(refreshToken);
    const record = await this.sessions.findRefreshToken(tokenId);
    if (record && record.sub === principal.sub && record.sessionId !== principal.sessionId) {
      await this.sessions.revokeSession(record.sub, record.sessionId, this.ttl);
    }
    try {
      await this.cognito.revokeRefreshToken(refreshToken);
    } catch (err) {
      if (err instanceof TemporarilyUnavailableError || err instanceof TooManyRequestsError) {
        throw new TemporarilyUnavailableError(
          'This session is logged out, but Cognito could not revoke the refresh token now; repeat the logout to revoke it.',
          err.retryAfterSeconds,
          { cause: err },
        );
      }
      if (!(err instanceof InvalidGrantError)) {
        // The record stays, so refreshing this logged-out session through the service is still refused.
        this.logger.warn({ err }, 'logout: Cognito did not revoke the refresh token; the session is denylisted');
        return;
      }
      // An invalid or already revoked refresh token has nothing left to revoke.
    }
    await this.sessions.forgetRefreshToken(tokenId);
  }

  /**
   * Refuses every token of the user authenticated up to now; Cognito's global sign-out is called where supported.
   */
  async logoutAll(principal: Principal): Promise<{ cognitoSignedOut: boolean }> {
    const cutoff = await this.cutOff(principal);
    await this.sessions.revokeSession(principal.sub, principal.sessionId, this.ttl);
    let cognitoSignedOut = false;
    try {
      cognitoSignedOut = await this.cognito.globalSignOut(principal.accessToken);
      if (!cognitoSignedOut) this.logger.info('logout-all: this Cognito endpoint has no GlobalSignOut; denylist only');
    } catch (err) {
      this.logger.warn({ err }, 'logout-all: Cognito GlobalSignOut failed; the denylist cut-off stands');
    }
    await this.waitPast(cutoff);
    return { cognitoSignedOut };
  }

  /** Refuses every token of the user authenticated up to now except those of the presented token's session. */
  async logoutOtherSessions(principal: Principal): Promise<void> {
    await this.waitPast(await this.cutOff(principal, principal.sessionId));
  }

  /** Writes the user's cut-off at the current second (inclusive) and returns that second. */
  private async cutOff(principal: Principal, spareSessionId?: string): Promise<number> {
    const cutoff = Math.floor(this.now() / 1000);
    await this.sessions.revokeAllUpTo(principal.sub, cutoff, this.ttl, spareSessionId);
    return cutoff;
  }

  /**
   * Waits until the cut-off second is over. `auth_time` has one-second resolution, so only then does a login made
   * after the call returns get a later `auth_time` than the cut-off, and work.
   */
  private async waitPast(cutoff: number): Promise<void> {
    const wait = (cutoff + 1) * 1000 - this.now();
    if (wait > 0) await this.sleep(wait);
  }

  /** Records who a refresh token belongs to: Cognito's username (for SECRET_HASH) and the session. */
  private async remember(tokens: TokenSet): Promise<void> {
    if (!tokens.refreshToken) return;
    // The token comes straight from Cognito over TLS; it is read here, not trusted as a credential.
    const claims = decomposeUnverifiedJwt(tokens.accessToken).payload as unknown as AccessTokenClaims;
    if (!claims.sub || !claims.username) return;
    await this.sessions.rememberRefreshToken(
      refreshTokenId(tokens.refreshToken),
      {
        username: claims.username,
        sub: claims.sub,
        sessionId: sessionIdOf(claims),
        authTime: authTimeOf(claims),
      },
      this.ttl,
    );
  }
}
