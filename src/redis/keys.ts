// How the service names what it keeps in Redis: short digests, so no key holds a token or names an account.
import { hash } from 'node:crypto';

/**
 * 16 base64url characters of a SHA-256 of `text` (96 bits): short enough to keep a key small, long enough that two
 * of a billion users or sessions sharing one is about a one-in-10^11 event.
 */
export function shortDigest(text: string): string {
  return hash('sha256', text, 'base64url').slice(0, 16);
}

/**
 * The names of the denylist's keys under `prefix` (README, "The denylist in Redis"). Every key of one user carries
 * the user's digest in braces, Redis Cluster's hash tag, so a user's keys share one slot and one MGET reads them.
 */
export class DenylistKeys {
  constructor(private readonly prefix: string) {}

  /** The user's logout-all cut-off; the hash tag of every key of the user. */
  user(sub: string): string {
    return `${this.prefix}{${shortDigest(sub)}}`;
  }

  /** A logged-out session of the user. */
  session(sub: string, sessionId: string): string {
    return this.sessionOfUser(this.user(sub), sessionId);
  }

  /** A logged-out session, given its user's key (the digest of `sub` worked out once). */
  sessionOfUser(userKey: string, sessionId: string): string {
    return `${userKey}${shortDigest(sessionId)}`;
  }

  /** The link of a refreshed token (its own session id) to the session it was refreshed from. */
  link(sub: string, tokenSessionId: string): string {
    // `~` is no base64url character: a link's key never equals a session's.
    return `${this.user(sub)}~${shortDigest(tokenSessionId)}`;
  }

  /** A refresh token record, by the token's id. */
  refreshToken(tokenId: string): string {
    return `${this.prefix}r:${tokenId}`;
  }
}

/** The prefix of the counts of the budget `name`. */
export function budgetKeyPrefix(prefix: string, name: string): string {
  return `${prefix}rl:${name}:`;
}
