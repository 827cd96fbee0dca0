// Remembers verified tokens (signature and claims are immutable facts) so a warm token skips RSA verification.
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { noMetrics, type Metrics } from '../metrics/metrics';
import { CLOCK_SKEW_SECONDS, type AccessTokenClaims, type AccessTokenVerifier } from './token-verifier';

/** Options of the cache. */
export interface VerifiedTokenCacheOptions {
  /** Most tokens kept; the least recently used goes first. 0 turns the cache off. */
  maxEntries: number;
  /** Counts hits and misses; default `noMetrics`. */
  metrics?: Metrics;
}

/**
 * An AccessTokenVerifier that asks `inner` once per token and keeps the claims until the token expires (with the
 * same clock skew the verifier allows). Keyed by a SHA-256 of the token, so the cache never holds a token; bounded
 * by entry count, so memory stays flat; failures are never cached, so a bad token costs a full check every time.
 * With the signing keys in memory a check is synchronous and ends before another request can ask. One that must
 * wait for the keys is shared by the requests bringing the same token meanwhile, as aws-jwt-verify's SimpleJwksCache
 * shares one fetch per JWKS URI: a burst of a fresh token costs one RSA verification, not one per request.
 * Logout is not its business: the denylist is read on every request, after this.
 */
export class CachedTokenVerifier implements AccessTokenVerifier {
  private readonly cache: LRUCache<string, AccessTokenClaims> | undefined;
  /** The checks under way, by cache key; each entry leaves once its check has ended, passed or failed. */
  private readonly verifying = new Map<string, Promise<AccessTokenClaims>>();
  private readonly metrics: Metrics;

  constructor(
    readonly inner: AccessTokenVerifier,
    options: VerifiedTokenCacheOptions,
  ) {
    this.cache = options.maxEntries > 0 ? new LRUCache({ max: options.maxEntries }) : undefined;
    this.metrics = options.metrics ?? noMetrics;
  }

  /** Entries held now. */
  get size(): number {
    return this.cache?.size ?? 0;
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    if (!this.cache) return this.inner.verify(token);
    const key = hash('sha256', token, 'base64url');
    const hit = this.cache.get(key);
    if (hit && hit.exp + CLOCK_SKEW_SECONDS > Date.now() / 1000) {
      this.metrics.tokenCache(true);
      return hit;
    }
    this.metrics.tokenCache(false);
    // With the keys in memory a check ends before any other request can start one: nothing to share.
    const now = this.inner.verifyWithLoadedKeys?.(token);
    if (now) return this.keep(key, now);
    let check = this.verifying.get(key);
    if (!check) {
      check = this.verifyAndKeep(key, token);
      this.verifying.set(key, check);
    }
    return check;
  }

  private async verifyAndKeep(key: string, token: string): Promise<AccessTokenClaims> {
    try {
      return this.keep(key, await this.inner.verify(token));
    } finally {
      this.verifying.delete(key);
    }
  }

  /** Keeps `claims` until the token expires (plus the clock skew allowed), and hands them back. */
  private keep(key: string, claims: AccessTokenClaims): AccessTokenClaims {
    const ttl = (claims.exp + CLOCK_SKEW_SECONDS) * 1000 - Date.now();
    if (ttl > 0) this.cache!.set(key, claims, { ttl });
    return claims;
  }

  loadKeys(): Promise<void> {
    return this.inner.loadKeys();
  }

  keysLoaded(): boolean {
    return this.inner.keysLoaded();
  }
}
