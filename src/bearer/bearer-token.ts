// Takes the access token out of the Authorization header (RFC 6750 §2.1); the header is the only place accepted.
import { InvalidRequestError, UnauthorizedError } from '../errors';

/** RFC 6750 b64token: the characters a Bearer token may have. */
const B64_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Returns the Bearer token of a request.
 * @param authorization the Authorization header, if any
 * @param tokenInUrl true when the URL carries `access_token` (refused: URLs end up in logs and histories)
 */
export function extractBearerToken(authorization: string | undefined, tokenInUrl: boolean): string {
  if (tokenInUrl) {
    throw new InvalidRequestError('Access tokens are accepted only in the Authorization header, never in the URL.');
  }
  if (authorization === undefined || authorization.trim() === '') throw new UnauthorizedError();
  const [scheme = '', token, ...rest] = authorization.trim().split(/ +/);
  if (scheme.toLowerCase() !== 'bearer') throw new UnauthorizedError();
  if (token === undefined || rest.length > 0 || !B64_TOKEN.test(token)) {
    throw new InvalidRequestError('The Authorization header must be "Bearer <token>".');
  }
  return token;
}
