// Signing in and out: login, challenges, refresh and logout, Cognito's calls plus the denylist that makes logout real.
import { decomposeUnverifiedJwt } from 'aws-jwt-verify/jwt';
import type { Logger } from 'pino';
import { authTimeOf, sessionIdOf, type Principal, type SessionClaims } from '../bearer/principal';
import { CLOCK_SKEW_SECONDS } from '../bearer/token-verifier';
import { refusalOf, refreshTokenId, type DenylistStore, type RefreshTokenRecord, type Refusal } from '../denylist/denylist-store';
import { endUserSessions } from '../denylist/end-sessions';
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

/** Amazon Cognito's longest access token lifetime (an app client sets 5 minutes to 1 day). */
const ACCESS_TOKEN_MAX_SECONDS = 86_400;

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

  /** Password login; remembers the refresh token's session where its tokens can't name it (see remember). */
  async login(username: string, password: string | undefined): Promise<LoginResult> {
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

  /**
   * New access and ID tokens for a refresh token, refused when its session has logged out: before Cognito is asked
   * when the service keeps a record of the refresh token, else by the `origin_jti` of the tokens Cognito answers.
   * Carries a new refresh token only where the app client rotates them.
   */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const record = await this.denylist.findRefreshToken(refreshTokenId(refreshToken));
    if (record) await this.refuseLoggedOut(record.sub, record.sessionId, record.authTime);
    const tokens = await this.cognito.refresh(refreshToken, record?.username);
    const session = issuedSessionOf(tokens.accessToken);
    // A refresh token the service has no record of (tokens straight from Cognito, or where origin_jti names the
    // session): its session is judged by the tokens Cognito answers, by when that session began.
    if (!record && session) {
      const began = Math.min(authTimeOf(session), tokens.sessionAuthTime ?? Infinity);
      await this.refuseLoggedOut(session.sub, sessionIdOf(session), began);
    }
    const { sessionAuthTime: _began, ...issued } = tokens;
    if (record && session && !session.origin_jti) {
      // A new jti, so a new session by its claims: linked to the login's for as long as the token lives.
      const ttl = Math.max(1, (session.exp ?? 0) + CLOCK_SKEW_SECONDS - Math.floor(this.now() / 1000));
      await this.denylist.linkSession(session.sub, sessionIdOf(session), record.sessionId, ttl);
    }
    await this.remember(issued, record?.sessionId);
    return issued;
  }

  /** Throws invalid_grant when the session a refresh token belongs to has logged out, or the store lost it. */
  private async refuseLoggedOut(sub: string, sessionId: string, authTime: number): Promise<void> {
    const refusal = refusalOf(await this.denylist.getRevocation(sub, sessionId), authTime);
    if (refusal === 'logged_out') throw new InvalidGrantError('The session of this refresh token has logged out.');
    if (refusal === 'store_lost') throw new InvalidGrantError('The session store lost what it knew of this session; sign in again.');
  }

  /**
   * Logs the presented token's session out on every instance; with a refresh token, also that token's session,
   * and revokes it at Cognito. The denylist is written first, so a failing Cognito never leaves the session open;
   * when Cognito can't revoke now, the caller hears so (503) and may repeat the logout, which is idempotent.
   * Once the refresh token of a session is revoked, no new token of that session can appear, so its entry is
   * shortened to outlive only the session's access tokens (see expireWithAccessTokens).
   */
  async logout(principal: Principal, refreshToken?: string): Promise<void> {
    await this.denylist.revokeSession(principal.sub, principal.sessionId, this.ttl);
    if (!refreshToken) return;

    const tokenId = refreshTokenId(refreshToken);
    const record = await this.denylist.findRefreshToken(tokenId);
    const recorded = record?.sub === principal.sub ? record : null;
    if (recorded && recorded.sessionId !== principal.sessionId) {
      await this.denylist.revokeSession(recorded.sub, recorded.sessionId, this.ttl);
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
    if (record) await this.denylist.forgetRefreshToken(tokenId);
    // The logout is done: a failure here only leaves the entry for the refresh token lifetime, which is safe.
    await this.expireWithAccessTokens(principal, recorded).catch((err: unknown) => {
      this.logger.warn({ err }, 'logout: the session stays denylisted for the refresh token lifetime');
    });
  }

  /**
   * RFC 7009 for a refresh token: its session is refused here from now on, and Cognito revokes it. The session is
   * the service's record's where it keeps one; else the `origin_jti` of the tokens Cognito answers to it (asked
   * first, since only then can the session be named). A token Cognito doesn't take (unknown, expired, revoked, of
   * another client) ends nothing and is no error: RFC 7009 answers 200 for those. 503 when Cognito can't answer now.
   */
  async revokeRefreshToken(refreshToken: string): Promise<void> {
    const tokenId = refreshTokenId(refreshToken);
    const record = await this.denylist.findRefreshToken(tokenId);
    if (record) {
      await this.denylist.revokeSession(record.sub, record.sessionId, this.ttl);
    } else {
      try {
        const session = issuedSessionOf((await this.cognito.refresh(refreshToken, undefined)).accessToken);
        if (session) await this.denylist.revokeSession(session.sub, sessionIdOf(session), this.ttl);
      } catch (err) {
        if (err instanceof InvalidGrantError) return;
        throw err;
      }
    }
    try {
      await this.cognito.revokeRefreshToken(refreshToken);
    } catch (err) {
      if (!(err instanceof InvalidGrantError)) throw err;
    }
    if (record) await this.denylist.forgetRefreshToken(tokenId);
  }

  /**
   * Shortens the denylist entries of the sessions whose refresh token Cognito has just revoked, to Cognito's
   * longest access token lifetime (plus the clock skew the verifier allows). The presented session qualifies only
   * when that refresh token is known to be its own: the service's record says so, or Cognito now refuses the
   * presented access token (it revokes a refresh token's access tokens with it). A refresh token sent with
   * somebody else's access token leaves that session's entry as it was.
   */
  private async expireWithAccessTokens(principal: Principal, recorded: RefreshTokenRecord | null): Promise<void> {
    const ttl = Math.min(this.ttl, ACCESS_TOKEN_MAX_SECONDS + CLOCK_SKEW_SECONDS);
    if (ttl === this.ttl) return;
    if (recorded) await this.denylist.revokeSession(recorded.sub, recorded.sessionId, ttl);
    if (recorded?.sessionId === principal.sessionId) return;
    // Cognito also refuses an expired token: only a token well inside its lifetime tells a revocation apart.
    const expiresSoon = principal.expiresAt - CLOCK_SKEW_SECONDS <= Math.floor(this.now() / 1000);
    if (!expiresSoon && (await this.cognito.accessTokenRevoked(principal.accessToken))) {
      await this.denylist.revokeSession(principal.sub, principal.sessionId, ttl);
    }
  }

  /**
   * Refuses every token of the user authenticated up to now; Cognito's global sign-out is called where supported.
   */
  async logoutAll(principal: Principal, refusal: Refusal | null = null): Promise<void> {
    if (refusal !== null) {
      // A repeat (the first try's answer was a 503) or a token already cut off: the cut-off is raised to the token's
      // own authentication at most, written again for the replicas, and no later session ends. A cut-off at "now"
      // would let a stolen, logged-out token end every session its user starts from then on.
      await this.denylist.raiseCutoff(principal.sub, principal.authTime, this.ttl);
      await this.denylist.revokeSession(principal.sub, principal.sessionId, this.ttl);
      return;
    }
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

  /**
   * Ends every session of the user `sub` at once, on every instance (a password reset, an admin's action): every
   * token authenticated up to now is refused, and a refresh of those sessions mints nothing that works. Resolves
   * once the cut-off second is over, so a login right after works.
   */
  async endAllSessions(sub: string): Promise<void> {
    await endUserSessions(this.denylist, sub, { ttlSeconds: this.ttl, now: this.now, sleep: this.sleep });
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

  /**
   * Records who a refresh token belongs to, where its tokens can't say: without `origin_jti` (cognito-local, or an
   * app client without token revocation) a refreshed token is a new session, so only this record ties a refresh
   * back to the session that logged out, and it gives the username SECRET_HASH needs. Amazon Cognito's tokens carry
   * `origin_jti`: a refresh is checked by the tokens it gives, and nothing is kept per login.
   */
  private async remember(tokens: TokenSet, sessionId?: string): Promise<void> {
    if (!tokens.refreshToken) return;
    const claims = issuedSessionOf(tokens.accessToken);
    if (!claims || claims.origin_jti) return;
    await this.denylist.rememberRefreshToken(
      refreshTokenId(tokens.refreshToken),
      {
        username: claims.username,
        sub: claims.sub,
        // A rotated refresh token stays in the session of the one it replaced.
        sessionId: sessionId ?? sessionIdOf(claims),
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
function issuedSessionOf(accessToken: string): (SessionClaims & { username: string; exp?: number }) | undefined {
  const { sub, username, jti, origin_jti, iat, auth_time, exp } = decomposeUnverifiedJwt(accessToken).payload;
  if (typeof sub !== 'string' || !sub || typeof username !== 'string' || !username) return undefined;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const seconds = (value: unknown) => (typeof value === 'number' ? value : undefined);
  return { sub, username, jti: text(jti), origin_jti: text(origin_jti), iat: seconds(iat), auth_time: seconds(auth_time), exp: seconds(exp) };
}
