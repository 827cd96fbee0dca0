// Signing in and out: login, challenges, refresh and logout, Cognito's calls plus the denylist that makes logout real.
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { Logger } from 'pino';
import { authTimeOf, sessionIdOf, type Principal, type SessionClaims } from '../bearer/principal';
import { isRevoked, refreshTokenId, type DenylistStore } from '../denylist/denylist-store';
import { InvalidGrantError, RetryLaterError, TemporarilyUnavailableError, UnsupportedByCognitoError } from '../errors';
import type { ChallengeAnswer, CognitoSignIn, LoginResult, TokenSet } from './model';

/** Options of the SignInService. */
export interface SignInServiceOptions {
  /** How long logged-out sessions, cut-offs and refresh token records are remembered, in seconds. */
  sessionTtlSeconds: number;
  /** Clock in epoch ms. */
  now?: () => number;
  /** Waits `ms`; replaceable so tests of logout-all need not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the sign-in routes call; knows nothing of HTTP. */
export class SignInService {
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly cognito: CognitoSignIn,
    private readonly denylist: DenylistStore,
    private readonly logger: Logger,
    options: SignInServiceOptions,
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
    const record = await this.denylist.findRefreshToken(refreshTokenId(refreshToken));
    if (record) {
      const revocation = await this.denylist.getRevocation(record.sub, record.sessionId);
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
    await this.denylist.revokeSession(principal.sub, principal.sessionId, this.ttl);
    if (!refreshToken) return;

    const tokenId = refreshTokenId(refreshToken);
    const record = await this.denylist.findRefreshToken(tokenId);
    if (record && record.sub === principal.sub && record.sessionId !== principal.sessionId) {
      await this.denylist.revokeSession(record.sub, record.sessionId, this.ttl);
    }
    try {
      await this.cognito.revokeRefreshToken(refreshToken);
    } catch (err) {
      if (err instanceof RetryLaterError) {
        throw new TemporarilyUnavailableError(
          'This session is logged out, but Cognito could not revoke the refresh token now; repeat the logout to revoke it.',
          { retryAfterSeconds: err.retryAfterSeconds, cause: err },
        );
      }
      if (!(err instanceof InvalidGrantError)) {
        // The record stays, so refreshing this logged-out session through the service is still refused.
        this.logger.warn({ err }, 'logout: Cognito did not revoke the refresh token; the session is denylisted');
        return;
      }
      // An invalid or already revoked refresh token has nothing left to revoke.
    }
    await this.denylist.forgetRefreshToken(tokenId);
  }

  /**
   * Refuses every token of the user authenticated up to now; Cognito's global sign-out is called where supported.
   */
  async logoutAll(principal: Principal): Promise<void> {
    const cutoff = await this.cutOff(principal);
    await this.denylist.revokeSession(principal.sub, principal.sessionId, this.ttl);
    try {
      await this.cognito.globalSignOut(principal.accessToken);
    } catch (err) {
      if (err instanceof UnsupportedByCognitoError) {
        this.logger.info('logout-all: this Cognito endpoint has no GlobalSignOut; denylist only');
      } else {
        this.logger.warn({ err }, 'logout-all: Cognito GlobalSignOut failed; the denylist cut-off stands');
      }
    }
    await this.waitPast(cutoff);
  }

  /** Refuses every token of the user authenticated up to now except those of the presented token's session. */
  async logoutOtherSessions(principal: Principal): Promise<void> {
    await this.waitPast(await this.cutOff(principal, principal.sessionId));
  }

  /** Writes the user's cut-off at the current second (inclusive) and returns that second. */
  private async cutOff(principal: Principal, spareSessionId?: string): Promise<number> {
    const cutoff = Math.floor(this.now() / 1000);
    await this.denylist.revokeAllUpTo(principal.sub, cutoff, this.ttl, spareSessionId);
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
    const claims = issuedSessionOf(tokens.accessToken);
    if (!claims) return;
    await this.denylist.rememberRefreshToken(
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

/**
 * The session claims of an access token Cognito has just issued to this service, each checked for its type. The
 * token comes straight from Cognito over TLS: it is read here, not verified, and not trusted as a credential.
 */
function issuedSessionOf(accessToken: string): (SessionClaims & { username: string }) | undefined {
  const { sub, username, jti, origin_jti, iat, auth_time } = decomposeUnverifiedJwt(accessToken).payload;
  if (typeof sub !== 'string' || !sub || typeof username !== 'string' || !username) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const seconds = (value: unknown) => (typeof value === 'number' ? value : undefined);
  return { sub, username, jti: text(jti), origin_jti: text(origin_jti), iat: seconds(iat), auth_time: seconds(auth_time) };
}
