// The denylist: the store that remembers logged-out sessions, logout-all cut-offs and refresh tokens.
import { shortDigest } from '../redis/keys';

/** What the store knows about one session of one user. */
export interface Revocation {
  /** True when this session logged out. */
  sessionRevoked: boolean;
  /**
   * Logout-all cut-off in epoch seconds: tokens authenticated at or before it are refused; null when none, or
   * when this session is the one the cut-off spares (the session that changed the password).
   */
  cutoff: number | null;
  /**
   * The last epoch second of which the part of the store holding this user's keys may have lost what it was told:
   * it was found restarted empty, flushed or replaced (or new) then. A session that began in or before it may have
   * logged out in what was lost, so it is refused. Undefined when nothing is refused for it (the in-process store,
   * `DENYLIST_ON_LOSS=accept`).
   */
  lostUpTo?: number;
}

/** Why a token's session is refused: it logged out (or was cut off), or the store lost what it knew of it. */
export type Refusal = 'logged_out' | 'store_lost';

/** What the store knows about the session a token belongs to, once any link is followed. */
export interface SessionRevocation extends Revocation {
  /** The session the token belongs to: the one it was linked to at refresh, else the one it names. */
  sessionId: string;
}

/** How `raiseCutoff` treats a cut-off of the same second that spares a session. */
export interface RaiseCutoffOptions {
  /**
   * Keep such a cut-off (and the session it spares) instead of replacing it with one that spares nothing. True for a
   * password change recorded by CloudTrail: the service's own change-password writes its cut-off, sparing the caller,
   * in the same second as the call CloudTrail records. Default false: ordering within a second is unknown, so an
   * admin action of that second ends the spared session too.
   */
  keepSparedAtSameSecond?: boolean;
}

/** What the service remembers about a refresh token it handed out. */
export interface RefreshTokenRecord {
  /** Cognito's internal username (`username` claim): the one SECRET_HASH is computed with on refresh. */
  username: string;
  /** The user's `sub`. */
  sub: string;
  /** The session the refresh token belongs to (`origin_jti`, else `jti` of its first access token). */
  sessionId: string;
  /** `auth_time` of the session, epoch seconds. */
  authTime: number;
}

/**
 * Session state shared by every instance. Implementations: Redis (many instances) and in-process (one instance).
 * Entries are keyed by user and each expires, so nothing grows without bound.
 */
export interface DenylistStore {
  /** Remembers that `sessionId` of `sub` logged out, for `ttlSeconds`. */
  revokeSession(sub: string, sessionId: string, ttlSeconds: number): Promise<void>;
  /**
   * Sets the logout-all cut-off of `sub` (epoch seconds, inclusive), remembered for `ttlSeconds`, replacing any
   * earlier one. `spareSessionId` names a session the cut-off does not apply to.
   */
  revokeAllUpTo(sub: string, cutoff: number, ttlSeconds: number, spareSessionId?: string): Promise<void>;
  /**
   * Raises the cut-off of `sub` to `cutoff` (epoch seconds, inclusive), remembered for `ttlSeconds`, and never lowers
   * it, in one atomic step: for writers that may arrive late (a CloudTrail event minutes after the call) and must not
   * undo a later logout-all. See `supersedes` for when the cut-off already there stays. Resolves true when it wrote.
   */
  raiseCutoff(sub: string, cutoff: number, ttlSeconds: number, options?: RaiseCutoffOptions): Promise<boolean>;
  /** Reads, in one round trip, whether the session logged out and the user's cut-off. */
  getRevocation(sub: string, sessionId: string): Promise<Revocation>;
  /**
   * Links a token's own session id (`tokenSessionId`, its `jti`) to the session it was refreshed from, for
   * `ttlSeconds` (the token's lifetime). Only for tokens that carry no `origin_jti`: theirs is a new `jti` on every
   * refresh, and only this link keeps them one session with their login.
   */
  linkSession(sub: string, tokenSessionId: string, sessionId: string, ttlSeconds: number): Promise<void>;
  /**
   * getRevocation, following a link: reads the token's own session, the cut-off and the link in one round trip,
   * and, when the token is linked, the session it is linked to (a second round trip, refreshed tokens only). The
   * answer is about the session the token belongs to.
   */
  getSessionRevocation(sub: string, tokenSessionId: string): Promise<SessionRevocation>;
  /** Remembers a refresh token by its id (see `refreshTokenId`), for `ttlSeconds`. */
  rememberRefreshToken(tokenId: string, record: RefreshTokenRecord, ttlSeconds: number): Promise<void>;
  /** Looks a refresh token up by its id; null when unknown or expired. */
  findRefreshToken(tokenId: string): Promise<RefreshTokenRecord | null>;
  /** Forgets a refresh token, e.g. once it has been revoked. */
  forgetRefreshToken(tokenId: string): Promise<void>;
  /** Resolves when the store answers; rejects with TemporarilyUnavailableError otherwise. */
  ping(): Promise<void>;
  /**
   * Readies the store before the instance serves: on Redis, finds which parts lost their data (or are new) and
   * marks them, so that sessions begun before are refused. Rejects when the store can't be reached.
   */
  open(): Promise<void>;
  /**
   * Resolves when the store is set up to keep what it is given; rejects with ConfigError naming the setting when
   * not (a Redis that may evict keys), or TemporarilyUnavailableError when it can't be asked.
   */
  checkSettings(): Promise<void>;
}

/** The id under which a refresh token is stored: a digest of it, so the store never holds the token itself. */
export function refreshTokenId(refreshToken: string): string {
  return shortDigest(refreshToken);
}

/** Why a token authenticated at `authTime` is refused by what the store returned; null when it is not. */
export function refusalOf(revocation: Revocation, authTime: number): Refusal | null {
  if (revocation.sessionRevoked || (revocation.cutoff !== null && authTime <= revocation.cutoff)) return 'logged_out';
  if (revocation.lostUpTo !== undefined && authTime <= revocation.lostUpTo) return 'store_lost';
  return null;
}

/** True when a token authenticated at `authTime` is refused by what the store returned. */
export function isRevoked(revocation: Revocation, authTime: number): boolean {
  return refusalOf(revocation, authTime) !== null;
}

/**
 * True when a cut-off already stored (`existing`, sparing a session when `spares`) stays instead of `cutoff`: it is
 * later, or it is the same second and spares nothing (the same cut-off), or spares a session the caller keeps.
 */
export function supersedes(existing: number, spares: boolean, cutoff: number, options: RaiseCutoffOptions = {}): boolean {
  return existing > cutoff || (existing === cutoff && (!spares || options.keepSparedAtSameSecond === true));
}
