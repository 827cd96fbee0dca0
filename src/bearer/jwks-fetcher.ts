// Fetches the JWKS over http(s) with a hard timeout; aws-jwt-verify's default fetcher speaks https only.
import type { Fetcher } from 'aws-jwt-verify/https';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';

/**
 * A Fetcher on the global fetch: http is allowed here because the configuration admits it for loopback only.
 * After a failed fetch it fails fast for `backoffMs`: aws-jwt-verify's penalty box covers unknown kids, not an
 * unreachable JWKS, and without this every request would wait for its own timed-out fetch.
 */
export class TimeoutFetcher implements Fetcher {
  /** Network fetches made, for tests that bound them. */
  fetches = 0;
  private unreachableUntil = 0;

  constructor(
    private readonly timeoutMs = 3000,
    private readonly backoffMs = 2000,
  ) {}

  async fetch(uri: string): Promise<ArrayBuffer> {
    if (Date.now() < this.unreachableUntil) {
      throw new FetchError(uri, 'the JWKS was unreachable moments ago; not trying again yet');
    }
    this.fetches += 1;
    try {
      const response = await fetch(uri, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
      if (response.status !== 200) {
        throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
      }
      return await response.arrayBuffer();
    } catch (err) {
      this.unreachableUntil = Date.now() + this.backoffMs;
      if (err instanceof FetchError) throw err;
      throw new FetchError(uri, err instanceof Error ? err.message : String(err));
    }
  }
}
