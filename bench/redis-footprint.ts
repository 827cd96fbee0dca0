// Redis bytes per live login, per logout and per rate-limit counter, from `INFO memory`, through the service's own
// SignInService and stores. Cognito is a stand-in here (labelled): 100 k real logins through cognito-local would
// take most of an hour, and only the tokens' claims matter to what is stored. Their signatures are not checked by
// anything on this path, so the stand-in's tokens carry none.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import pino from 'pino';
import type { Principal } from '../src/bearer/principal';
import { RedisDenylistStore } from '../src/denylist/redis-denylist-store';
import { usernameBudgetKey } from '../src/http/budgets';
import { redisBudgetStore } from '../src/redis/budget-store';
import type { CognitoSignIn, LoginResult } from '../src/signin/model';
import { SignInService } from '../src/signin/sign-in-service';

const SESSION_TTL = 2_592_000;
const ACCESS_SECONDS = 3600;

/** An access token as Amazon Cognito issues it (with `origin_jti`), or as cognito-local does (without). */
function accessToken(sub: string, originJti: boolean): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const jti = randomUUID();
  return `${b64({ alg: 'RS256', kid: 'bench' })}.${b64({
    sub,
    username: sub,
    client_id: 'bench-client',
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    jti,
    ...(originJti ? { origin_jti: randomUUID() } : {}),
    iat: now,
    auth_time: now,
    exp: now + ACCESS_SECONDS,
  })}.unsigned`;
}

/** Labelled stand-in for Cognito: answers every login and refresh with fresh tokens; nothing else is called here. */
function standInCognito(originJti: boolean): CognitoSignIn {
  const unused = () => Promise.reject(new Error('not used by the footprint bench'));
  return {
    login: async (username): Promise<LoginResult> => ({
      // Amazon Cognito's refresh tokens are encrypted JWTs of about 1.7 kB.
      tokens: { accessToken: accessToken(username, originJti), refreshToken: `${randomUUID()}.${'r'.repeat(1700)}`, expiresIn: ACCESS_SECONDS },
    }),
    // The refreshed token's user is the record's: the stand-in reads it back from the username it is given.
    refresh: async (_refreshToken, username) => ({ accessToken: accessToken(username ?? randomUUID(), originJti), expiresIn: ACCESS_SECONDS }),
    respondToChallenge: unused,
    revokeRefreshToken: unused,
    globalSignOut: unused,
    accessTokenRevoked: unused,
  };
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
}

/** Runs `count` calls of `step`, `parallel` at a time, reporting progress now and then. */
async function times(count: number, step: (i: number) => Promise<unknown>, progress?: (done: number) => void): Promise<void> {
  let next = 0;
  const parallel = 256;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        await step(i);
        if (progress && (i + 1) % 100_000 === 0) progress(i + 1);
      }
    }),
  );
}

/** Bytes that `count` calls of `step` leave in Redis, per call. */
async function bytesPer(redis: Redis, count: number, step: (i: number) => Promise<unknown>): Promise<number> {
  const before = await usedMemory(redis);
  await times(count, step);
  return ((await usedMemory(redis)) - before) / count;
}

/** Deletes every key under `prefix` (SCAN, then UNLINK in batches): the bench's keys only. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    cursor = nextCursor;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** What one login, one logout and one login's rate-limit counter keep in Redis. */
export interface Footprint {
  /** Bytes per live login with Amazon Cognito's tokens (`origin_jti`): nothing is stored for them. */
  loginAmazon: number;
  /** Bytes per live login where tokens carry no `origin_jti` (cognito-local): the refresh token record. */
  loginNoOriginJti: number;
  /** Bytes per logout (a logged-out session). */
  logout: number;
  /** Bytes per refresh with Amazon Cognito's tokens (`origin_jti`): nothing is stored. */
  refreshAmazon: number;
  /** Bytes per refresh where tokens carry no `origin_jti`: the link of the new token to its login's session. */
  refreshNoOriginJti: number;
  /** Bytes per (client IP, username) login counter, kept LOGIN_RATE_WINDOW_SECONDS. */
  rateLimitCounter: number;
}

/**
 * Measures the footprint over `sessions` of each kind in `redis` (a database the bench has to itself), then leaves
 * `loggedOut` logged-out sessions of distinct users there under `prefix`, for the throughput phase that reads past them.
 */
export async function measureFootprint(redis: Redis, prefix: string, sessions: number, loggedOut: number, log: (line: string) => void): Promise<Footprint> {
  const logger = pino({ level: 'silent' });
  const denylist = new RedisDenylistStore(redis, { keyPrefix: prefix });
  const signIn = (originJti: boolean) =>
    new SignInService(standInCognito(originJti), denylist, logger, { sessionTtlSeconds: SESSION_TTL });
  // The store's loss marker, as a store in use has (and again after each clean-up): a read that found none would take
  // the database for one that lost everything, and refuse the stand-in's sessions.
  await denylist.open();

  log(`Redis footprint: ${sessions} logins with Amazon Cognito's tokens`);
  const amazon = signIn(true);
  const loginAmazon = await bytesPer(redis, sessions, () => amazon.login(randomUUID(), 'unused'));
  log(`Redis footprint: ${sessions} logins with cognito-local's tokens (no origin_jti)`);
  const local = signIn(false);
  const refreshTokens: string[] = [];
  const loginNoOriginJti = await bytesPer(redis, sessions, async () => {
    const result = await local.login(randomUUID(), 'unused');
    if ('tokens' in result && result.tokens.refreshToken) refreshTokens.push(result.tokens.refreshToken);
  });
  log(`Redis footprint: ${sessions} refreshes of those logins (no origin_jti), then as many with Amazon Cognito's tokens`);
  const refreshNoOriginJti = await bytesPer(redis, sessions, (i) => local.refresh(refreshTokens[i]!));
  const refreshAmazon = await bytesPer(redis, sessions, () => amazon.refresh(`${randomUUID()}.${'r'.repeat(1700)}`));
  await deleteKeys(redis, prefix);
  await denylist.open();

  log(`Redis footprint: ${sessions} rate-limit counters`);
  const counters = redisBudgetStore(redis, prefix, 'username');
  counters.init?.({ windowMs: 900_000 } as Parameters<NonNullable<typeof counters.init>>[0]);
  const rateLimitCounter = await bytesPer(redis, sessions, async (i) =>
    counters.increment(usernameBudgetKey(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `user-${i}`)),
  );
  await deleteKeys(redis, prefix);
  await denylist.open();

  log(`Redis footprint: ${sessions} logouts of distinct users`);
  const logout = (i: number) => amazon.logout(principalOf(`user-${i}-${randomUUID()}`), undefined);
  const bytesPerLogout = await bytesPer(redis, sessions, logout);
  log(`filling Redis up to ${loggedOut} logged-out sessions`);
  await times(loggedOut - sessions, (i) => logout(sessions + i), (done) => log(`  ${done + sessions} logged-out sessions`));
  return { loginAmazon, loginNoOriginJti, logout: bytesPerLogout, refreshAmazon, refreshNoOriginJti, rateLimitCounter };
}

/** A principal as requireAuth would build it for a token of `sub`, with a session of its own. */
function principalOf(sub: string): Principal {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub,
    username: sub,
    clientId: 'bench-client',
    scopes: [],
    groups: [],
    tokenUse: 'access',
    sessionId: randomUUID(),
    issuedAt: now,
    expiresAt: now + ACCESS_SECONDS,
    authTime: now,
    accessToken: 'unused',
  };
}
