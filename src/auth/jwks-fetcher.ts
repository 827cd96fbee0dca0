// Fetches the JWKS over http(s) with a hard timeout; aws-jwt-verify's default fetcher speaks https only.
import type { Fetcher } from 'aws-jwt-verify/https';
import { FetchError, NonRetryableFetchError } from 'aws-jwt-verify/error';

/** A Fetcher on the global fetch: http is allowed here because the configuration admits it for loopback only. */
export class TimeoutFetcher implements Fetcher {
  /** Counts fetches, for readiness and for tests that bound them. */
  fetches = 0;

  constructor(private readonly timeoutMs = 3000) {}

  async fetch(uri: string): Promise<ArrayBuffer> {
    this.fetches += 1;
    let response: Response;
    try {
      response = await fetch(uri, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (err) {
      throw new FetchError(uri, err instanceof Error ? err.message : String(err));
    }
    if (response.status !== 200) {
      throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
    }
    return response.arrayBuffer();
  }
}
