// The denylist as versions before the current layout wrote it, converted into the current one at start-up.
import { Cluster, type Redis } from 'ioredis';
import { shortDigest } from './denylist-store';

/**
 * The layout before: one hash per user, `<prefix>denylist:<sub>`, with `s:<session>` = `<expiry>` per logged-out
 * session and `cutoff` = `<cutoff>[:<spared session>]:<expiry>`; and `<prefix>refresh:<43-character SHA-256>` per
 * refresh token record. An entry left there would be unseen by the current store: a session logged out before an
 * upgrade would be let in again.
 */
const LEGACY_USER = 'denylist:';
const LEGACY_RECORD = 'refresh:';
/**
 * Set once a scan moves nothing: every old entry is in the current layout by then, and instances of the earlier
 * version, whose logouts a later start would still have to move, are gone. Lives as long as an old entry could.
 */
const DONE_MARKER = 'layout';
const DONE_MARKER_SECONDS = 30 * 86_400;

/** What one conversion found and moved. */
export interface LegacyConversion {
  /** True when the marker said an earlier scan had found nothing, so this one did not scan. */
  skipped: boolean;
  /** Logged-out sessions moved (copied where the current layout had none). */
  sessions: number;
  /** Logout-all cut-offs moved. */
  cutoffs: number;
  /** Refresh token records moved. */
  records: number;
}

/** The keys the current layout uses, as RedisDenylistStore names them. */
export interface CurrentKeys {
  userKey(sub: string): string;
  sessionKey(sub: string, sessionId: string): string;
  refreshTokenKey(tokenId: string): string;
}

/**
 * Copies every entry of the old layout under `prefix` into the current one, each with the expiry it had. An entry the
 * current layout already has is kept (`SET … NX`): it was copied before, or written later. The old keys stay until
 * they expire: during a rolling upgrade, instances of the earlier version still read them. Scans every master of a
 * Cluster. Counts only what it moved, so a run after everything was moved counts nothing and leaves the marker.
 */
export async function convertLegacyEntries(redis: Redis | Cluster, prefix: string, keys: CurrentKeys, nowSeconds: number): Promise<LegacyConversion> {
  const marker = `${prefix}${DONE_MARKER}`;
  const done: LegacyConversion = { skipped: false, sessions: 0, cutoffs: 0, records: 0 };
  if ((await redis.get(marker)) !== null) return { ...done, skipped: true };
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  // SCAN's pattern is a glob: a prefix's own *, ?, [ or \ must match only itself.
  const pattern = (name: string) => `${prefix.replace(/[*?[\]\\]/g, '\\$&')}${name}*`;
  for (const node of nodes) {
    for (const [legacy, convert] of [
      [LEGACY_USER, (key: string, rest: string) => convertUser(redis, key, rest, keys, nowSeconds, done)],
      [LEGACY_RECORD, (key: string, rest: string) => convertRecord(redis, key, rest, keys, done)],
    ] as const) {
      for await (const batch of node.scanStream({ match: pattern(legacy), count: 1000 }) as AsyncIterable<string[]>) {
        for (const key of batch) await convert(key, key.slice(prefix.length + legacy.length));
      }
    }
  }
  if (done.sessions + done.cutoffs + done.records === 0) await redis.set(marker, '2', 'EX', DONE_MARKER_SECONDS);
  return done;
}

async function convertUser(redis: Redis | Cluster, key: string, sub: string, keys: CurrentKeys, now: number, done: LegacyConversion): Promise<void> {
  const fields = await redis.hgetall(key);
  for (const [field, value] of Object.entries(fields)) {
    const expiry = Number(value.slice(value.lastIndexOf(':') + 1));
    if (!(expiry > now)) continue;
    if (field.startsWith('s:')) {
      if (await redis.set(keys.sessionKey(sub, field.slice(2)), 1, 'EXAT', expiry, 'NX')) done.sessions += 1;
    } else if (field === 'cutoff') {
      const first = value.indexOf(':');
      const last = value.lastIndexOf(':');
      const cutoff = value.slice(0, first);
      const spared = last > first ? ` ${shortDigest(value.slice(first + 1, last))}` : '';
      if (await redis.set(keys.userKey(sub), `${cutoff}${spared}`, 'EXAT', expiry, 'NX')) done.cutoffs += 1;
    }
  }
}

async function convertRecord(redis: Redis | Cluster, key: string, sha256: string, keys: CurrentKeys, done: LegacyConversion): Promise<void> {
  const [value, ttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
  // The current id is the first 16 characters of the same base64url SHA-256 (see refreshTokenId).
  if (value !== null && ttl > 0 && (await redis.set(keys.refreshTokenKey(sha256.slice(0, 16)), value, 'PX', ttl, 'NX'))) {
    done.records += 1;
  }
}
