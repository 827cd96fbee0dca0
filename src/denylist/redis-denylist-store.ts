// The denylist on Redis (single server or Cluster): shared by every instance, so a logout counts everywhere at once.
import type { Cluster, Redis } from 'ioredis';
import { TemporarilyUnavailableError } from '../errors';
import { noMetrics, secondsSince, type Metrics } from '../metrics/metrics';
import type { RefreshTokenRecord, Revocation, DenylistStore } from './denylist-store';

/**
 * Writes one field of a user's hash, drops the fields that have expired, and sets the key to expire with its
 * last-living field. Field values end in their expiry (epoch seconds): `s:<session>` = `<exp>`,
 * `cutoff` = `<cutoff>:<exp>` or `<cutoff>:<spared session>:<exp>`. One key per call, so it runs unchanged on
 * Redis Cluster.
 */
const PUT_FIELD_SCRIPT = `
local now = tonumber(ARGV[4])
local keyExpiry = tonumber(ARGV[3])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local field = all[i]
  if field ~= ARGV[1] then
    local expiry = tonumber(string.match(all[i + 1], '(%d+)$'))
    if expiry == nil or expiry <= now then
      redis.call('HDEL', KEYS[1], field)
    elseif expiry > keyExpiry then
      keyExpiry = expiry
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIREAT', KEYS[1], keyExpiry)
return 1
`;

type RedisClient = Redis | Cluster;
type WithPutField = RedisClient & {
  putDenylistField(key: string, field: string, value: string, expiry: number, now: number): Promise<number>;
};

const CUTOFF_FIELD = 'cutoff';

/** Options of the Redis store. */
export interface RedisDenylistStoreOptions {
  /** Prefix of every key, e.g. `auth:`. */
  keyPrefix: string;
  /** Clock in epoch ms; replaceable for tests. */
  now?: () => number;
  /** Times each command; default: nothing timed. */
  metrics?: Metrics;
}

/** Session state in Redis: one hash per user (`<prefix>denylist:<sub>`), one key per refresh token. */
export class RedisDenylistStore implements DenylistStore {
  private readonly redis: WithPutField;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly metrics: Metrics;

  constructor(redis: RedisClient, options: RedisDenylistStoreOptions) {
    if (!('putDenylistField' in redis)) {
      redis.defineCommand('putDenylistField', { numberOfKeys: 1, lua: PUT_FIELD_SCRIPT });
    }
    this.redis = redis as WithPutField;
    this.prefix = options.keyPrefix;
    this.now = options.now ?? Date.now;
    this.metrics = options.metrics ?? noMetrics;
  }

  /** The key of a user's denylist hash. */
  denylistKey(sub: string): string {
    return `${this.prefix}denylist:${sub}`;
  }

  /** The key of a refresh token record. */
  refreshTokenKey(tokenId: string): string {
    return `${this.prefix}refresh:${tokenId}`;
  }

  async revokeSession(sub: string, sessionId: string, ttlSeconds: number): Promise<void> {
    const now = this.nowSeconds();
    const expiry = now + ttlSeconds;
    await this.call('putDenylistField', () => this.redis.putDenylistField(this.denylistKey(sub), `s:${sessionId}`, String(expiry), expiry, now));
  }

  async revokeAllUpTo(sub: string, cutoff: number, ttlSeconds: number, spareSessionId?: string): Promise<void> {
    const now = this.nowSeconds();
    const expiry = now + ttlSeconds;
    const value = spareSessionId ? `${cutoff}:${spareSessionId}:${expiry}` : `${cutoff}:${expiry}`;
    await this.call('putDenylistField', () => this.redis.putDenylistField(this.denylistKey(sub), CUTOFF_FIELD, value, expiry, now));
  }

  async getRevocation(sub: string, sessionId: string): Promise<Revocation> {
    const [session, cutoff] = await this.call('hmget', () =>
      this.redis.hmget(this.denylistKey(sub), `s:${sessionId}`, CUTOFF_FIELD),
    );
    const now = this.nowSeconds();
    return { sessionRevoked: session != null && Number(session) > now, cutoff: parseCutoff(cutoff, sessionId, now) };
  }

  async rememberRefreshToken(tokenId: string, record: RefreshTokenRecord, ttlSeconds: number): Promise<void> {
    await this.call('set', () => this.redis.set(this.refreshTokenKey(tokenId), JSON.stringify(record), 'EX', ttlSeconds));
  }

  async findRefreshToken(tokenId: string): Promise<RefreshTokenRecord | null> {
    const value = await this.call('get', () => this.redis.get(this.refreshTokenKey(tokenId)));
    return value ? (JSON.parse(value) as RefreshTokenRecord) : null;
  }

  async forgetRefreshToken(tokenId: string): Promise<void> {
    await this.call('del', () => this.redis.del(this.refreshTokenKey(tokenId)));
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.redis.ping());
  }

  private nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Runs a command; any Redis failure becomes a 503, so a protected route fails closed. */
  private async call<T>(name: string, command: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      const result = await command();
      this.metrics.redisCommand(name, secondsSince(start), false);
      return result;
    } catch (err) {
      this.metrics.redisCommand(name, secondsSince(start), true);
      throw new TemporarilyUnavailableError('The session store (Redis) is not answering.', { retryAfterSeconds: 2, cause: err });
    }
  }
}

/** The cut-off that applies to `sessionId`, from `<cutoff>[:<spared session>]:<exp>`; null when none applies. */
export function parseCutoff(value: string | null | undefined, sessionId: string, now: number): number | null {
  if (!value) return null;
  const first = value.indexOf(':');
  const last = value.lastIndexOf(':');
  const cutoff = Number(value.slice(0, first));
  const expiry = Number(value.slice(last + 1));
  const spared = last > first ? value.slice(first + 1, last) : null;
  return expiry > now && spared !== sessionId ? cutoff : null;
}
