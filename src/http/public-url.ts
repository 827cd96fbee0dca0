// The API's external base URL: PUBLIC_URL when set, else derived from the request as it reached the API.
import type { Request } from 'express';

/**
 * `publicUrl` when configured (the only source then, so a forged Host can't reach metadata or challenges);
 * otherwise the request's protocol and Host, which honour X-Forwarded-* only under TRUST_PROXY.
 */
export function publicBaseUrl(req: Request, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
