// How the service names what it keeps in Redis: short digests, so no key holds a token or names an account.
import { hash } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';

/** Redis Cluster's number of hash slots. */
export const SLOT_COUNT = 16_384;

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

  /**
   * The loss marker of a single server: present while the server keeps what it was given (README, "When Redis
   * loses data"). `!` is no base64url character and no `{`: no other key is named so.
   */
  marker(): string {
    return `${this.prefix}!`;
  }

  /** The loss marker of hash slot `slot` on a Cluster: a key of that slot, read in the same MGET as its users' keys. */
  markerOfSlot(slot: number): string {
    return `${this.prefix}!{${slotTags()[slot]}}`;
  }

  /** The loss marker of the slot `key` lives in. */
  markerOf(key: string): string {
    return this.markerOfSlot(calculateSlot(key));
  }

  /** A refresh token record, by the token's id. */
  refreshToken(tokenId: string): string {
    return `${this.prefix}r:${tokenId}`;
  }
}

let tags: string[] | undefined;

/**
 * For each hash slot, the shortest base-36 string whose hash tag lands there, found once (about 90,000 tries, some
 * 30 ms) and only on a Cluster: the marker of a slot must live in that slot, so that the read of a user's keys can
 * carry it.
 */
function slotTags(): string[] {
  if (tags) return tags;
  const found = new Array<string>(SLOT_COUNT);
  for (let i = 0, left = SLOT_COUNT; left > 0; i += 1) {
    const tag = i.toString(36);
    const slot = calculateSlot(tag);
    if (found[slot] === undefined) {
      found[slot] = tag;
      left -= 1;
    }
  }
  tags = found;
  return found;
}

/** The prefix of the counts of the budget `name`. */
export function budgetKeyPrefix(prefix: string, name: string): string {
  return `${prefix}rl:${name}:`;
}
