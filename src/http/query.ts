// The query of a request target, read one way by every door: the API port's routes and the forward-auth port.
import { InvalidRequestError } from '../errors';

/** The most parameters a query may have. No route reads more than two; more is refused, never cut short. */
export const MAX_QUERY_PARAMETERS = 100;

/**
 * The parameters of `target`'s query (`/auth/verify?scope=a`), as application/x-www-form-urlencoded reads them;
 * undefined without one. Refused (400): more than MAX_QUERY_PARAMETERS, where a parser that stops early would let a
 * parameter past its limit go unread, and a query that begins with another `?`, which one reading takes for
 * `scope` and another for `?scope`.
 */
export function queryOf(target: string): URLSearchParams | undefined {
  const start = target.indexOf('?');
  if (start === -1) return undefined;
  if (target[start + 1] === '?') throw new InvalidRequestError('The query must not begin with "?".');
  const params = new URLSearchParams(target.slice(start + 1));
  if (params.size > MAX_QUERY_PARAMETERS) throw new InvalidRequestError(`The query has more than ${MAX_QUERY_PARAMETERS} parameters.`);
  return params;
}
