// The API's external base URL: PUBLIC_URL when set, else derived from the request as it reached the API.
import type { Request } from 'express';
import { InvalidRequestError } from '../errors';

/** A Host header as RFC 9110 §7.2 allows it: an RFC 3986 host (IP literal, IPv4 address or reg-name), optional port. */
const VALID_HOST = /^(\[[0-9A-Fa-f:.]+\]|([A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(:[0-9]*)?$/;

/**
 * `publicUrl` when configured (the only source then, so a forged Host can't reach metadata or challenges);
 * otherwise the request's protocol and Host, which honour X-Forwarded-* only under TRUST_PROXY. A Host that is not a
 * valid host is refused (400, as RFC 9110 §7.2 says): a URL built on it would be none.
 */
export function publicBaseUrl(req: Request, publicUrl: string | undefined): string {
  return baseUrlOf(req.protocol, req.get('host'), publicUrl);
}

/** publicBaseUrl from its parts, for a door without Express: `publicUrl`, else `protocol` and a valid `host`. */
export function baseUrlOf(protocol: string, host: string | undefined, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  const named = host ?? 'localhost';
  if (!VALID_HOST.test(named)) throw new InvalidRequestError('The Host header is not a valid host.');
  return `${protocol}://${named}`;
}
