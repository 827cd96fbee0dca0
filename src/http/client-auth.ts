// Client authentication at the token endpoint (RFC 6749 §2.3.1): optional, but sent credentials must be ours.
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { InvalidClientError, InvalidRequestError } from '../errors';

/** The app client the token endpoint serves. */
export interface TokenClient {
  /** Its client id. */
  clientId: string;
  /** Its secret, when it has one. */
  clientSecret?: string;
}

/** Client credentials as the form carries them. */
export interface ClientCredentials {
  client_id?: string;
  client_secret?: string;
}

/** Compares two secrets in constant time (for equal lengths; a length differs at once, which tells nothing). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when the Authorization header is HTTP Basic (the scheme's name is case-insensitive, RFC 9110 §11.1). */
export function isBasic(authorization: string | undefined): authorization is string {
  return authorization !== undefined && /^basic /i.test(authorization);
}

/** The id and secret of HTTP Basic client authentication; both parts are form-urlencoded before they are joined. */
export function basicCredentials(authorization: string): ClientCredentials {
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClientError('The Basic client credentials are malformed.');
  try {
    return { client_id: decodeURIComponent(decoded.slice(0, colon)), client_secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    throw new InvalidClientError('The Basic client credentials are malformed.');
  }
}

/**
 * RFC 6749 §2.3: one authentication method per request. With a client authenticated another way (`authenticated`,
 * its id), the form may repeat that client's id but carry no other id and no secret. Empty form fields are no
 * credentials (Swagger UI sends them empty).
 */
export function assertOneMethod(authenticated: string | undefined, form: ClientCredentials): void {
  if (authenticated !== undefined && (form.client_secret || (form.client_id && form.client_id !== authenticated))) {
    throw new InvalidRequestError('Send client credentials one way: HTTP Basic or the form, not both.');
  }
}

/**
 * Client credentials are optional; when sent (form or HTTP Basic), they must be `client`'s. Returns the client id
 * the caller named, if any.
 */
export function checkClient(req: Request, form: ClientCredentials, client: TokenClient): string | undefined {
  const authorization = req.get('authorization');
  const basic = isBasic(authorization) ? basicCredentials(authorization) : undefined;
  assertOneMethod(basic?.client_id, form);
  const sent = basic ?? form;
  if (sent.client_id && sent.client_id !== client.clientId) throw new InvalidClientError('Unknown client.');
  if (sent.client_secret && !(client.clientSecret && safeEqual(sent.client_secret, client.clientSecret))) {
    throw new InvalidClientError('Invalid client credentials.');
  }
  return sent.client_id || undefined;
}
