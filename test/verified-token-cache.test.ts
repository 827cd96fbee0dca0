// The verified-token cache: a warm token skips verification, failures are never cached, entries end with the token.
import { CognitoAccessTokenVerifier, type AccessTokenClaims, type AccessTokenVerifier } from '../src/bearer/token-verifier';
import { CachedTokenVerifier } from '../src/bearer/verified-token-cache';
import { loadConfig } from '../src/config/config';
import { InvalidTokenError } from '../src/errors';
import { stack, testEnv } from './support/stack';
import { mintAccessToken } from './support/tokens';

/** Counts the calls that reach the real verifier, through `verify` only (a verifier that can only check later). */
function counting(): AccessTokenVerifier & { calls: number } {
  const real = new CognitoAccessTokenVerifier(loadConfig(testEnv()).cognito);
  const counter = {
    calls: 0,
    verify: async (token: string): Promise<AccessTokenClaims> => {
      counter.calls += 1;
      return real.verify(token);
    },
    loadKeys: () => real.loadKeys(),
    keysLoaded: () => real.keysLoaded(),
  };
  return counter;
}

/** The real verifier with both of its ways to check counted: at once with the keys in memory, or later. */
function countingBothWays(): AccessTokenVerifier & { now: number; later: number } {
  const real = new CognitoAccessTokenVerifier(loadConfig(testEnv()).cognito);
  const counter = {
    now: 0,
    later: 0,
    verifyWithLoadedKeys: (token: string) => {
      counter.now += 1;
      return real.verifyWithLoadedKeys(token);
    },
    verify: async (token: string): Promise<AccessTokenClaims> => {
      counter.later += 1;
      return real.verify(token);
    },
    loadKeys: () => real.loadKeys(),
    keysLoaded: () => real.keysLoaded(),
  };
  return counter;
}

const now = () => Math.floor(Date.now() / 1000);

describe('CachedTokenVerifier', () => {
  it('verifies a token once, then answers from the cache', async () => {
    const inner = counting();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, stack.clientId);
    const first = await cached.verify(token);
    const second = await cached.verify(token);
    expect(second).toEqual(first);
    expect(inner.calls).toBe(1);
  });

  it('runs one check for a burst of requests carrying the same new token', async () => {
    const inner = counting();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, stack.clientId);
    const answers = await Promise.all(Array.from({ length: 20 }, () => cached.verify(token)));
    expect(inner.calls).toBe(1);
    for (const claims of answers) expect(claims).toBe(answers[0]);
    expect(answers[0]!.client_id).toBe(stack.clientId);
  });

  it('shares a failing check with the requests that came with it, and checks again after it', async () => {
    const inner = counting();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, 'someotherclient');
    const answers = await Promise.allSettled(Array.from({ length: 5 }, () => cached.verify(token)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(5).fill('rejected'));
    expect(inner.calls).toBe(1);
    await expect(cached.verify(token)).rejects.toThrow('The token was issued to a client this API does not accept.');
    expect(inner.calls).toBe(2);
  });

  it('checks a new token at once when the keys are in memory, and a burst of it once', async () => {
    const inner = countingBothWays();
    await inner.loadKeys();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, stack.clientId);
    const answers = await Promise.all(Array.from({ length: 20 }, () => cached.verify(token)));
    expect({ now: inner.now, later: inner.later }).toEqual({ now: 1, later: 0 });
    for (const claims of answers) expect(claims).toBe(answers[0]);
    expect(answers[0]!.client_id).toBe(stack.clientId);
  });

  it('refuses a bad token at once with the contract\'s error, and checks it again next time', async () => {
    const inner = countingBothWays();
    await inner.loadKeys();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, 'someotherclient');
    await expect(cached.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(cached.verify(token)).rejects.toThrow('The token was issued to a client this API does not accept.');
    expect({ now: inner.now, later: inner.later }).toEqual({ now: 2, later: 0 });
  });

  it('fetches the keys through the later check while they are not in memory', async () => {
    const inner = countingBothWays();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, stack.clientId);
    const answers = await Promise.all(Array.from({ length: 5 }, () => cached.verify(token)));
    // Each request asks for a check at once (no keys yet); only the first starts the later one, which the rest share.
    expect({ now: inner.now, later: inner.later }).toEqual({ now: 5, later: 1 });
    expect(inner.keysLoaded()).toBe(true);
    expect(answers[4]).toBe(answers[0]);
  });

  it('never caches a failure', async () => {
    const inner = counting();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, 'someotherclient');
    await expect(cached.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(cached.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    expect(inner.calls).toBe(2);
    expect(cached.size).toBe(0);
  });

  it('drops an entry when its token expires (exp plus the allowed clock skew)', async () => {
    const inner = counting();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 100 });
    const token = mintAccessToken(stack.issuer, stack.clientId, { exp: now() - 59 });
    await cached.verify(token);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await expect(cached.verify(token)).rejects.toThrow('The token has expired.');
    expect(inner.calls).toBe(2);
  });

  it('holds at most maxEntries tokens', async () => {
    const cached = new CachedTokenVerifier(counting(), { maxEntries: 3 });
    for (let i = 0; i < 10; i += 1) await cached.verify(mintAccessToken(stack.issuer, stack.clientId));
    expect(cached.size).toBe(3);
  });

  it('passes every call through when turned off (TOKEN_CACHE_SIZE=0)', async () => {
    const inner = counting();
    const cached = new CachedTokenVerifier(inner, { maxEntries: 0 });
    const token = mintAccessToken(stack.issuer, stack.clientId);
    await cached.verify(token);
    await cached.verify(token);
    expect(inner.calls).toBe(2);
  });
});
