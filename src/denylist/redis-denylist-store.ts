// The denylist on Redis (single server or Cluster): shared by every instance, so a logout counts everywhere at once.
import { Cluster, type Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { ConfigError, TemporarilyUnavailableError } from '../errors';
import { noMetrics, secondsSince, type Metrics } from '../metrics/metrics';
import { DenylistKeys, shortDigest, SLOT_COUNT } from '../redis/keys';
import { whenReady } from '../redis/redis-client';
import type { RaiseCutoffOptions, RefreshTokenRecord, Revocation, DenylistStore, SessionRevocation } from './denylist-store';

type RedisClient = Redis | Cluster;

/** What the store does with sessions begun before a part of it lost its data (DENYLIST_ON_LOSS). */
export type LossPolicy = 'refuse-older' | 'accept';

/** Options of the Redis store. */
export interface RedisDenylistStoreOptions {
  /** Prefix of every key, e.g. `auth:`. */
  keyPrefix: string;
  /** Times each command; default `noMetrics`, with which not even the clock is read. */
  metrics?: Metrics;
  /**
   * DENYLIST_MIN_REPLICAS: replicas that must acknowledge a write that ends a session (Redis WAIT) before it
   * resolves; fewer in time rejects with TemporarilyUnavailableError. Default 0: no wait.
   */
  minReplicas?: number;
  /** DENYLIST_REPLICA_TIMEOUT_MS: how long WAIT waits for them. Default 500. */
  replicaTimeoutMs?: number;
  /**
   * The connection session-ending writes and their WAIT go on when `minReplicas` > 0: WAIT blocks the connection it
   * is sent on, so it must not be the one every request reads on. Required then; the caller closes it.
   */
  writer?: RedisClient;
  /** DENYLIST_ON_LOSS. Default `refuse-older`. */
  onLoss?: LossPolicy;
  /** Where a loss is reported (once, at error level). Default: nowhere. */
  logger?: Logger;
  /** Clock in epoch ms. */
  now?: () => number;
}

/** A read of one user's keys, with the marker of the part of the store they live in. */
interface Read {
  values: (string | null)[];
  /** See Revocation.lostUpTo. */
  lostUpTo: number | undefined;
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
 *
 * Losing data is noticed by markers that must be there (README, "When Redis loses data"): `<prefix>!` on a single
 * server, `<prefix>!{<tag>}` for each of a Cluster's 16,384 hash slots, each holding the last epoch second of which
 * its part of the store may have lost data. Every read carries the marker of its part in the same MGET, so no request
 * pays a round trip for it, and the first read after a loss already finds it missing. A part found without its marker is
 * marked anew (SET NX: every instance agrees on the second), and sessions begun before then are refused there only.
 */
export class RedisDenylistStore implements DenylistStore {
  private readonly redis: RedisClient;
  /** The names of the keys (src/redis/keys.ts). */
  readonly keys: DenylistKeys;
  private readonly metrics: Metrics;
  private readonly batchReads: boolean;
  private readonly minReplicas: number;
  private readonly replicaTimeoutMs: number;
  private readonly writer: RedisClient;
  private readonly refuseOlder: boolean;
  private readonly logger: Logger;
  private readonly now: () => number;
  /** The marking of lost parts under way, shared by every read that finds a marker missing meanwhile. */
  private marking: Promise<void> | undefined;
  /** The reads waiting for this turn's MGET: their keys, and who to answer with how many values. */
  private pending:
    | { keys: string[]; answers: { count: number; resolve: (read: Read) => void; reject: (err: unknown) => void }[] }
    | undefined;

  constructor(redis: RedisClient, options: RedisDenylistStoreOptions) {
    this.redis = redis;
    this.keys = new DenylistKeys(options.keyPrefix);
    this.metrics = options.metrics ?? noMetrics;
    this.batchReads = !(redis instanceof Cluster);
    this.minReplicas = options.minReplicas ?? 0;
    this.replicaTimeoutMs = options.replicaTimeoutMs ?? 500;
    if (this.minReplicas > 0 && !options.writer) throw new Error('RedisDenylistStore: minReplicas needs a writer connection of its own');
    this.writer = options.writer ?? redis;
    this.refuseOlder = (options.onLoss ?? 'refuse-older') === 'refuse-older';
    this.logger = options.logger ?? pino({ enabled: false });
    this.now = options.now ?? Date.now;
  }

  /** The keys one read needs: the session's, then the user's. */
  private keysOf(sub: string, sessionId: string): [session: string, user: string] {
    const user = this.keys.user(sub);
    return [this.keys.sessionOfUser(user, sessionId), user];
  }

  async revokeSession(sub: string, sessionId: string, ttlSeconds: number): Promise<void> {
    await this.endingWrite('set', this.keys.session(sub, sessionId), 1, 'EX', ttlSeconds);
  }

  async revokeAllUpTo(sub: string, cutoff: number, ttlSeconds: number, spareSessionId?: string): Promise<void> {
    const value = spareSessionId === undefined ? String(cutoff) : `${cutoff} ${shortDigest(spareSessionId)}`;
    await this.endingWrite('set', this.keys.user(sub), value, 'EX', ttlSeconds);
  }

  async raiseCutoff(sub: string, cutoff: number, ttlSeconds: number, options: RaiseCutoffOptions = {}): Promise<boolean> {
    const keep = options.keepSparedAtSameSecond ? '1' : '0';
    const written = await this.endingWrite('eval', RAISE_CUTOFF, 1, this.keys.user(sub), cutoff, ttlSeconds, keep);
    return written === 1;
  }

  /**
   * A write that ends a session (`command` with its key first, or an `eval` of one key): resolves once
   * `minReplicas` replicas have it. WAIT goes on the writer's connection right behind the write, in one pipeline, so
   * on a Cluster it reaches the master that owns the key's slot and counts that master's replicas. A shortfall
   * rejects (503): the caller repeats the call, which writes the same again.
   */
  private async endingWrite(command: 'set' | 'eval', ...args: (string | number)[]): Promise<unknown> {
    if (this.minReplicas === 0) return this.call(command, () => this.redis.call(command, ...args));
    const send = () =>
      this.call(command, () => this.writer.pipeline().call(command, ...args).call('wait', this.minReplicas, this.replicaTimeoutMs).exec());
    let replies = (await send()) ?? [];
    let [writeError, written] = replies[0] ?? [];
    if (this.writer instanceof Cluster && /^(MOVED|ASK) /.test((writeError as Error | null)?.message ?? '')) {
      // A failover moved the slot: ioredis follows MOVED for single commands, not for a pipeline whose WAIT
      // answered. Learn the new owner and send both again, once.
      const cluster = this.writer;
      await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
      replies = (await send()) ?? [];
      [writeError, written] = replies[0] ?? [];
    }
    const [waitError, acknowledged] = replies[1] ?? [];
    if (writeError || waitError) throw unavailable(writeError ?? waitError);
    if (Number(acknowledged) < this.minReplicas) {
      this.metrics.replicaShortfall();
      throw new TemporarilyUnavailableError(
        `The session store (Redis) did not copy this to ${this.minReplicas} replica(s) within ${this.replicaTimeoutMs} ms; repeat the call.`,
        { retryAfterSeconds: 1 },
      );
    }
    return written;
  }

  async getRevocation(sub: string, sessionId: string): Promise<Revocation> {
    const { values: [session, cutoff], lostUpTo } = await this.read(this.keysOf(sub, sessionId));
    return { sessionRevoked: session !== null, cutoff: parseCutoff(cutoff, sessionId), lostUpTo };
  }

  async linkSession(sub: string, tokenSessionId: string, sessionId: string, ttlSeconds: number): Promise<void> {
    await this.endingWrite('set', this.keys.link(sub, tokenSessionId), sessionId, 'EX', ttlSeconds);
  }

  async getSessionRevocation(sub: string, tokenSessionId: string): Promise<SessionRevocation> {
    const read = await this.read([...this.keysOf(sub, tokenSessionId), this.keys.link(sub, tokenSessionId)]);
    const [session, cutoff, linked] = read.values;
    if (linked === null || linked === undefined) {
      return { sessionId: tokenSessionId, sessionRevoked: session !== null, cutoff: parseCutoff(cutoff, tokenSessionId), lostUpTo: read.lostUpTo };
    }
    const of = await this.getRevocation(sub, linked);
    return { sessionId: linked, sessionRevoked: session !== null || of.sessionRevoked, cutoff: of.cutoff, lostUpTo: of.lostUpTo };
  }

  /**
   * The values of `keys` (all of one user's slot) and the marker of their part of the store, in one MGET: batched
   * with this turn's other reads (behind the one marker) on a single server, the slot's own marker on a Cluster.
   */
  private read(keys: string[]): Promise<Read> {
    if (!this.batchReads) {
      return this.call('mget', () => this.redis.mget(...keys, this.keys.markerOf(keys[0]!))).then((values) => ({
        values,
        lostUpTo: this.lostUpToOf(values.pop()),
      }));
    }
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = { keys: [this.keys.marker()], answers: [] };
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
        const lostUpTo = this.lostUpToOf(values[0]);
        let at = 1;
        for (const { count, resolve } of answers) {
          resolve({ values: values.slice(at, at + count), lostUpTo });
          at += count;
        }
      },
      (err: unknown) => answers.forEach(({ reject }) => reject(err)),
    );
  }

  /** What a marker read means for sessions: see Revocation.lostUpTo. A missing one is a loss, noticed now. */
  private lostUpToOf(marker: string | null | undefined): number | undefined {
    if (marker !== null && marker !== undefined) return this.refuseOlder ? Number(marker) : undefined;
    const noticed = Math.floor(this.now() / 1000);
    this.marking ??= this.markLostParts(noticed, false)
      .catch((err: unknown) => this.logger.warn({ err: { message: (err as Error).message } }, 'denylist: could not mark the lost part of Redis yet'))
      .finally(() => {
        this.marking = undefined;
      });
    return this.refuseOlder ? noticed : undefined;
  }

  /**
   * Marks what is missing at start-up. A part found empty now lost its data before now, while this instance did not
   * run: a session begun in the current second began after it, so the mark is the second before.
   */
  async open(): Promise<void> {
    // A process opens its store as it starts, before the client has connected (it queues nothing offline): the
    // marks must come first, or a read would take the store for one that lost everything just now.
    await whenReady(this.redis, OPEN_READY_TIMEOUT_MS);
    await this.markLostParts(Math.floor(this.now() / 1000) - 1, true);
  }

  /**
   * Puts back every missing marker, with `second` as its value (SET NX, so instances that notice together agree),
   * and reports what was found missing: once, at error level, with the node and slots. At start-up a store with no
   * marker at all is new as far as anyone can tell (or lost everything while no instance ran): a warning.
   */
  private async markLostParts(second: number, starting: boolean): Promise<void> {
    const parts = this.redis instanceof Cluster ? slotsByMaster(this.redis) : [{ node: this.redis, name: 'redis', slots: [-1] }];
    if (parts.length === 0) throw unavailable(new Error('the Cluster has no master serving slots yet'));
    const lost = await Promise.all(
      parts.map(async ({ node, name, slots }) => {
        const pipeline = node.pipeline();
        for (const slot of slots) pipeline.set(slot < 0 ? this.keys.marker() : this.keys.markerOfSlot(slot), second, 'NX');
        const replies = (await this.call('set', () => pipeline.exec())) ?? [];
        return { name, slots: slots.filter((_, i) => replies[i]?.[1] === 'OK') };
      }),
    );
    const found = lost.filter((part) => part.slots.length > 0);
    if (found.length === 0) return;
    const slotsLost = found.reduce((sum, part) => sum + part.slots.length, 0);
    const everything = slotsLost === (this.redis instanceof Cluster ? SLOT_COUNT : 1);
    const since = new Date((second + 1) * 1000).toISOString();
    const consequence = this.refuseOlder
      ? `sessions begun before ${since} are refused there (DENYLIST_ON_LOSS=refuse-older): their users sign in again`
      : `sessions begun before ${since} are still accepted (DENYLIST_ON_LOSS=accept): logouts it held are undone`;
    const lostParts = found.map(({ name, slots }) => ({ node: name, slots: slots[0]! < 0 ? 'all' : slotRanges(slots) }));
    if (starting && everything) {
      this.logger.warn({ lost: lostParts, since }, `denylist: Redis holds no loss marker: a new store, or one that lost everything while no instance ran; ${consequence}`);
      return;
    }
    this.metrics.storeLoss(slotsLost);
    this.logger.error({ lost: lostParts, since }, `denylist: Redis lost its data (restarted empty, flushed, replaced or evicted); ${consequence}`);
  }

  async checkSettings(): Promise<void> {
    const masters = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis];
    for (const master of masters) {
      const info = await this.call('info', () => master.info('memory'));
      const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
      if (policy !== undefined && policy !== 'noeviction') {
        const { host, port } = master.options;
        throw new ConfigError(
          `Redis at ${host}:${port} has maxmemory-policy ${policy}: it may evict denylist keys, and a key evicted is a logout undone; set maxmemory-policy to noeviction`,
        );
      }
    }
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
 * nothing, or spares a session and ARGV[3] is '1'. A cut-off that stays is written again as it is (KEEPTTL): a
 * repeated call then reaches the replicas the first one may not have, and the WAIT behind it counts them.
 * KEYS[1]: the user's key; ARGV: cut-off, TTL in seconds, keep flag.
 */
const RAISE_CUTOFF = `
local current = redis.call('GET', KEYS[1])
if current then
  local space = string.find(current, ' ', 1, true)
  local existing = tonumber(space and string.sub(current, 1, space - 1) or current)
  local cutoff = tonumber(ARGV[1])
  if existing and (existing > cutoff or (existing == cutoff and (not space or ARGV[3] == '1'))) then
    redis.call('SET', KEYS[1], current, 'KEEPTTL')
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
`;

/** How long open() waits for the client to connect before it gives up (and start-up tries again). */
const OPEN_READY_TIMEOUT_MS = 3000;

/** Each master of a Cluster with the hash slots it serves, by the client's own slot table. */
function slotsByMaster(cluster: Cluster): { node: Redis; name: string; slots: number[] }[] {
  const byKey = new Map<string, number[]>();
  cluster.slots.forEach((owners, slot) => {
    const owner = owners?.[0];
    if (owner === undefined) return;
    const slots = byKey.get(owner) ?? [];
    slots.push(slot);
    byKey.set(owner, slots);
  });
  return cluster.nodes('master').flatMap((node) => {
    const name = `${node.options.host}:${node.options.port}`;
    const slots = byKey.get(name);
    return slots ? [{ node, name, slots }] : [];
  });
}

/** `0-5460,10923` for sorted slot numbers. */
export function slotRanges(slots: number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < slots.length; ) {
    let j = i;
    while (j + 1 < slots.length && slots[j + 1] === slots[j]! + 1) j += 1;
    ranges.push(i === j ? String(slots[i]) : `${slots[i]}-${slots[j]}`);
    i = j + 1;
  }
  return ranges.join(',');
}

const unavailable = (cause: unknown) =>
  new TemporarilyUnavailableError('The session store (Redis) is not answering.', { retryAfterSeconds: 2, cause });

/** The cut-off that applies to `sessionId`, from `<cutoff>[ <spared session>]`; null when none applies. */
export function parseCutoff(value: string | null | undefined, sessionId: string): number | null {
  if (!value) return null;
  const space = value.indexOf(' ');
  if (space === -1) return Number(value);
  return value.slice(space + 1) === shortDigest(sessionId) ? null : Number(value.slice(0, space));
}
