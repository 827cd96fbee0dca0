// The denylist on Redis (single server or Cluster): shared by every instance, so a logout counts everywhere at once.
import { Cluster, type Redis } from 'ioredis';
import { TemporarilyUnavailableError } from '../errors';
import { noMetrics, secondsSince, type Metrics } from '../metrics/metrics';
import { DenylistKeys, shortDigest } from '../redis/keys';
import type { RaiseCutoffOptions, RefreshTokenRecord, Revocation, DenylistStore, SessionRevocation } from './denylist-store';

type RedisClient = Redis | Cluster;

/** Options of the Redis store. */
export interface RedisDenylistStoreOptions {
  /** Prefix of every key, e.g. `auth:`. */
  keyPrefix: string;
  /** Times each command; default `noMetrics`, with which not even the clock is read. */
  metrics?: Metrics;
}

/**
 * Session state in Redis, laid out for few bytes and one round trip per request:
 * - `<prefix>{<user>}<session>` = `1`: a logged-out session, until its TTL;
 * - `<prefix>{<user>}` = `<cutoff>`, or `<cutoff> <spared session>`: the user's logout-all cut-off, until its TTL;
 * - `<prefix>{<user>}~<token session>` = `<session>`: a refreshed token without `origin_jti` linked to the session
 *   it was refreshed from, for the token's lifetime;
 * - `<prefix>r:<refresh token id>` = JSON: a refresh token record, until its TTL.
 * `<user>` and `<session>` are short digests of `sub` and the session id (see shortDigest). A logged-out session is
 * then one short key whose value Redis shares among all keys: a string key per session takes fewer bytes than a
 * field in a hash per user, whose key, object, listpack and expiry each take an allocation (bench/results has the
 * bytes of each). The braces put a user's keys in one hash slot, so one MGET reads both on a Cluster too, and Redis
 * expires each key itself: a write is one SET, whatever else the user has.
 *
 * On a single server the reads of every request in one turn of the event loop leave as one MGET: a command costs
 * the client more CPU than the keys in it, and a busy instance reads for many requests at a time. A Cluster keeps
 * one MGET per request, since the users of one turn live on many slots.
 */
export class RedisDenylistStore implements DenylistStore {
  private readonly redis: RedisClient;
  /** The names of the keys (src/redis/keys.ts). */
  readonly keys: DenylistKeys;
  private readonly metrics: Metrics;
  private readonly batchReads: boolean;
  /** The reads waiting for this turn's MGET: their keys, and who to answer with how many values. */
  private pending:
    | { keys: string[]; answers: { count: number; resolve: (values: (string | null)[]) => void; reject: (err: unknown) => void }[] }
    | undefined;

  constructor(redis: RedisClient, options: RedisDenylistStoreOptions) {
    this.redis = redis;
    this.keys = new DenylistKeys(options.keyPrefix);
    this.metrics = options.metrics ?? noMetrics;
    this.batchReads = !(redis instanceof Cluster);
  }

  /** The keys one read needs: the session's, then the user's. */
  private keysOf(sub: string, sessionId: string): [session: string, user: string] {
    const user = this.keys.user(sub);
    return [this.keys.sessionOfUser(user, sessionId), user];
  }

  async revokeSession(sub: string, sessionId: string, ttlSeconds: number): Promise<void> {
    await this.call('set', () => this.redis.set(this.keys.session(sub, sessionId), 1, 'EX', ttlSeconds));
  }

  async revokeAllUpTo(sub: string, cutoff: number, ttlSeconds: number, spareSessionId?: string): Promise<void> {
    const value = spareSessionId === undefined ? String(cutoff) : `${cutoff} ${shortDigest(spareSessionId)}`;
    await this.call('set', () => this.redis.set(this.keys.user(sub), value, 'EX', ttlSeconds));
  }

  async raiseCutoff(sub: string, cutoff: number, ttlSeconds: number, options: RaiseCutoffOptions = {}): Promise<boolean> {
    const keep = options.keepSparedAtSameSecond ? '1' : '0';
    // `eval` exists on both clients with the same signature; the union of their overloads is not callable as one.
    const redis = this.redis as Redis;
    const written = await this.call('eval', () => redis.eval(RAISE_CUTOFF, 1, this.keys.user(sub), cutoff, ttlSeconds, keep));
    return written === 1;
  }

  async getRevocation(sub: string, sessionId: string): Promise<Revocation> {
    const [session, cutoff] = await this.read(this.keysOf(sub, sessionId));
    return { sessionRevoked: session !== null, cutoff: parseCutoff(cutoff, sessionId) };
  }

  async linkSession(sub: string, tokenSessionId: string, sessionId: string, ttlSeconds: number): Promise<void> {
    await this.call('set', () => this.redis.set(this.keys.link(sub, tokenSessionId), sessionId, 'EX', ttlSeconds));
  }

  async getSessionRevocation(sub: string, tokenSessionId: string): Promise<SessionRevocation> {
    const [session, cutoff, linked] = await this.read([...this.keysOf(sub, tokenSessionId), this.keys.link(sub, tokenSessionId)]);
    if (linked === null || linked === undefined) {
      return { sessionId: tokenSessionId, sessionRevoked: session !== null, cutoff: parseCutoff(cutoff, tokenSessionId) };
    }
    const of = await this.getRevocation(sub, linked);
    return { sessionId: linked, sessionRevoked: session !== null || of.sessionRevoked, cutoff: of.cutoff };
  }

  /** The values of `keys` (all of one user's slot): batched with this turn's other reads on a single server. */
  private read(keys: string[]): Promise<(string | null)[]> {
    if (!this.batchReads) return this.call('mget', () => this.redis.mget(...keys));
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = { keys: [], answers: [] };
        setImmediate(() => this.flushReads());
      }
      this.pending.keys.push(...keys);
      this.pending.answers.push({ count: keys.length, resolve, reject });
    });
  }

  private flushReads(): void {
    const { keys, answers } = this.pending!;
    this.pending = undefined;
    this.call('mget', () => this.redis.mget(keys)).then(
      (values) => {
        let at = 0;
        for (const { count, resolve } of answers) {
          resolve(values.slice(at, at + count));
          at += count;
        }
      },
      (err: unknown) => answers.forEach(({ reject }) => reject(err)),
    );
  }

  async rememberRefreshToken(tokenId: string, record: RefreshTokenRecord, ttlSeconds: number): Promise<void> {
    await this.call('set', () => this.redis.set(this.keys.refreshToken(tokenId), JSON.stringify(record), 'EX', ttlSeconds));
  }

  async findRefreshToken(tokenId: string): Promise<RefreshTokenRecord | null> {
    const value = await this.call('get', () => this.redis.get(this.keys.refreshToken(tokenId)));
    return value ? (JSON.parse(value) as RefreshTokenRecord) : null;
  }

  async forgetRefreshToken(tokenId: string): Promise<void> {
    await this.call('del', () => this.redis.del(this.keys.refreshToken(tokenId)));
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.redis.ping());
  }

  /** Runs a command; any Redis failure becomes a 503, so a protected route fails closed. */
  private async call<T>(name: string, command: () => Promise<T>): Promise<T> {
    const { metrics } = this;
    if (!metrics.enabled) {
      try {
        return await command();
      } catch (err) {
        throw unavailable(err);
      }
    }
    const start = process.hrtime.bigint();
    try {
      const result = await command();
      metrics.redisCommand(name, secondsSince(start), false);
      return result;
    } catch (err) {
      metrics.redisCommand(name, secondsSince(start), true);
      throw unavailable(err);
    }
  }
}

/**
 * raiseCutoff in one step on the server, so a logout-all written between a read and a write is never undone. The
 * rule is `supersedes` (denylist-store.ts): the stored cut-off stays when it is later, or the same second and spares
 * nothing, or spares a session and ARGV[3] is '1'. KEYS[1]: the user's key; ARGV: cut-off, TTL in seconds, keep flag.
 */
const RAISE_CUTOFF = `
local current = redis.call('GET', KEYS[1])
if current then
  local space = string.find(current, ' ', 1, true)
  local existing = tonumber(space and string.sub(current, 1, space - 1) or current)
  local cutoff = tonumber(ARGV[1])
  if existing and (existing > cutoff or (existing == cutoff and (not space or ARGV[3] == '1'))) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
`;

const unavailable = (cause: unknown) =>
  new TemporarilyUnavailableError('The session store (Redis) is not answering.', { retryAfterSeconds: 2, cause });

/** The cut-off that applies to `sessionId`, from `<cutoff>[ <spared session>]`; null when none applies. */
export function parseCutoff(value: string | null | undefined, sessionId: string): number | null {
  if (!value) return null;
  const space = value.indexOf(' ');
  if (space === -1) return Number(value);
  return value.slice(space + 1) === shortDigest(sessionId) ? null : Number(value.slice(0, space));
}
